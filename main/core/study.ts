import { Cancelled, errorMessage, NasError, StudyBusy, TrialPruned } from '../../shared/errors.js';
import type {
  Architecture,
  Metrics,
  Sample,
  StudyProgress,
  StudyRecord,
  StudySpec,
  StudyStatus,
  TrialRecord,
} from '../../shared/types/index.js';
import { CancellationTokenSource, type CancellationToken } from './cancellation.js';
import type { EvaluationResult, Evaluator } from './evaluator.js';
import { formatConstraint, objectiveValues, violated } from './objectives.js';
import type { SearchSpace } from './search-space.js';
import { MAX_CONCURRENCY } from './study-spec.js';
import type { LeaseHolder, LeasePolicy, Store, StudyLease, TrialResult } from './store.js';
import type { AskedPhase, FinishedTrial, Strategy, StudyView } from './strategy.js';

export interface Clock {
  now(): number;
}

/** How a run holds the study's lease (see `Store`): who it is, when another's lease is stale, how often it beats. */
export interface LeaseOptions {
  readonly holder: LeaseHolder;
  readonly policy: LeasePolicy;
  /** Period of the heartbeat, which also records the wall time used so far (a killed run loses at most this). */
  readonly heartbeatMs: number;
}

export const DEFAULT_LEASE: LeaseOptions = {
  holder: { pid: 0, host: 'this process' },
  policy: { staleAfterMs: 30_000 },
  heartbeatMs: 2_000,
};

export interface StudyDeps {
  readonly store: Store;
  readonly space: SearchSpace;
  readonly strategy: Strategy;
  readonly evaluator: Evaluator;
  readonly clock: Clock;
  /** Default: DEFAULT_LEASE (an anonymous holder; services pass the process id and host). */
  readonly lease?: LeaseOptions;
}

export interface StudyListener {
  onTrialStarted?(trial: { number: number; key: string }): void;
  onTrialFinished?(trial: TrialRecord): void;
  /** `fraction` of the budget used (0..1, the largest over the budgets set). */
  onProgress?(progress: StudyProgress, fraction: number): void;
  /** The run took over the stale lease of a run that died (or stopped beating). */
  onTakeover?(previous: StudyLease): void;
}

export interface StudyOutcome {
  readonly status: StudyStatus;
  readonly progress: StudyProgress;
  /** Why the study ended. */
  readonly reason: string;
}

/**
 * The metric holding the fidelity (e.g. epochs) a multi-fidelity strategy asked a trial to be evaluated
 * at: results at different fidelities are not comparable (summaries rank the highest one).
 */
export const FIDELITY_METRIC = 'fidelity';

/** The metric holding the phase a phased strategy asked a trial in (its index; the name is the metric's fidelity). */
export const PHASE_METRIC = 'phase';

/** Longest stretch of work before the loop lets other tasks of the event loop run. */
export const YIELD_EVERY_MS = 15;

/** After this many architectures in a row rejected by constraints, the study fails. */
export const MAX_CONSECUTIVE_REJECTIONS = 10_000;

const EMPTY_PROGRESS: StudyProgress = { evals: 0, failed: 0, rejected: 0, costSeconds: 0, wallMs: 0 };

interface Inflight {
  readonly number: number;
  readonly arch: Architecture;
  readonly cost: number;
  /** The fidelity a multi-fidelity strategy asked for (undefined: the evaluator's only or full one). */
  readonly fidelity?: number;
  readonly promise: Promise<void>;
}

/**
 * The study loop (template method): ask → constraints up front → evaluate → tell → persist, until a
 * budget is used up, the strategy is exhausted, or the token fires. Guarantees:
 * - each finished trial is written with the progress and the strategy snapshot in one transaction,
 *   so a study killed at any point resumes (`run` again) without losing or repeating a finished trial;
 * - a trial that throws is recorded `failed` (TrialPruned: `pruned`) and the study goes on;
 * - with concurrency 1 the sequence of trials is a pure function of the seed, resumed or not;
 * - one run at a time: `run` takes the study's lease first (StudyBusy, untouched study, when another
 *   live run holds it), beats it every `heartbeatMs` with the wall time used, and releases it at the
 *   end; a run that loses its lease stops without writing to the study again;
 * - an evaluator that `reattaches` (a queue) keeps a dead run's `running` trials: each is evaluated
 *   again under its own number when its architecture is asked again, the rest are abandoned at the end;
 *   `evaluator.capacity()`, when defined, sets how many evaluations are in flight (else the spec's concurrency);
 * - a simulated-seconds budget needs every evaluation to cost a finite amount above 0: otherwise
 *   the study fails, naming the trial, instead of running forever.
 */
export class Study {
  constructor(
    readonly id: string,
    private readonly deps: StudyDeps,
  ) {}

  static create(store: Store, spec: StudySpec, now: number): StudyRecord {
    return store.createStudy(spec, now);
  }

  record(): StudyRecord {
    const r = this.deps.store.getStudy(this.id);
    if (!r) throw new NasError('not-found', `no study ${this.id}`);
    return r;
  }

  async run(token: CancellationToken, listener: StudyListener = {}): Promise<StudyOutcome> {
    const { store, clock } = this.deps;
    const opts = this.deps.lease ?? DEFAULT_LEASE;
    const early = this.record();
    if (early.status === 'complete') return { status: 'complete', progress: early.progress, reason: 'already complete' };
    if (early.status === 'failed') throw new NasError('invalid-input', `study ${this.id} failed earlier and cannot be resumed: ${early.error ?? ''}`);
    const owner = `${opts.holder.pid}.${clock.now().toString(36)}.${Math.random().toString(36).slice(2, 10)}`;
    const { replaced } = store.acquireLease(this.id, { ...opts.holder, owner }, clock.now(), opts.policy);
    const beat: { timer?: ReturnType<typeof setInterval>; lost?: StudyBusy } = {};
    try {
      if (replaced) listener.onTakeover?.(replaced);
      return await this.runLeased(token, listener, owner, opts, beat);
    } catch (e) {
      // A run that lost its lease reports that, whatever failed first.
      throw beat.lost ?? e;
    } finally {
      if (beat.timer !== undefined) clearInterval(beat.timer);
      try {
        store.releaseLease(this.id, owner);
      } catch {
        // The store is gone (closed, I/O): the lease goes stale and the next run takes it over.
      }
    }
  }

  private async runLeased(
    token: CancellationToken,
    listener: StudyListener,
    owner: string,
    opts: LeaseOptions,
    beat: { timer?: ReturnType<typeof setInterval>; lost?: StudyBusy },
  ): Promise<StudyOutcome> {
    const { store, strategy, clock } = this.deps;
    // Read again under the lease: another run may have finished the study meanwhile.
    const rec = this.record();
    const spec = rec.spec;
    if (rec.status === 'complete') return { status: 'complete', progress: rec.progress, reason: 'already complete' };
    if (rec.status === 'failed') throw new NasError('invalid-input', `study ${this.id} failed earlier and cannot be resumed: ${rec.error ?? ''}`);

    store.setStudyStatus(this.id, 'running', clock.now());
    // Trials a dead run left running: abandoned, or (an evaluator whose work outlives the process)
    // kept to be re-attached when the restored strategy asks their architecture again.
    const orphans = this.deps.evaluator.reattaches ? store.getTrials(this.id, { states: ['running'] }) : [];
    if (!this.deps.evaluator.reattaches) store.abandonRunning(this.id, 'interrupted: the search stopped before this trial finished', clock.now());
    // A multi-fidelity strategy with an evaluator of one fidelity runs on `ask` (every rung alike).
    const multiFidelity = strategy.askFidelity !== undefined && (this.deps.evaluator.fidelities?.length ?? 0) > 0;
    const askNext = (view: StudyView): { sample: Sample; fidelity?: number } | undefined => {
      if (multiFidelity && strategy.askFidelity) return strategy.askFidelity(view);
      const sample = strategy.ask(view);
      return sample && { sample };
    };
    const checkpoint = store.getCheckpoint(this.id);
    if (checkpoint) strategy.restore(checkpoint.strategyState);
    let progress: StudyProgress = checkpoint?.progress ?? rec.progress ?? EMPTY_PROGRESS;
    // The checkpoint is written with each finished trial; a stop records the wall time spent since
    // (e.g. on an evaluation it abandoned), which counts too. Rejections after the checkpoint are
    // not taken from the record: the restored strategy asks those architectures again.
    if (checkpoint && rec.progress.wallMs > progress.wallMs) progress = { ...progress, wallMs: rec.progress.wallMs };

    const runStart = clock.now();
    let lastYield = runStart;
    const wallBase = progress.wallMs;
    const wall = () => wallBase + (clock.now() - runStart);
    const capacity = () => Math.min(MAX_CONCURRENCY, Math.max(1, Math.floor(this.deps.evaluator.capacity?.() ?? spec.concurrency ?? 1)));
    const inflight = new Map<number, Inflight>();
    let rejectedInARow = 0;
    let stopReason = '';
    const inner = new CancellationTokenSource();
    const sub = token.onCancellationRequested(() => inner.cancel());
    // The heartbeat keeps the lease and records the wall time used, so a kill loses at most one period.
    beat.timer = setInterval(() => {
      try {
        store.renewLease(this.id, owner, clock.now());
        store.updateProgress(this.id, { ...progress, wallMs: wall() });
      } catch (e) {
        if (e instanceof StudyBusy) {
          beat.lost = e;
          inner.cancel();
        } // anything else (a busy database): the next beat tries again
      }
    }, opts.heartbeatMs);

    const fraction = (): number => {
      const b = spec.budget;
      const parts = [0];
      if (b.evals) parts.push(progress.evals / b.evals);
      if (b.seconds) parts.push(progress.costSeconds / b.seconds);
      if (b.wallMs) parts.push(wall() / b.wallMs);
      return Math.min(1, Math.max(...parts));
    };
    const pendingCost = () => [...inflight.values()].reduce((a, f) => a + f.cost, 0);
    const estimate = this.deps.evaluator.estimateCost?.bind(this.deps.evaluator);
    const seconds = spec.budget.seconds;
    // Lets a multi-fidelity strategy skip a promotion the simulated budget can no longer pay for.
    const fits = seconds !== undefined && estimate
      ? (sample: Sample, fidelity: number): boolean => {
        const c = estimate(this.deps.space.freeze(sample), fidelity);
        return c !== undefined && progress.costSeconds + pendingCost() + c <= seconds;
      }
      : undefined;
    const budgetLeft = (): string | undefined => {
      const b = spec.budget;
      if (b.evals !== undefined && progress.evals + inflight.size >= b.evals) return `evaluation budget of ${b.evals} used`;
      if (b.seconds !== undefined && progress.costSeconds + pendingCost() >= b.seconds) return `simulated budget of ${b.seconds} s used`;
      if (b.wallMs !== undefined && wall() >= b.wallMs) return `wall-clock budget of ${Math.round(b.wallMs / 1000)} s used`;
      return undefined;
    };

    const checkCost = (what: string, cost: number) => {
      if (spec.budget.seconds !== undefined && !(Number.isFinite(cost) && cost > 0)) {
        throw new NasError('invalid-input', `${what} ${cost} simulated seconds: a simulated-seconds budget needs every evaluation to cost more than 0 (check the cost, e.g. --cost)`);
      }
    };
    const finish = (f: Inflight, result: TrialResult, values?: number[]) => {
      if (result.state === 'complete') checkCost(`trial ${f.number} cost`, result.cost);
      const told: FinishedTrial = { sample: f.arch.sample, key: f.arch.key, state: result.state, ...(values ? { values } : {}), ...(f.fidelity !== undefined ? { fidelity: f.fidelity } : {}) };
      strategy.tell(told);
      progress = {
        ...progress,
        evals: progress.evals + 1,
        failed: progress.failed + (result.state === 'failed' ? 1 : 0),
        // A trial that failed without a cost is charged its estimate (what was reserved for it), so
        // a simulated-seconds budget ends even when every evaluation fails.
        costSeconds: progress.costSeconds + (result.state !== 'complete' && !(result.cost > 0) ? f.cost : result.cost),
        wallMs: wall(),
      };
      store.finishTrial(this.id, f.number, result, { progress, strategyState: strategy.snapshot() });
      const stored = store.getTrial(this.id, f.number);
      if (stored) listener.onTrialFinished?.(stored);
      listener.onProgress?.(progress, fraction());
    };

    const launch = (arch: Architecture, known: Metrics, cost: number, fidelity: number | undefined, phase?: AskedPhase): void => {
      const at = orphans.findIndex((t) => t.key === arch.key);
      const number = at >= 0 ? orphans.splice(at, 1)[0]!.number : store.createTrial(this.id, arch, clock.now());
      listener.onTrialStarted?.({ number, key: arch.key });
      const promise = this.evaluate(number, arch, inner.token, fidelity)
        .then((r) => this.judge(r, known, spec, fidelity, phase), (e: unknown) => this.judgeError(e))
        .then((outcome) => {
          const f = inflight.get(number);
          inflight.delete(number);
          // A cancelled evaluation stays `running` and is abandoned below; a finished one is kept.
          if (f && outcome) finish(f, outcome.result, outcome.values);
        });
      inflight.set(number, { number, arch, cost, promise, ...(fidelity !== undefined ? { fidelity } : {}) });
    };

    try {
      while (!inner.token.isCancellationRequested) {
        while (!stopReason && inflight.size < capacity() && !inner.token.isCancellationRequested) {
          const over = budgetLeft();
          if (over) {
            stopReason = over;
            break;
          }
          const asked = askNext({ finished: progress.evals, pending: inflight.size, ...(multiFidelity ? { fidelities: this.deps.evaluator.fidelities as readonly number[], ...(fits ? { fits } : {}) } : {}) });
          if (!asked) {
            stopReason = 'the strategy has no architecture left to try';
            break;
          }
          const fidelity = asked.fidelity;
          const phase = strategy.askedPhase?.();
          const arch = this.deps.space.freeze(asked.sample);
          const known = this.deps.evaluator.known?.(arch) ?? {};
          const broken = violated(known, spec.constraints);
          if (broken.length > 0) {
            strategy.tell({ sample: arch.sample, key: arch.key, state: 'invalid', ...(fidelity !== undefined ? { fidelity } : {}) });
            progress = { ...progress, rejected: progress.rejected + 1 };
            if (++rejectedInARow >= MAX_CONSECUTIVE_REJECTIONS) {
              throw new NasError('invalid-input', `constraints rejected ${rejectedInARow} architectures in a row (last: ${broken.map(formatConstraint).join(', ')}); loosen them`);
            }
            continue;
          }
          rejectedInARow = 0;
          const cost = (fidelity === undefined ? this.deps.evaluator.estimateCost?.(arch) : this.deps.evaluator.estimateCost?.(arch, fidelity)) ?? 0;
          if (this.deps.evaluator.estimateCost) checkCost(`architecture ${arch.key} would cost`, cost);
          if (spec.budget.seconds !== undefined && progress.costSeconds + pendingCost() + cost > spec.budget.seconds) {
            stopReason = `simulated budget of ${spec.budget.seconds} s used`;
            break;
          }
          launch(arch, known, cost, fidelity, phase);
        }
        if (inflight.size === 0) break;
        await Promise.race([...inflight.values()].map((f) => f.promise));
        // Instant evaluations (tables) resolve as microtasks: give timers and I/O (a stop request,
        // an HTTP call, a progress redraw) a turn at least every YIELD_EVERY_MS.
        if (clock.now() - lastYield >= YIELD_EVERY_MS) {
          await new Promise((resolve) => setTimeout(resolve, 0));
          lastYield = clock.now();
        }
      }
      if (inflight.size > 0) await Promise.allSettled([...inflight.values()].map((f) => f.promise));
    } catch (e) {
      inner.cancel();
      await Promise.allSettled([...inflight.values()].map((f) => f.promise));
      if (beat.lost || e instanceof StudyBusy) throw beat.lost ?? e; // not ours to write any more
      const message = errorMessage(e);
      progress = { ...progress, wallMs: wall() };
      store.updateProgress(this.id, progress);
      store.abandonRunning(this.id, 'interrupted: the search failed', clock.now());
      store.setStudyStatus(this.id, 'failed', clock.now(), message);
      throw e;
    } finally {
      sub.dispose();
      inner.dispose();
    }

    clearInterval(beat.timer);
    if (beat.lost) throw beat.lost;
    progress = { ...progress, wallMs: wall() };
    store.updateProgress(this.id, progress);
    if (token.isCancellationRequested) {
      store.abandonRunning(this.id, 'interrupted: the search was stopped', clock.now());
      store.setStudyStatus(this.id, 'stopped', clock.now());
      return { status: 'stopped', progress, reason: 'stopped' };
    }
    if (orphans.length > 0) store.abandonRunning(this.id, 'interrupted: the search stopped before this trial finished', clock.now());
    store.setStudyStatus(this.id, 'complete', clock.now());
    listener.onProgress?.(progress, 1);
    return { status: 'complete', progress, reason: stopReason };
  }

  private async evaluate(number: number, arch: Architecture, token: CancellationToken, fidelity: number | undefined): Promise<EvaluationResult> {
    return this.deps.evaluator.evaluate(arch, (p) => this.deps.store.appendCurve(this.id, number, [p]), token, { studyId: this.id, number, ...(fidelity !== undefined ? { fidelity } : {}) });
  }

  /** `asked`: the fidelity a multi-fidelity strategy asked for, recorded as the metric `fidelity`. */
  private judge(r: EvaluationResult, known: Metrics, spec: StudySpec, asked?: number, phase?: AskedPhase): { result: TrialResult; values?: number[] } {
    const metrics: Metrics = { ...known, ...r.metrics, ...(asked !== undefined ? { [FIDELITY_METRIC]: asked } : {}), ...(phase ? { [PHASE_METRIC]: phase.index } : {}) };
    const fidelity: Record<string, string> = {};
    for (const name of Object.keys(metrics)) {
      fidelity[name] = typeof r.fidelity === 'string' ? r.fidelity : (r.fidelity[name] ?? 'unknown');
    }
    if (asked !== undefined) fidelity[FIDELITY_METRIC] = 'asked';
    if (phase) fidelity[PHASE_METRIC] = phase.name;
    const base = { metrics, fidelity, cost: r.cost, finishedAt: this.deps.clock.now() };
    const values = objectiveValues(metrics, spec.objectives);
    if (typeof values === 'string') return { result: { ...base, state: 'failed', error: values } };
    const broken = violated(metrics, spec.constraints);
    if (broken.length > 0) {
      return { result: { ...base, state: 'invalid', error: `violates ${broken.map(formatConstraint).join(', ')}` } };
    }
    return { result: { ...base, state: 'complete' }, values };
  }

  private judgeError(e: unknown): { result: TrialResult; values?: number[] } | undefined {
    if (e instanceof Cancelled) return undefined;
    const state = e instanceof TrialPruned ? 'pruned' : 'failed';
    return { result: { state, metrics: {}, fidelity: {}, cost: 0, error: errorMessage(e), finishedAt: this.deps.clock.now() } };
  }
}
