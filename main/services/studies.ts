import type { StudyRecord, StudySpec } from '../../shared/types/index.js';
import { NasError } from '../../shared/errors.js';
import type { CancellationToken } from '../core/cancellation.js';
import { createSpace } from '../core/spaces.js';
import { createStrategy } from '../core/strategies.js';
import { FIDELITY_METRIC, Study, type Clock, type StudyListener, type StudyOutcome } from '../core/study.js';
import { validateStudySpec } from '../core/study-spec.js';
import type { Store } from '../core/store.js';
import type { Evaluator } from '../core/evaluator.js';
import { checkTableCoverage, TableEvaluator } from '../core/table.js';
import { createEvaluator } from './evaluators.js';
import { prepareEvaluator, screenContext, TrainEvaluator } from './train/evaluator.js';
import { processLease } from './lease.js';

export const systemClock: Clock = { now: () => Date.now() };

/** Builds the study's parts from its stored spec (space, strategy, evaluator), checking them all. */
export function buildStudy(store: Store, id: string, clock: Clock = systemClock): Study {
  return buildParts(store, id, clock).study;
}

function buildParts(store: Store, id: string, clock: Clock, given?: Evaluator): { study: Study; evaluator: Evaluator } {
  const rec = store.getStudy(id);
  if (!rec) throw new NasError('not-found', `no study with id ${id} (see 'frontier runs')`);
  const spec = rec.spec;
  const space = createSpace(spec.space, spec.spaceOptions ?? {});
  const evaluator = given ?? createEvaluator(spec, { store, studyId: id });
  // After the evaluator, whose zero-cost screen a filtered strategy uses (strategies/zc-filter.ts).
  let strategy;
  try {
    strategy = createStrategy(spec.strategy, { space, objectives: spec.objectives, seed: spec.seed, options: spec.strategyOptions ?? {}, ...screenContext(evaluator) });
  } catch (e) {
    if (!given) evaluator.dispose?.();
    throw e;
  }
  if (evaluator instanceof TrainEvaluator) seedEarlyStopping(evaluator, store, id);
  return { study: new Study(id, { store, space, strategy, evaluator, clock, lease: processLease() }), evaluator };
}

/** A resumed study's early stopping compares with the trials it finished before, as the first run did. */
function seedEarlyStopping(evaluator: TrainEvaluator, store: Store, id: string): void {
  const stopper = evaluator.stopper;
  if (!stopper) return;
  for (const t of store.getTrials(id, { states: ['complete'] })) {
    const values = stopper.o.objectives.map((o) => t.metrics[o.metric]);
    // The horizon is the epochs planned (a multi-fidelity strategy's asked fidelity), not those the trainer's patience ran.
    if (values.every((v) => typeof v === 'number')) stopper.record(values as number[], t.metrics[FIDELITY_METRIC] ?? stopper.o.horizon);
  }
}

/**
 * Validates the spec and builds every part before storing it, so a bad spec leaves no study behind:
 * besides each part alone, that they fit together (a table has architectures of the space; the
 * train evaluator checks that the space builds models for the data's input shape). `onWarning`
 * hears what is allowed but likely a mistake.
 */
export function createStudy(store: Store, spec: StudySpec, clock: Clock = systemClock, onWarning: (message: string) => void = () => undefined): StudyRecord {
  validateStudySpec(spec);
  const space = createSpace(spec.space, spec.spaceOptions ?? {});
  const strategy = createStrategy(spec.strategy, { space, objectives: spec.objectives, seed: spec.seed, options: spec.strategyOptions ?? {} });
  const evaluator = createEvaluator(spec);
  let stored = spec;
  try {
    // Text data: the tokenizer fitted on the training split is stored with the study.
    if (evaluator instanceof TrainEvaluator) stored = evaluator.storedSpec(spec);
    if (strategy.askFidelity && !evaluator.fidelities?.length) {
      onWarning(`strategy ${spec.strategy} picks a fidelity (e.g. epochs) per trial, but this evaluator has only one: promoted architectures are evaluated again for nothing (use training, or the nb201 tables with their 12- and 200-epoch fidelities)`);
    }
    if (spec.strategyOptions?.zcFilter !== undefined && !screenContext(evaluator).screen) {
      throw new NasError('invalid-input', 'strategy option zcFilter (a zero-cost filter) needs an evaluator that builds the models: training, not a table');
    }
    const table = evaluator instanceof TableEvaluator ? evaluator.table : undefined;
    const warning = table && checkTableCoverage(table, space);
    if (warning) onWarning(warning);
  } finally {
    evaluator.dispose?.();
  }
  return store.createStudy(stored, clock.now());
}

export async function runStudy(
  store: Store,
  id: string,
  token: CancellationToken,
  listener?: StudyListener,
  clock: Clock = systemClock,
  /** Evaluates instead of the spec's evaluator (e.g. on remote workers); the caller disposes it. */
  evaluator?: Evaluator,
): Promise<StudyOutcome> {
  const parts = buildParts(store, id, clock, evaluator);
  try {
    await prepareEvaluator(parts.evaluator);
    return await parts.study.run(token, listener);
  } finally {
    if (!evaluator) parts.evaluator.dispose?.();
  }
}
