/**
 * A supernet's training over the mobilenet space (`frontier supernet train`, the workbench's New
 * search) as one unit: its settings read and checked from text (the CLI's flags or a form's fields,
 * one table of ranges and defaults), and `startStoredSupernetTraining`, which trains it into its study
 * (SupernetTrainRecorder: the loss per step, the scoring rounds, then the sub-networks scored) with a
 * checkpoint (+ `<checkpoint>.json`) from which a stopped or killed training continues.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Cancelled, errorMessage, NasError } from '../../../shared/errors.js';
import type { ScoringRound } from '../../../shared/supernet-rounds.js';
import type { StrategyOptionInfo } from '../../../shared/strategy-info.js';
import type { Architecture, StudyRecord } from '../../../shared/types/index.js';
import { CancellationTokenSource } from '../../core/cancellation.js';
import { MobilenetSpace } from '../../core/spaces/mobilenet.js';
import { extremes } from '../../core/supernet.js';
import type { Store } from '../../core/store.js';
import { checkNumber, infoPath, type NumberSetting, type SettingsReader } from './one-shot-run.js';
import type { SupernetEngine } from './supernet-api.js';
import { Supernet, type SupernetProgress, type SupernetTrainResult } from './supernet-engine.js';
import { defaultScoreEvery, sampledSubnets, ScoringRounds, scoringPanel } from './supernet-rounds.js';
import { DEFAULT_SUPERNET_DATA, readSupernetMeta, supernetData, writeSupernetMeta, type SupernetMeta } from './supernet-study.js';
import { isTfjsCheckpoint, TfjsSupernet } from './supernet-tfjs.js';
import { SupernetTrainRecorder } from './supernet-train-study.js';
import { loadTorch } from './torch-engine.js';

/** Sub-networks scored after training besides the largest and the smallest. */
export const SAMPLED_SUBNETS = 4;

/** Every numeric setting of a supernet's training (by its CLI flag name) with its range and default. */
export const SUPERNET_NUMBERS = {
  steps: { integer: true, min: 1, default: 6000, meaning: 'optimizer steps in all' },
  seed: { integer: true, min: 0, default: 0, meaning: 'seed of the split, the weights and the sampling' },
  val: { min: 0, default: 1000, meaning: 'validation examples held out' },
  'max-train': { integer: true, min: 0, default: 10_000, meaning: 'training examples at most (0: all)' },
  'batch-size': { integer: true, min: 2, default: 64, meaning: 'examples per step' },
  lr: { min: 1e-9, default: 3e-3, meaning: 'learning rate, cosine decay' },
  'stem-stride': { integer: true, min: 1, max: 2, default: 2, meaning: 'stem stride (2: quarter-size activations, fast on a CPU)' },
  'score-every': { integer: true, min: 0, meaning: 'steps between scoring rounds of the panel (0: none)' },
  'score-sampled': { integer: true, min: 0, max: 20, default: SAMPLED_SUBNETS, meaning: 'random sub-networks in the panel besides largest and smallest' },
  threads: { integer: true, min: 1, meaning: "libtorch's intra-op threads" },
} as const satisfies Record<string, NumberSetting>;

/** The settings a form offers (the CLI's names); `data` is a field of its own. */
export const SUPERNET_SETTINGS: readonly string[] = ['steps', 'seed', 'sandwich', 'shrink', 'val', 'max-train', 'batch-size', 'lr', 'optimizer', 'stem-stride', 'score-every', 'score-sampled', 'threads', 'backend'];

export interface SupernetTrainRun {
  readonly checkpoint: string;
  readonly backend: 'torch' | 'tfjs';
  readonly data: string;
  readonly cwd: string;
  readonly val: number;
  /** 0: all. */
  readonly maxTrain: number;
  readonly seed: number;
  readonly stemStride: number;
  readonly steps: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly optimizer: 'adam' | 'sgd';
  readonly sandwich: string;
  readonly shrink: 'none' | 'progressive';
  readonly scoreEvery: number;
  readonly scoreSampled: number;
  readonly threads: number;
}

const num = (r: SettingsReader, name: keyof typeof SUPERNET_NUMBERS): number | undefined => checkNumber(r, name, SUPERNET_NUMBERS[name]);

/**
 * A training's settings, every one checked (NasError invalid-input naming the setting). `checkpoint`
 * gives its file from the seed; an existing checkpoint must be of the same data and settings (it
 * resumes). `warn` hears that tfjs is used because libtorch does not load.
 */
export function readSupernetTrainRun(r: SettingsReader, o: { cwd: string; checkpoint: (seed: number) => string; warn: (message: string) => void }): SupernetTrainRun {
  const seed = num(r, 'seed') ?? 0;
  const data = r.text('data');
  const maxTrain = num(r, 'max-train') ?? 10_000;
  const checkpoint = o.checkpoint(seed);
  // Running the same command again continues the checkpoint as it was trained: its sampling (a
  // checkpoint from before it was recorded had the sandwich rule, then the default) and its steps.
  const earlier = existsSync(checkpoint) ? readSupernetMeta(checkpoint) : undefined;
  const sandwich = r.text('sandwich') ?? (earlier ? earlier.sandwich ?? '2' : 'uniform');
  if (sandwich !== 'uniform' && !/^\d{1,2}$/.test(sandwich)) throw new NasError('invalid-input', `${r.label('sandwich')} must be a number of random sub-networks or 'uniform', got '${sandwich}'`);
  const shrink = r.text('shrink') ?? 'none';
  if (shrink !== 'none' && shrink !== 'progressive') throw new NasError('invalid-input', `${r.label('shrink')} must be none or progressive, got '${shrink}'`);
  const optimizer = r.text('optimizer') ?? 'adam';
  if (optimizer !== 'adam' && optimizer !== 'sgd') throw new NasError('invalid-input', `${r.label('optimizer')} must be adam or sgd, got '${optimizer}'`);
  const stemStride = num(r, 'stem-stride') ?? 2;
  const steps = num(r, 'steps') ?? earlier?.steps ?? SUPERNET_NUMBERS.steps.default;
  const scoreEvery = num(r, 'score-every') ?? defaultScoreEvery(steps);
  const scoreSampled = num(r, 'score-sampled') ?? SAMPLED_SUBNETS;
  const backend = trainBackend(r, checkpoint, o.warn);
  if (backend === 'tfjs' && r.text('threads') !== undefined) throw new NasError('invalid-input', `${r.label('threads')} sets libtorch's threads; the tfjs supernet runs on tfjs's backend (one thread in Node's WebAssembly)`);
  const run: SupernetTrainRun = {
    checkpoint, backend,
    data: data === undefined ? DEFAULT_SUPERNET_DATA : data.startsWith('builtin:') ? data : path.resolve(o.cwd, data),
    cwd: o.cwd,
    val: num(r, 'val') ?? 1000,
    maxTrain, seed, stemStride, steps,
    batchSize: num(r, 'batch-size') ?? 64,
    lr: num(r, 'lr') ?? 3e-3,
    optimizer, sandwich, shrink, scoreEvery, scoreSampled,
    threads: num(r, 'threads') ?? Math.min(4, availableParallelism()),
  };
  if (earlier) {
    const old = earlier;
    const same = old.data === run.data && old.val === run.val && old.maxTrain === (maxTrain > 0 ? maxTrain : undefined) && old.seed === seed && old.stemStride === stemStride;
    if (!same) throw new NasError('invalid-input', `supernet train: ${checkpoint} holds a supernet trained with other data or settings (${old.data}, val ${old.val}, max-train ${old.maxTrain ?? 'all'}, seed ${old.seed}, stem stride ${old.stemStride}); give another --out`);
  }
  return run;
}

/** The engine: the one asked for, else the checkpoint's, else libtorch when it loads, else tfjs (`warn` says so). */
function trainBackend(r: SettingsReader, checkpoint: string, warn: (message: string) => void): 'torch' | 'tfjs' {
  const b = r.text('backend');
  if (b !== undefined && b !== 'torch' && b !== 'tfjs') throw new NasError('invalid-input', `${r.label('backend')} must be torch or tfjs, got '${b}'`);
  const written = existsSync(checkpoint) ? (isTfjsCheckpoint(checkpoint) ? 'tfjs' : 'torch') : undefined;
  if (written && b && b !== written) throw new NasError('invalid-input', `supernet train: ${checkpoint} was written by the ${written} engine, not ${b}; give --backend ${written} to resume it, or another --out`);
  const want = b ?? written;
  if (want === 'torch') {
    const t = loadTorch();
    if (typeof t === 'string') throw new NasError('device-unavailable', `supernet: ${t}`);
  }
  if (want) return want;
  const t = loadTorch();
  if (typeof t !== 'string') return 'torch';
  warn(`supernet: ${t}; training on tfjs instead (the same supernet, slower)`);
  return 'tfjs';
}

/** The settings a form offers (defaults and ranges from SUPERNET_NUMBERS, the choices of the CLI). */
export function supernetSettingsInfo(): StrategyOptionInfo[] {
  const choice = (name: string, meaning: string, def: string, choices: string[]): StrategyOptionInfo => ({ name, meaning, default: def, range: choices.join(' | '), kind: 'choice', choices });
  return SUPERNET_SETTINGS.map((name) => {
    if (name === 'sandwich') return { name, meaning: "random sub-networks per step besides largest and smallest, or 'uniform' (one random sub-network per step)", default: 'uniform', range: '0..99 | uniform', kind: 'number' };
    if (name === 'shrink') return choice(name, 'none: every dimension elastic from the first step; progressive: once-for-all progressive shrinking', 'none', ['none', 'progressive']);
    if (name === 'optimizer') return choice(name, 'the optimizer', 'adam', ['adam', 'sgd']);
    if (name === 'backend') return choice(name, 'the engine (default torch when built, else tfjs)', 'torch', ['torch', 'tfjs']);
    const o: NumberSetting = SUPERNET_NUMBERS[name as keyof typeof SUPERNET_NUMBERS];
    const range = o.min !== undefined && o.max !== undefined ? `${o.min}..${o.max}` : o.min !== undefined ? `≥ ${o.min}` : '';
    const def = o.default !== undefined ? String(o.default) : name === 'score-every' ? 'every 10% of the steps, at least 50' : 'CPU cores, at most 4';
    return { name, meaning: o.meaning, default: def, range, kind: o.integer ? 'integer' : 'number' };
  });
}

/** What a study of a training keeps of its settings (strategyOptions), to continue it. */
export function supernetStudyOptions(s: SupernetTrainRun): Record<string, unknown> {
  return { val: s.val, maxTrain: s.maxTrain, stemStride: s.stemStride, batchSize: s.batchSize, lr: s.lr, optimizer: s.optimizer, sandwich: s.sandwich, shrink: s.shrink, backend: s.backend, ...(s.backend === 'torch' ? { threads: s.threads } : {}), scoreEvery: s.scoreEvery, scoreSampled: s.scoreSampled };
}

/** A stored study's settings as a reader (the CLI's names), for `frontier resume` and the workbench's Resume. */
export function studyReader(opt: Readonly<Record<string, unknown>>, steps: number | undefined, seed: number): SettingsReader {
  const names: Record<string, string> = { val: 'val', maxTrain: 'max-train', stemStride: 'stem-stride', batchSize: 'batch-size', lr: 'lr', optimizer: 'optimizer', sandwich: 'sandwich', backend: 'backend', threads: 'threads', scoreEvery: 'score-every', scoreSampled: 'score-sampled' };
  const values: Record<string, string> = { steps: String(steps), data: String(opt.data), seed: String(seed),
    // A study from before --shrink was trained with progressive shrinking, then the only schedule.
    shrink: String(opt.shrink ?? 'progressive') };
  for (const [k, flagName] of Object.entries(names)) if (opt[k] !== undefined) values[flagName] = String(opt[k]);
  // libtorch's thread count: a study from before this stored it for tfjs trainings too, which refuse it.
  if (opt.backend === 'tfjs') delete values.threads;
  return { text: (name) => values[name], flag: () => false, label: (name) => `--${name}` };
}

export interface SupernetTrainHooks {
  /** Once the data and engine are ready: whether it resumes a checkpoint, the supernet's size and data. */
  readonly onStart?: (o: { resuming: boolean; paramCount: number; trainImages: number; input: readonly number[]; classes: number }) => void;
  /** Each progress report, after it is stored (with the latest scoring round). */
  readonly onStep?: (p: SupernetProgress, latest: ScoringRound | undefined) => void;
  /** The study's name, when it is new (default: `supernet training on <data>`). */
  readonly name?: string;
}

export interface SupernetScored {
  readonly name: string;
  readonly architecture: Architecture;
  readonly valAccuracy: number;
}

export type SupernetTrainOutcome =
  | { readonly status: 'complete'; readonly result: SupernetTrainResult; readonly scored: readonly SupernetScored[] }
  | { readonly status: 'stopped'; readonly message: string }
  | { readonly status: 'failed'; readonly error: unknown };

export interface StoredSupernetTraining {
  readonly id: string;
  /** Stops it (the checkpoint is written first); `done` settles `stopped`. */
  cancel(): void;
  /** Settles once the study is complete, stopped or failed (never rejects). */
  readonly done: Promise<SupernetTrainOutcome>;
}

/**
 * Starts (or continues, when its checkpoint exists) a supernet's training stored as a study
 * (SupernetTrainRecorder.open: the unfinished study of this checkpoint, else a new one; StudyBusy
 * while a live process trains it). The data are read first: nothing is stored when they are wrong.
 */
export function startStoredSupernetTraining(store: Store, s: SupernetTrainRun, hooks: SupernetTrainHooks = {}): StoredSupernetTraining {
  const prepared = supernetData({ data: s.data, cwd: s.cwd, val: s.val, ...(s.maxTrain > 0 ? { maxTrain: s.maxTrain } : {}), seed: s.seed });
  const rec = SupernetTrainRecorder.open(store, { checkpoint: s.checkpoint, steps: s.steps, data: s.data, seed: s.seed, options: supernetStudyOptions(s) });
  if (hooks.name !== undefined && store.getStudy(rec.id)?.progress.evals === 0) {
    try {
      store.updateStudyInfo(rec.id, { name: hooks.name });
    } catch (e) {
      rec.dispose();
      throw e;
    }
  }
  const cts = new CancellationTokenSource();
  return { id: rec.id, cancel: () => cts.cancel(), done: train(s, prepared, rec, cts, hooks) };
}

async function train(s: SupernetTrainRun, prepared: ReturnType<typeof supernetData>, rec: SupernetTrainRecorder, cts: CancellationTokenSource, hooks: SupernetTrainHooks): Promise<SupernetTrainOutcome> {
  const space = new MobilenetSpace();
  const input = prepared.train.shape;
  const classes = prepared.train.classes;
  const { seed, stemStride, checkpoint: out } = s;
  const engine = (): SupernetEngine => (s.backend === 'torch' ? new Supernet(space, { input, classes, stemStride, seed, device: 'cpu', threads: s.threads }) : new TfjsSupernet(space, { input, classes, stemStride, seed }));
  let supernet: SupernetEngine | undefined;
  // Rounds are scored on a second engine (same threads: libtorch's thread count is per process)
  // from the snapshot the training writes at their step, so that the training is exactly as without them.
  let scorer: SupernetEngine | undefined;
  let rounds: ScoringRounds | undefined;
  // A write to the study that failed (e.g. its lease was taken over) stops the training.
  let lost: unknown;
  const settings = { data: s.data, cwd: s.cwd, val: s.val, ...(s.maxTrain > 0 ? { maxTrain: s.maxTrain } : {}), seed, stemStride };
  const meta = (trainedSteps: number, trainSeconds: number): SupernetMeta => ({ version: 1, space: 'mobilenet', spaceOptions: {}, ...settings, input, classes, sandwich: s.sandwich, steps: s.steps, trainedSteps, trainSeconds });
  try {
    supernet = engine();
    mkdirSync(path.dirname(out), { recursive: true });
    supernet.setData(prepared.train, prepared.val);
    if (s.scoreEvery > 0) {
      scorer = engine();
      scorer.setData(prepared.train, prepared.val);
      const r = (rounds = new ScoringRounds({ scorer, panel: scoringPanel(space, seed, s.scoreSampled), every: s.scoreEvery, checkpoint: out, stored: rec.roundSteps(), onRound: (x) => rec.round(x) }));
      await r.recover();
    }
    const before = existsSync(out) ? readSupernetMeta(out) : undefined;
    if (!before) writeSupernetMeta(out, meta(0, 0));
    hooks.onStart?.({ resuming: before !== undefined, paramCount: supernet.paramCount(), trainImages: prepared.train.y.length, input, classes });
    const r = await supernet.train({
      steps: s.steps, seed, checkpoint: out, checkpointEvery: 50, reportEvery: 5, ...rounds?.snapshots(),
      batchSize: s.batchSize,
      lr: s.lr,
      optimizer: s.optimizer,
      sandwich: s.sandwich === 'uniform' ? 'uniform' : Number(s.sandwich),
      progressive: s.shrink === 'progressive',
    }, (pr) => {
      try {
        rec.step(pr);
        rounds?.at();
        if (rounds?.failure !== undefined) throw rounds.failure;
      } catch (e) {
        lost ??= e;
        cts.cancel();
      }
      hooks.onStep?.(pr, rounds?.latest);
    }, cts.token).catch(async (e: unknown) => {
      await rounds?.stop();
      if (lost === undefined && rounds?.failure === undefined && e instanceof NasError && e.code === 'cancelled') {
        rec.stopped();
        return e;
      }
      throw lost ?? rounds?.failure ?? e;
    });
    if (r instanceof NasError) return { status: 'stopped', message: r.message };
    await rounds?.finish();
    rec.trained(r);
    writeSupernetMeta(out, meta(r.steps, (before?.trainSeconds ?? 0) + r.seconds));
    const { largest, smallest } = extremes(space);
    const scored: SupernetScored[] = [];
    // The extremes and a few sub-networks sampled at random, each stored as it is scored.
    for (const [name, a] of [['largest', largest], ['smallest', smallest], ...sampledSubnets(space, seed, SAMPLED_SUBNETS).map((x) => ['sampled', x] as const)] as const) {
      const t0 = Date.now();
      const e = await supernet.evaluate(a);
      rec.scored(a, e.accuracy, (Date.now() - t0) / 1000);
      scored.push({ name, architecture: a, valAccuracy: e.accuracy });
    }
    rec.complete();
    return { status: 'complete', result: r, scored };
  } catch (e) {
    try {
      if (e instanceof Cancelled) rec.stopped();
      else rec.failed(e);
    } catch {
      // The study is not this run's any more (its lease was lost): the error says so.
    }
    if (e instanceof Cancelled) return { status: 'stopped', message: errorMessage(e) };
    return { status: 'failed', error: e };
  } finally {
    await rounds?.stop();
    cts.dispose();
    scorer?.dispose();
    supernet?.dispose();
    rec.dispose();
  }
}

/**
 * The checkpoint a stored supernet training continues from (the workbench's Resume and `frontier
 * resume`), and whether it starts over from the beginning (stopped before its first checkpoint, its
 * settings file kept); invalid-input when both are gone.
 */
export function supernetResumeCheckpoint(rec: StudyRecord): { readonly checkpoint: string; readonly startsOver: boolean } {
  const checkpoint = rec.spec.strategyOptions?.checkpoint;
  if (typeof checkpoint !== 'string' || (!existsSync(checkpoint) && !existsSync(infoPath(checkpoint)))) {
    throw new NasError('invalid-input', `the checkpoint of study ${rec.id}, ${String(checkpoint)}, is gone (deleted or moved): its supernet training cannot be continued`);
  }
  return { checkpoint, startsOver: !existsSync(checkpoint) };
}
