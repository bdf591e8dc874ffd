/**
 * `frontier supernet train` as a study stored as it trains (space mobilenet, strategy
 * `supernet-train`), under the study's one-writer lease (StudyHold):
 * - trial 0, key `supernet training`, no sample: the training; its curve gets `loss` and `lr` at
 *   each progress report (step = optimizer step), and the scoring rounds of a fixed panel of
 *   sub-networks every K steps (shared/supernet-rounds.ts: `panel_seconds`,
 *   `panel_val_accuracy:<label>:<key>`); finished with the last loss when training ends.
 * - trials 1…: the sub-networks scored with the trained shared weights (largest, smallest, a few
 *   sampled at random), each stored as it is scored, `val_accuracy` (BatchNorm recalibrated).
 * - progress.evals counts the steps done (budget.evals: the steps asked for); strategyOptions holds
 *   the checkpoint and the command's settings, from which `frontier resume <study>` continues.
 */
import { errorMessage } from '../../../shared/errors.js';
import { roundPoints, roundsOf, type ScoringRound } from '../../../shared/supernet-rounds.js';
import type { Architecture, StudyRecord } from '../../../shared/types/index.js';
import type { Store } from '../../core/store.js';
import { StudyHold } from './study-hold.js';

export const SUPERNET_TRAIN = 'supernet-train';
export const TRAINING_TRIAL = 0;

export interface SupernetTrainSettings {
  readonly checkpoint: string;
  readonly steps: number;
  readonly data: string;
  readonly seed: number;
  /** The `supernet train` options that shape the run (kept to resume it). */
  readonly options: Record<string, unknown>;
}

export class SupernetTrainRecorder {
  private constructor(
    private readonly store: Store,
    private readonly hold: StudyHold,
    private lastStep: number,
  ) {}

  get id(): string {
    return this.hold.id;
  }

  /**
   * The study of this checkpoint's training when one is unfinished with the same steps (a stopped
   * or killed run continued), else a new one. StudyBusy when a live process trains it.
   */
  static open(store: Store, s: SupernetTrainSettings, now = Date.now()): SupernetTrainRecorder {
    const mine = store.listStudies().find((r) => r.spec.strategy === SUPERNET_TRAIN && r.spec.strategyOptions?.checkpoint === s.checkpoint && r.spec.budget.evals === s.steps && (r.status === 'running' || r.status === 'stopped'));
    return mine ? SupernetTrainRecorder.reopen(store, mine, now) : SupernetTrainRecorder.start(store, s, now);
  }

  private static start(store: Store, s: SupernetTrainSettings, now: number): SupernetTrainRecorder {
    const rec = store.createStudy({
      name: `supernet training on ${s.data}`,
      space: 'mobilenet',
      strategy: SUPERNET_TRAIN,
      strategyOptions: { ...s.options, data: s.data, checkpoint: s.checkpoint },
      objectives: [{ metric: 'val_accuracy', direction: 'max' }],
      constraints: [],
      report: [],
      budget: { evals: s.steps },
      seed: s.seed,
      evaluator: { kind: 'supernet', checkpoint: s.checkpoint },
    }, now);
    const hold = StudyHold.take(store, rec.id, rec.progress, now);
    store.setStudyStatus(rec.id, 'running', now);
    store.createTrial(rec.id, { key: 'supernet training', sample: [] }, now);
    return new SupernetTrainRecorder(store, hold, 0);
  }

  private static reopen(store: Store, rec: StudyRecord, now: number): SupernetTrainRecorder {
    const hold = StudyHold.take(store, rec.id, rec.progress, now);
    try {
      store.setStudyStatus(rec.id, 'running', now);
      // A killed run may have left a sub-network half scored: it failed; the training's trial goes on.
      for (const t of store.getTrials(rec.id, { states: ['running'] })) {
        if (t.number === TRAINING_TRIAL) continue;
        store.finishTrial(rec.id, t.number, { state: 'failed', metrics: {}, fidelity: {}, cost: 0, error: 'interrupted: the run stopped before it was scored', finishedAt: now }, { progress: rec.progress, strategyState: null });
      }
      const lastStep = store.getCurve(rec.id, TRAINING_TRIAL).reduce((m, p) => Math.max(m, p.step), 0);
      return new SupernetTrainRecorder(store, hold, lastStep);
    } catch (e) {
      hold.release();
      throw e;
    }
  }

  /** A progress report of the training (steps already recorded are skipped). */
  step(p: { readonly step: number; readonly loss: number; readonly lr: number }): void {
    if (p.step <= this.lastStep) return;
    this.store.appendCurve(this.id, TRAINING_TRIAL, [{ step: p.step, metric: 'loss', value: p.loss }, { step: p.step, metric: 'lr', value: p.lr }]);
    this.lastStep = p.step;
    this.hold.progress = { ...this.hold.progress, evals: p.step };
    this.store.updateProgress(this.id, this.hold.current());
  }

  /** Steps of the scoring rounds stored so far. */
  roundSteps(): Set<number> {
    return new Set(roundsOf(this.store.getCurve(this.id, TRAINING_TRIAL)).map((r) => r.step));
  }

  /** A scoring round during the training, stored at once (a step stored already is skipped). */
  round(r: ScoringRound): void {
    if (this.roundSteps().has(r.step)) return;
    this.store.appendCurve(this.id, TRAINING_TRIAL, roundPoints(r));
    this.store.updateProgress(this.id, this.hold.current());
  }

  /** The training ended: its trial is finished with the last loss and the seconds it took. */
  trained(r: { readonly steps: number; readonly loss: number; readonly seconds: number }, now = Date.now()): void {
    this.hold.progress = { ...this.hold.progress, evals: r.steps, costSeconds: this.hold.progress.costSeconds + r.seconds };
    // A run killed while scoring sub-networks had finished it already.
    if (this.store.getTrial(this.id, TRAINING_TRIAL)?.state !== 'running') return;
    const metrics: Record<string, number> = Number.isFinite(r.loss) ? { loss: r.loss } : {};
    this.store.finishTrial(this.id, TRAINING_TRIAL, { state: 'complete', metrics, fidelity: {}, cost: r.seconds, finishedAt: now }, { progress: this.hold.current(), strategyState: null });
  }

  /** One sub-network scored with the shared weights, stored at once. */
  scored(a: Architecture, valAccuracy: number, seconds: number, now = Date.now()): void {
    const n = this.store.createTrial(this.id, { key: a.key, sample: a.sample }, now);
    this.store.finishTrial(this.id, n, { state: 'complete', metrics: { val_accuracy: valAccuracy }, fidelity: { val_accuracy: 'supernet (shared weights, BatchNorm recalibrated)' }, cost: seconds, finishedAt: now }, {
      progress: this.hold.current(), strategyState: null,
    });
  }

  complete(now = Date.now()): void {
    try {
      this.store.updateProgress(this.id, this.hold.current());
      this.store.setStudyStatus(this.id, 'complete', now);
    } finally {
      this.hold.release();
    }
  }

  /** Stopped (Ctrl-C): resumable from the checkpoint with `frontier resume <id>`. */
  stopped(now = Date.now()): void {
    try {
      this.store.updateProgress(this.id, this.hold.current());
      this.store.setStudyStatus(this.id, 'stopped', now);
    } finally {
      this.hold.release();
    }
  }

  failed(error: unknown, now = Date.now()): void {
    try {
      this.store.abandonRunning(this.id, errorMessage(error), now);
      this.store.setStudyStatus(this.id, 'failed', now, errorMessage(error));
    } finally {
      this.hold.release();
    }
  }

  dispose(): void {
    this.hold.release();
  }
}
