import { cpus, loadavg } from 'node:os';
import type { RunCpu, StudyProgressEvent, StudyId } from '../../shared/ipc/contract.js';
import { errorMessage } from '../../shared/errors.js';
import type { StudyProgress, StudyRecord, TrialRecord } from '../../shared/types/index.js';
import { CancellationTokenSource } from '../core/cancellation.js';
import type { Evaluator } from '../core/evaluator.js';
import { DisposableStore, type Disposable } from '../core/lifecycle.js';
import type { Store } from '../core/store.js';
import { Study, type Clock, type StudyOutcome } from '../core/study.js';
import { createSpace } from '../core/spaces.js';
import { createStrategy } from '../core/strategies.js';
import { createEvaluator } from '../services/evaluators.js';
import { prepareEvaluator, screenContext } from '../services/train/evaluator.js';
import { systemClock } from '../services/studies.js';
import { liveLease, processLease } from '../services/lease.js';
import { studyBusy } from '../core/store-rules.js';
import { loadTorch } from '../services/train/torch-engine.js';
import type { Architecture, EvaluatorSpec } from '../../shared/types/index.js';

export interface RunnerListener {
  onTrial(id: StudyId, trial: TrialRecord): void;
  onProgress(e: StudyProgressEvent): void;
  onStatus(id: StudyId, status: 'running' | 'stopped' | 'complete' | 'failed', error?: string): void;
}

/** Fraction of the budget a study has used, 0..1 (the largest of its evaluation, cost and wall-time parts). */
export function budgetFraction(rec: StudyRecord): number {
  const b = rec.spec.budget;
  const p = rec.progress;
  const parts = [0];
  if (b.evals) parts.push(p.evals / b.evals);
  if (b.seconds) parts.push(p.costSeconds / b.seconds);
  if (b.wallMs) parts.push(p.wallMs / b.wallMs);
  return rec.status === 'complete' ? 1 : Math.min(1, Math.max(...parts));
}

/**
 * Where a study's models train: `cuda` or `cpu` for the training and supernet evaluators (the
 * libtorch engine, when it loads and the spec does not force another backend, says whether it sees
 * a GPU; the tfjs backends train on the CPU), null for evaluators that train nothing (tables).
 */
export function acceleratorOf(e: EvaluatorSpec, torch: () => { info(): { cuda: boolean } } | string = loadTorch): 'cuda' | 'cpu' | null {
  if (e.kind !== 'train' && e.kind !== 'supernet' && e.kind !== 'supernet-finetune') return null;
  const backend = (e as { backend?: unknown }).backend;
  if (backend !== undefined && backend !== 'auto' && backend !== 'torch') return 'cpu';
  const t = torch();
  return typeof t !== 'string' && t.info().cuda ? 'cuda' : 'cpu';
}

interface Running {
  readonly cts: CancellationTokenSource;
  done: Promise<StudyOutcome | undefined>;
  readonly startedAt: number;
  readonly evalsAtStart: number;
  /** Budget fraction already used when this run started (a resumed study's earlier runs). */
  readonly fractionAtStart: number;
  /** process.cpuUsage() and the wall clock (performance.now) when the run started. */
  readonly cpuAtStart: { usage: NodeJS.CpuUsage; at: number };
  readonly accelerator: 'cuda' | 'cpu' | null;
  /** The evaluator's metrics known before evaluating an architecture. */
  readonly known: (a: Architecture) => Readonly<Record<string, number>>;
  last: { progress: StudyProgress; fraction: number } | undefined;
}

/**
 * Runs studies in the background of the main process, one CancellationTokenSource each.
 * Protocol: `start` resolves once the study is `running` in the store (its loop goes on after);
 * `stop` cancels it and resolves once the study is `stopped`; `dispose` stops them all.
 * The evaluator yields to the event loop every few trials, so a fast table study never starves
 * the requests and events of the server.
 */
export class StudyRunner implements Disposable {
  private readonly running = new Map<string, Running>();
  private readonly disposables = new DisposableStore();

  constructor(
    private readonly store: Store,
    private readonly listener: RunnerListener,
    private readonly clock: Clock = systemClock,
    private readonly progressEveryMs = 200,
  ) {}

  isActive(id: string): boolean {
    return this.running.has(id);
  }

  /** Estimated ms left and evaluations per second of the current run, when known. */
  rate(id: string): { etaMs: number | null; throughput: number | null } {
    const r = this.running.get(id);
    if (!r || !r.last) return { etaMs: null, throughput: null };
    const elapsed = this.clock.now() - r.startedAt;
    const done = r.last.progress.evals - r.evalsAtStart;
    const throughput = elapsed > 0 && done > 0 ? (done * 1000) / elapsed : null;
    const f = r.last.fraction;
    // This run's pace: the budget it used since it started (not the whole budget's fraction, which
    // after a Resume includes what earlier runs used) against the time it took.
    const used = f - r.fractionAtStart;
    const etaMs = f >= 1 ? 0 : used > 0 && elapsed > 0 ? (elapsed * (1 - f)) / used : null;
    return { etaMs, throughput };
  }

  /**
   * CPU use of the current run: this process's CPU time since the run started over the wall time
   * and the machine's cores (the evaluations run in this process or its worker threads), and the
   * 1-minute load average. Undefined when the study does not run here.
   */
  cpu(id: string): RunCpu | undefined {
    const r = this.running.get(id);
    if (!r) return undefined;
    const used = process.cpuUsage(r.cpuAtStart.usage);
    const wallUs = (performance.now() - r.cpuAtStart.at) * 1000;
    const cores = Math.max(1, cpus().length);
    const utilisation = wallUs > 0 ? Math.min(1, (used.user + used.system) / wallUs / cores) : 0;
    return { utilisation, cores, load1: loadavg()[0] ?? 0, accelerator: r.accelerator };
  }

  /** Keeps the CPU use of a run that ended with its study (`StudyRecord.cpu`, summed over runs). */
  private recordCpu(id: string, r: Running): void {
    const used = process.cpuUsage(r.cpuAtStart.usage);
    try {
      this.store.addStudyCpu(id, {
        cpuSeconds: (used.user + used.system) / 1e6,
        wallSeconds: (performance.now() - r.cpuAtStart.at) / 1000,
        cores: Math.max(1, cpus().length),
        accelerator: r.accelerator,
      });
    } catch {
      // The study is gone (deleted) or the store closed: nothing to keep the figures with.
    }
  }

  /** What the evaluator of a study running here knows of `a` before evaluating it; undefined when it does not run here. */
  known(id: string, a: Architecture): Readonly<Record<string, number>> | undefined {
    const r = this.running.get(id);
    if (!r) return undefined;
    try {
      return r.known(a);
    } catch {
      return undefined; // e.g. a table without this architecture: nothing known
    }
  }

  start(id: StudyId): void {
    if (this.running.has(id)) return;
    const rec = this.store.getStudy(id);
    if (!rec) throw new Error(`no study ${id}`);
    // Another process runs it: refuse here, before the run would fail (and be reported as failed).
    const held = liveLease(this.store, id, this.clock.now());
    if (held) throw studyBusy(held, this.clock.now());
    const spec = rec.spec;
    const space = createSpace(spec.space, spec.spaceOptions ?? {});
    // The context lets an evaluator record more than results (e.g. training's latency samples).
    const raw = createEvaluator(spec, { store: this.store, studyId: id });
    let strategy;
    try {
      // A zero-cost filter scores candidates with the training evaluator's screen.
      strategy = createStrategy(spec.strategy, { space, objectives: spec.objectives, seed: spec.seed, options: spec.strategyOptions ?? {}, ...screenContext(raw) });
    } catch (e) {
      raw.dispose?.();
      throw e;
    }
    // Study.run must start synchronously (below): the proxies' fast backend comes up meanwhile.
    void prepareEvaluator(raw).catch(() => undefined);
    const evaluator = yielding(raw);
    const study = new Study(id, { store: this.store, space, strategy, evaluator, clock: this.clock, lease: processLease() });
    const cts = new CancellationTokenSource();
    let lastEmit = 0;
    const entry: Running = {
      cts,
      startedAt: this.clock.now(),
      evalsAtStart: rec.progress.evals,
      fractionAtStart: budgetFraction(rec),
      cpuAtStart: { usage: process.cpuUsage(), at: performance.now() },
      accelerator: acceleratorOf(spec.evaluator),
      known: (a) => raw.known?.(a) ?? {},
      last: undefined,
      done: Promise.resolve(undefined),
    };
    const emitProgress = (force: boolean) => {
      const now = this.clock.now();
      if (!entry.last || (!force && now - lastEmit < this.progressEveryMs)) return;
      lastEmit = now;
      this.listener.onProgress({ id, progress: entry.last.progress, fraction: entry.last.fraction, ...this.rate(id) });
    };
    // Study.run takes the lease and sets the status to `running` synchronously, before its first await.
    const done = study
      .run(cts.token, {
        onTrialFinished: (t) => this.listener.onTrial(id, t),
        onProgress: (progress, fraction) => {
          entry.last = { progress, fraction };
          emitProgress(false);
        },
      })
      .then(
        (outcome) => {
          this.recordCpu(id, entry);
          this.running.delete(id);
          emitProgress(true);
          this.listener.onStatus(id, outcome.status === 'stopped' ? 'stopped' : 'complete');
          return outcome;
        },
        (e: unknown) => {
          this.recordCpu(id, entry);
          this.running.delete(id);
          this.listener.onStatus(id, 'failed', errorMessage(e));
          return undefined;
        },
      )
      .finally(() => {
        cts.dispose();
        evaluator.dispose?.();
      });
    entry.done = done;
    this.running.set(id, entry);
    this.listener.onStatus(id, 'running');
  }

  async stop(id: string): Promise<void> {
    const r = this.running.get(id);
    if (!r) return;
    r.cts.cancel();
    await r.done;
  }

  /** Resolves when the study's current run ends (at once when it is not running). */
  async whenIdle(id: string): Promise<void> {
    await this.running.get(id)?.done;
  }

  async dispose(): Promise<void> {
    const all = [...this.running.values()];
    for (const r of all) r.cts.cancel();
    await Promise.allSettled(all.map((r) => r.done));
    this.disposables.dispose();
  }
}

/** Wraps an evaluator so that every `every`-th evaluation first yields a macrotask. */
function yielding(inner: Evaluator, every = 8): Evaluator {
  let n = 0;
  return {
    ...(inner.fidelities ? { fidelities: inner.fidelities } : {}),
    ...(inner.known ? { known: (a) => inner.known!(a) } : {}),
    ...(inner.estimateCost ? { estimateCost: (a, f) => (f === undefined ? inner.estimateCost!(a) : inner.estimateCost!(a, f)) } : {}),
    async evaluate(a, report, token, trial) {
      if (++n % every === 0) await new Promise<void>((r) => setImmediate(r));
      // The trial carries the fidelity a multi-fidelity strategy asked for.
      return trial ? inner.evaluate(a, report, token, trial) : inner.evaluate(a, report, token);
    },
    dispose: () => inner.dispose?.(),
  };
}
