/**
 * The defaults of a training search, shared by `frontier search` (main/cli/commands/search.ts) and the
 * workbench's New search form (the mobilenet entry of `space.list`), so both start the same search.
 */
import { availableParallelism } from 'node:os';
import type { StudySpec } from '../../shared/types/index.js';
import { MOBILENET_DEFAULTS } from '../core/spaces/mobilenet.js';
import { AUDIO_DEFAULTS } from './data/audio-features.js';
import { DEFAULT_DATASET, DEFAULT_TEXT_DATASET, SPEECH_DATASET } from './data/builtin.js';
import { defaultMaxTrain } from './train/evaluator.js';

/**
 * The space of a search without --space: mobilenet with 1–2 blocks per stage instead of 1–4, so that
 * the default five-minute search on 2 CPU cores sees more candidates (`--space mobilenet` is the full space).
 */
export const DEFAULT_SPACE: Pick<StudySpec, 'space' | 'spaceOptions'> = {
  space: 'mobilenet',
  spaceOptions: { stages: MOBILENET_DEFAULTS.stages.map((st) => ({ ...st, depths: [1, 2] })) },
};

/** Training settings of a candidate when not given (sized for ~5 minutes on 2 cores). */
export const TRAIN_DEFAULTS = { val: 500, epochs: 2, patience: 2, batchSize: 32, lr: 3e-3 } as const;

/** Candidates trained in parallel when not given: one per CPU core. */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/** Trials in flight for a number of training workers (the CLI's default without --concurrency). */
export function concurrencyForWorkers(workers: number): number | undefined {
  return workers > 1 ? workers : undefined;
}

/** The search `frontier search` runs with no options (without cwd: the caller's own). */
export function defaultTrainingSpec(): StudySpec {
  const workers = defaultWorkers();
  const concurrency = concurrencyForWorkers(workers);
  return {
    name: 'mobilenet evolution',
    ...DEFAULT_SPACE,
    strategy: 'evolution',
    // A training search sees tens of candidates, not thousands: a small evolution population.
    strategyOptions: { population: 8, tournament: 3 },
    objectives: [{ metric: 'val_accuracy', direction: 'max' }, { metric: 'latency_ms', direction: 'min' }],
    constraints: [],
    report: ['test_accuracy', 'params', 'flops'],
    budget: { wallMs: 270_000 },
    seed: 0,
    evaluator: {
      kind: 'train',
      data: DEFAULT_DATASET,
      ...TRAIN_DEFAULTS,
      maxTrain: defaultMaxTrain('auto'),
      latency: true,
      workers,
      // Stride-2 stem: a quarter of the activations, so a CPU search sees several times more candidates.
      mobilenet: { stemStride: 2 },
    },
    ...(concurrency !== undefined ? { concurrency } : {}),
  };
}

/**
 * A kws search's training settings when not given: the built-in keyword set's 350 training clips, a
 * fifth held out; 10 epochs (an epoch is a few steps).
 */
export const KWS_TRAIN_DEFAULTS = { data: SPEECH_DATASET, val: 0.2, epochs: 10 } as const;

/** What `frontier search --space kws` runs with no other options (the New search form's kws entry). */
export function kwsTrainingSpec(): StudySpec {
  const spec = defaultTrainingSpec();
  const { mobilenet: _, ...evaluator } = spec.evaluator as Record<string, unknown>;
  return {
    ...spec,
    name: 'kws evolution',
    space: 'kws',
    spaceOptions: {},
    evaluator: { ...evaluator, kind: 'train', ...KWS_TRAIN_DEFAULTS, audio: { ...AUDIO_DEFAULTS } },
  };
}

/**
 * A text search's training settings when not given: the built-in Debian descriptions, 48 tokens
 * per text (the longest has 50 after merges, 99% have at most 41), 3 epochs.
 */
export const TEXT_TRAIN_DEFAULTS = { data: DEFAULT_TEXT_DATASET, val: 500, epochs: 3, text: { length: 48, merges: 254 } } as const;

/** What `frontier search --space text` runs with no other options (the New search form's text entry). */
export function textTrainingSpec(): StudySpec {
  const spec = defaultTrainingSpec();
  const { mobilenet: _, ...evaluator } = spec.evaluator as Record<string, unknown>;
  return {
    ...spec,
    name: 'text evolution',
    space: 'text',
    spaceOptions: {},
    evaluator: { ...evaluator, kind: 'train', ...TEXT_TRAIN_DEFAULTS, text: { ...TEXT_TRAIN_DEFAULTS.text } },
  };
}
