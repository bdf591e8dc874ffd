/**
 * A DARTS or ENAS run stored as it runs: the study exists (status `running`) from the start, under
 * the study's one-writer lease like any search (`Store`, services/lease.ts), and every epoch's record
 * is written as it ends, so another process (`frontier serve`, `frontier show`) sees the run live.
 *
 * Layout of such a study (space nb201, strategy `darts` / `enas`):
 * - trial 0, key `<kind> search`, no sample: the search itself. While it runs its curve gets, per
 *   epoch (step = epoch), DARTS: `alpha_<edge>_<op>` (raw alpha; softmax per edge gives the
 *   operation weights), `train_loss`, `val_loss`, `search_val_accuracy`, `parameter_free_weight`,
 *   `parameter_free_edges` (the collapse indicator); ENAS: `p_<edge>_<op>` (the controller's
 *   probabilities), `train_loss`, `mean_reward`. Finished with the search's own numbers at the end.
 * - trial 1, once the run has ended: the derived cell with its looked-up NAS-Bench-201 accuracies
 *   (`c10_test`, the objective, …), as `recordOneShotRun` always stored it.
 * - progress.evals counts the epochs done (budget.evals is the run's epochs), and
 *   strategyOptions.checkpoint names the run's checkpoint file, from which `frontier resume` continues.
 * A run on another space (ENAS on the mobilenet supernet) gives its study's own spec (`study`), its
 * epochs' curve points (`points`) and its derived trial (`finish`); the rest is the same.
 */
import { hostname } from 'node:os';
import { errorMessage, NasError } from '../../../shared/errors.js';
import type { CurvePoint, StudyRecord, StudySpec } from '../../../shared/types/index.js';
import { NB201_EDGES, NB201_OPS } from '../../core/spaces/nb201.js';
import type { Store } from '../../core/store.js';
import { nb201EvaluatorSpec } from '../evaluators.js';
import { liveLease } from '../lease.js';
import { StudyHold } from './study-hold.js';
import type { DartsEpoch, DartsRunResult, EnasEpoch, EnasRunResult } from './nb201-one-shot.js';

/** What a stored one-shot run was given (kept in the study's strategyOptions). */
export interface OneShotRunSettings {
  readonly kind: 'darts' | 'enas';
  readonly name?: string;
  readonly seed: number;
  readonly data: string;
  readonly epochs: number;
  readonly options: Record<string, unknown>;
  /** The run's checkpoint file (strategyOptions.checkpoint): where a resumed run continues from. */
  readonly checkpoint?: string;
  /** A run on another space than the NB201 cell: its study's name, space, objectives, reported metrics and evaluator. */
  readonly study?: Pick<StudySpec, 'name' | 'space' | 'objectives' | 'report' | 'evaluator'>;
}

/** An epoch of a run on another space, with its own curve points. */
export interface PointsEpoch {
  readonly epoch: number;
  readonly seconds: number;
  readonly points: readonly CurvePoint[];
}

/** The derived architecture a run on another space ends with (stored as trial 1). */
export interface DerivedTrial {
  readonly key: string;
  readonly sample: readonly number[];
  readonly metrics: Record<string, number>;
  readonly fidelity: Record<string, string>;
  readonly strategyState: unknown;
}

/** The search's own trial (its curve is the per-epoch record). */
export const SEARCH_TRIAL = 0;
const EDGE_NAMES = NB201_EDGES.map(([to, from]) => `${to}<-${from}`);

export const isOneShotStrategy = (strategy: string): strategy is 'darts' | 'enas' => strategy === 'darts' || strategy === 'enas';

/** The curve points of one epoch (see the module comment). */
export function epochPoints(e: DartsEpoch | EnasEpoch): CurvePoint[] {
  const step = e.epoch;
  const out: CurvePoint[] = [];
  if ('alpha' in e) {
    out.push(
      { step, metric: 'search_val_accuracy', value: e.valAccuracy }, { step, metric: 'train_loss', value: e.trainLoss }, { step, metric: 'val_loss', value: e.valLoss },
      { step, metric: 'parameter_free_weight', value: e.collapse.parameterFreeWeight }, { step, metric: 'parameter_free_edges', value: e.collapse.parameterFreeEdges },
    );
    e.alpha.forEach((row, i) => row.forEach((v, k) => out.push({ step, metric: `alpha_${EDGE_NAMES[i]}_${NB201_OPS[k]}`, value: v })));
  } else {
    out.push({ step, metric: 'mean_reward', value: e.meanReward }, { step, metric: 'train_loss', value: e.trainLoss });
    e.probabilities.forEach((row, i) => row.forEach((v, k) => out.push({ step, metric: `p_${EDGE_NAMES[i]}_${NB201_OPS[k]}`, value: v })));
  }
  return out;
}

/**
 * Writes one DARTS or ENAS run into its study while it runs. Holds the study's lease from `start`
 * or `reopen` until `complete`, `stopped`, `failed` or `dispose` (a heartbeat every 2 s keeps it and
 * the wall time); a lost lease makes the next write throw StudyBusy.
 */
export class OneShotStudyRecorder {
  private constructor(
    private readonly store: Store,
    private readonly hold: StudyHold,
    /** The last epoch in the search trial's curve. */
    private lastEpoch: number,
  ) {}

  get id(): string {
    return this.hold.id;
  }

  /** A new study (status running) with its search trial, under this process's lease. */
  static start(store: Store, s: OneShotRunSettings, now = Date.now()): OneShotStudyRecorder {
    const darts = s.kind === 'darts';
    const order = s.options.order;
    const rec = store.createStudy({
      name: s.name ?? `${s.kind}${darts ? ` (order ${String(order ?? 1)})` : ''} on ${s.data}`,
      space: 'nb201',
      strategy: s.kind,
      strategyOptions: { ...s.options, data: s.data, ...(s.checkpoint !== undefined ? { checkpoint: s.checkpoint } : {}) },
      objectives: [{ metric: 'c10_test', direction: 'max' }],
      constraints: [],
      report: ['c100_test', 'c10_valid', 'c100_valid', darts ? 'search_val_accuracy' : 'shared_val_accuracy', ...(darts ? ['parameter_free_share', 'parameter_free_trend'] : []), 'search_seconds'],
      budget: { evals: s.epochs },
      seed: s.seed,
      evaluator: nb201EvaluatorSpec(),
      ...s.study,
    }, now);
    const hold = StudyHold.take(store, rec.id, rec.progress, now);
    store.setStudyStatus(rec.id, 'running', now);
    store.createTrial(rec.id, { key: `${s.kind} search`, sample: [] }, now);
    return new OneShotStudyRecorder(store, hold, 0);
  }

  /**
   * The study of a stopped or killed run, taken up again: StudyBusy when a live process runs it,
   * invalid-input when it is not a one-shot study or has ended.
   */
  static reopen(store: Store, rec: StudyRecord, now = Date.now()): OneShotStudyRecorder {
    if (!isOneShotStrategy(rec.spec.strategy)) throw new NasError('invalid-input', `study ${rec.id} is a ${rec.spec.strategy} search, not a DARTS or ENAS run`);
    if (rec.status === 'complete' || rec.status === 'failed') throw new NasError('invalid-input', `study ${rec.id} is ${rec.status}: it cannot be resumed`);
    const search = store.getTrial(rec.id, SEARCH_TRIAL);
    if (!search || search.state !== 'running') throw new NasError('invalid-input', `study ${rec.id} has no running search trial: it cannot be resumed`);
    const hold = StudyHold.take(store, rec.id, rec.progress, now);
    try {
      store.setStudyStatus(rec.id, 'running', now);
      const lastEpoch = store.getCurve(rec.id, SEARCH_TRIAL).reduce((m, p) => Math.max(m, p.step), 0);
      return new OneShotStudyRecorder(store, hold, lastEpoch);
    } catch (e) {
      hold.release();
      throw e;
    }
  }

  /** An epoch's record (a resumed run's replayed epochs are written only when the study lacks them). */
  epoch(e: DartsEpoch | EnasEpoch | PointsEpoch): void {
    if (e.epoch <= this.lastEpoch) return;
    this.store.appendCurve(this.id, SEARCH_TRIAL, 'points' in e ? e.points : epochPoints(e));
    this.lastEpoch = e.epoch;
    this.hold.progress = { ...this.hold.progress, evals: e.epoch, costSeconds: this.hold.progress.costSeconds + e.seconds };
    this.store.updateProgress(this.id, this.hold.current());
  }

  /** The run ended: the search trial is finished, the derived cell stored as trial 1, the study complete. */
  complete(r: DartsRunResult | EnasRunResult, now = Date.now()): void {
    const darts = 'order' in r;
    const searched = darts
      ? { search_val_accuracy: r.epochs.at(-1)?.valAccuracy ?? NaN, parameter_free_share: r.collapse.parameterFreeShare, parameter_free_trend: r.parameterFreeTrend }
      : { shared_val_accuracy: r.sharedAccuracy };
    const finite = Object.fromEntries(Object.entries(searched).filter(([, v]) => Number.isFinite(v)));
    const metrics: Record<string, number> = {
      c10_test: r.nb201.c10_test, c100_test: r.nb201.c100_test, c10_valid: r.nb201.c10_valid, c100_valid: r.nb201.c100_valid, search_seconds: this.hold.progress.costSeconds, ...finite,
    };
    const table = 'NAS-Bench-201 table (CIFAR, 200 epochs)';
    const fidelity = Object.fromEntries(Object.keys(metrics).map((k) => [k, k.startsWith('c10') || k.startsWith('c100') ? table : `${darts ? 'darts' : 'enas'} search`]));
    this.finish({ metrics: finite, seconds: r.seconds, epochs: r.epochs.length }, {
      key: r.archStr, sample: r.cell, metrics, fidelity,
      strategyState: darts ? { alpha: r.alpha, guard: r.guard ?? null, unguardedCell: r.unguardedCell } : { probabilities: r.probabilities },
    }, now);
  }

  /** The run ended: the search trial is finished with `search`'s metrics, `derived` stored as trial 1, the study complete. */
  finish(search: { readonly metrics: Record<string, number>; readonly seconds: number; readonly epochs: number }, derived: DerivedTrial, now = Date.now()): void {
    const progress = { ...this.hold.current(), evals: search.epochs };
    try {
      this.store.finishTrial(this.id, SEARCH_TRIAL, { state: 'complete', metrics: search.metrics, fidelity: {}, cost: search.seconds, finishedAt: now }, { progress, strategyState: null });
      const n = this.store.createTrial(this.id, { key: derived.key, sample: derived.sample }, now);
      this.store.finishTrial(this.id, n, { state: 'complete', metrics: derived.metrics, fidelity: derived.fidelity, cost: 0, finishedAt: now }, { progress, strategyState: derived.strategyState });
      this.store.setStudyStatus(this.id, 'complete', now);
    } finally {
      this.dispose();
    }
  }

  /** Stopped (Ctrl-C): resumable from the checkpoint with `frontier resume <id>`. */
  stopped(now = Date.now()): void {
    try {
      this.store.updateProgress(this.id, this.hold.current());
      this.store.setStudyStatus(this.id, 'stopped', now);
    } finally {
      this.dispose();
    }
  }

  /** The run failed (e.g. diverged): the study says why. */
  failed(error: unknown, now = Date.now()): void {
    try {
      this.store.abandonRunning(this.id, errorMessage(error), now);
      this.store.setStudyStatus(this.id, 'failed', now, errorMessage(error));
    } finally {
      this.dispose();
    }
  }

  /** Stops the heartbeat and drops the lease (a study left `running` is then a dead run's: resumable). */
  dispose(): void {
    this.hold.release();
  }
}

/**
 * Stops the DARTS/ENAS run another process on this machine runs (`frontier darts|enas`, which holds
 * the study's lease) as Ctrl-C does: SIGINT, after which it ends the epoch under way, keeps its
 * checkpoint and leaves the study stopped (resumable). Returns at once; nothing when no live
 * process runs the study. A run on another host is refused with where to stop it.
 */
export function interruptOneShotRun(store: Store, id: string): void {
  const l = liveLease(store, id);
  if (!l) return;
  if (l.host !== hostname() || l.pid === process.pid) throw new NasError('invalid-input', `study ${id} is run by process ${l.pid} on ${l.host}: stop it there`);
  try {
    process.kill(l.pid, 'SIGINT');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw new NasError('invalid-input', `cannot stop process ${l.pid}, which runs study ${id}: ${errorMessage(e)}`);
  }
}
