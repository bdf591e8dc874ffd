import { randomBytes } from 'node:crypto';
import { cpus, hostname, totalmem } from 'node:os';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { errorMessage, NasError, TrialPruned } from '../../../shared/errors.js';
import type { LatencySample, StudySpec } from '../../../shared/types/index.js';
import { CancellationTokenSource } from '../../core/cancellation.js';
import type { Evaluator } from '../../core/evaluator.js';
import { createEvaluator } from '../evaluators.js';
import { chooseBackend, isBackendName, listBackends, type BackendName } from '../train/backend.js';
import { bullConnection, checkRedis, DEFAULT_QUEUE, KEY_PREFIX, redisOptions } from './connection.js';
import { materializeDatasets } from './datasets.js';
import { encodeResult } from './metrics-codec.js';
import { architectureOf, PRUNED_PREFIX, validateJobData, withDatasetPaths, type EvalJobData, type EvalJobProgress, type EvalJobResult, type Refusal } from './protocol.js';
import { PhoneBench } from './phone-worker.js';
import { sendWeights } from './weights-transfer.js';
import { encodeWeightsFile } from '../export/weights-file.js';
import { MapWeights } from '../export/weights.js';
import { announceWorker, listWorkers, withdrawWorker, type WorkerInfo } from './registry.js';

export interface EvalWorkerOptions {
  readonly redisUrl: string;
  readonly queue?: string;
  /** Jobs evaluated at once (also the training thread pool's size). */
  readonly concurrency: number;
  /** Train only with this backend (a job naming another is refused). */
  readonly backend?: BackendName;
  /** Take training jobs (probes the backends at start); false: table jobs only. */
  readonly training: boolean;
  /** Measure latency on the phones of this machine's adb server (and announce them); see PhoneBench. */
  readonly phones?: boolean;
  /** benchmark_model for the phones (default $FRONTIER_BENCHMARK_MODEL, else downloaded per ABI). */
  readonly benchmarkModel?: string;
  /** How long a measurement waits for an unplugged phone before its job fails (default 60 s; then retried). */
  readonly phoneWaitMs?: number;
  /** Environment for adb ($FRONTIER_ADB, $ANDROID_ADB_SERVER_PORT) and benchmark_model (default process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** A job whose worker stops renewing its lock for this long is moved back to the queue (default 30 s). */
  readonly stallMs?: number;
  /** Where datasets sent through Redis are kept. */
  readonly cacheDir: string;
  readonly id?: string;
  readonly heartbeatMs?: number;
  readonly log?: (line: string) => void;
}

/** How long a refused job waits before another worker may take it. */
const REFUSED_DELAY_MS = 500;

/** Evaluators kept ready per spec (tables parsed, data loaded, training threads started). */
const CACHED_EVALUATORS = 4;

/**
 * `frontier worker`: takes evaluation jobs from the BullMQ queue and evaluates them (table replay,
 * real training, local latency). Every job is validated first; one this worker cannot validate or
 * run (unknown format, evaluator, backend, a dataset it cannot get) is refused: the refusal is
 * recorded on the job, which waits a moment for another worker, and fails naming every refusal
 * once all live workers refused it. A job whose worker dies is moved back to the queue by BullMQ's
 * stalled-job check after `stallMs`. The worker announces itself (hardware, backends, phones, jobs)
 * in Redis with each heartbeat.
 */
export class EvalWorker {
  readonly id: string;
  readonly queueName: string;
  private worker?: Worker;
  private readonly redis: Redis;
  private readonly evaluators = new Map<string, Evaluator>();
  private readonly samples = new Map<string, LatencySample[]>();
  /** Trained weights by architecture key, as `.fweights` files, until their job returns. */
  private readonly trained = new Map<string, { file: Uint8Array; settings: Readonly<Record<string, unknown>> }>();
  private readonly cancel = new CancellationTokenSource();
  private timer?: ReturnType<typeof setInterval>;
  private soon?: ReturnType<typeof setTimeout>;
  private backends: Promise<BackendName[]>;
  private probed: string[] = [];
  private bench?: PhoneBench;
  private running = 0;
  private done = 0;
  private failed = 0;
  private refused = 0;
  private readonly startedAt = Date.now();
  private readonly log: (line: string) => void;

  private constructor(private readonly o: EvalWorkerOptions) {
    this.id = o.id ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.queueName = o.queue ?? DEFAULT_QUEUE;
    this.log = o.log ?? (() => undefined);
    this.redis = new Redis(redisOptions(o.redisUrl));
    this.redis.on('error', () => undefined);
    // With --backend only that one is probed (its failure is announced as no backend, and jobs refused).
    this.backends = !o.training ? Promise.resolve([]) : o.backend ? chooseBackend(o.backend).then((c) => [c.info.name as BackendName], () => []) : listBackends().then((b) => b.available.map((x) => x.name as BackendName));
    this.backends.then((b) => (this.probed = b), () => undefined);
  }

  static async start(o: EvalWorkerOptions): Promise<EvalWorker> {
    await checkRedis(o.redisUrl);
    const self = new EvalWorker(o);
    const stall = o.stallMs ?? 30_000;
    if (o.phones) {
      try {
        self.bench = await PhoneBench.start({
          redisUrl: o.redisUrl, queue: self.queueName, workerId: self.id, cacheDir: o.cacheDir, waitMs: o.phoneWaitMs ?? 60_000, stallMs: stall,
          env: o.env ?? process.env, onChange: () => self.beatSoon(), log: self.log, ...(o.benchmarkModel ? { benchmarkModel: o.benchmarkModel } : {}),
        });
      } catch (e) {
        // No adb here (or its server does not answer): nothing may be left running.
        self.redis.disconnect();
        throw e;
      }
    }
    const worker = new Worker(self.queueName, (job, token) => self.process(job, token), {
      connection: bullConnection(o.redisUrl),
      prefix: KEY_PREFIX,
      concurrency: o.concurrency,
      lockDuration: stall,
      stalledInterval: stall,
      // A job may outlive many killed workers: it is not failed for stalling.
      maxStalledCount: 1_000_000,
      drainDelay: 1,
    });
    worker.on('error', (e) => self.log(`queue connection: ${errorMessage(e)}`));
    self.worker = worker;
    await worker.waitUntilReady();
    await self.beat();
    self.timer = setInterval(() => void self.beat(), o.heartbeatMs ?? 2000);
    return self;
  }

  info(): WorkerInfo {
    const c = cpus();
    return {
      id: this.id,
      host: hostname(),
      pid: process.pid,
      queue: this.queueName,
      concurrency: this.o.concurrency,
      running: this.running,
      done: this.done,
      failed: this.failed,
      refused: this.refused,
      platform: `${process.platform}-${process.arch}`,
      cpu: { model: c[0]?.model.trim() ?? 'unknown', cores: c.length },
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      backends: this.o.backend ? this.probed.filter((b) => b === this.o.backend) : this.probed,
      phones: this.bench?.phones() ?? [],
      startedAt: this.startedAt,
      heartbeatAt: Date.now(),
    };
  }

  private async beat(): Promise<void> {
    try {
      await announceWorker(this.redis, this.info(), 3 * (this.o.heartbeatMs ?? 2000));
    } catch {
      // Redis away: the next beat announces again.
    }
  }

  /** Announces the new counters within 250 ms (one write for many quick jobs). */
  private beatSoon(): void {
    if (this.soon) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.beat();
    }, 250);
  }

  private async process(job: Job, token?: string): Promise<EvalJobResult> {
    let data: EvalJobData;
    let evaluator: Evaluator;
    try {
      data = validateJobData(job.data);
      evaluator = await this.evaluatorFor(data);
      if (data.fidelity !== undefined && !evaluator.fidelities?.includes(data.fidelity)) {
        throw new NasError('invalid-input', `fidelity ${data.fidelity} is not one this worker evaluates the spec at (${evaluator.fidelities?.join(', ') || 'it has one fidelity'})`);
      }
    } catch (e) {
      return this.refuse(job, token, errorMessage(e));
    }
    const arch = architectureOf(data);
    const curve: EvalJobProgress['curve'][number][] = [];
    this.running++;
    try {
      const result = await evaluator.evaluate(arch, (p) => {
        curve.push({ step: p.step, metric: p.metric, value: p.value });
        void job.updateProgress({ curve: [...curve] } satisfies EvalJobProgress).catch(() => undefined);
      }, this.cancel.token, { studyId: data.study.id, number: data.trial, ...(data.fidelity !== undefined ? { fidelity: data.fidelity } : {}) });
      this.done++;
      this.beatSoon();
      const latency = this.samples.get(arch.key) ?? [];
      this.samples.delete(arch.key);
      const trained = this.trained.get(arch.key);
      this.trained.delete(arch.key);
      const weights = data.weights && trained && job.id ? await sendWeights(this.redis, job.id, trained.file, { ...trained.settings, worker: this.id }) : undefined;
      return { result: encodeResult(result), latency, ...(weights ? { weights } : {}), worker: this.id };
    } catch (e) {
      this.failed++;
      this.beatSoon();
      this.samples.delete(arch.key);
      this.trained.delete(arch.key);
      throw new UnrecoverableError(e instanceof TrialPruned ? `${PRUNED_PREFIX}${e.message}` : `${errorMessage(e)} (on worker ${this.id})`);
    } finally {
      this.running--;
    }
  }

  /** Records why this worker will not run the job, and passes it on (or fails it when every live worker refused). */
  private async refuse(job: Job, token: string | undefined, reason: string): Promise<never> {
    this.refused++;
    this.log(`refused job ${job.id}: ${reason}`);
    const before = Array.isArray((job.data as { refusals?: unknown })?.refusals) ? ((job.data as { refusals: Refusal[] }).refusals) : [];
    const refusals = [...before.filter((r) => r.worker !== this.id), { worker: this.id, reason }];
    const live = await listWorkers(this.redis, this.queueName);
    if (live.every((w) => refusals.some((r) => r.worker === w.id))) {
      throw new UnrecoverableError(`no worker can run this job: ${refusals.map((r) => `${r.worker}: ${r.reason}`).join('; ')}`);
    }
    const data = typeof job.data === 'object' && job.data !== null ? job.data : {};
    await job.updateData({ ...data, refusals });
    await job.moveToDelayed(Date.now() + REFUSED_DELAY_MS, token);
    throw new DelayedError();
  }

  /** The evaluator of a job's spec, as this worker runs it (its datasets, backend and threads). */
  private async evaluatorFor(data: EvalJobData): Promise<Evaluator> {
    let spec: StudySpec = withDatasetPaths(data.spec, await materializeDatasets(this.redis, data.datasets, this.o.cacheDir));
    if (spec.evaluator.kind === 'train') {
      if (!this.o.training) throw new NasError('invalid-input', 'this worker takes table jobs only (started with --no-training)');
      const wanted = (spec.evaluator as { backend?: unknown }).backend;
      if (wanted !== undefined && !isBackendName(wanted)) throw new NasError('invalid-input', `unknown backend '${String(wanted)}'`);
      if (wanted !== undefined && this.o.backend !== undefined && wanted !== this.o.backend) throw new NasError('invalid-input', `the job trains on ${wanted}, this worker only on ${this.o.backend}`);
      const here = await this.backends;
      const use = (wanted as BackendName | undefined) ?? this.o.backend;
      if (use !== undefined && !here.includes(use)) throw new NasError('invalid-input', `backend ${use} does not initialise on this worker (available: ${here.join(', ') || 'none'})`);
      if (here.length === 0) throw new NasError('invalid-input', 'no training backend initialises on this worker');
      spec = { ...spec, evaluator: { ...spec.evaluator, workers: this.o.concurrency, ...(use ? { backend: use } : {}) } };
    }
    // What evaluates an architecture, not how the study searches: studies differing only in name,
    // strategy, budget or concurrency (and seed, for tables) share one evaluator (tables joined once).
    const { name: _n, strategy: _s, strategyOptions: _o, budget: _b, concurrency: _c, seed, ...rest } = spec;
    const key = JSON.stringify(spec.evaluator.kind === 'table' ? rest : { ...rest, seed });
    const hit = this.evaluators.get(key);
    if (hit) {
      this.evaluators.delete(key);
      this.evaluators.set(key, hit);
      return hit;
    }
    const evaluator = createEvaluator(spec, {
      store: {
        addLatencySample: (s) => {
          const list = this.samples.get(s.subject) ?? [];
          list.push(s);
          this.samples.set(s.subject, list);
          return list.length;
        },
      },
      weights: (w) => this.trained.set(w.key, { file: encodeWeightsFile(w.graph, new MapWeights(w.weights), w.settings), settings: w.settings }),
    });
    this.evaluators.set(key, evaluator);
    while (this.evaluators.size > CACHED_EVALUATORS) {
      const [oldest, e] = this.evaluators.entries().next().value as [string, Evaluator];
      this.evaluators.delete(oldest);
      if (this.running === 0) e.dispose?.();
    }
    return evaluator;
  }

  /** Stops taking jobs, waits for those running (`force`: cancels them), withdraws the announcement. */
  async close(force = false): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    if (force) this.cancel.cancel();
    await Promise.all([this.worker?.close(force), this.bench?.close(force)]);
    await withdrawWorker(this.redis, this.id).catch(() => undefined);
    for (const e of this.evaluators.values()) e.dispose?.();
    this.evaluators.clear();
    this.redis.disconnect();
  }
}
