import path from 'node:path';
import { Queue, QueueEvents, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { Cancelled, NasError, TrialPruned } from '../../../shared/errors.js';
import type { Architecture, CurvePoint, LatencySample, Metrics, StudyRecord, StudySpec } from '../../../shared/types/index.js';
import type { CancellationToken } from '../../core/cancellation.js';
import type { EvaluationResult, Evaluator, TrialRef } from '../../core/evaluator.js';
import type { Store } from '../../core/store.js';
import { bullConnection, checkRedis, DEFAULT_QUEUE, KEY_PREFIX, redisOptions } from './connection.js';
import { publishDatasets } from './datasets.js';
import { decodeResult } from './metrics-codec.js';
import { createEvaluator } from '../evaluators.js';
import { SqliteStore } from '../sqlite-store.js';
import { datasetPaths, JOB_FORMAT, REMOTE_KINDS, jobIdFor, PRUNED_PREFIX, studyUid, type DatasetRef, type EvalJobData, type EvalJobProgress, type EvalJobResult } from './protocol.js';
import { listWorkers, type WorkerInfo } from './registry.js';
import { receiveWeights } from './weights-transfer.js';
import { PhoneJobs } from './phone-jobs.js';
import { checkPhoneSpec, phoneGraphOptions, phoneSerials } from './phone-protocol.js';

export interface RemoteEvaluatorOptions {
  readonly redisUrl: string;
  readonly queue?: string;
  /** The study whose trials are evaluated (its spec is what the jobs carry). */
  readonly study: StudyRecord;
  /** Evaluates what is known up front (constraints, costs) here; never `evaluate`d. */
  readonly local: Evaluator;
  /** Where latency samples the workers measured are recorded (and curves already received are read). */
  readonly store?: Store;
  /** Evaluations in flight; default: the live workers' total concurrency (at least 1). */
  readonly concurrency?: number;
  /** How often jobs in flight are checked directly (events missed in a Redis restart), and workers listed. */
  readonly pollMs?: number;
  /** How long to wait for Redis at the start before giving up (afterwards, outages are waited out). */
  readonly connectTimeoutMs?: number;
  /** A phone measurement waiting while no live worker has its phone fails its trial after this (default 60 s). */
  readonly phoneWaitMs?: number;
  /** Where trained weights sent back by workers are kept (a `study<id>` folder in it); none: not asked for. */
  readonly weightsDir?: string;
}

interface Waiter {
  readonly jobId: string;
  readonly data: EvalJobData;
  readonly seen: Set<string>;
  readonly report: (p: CurvePoint) => void;
  readonly resolve: (r: EvaluationResult) => void;
  readonly reject: (e: unknown) => void;
  /** Its result is being taken in (weights fetched): a second report of it is ignored. */
  settling?: boolean;
}

/**
 * Evaluates on `frontier worker` processes through a BullMQ queue: one job per trial (job id: the
 * study's uid and the trial number, so a retry or a resumed coordinator finds the same job), carrying
 * only the spec. The coordinator keeps the store and the strategy. Results arrive by QueueEvents and,
 * should an event be missed (Redis restarted), by checking each job in flight every `pollMs`; a job
 * Redis lost is added again. Learning curves come back as job progress.
 */
export class RemoteEvaluator implements Evaluator {
  readonly reattaches = true;
  private readonly waiters = new Map<string, Waiter>();
  private workers: WorkerInfo[] = [];
  private timer?: ReturnType<typeof setInterval>;
  private polling = false;
  private closed = false;
  readonly queueName: string;
  private readonly uid: string;
  /** Phones whose latency (`latency:<serial>`) is measured on the workers that have them. */
  readonly phones: readonly string[];
  private readonly phoneJobs?: PhoneJobs;
  private readonly phoneGraph?: ReturnType<typeof phoneGraphOptions>;

  private constructor(
    private readonly o: RemoteEvaluatorOptions,
    private readonly queue: Queue,
    private readonly events: QueueEvents,
    private readonly redis: Redis,
    private readonly datasets: readonly DatasetRef[],
  ) {
    this.queueName = o.queue ?? DEFAULT_QUEUE;
    this.uid = studyUid(o.study.id, o.study.createdAt);
    this.phones = phoneSerials(o.study.spec);
    if (this.phones.length > 0) {
      this.phoneGraph = phoneGraphOptions(o.study.spec, o.local);
      this.phoneJobs = new PhoneJobs({ redisUrl: o.redisUrl, queue: this.queueName, waitMs: o.phoneWaitMs ?? 60_000, workers: () => this.workers });
    }
  }

  /** Connects (failing clearly when Redis cannot be reached), sends the datasets, lists the workers. */
  static async connect(o: RemoteEvaluatorOptions): Promise<RemoteEvaluator> {
    await checkRedis(o.redisUrl, o.connectTimeoutMs ?? 10_000);
    const redis = new Redis(redisOptions(o.redisUrl));
    redis.on('error', () => undefined);
    const connection = bullConnection(o.redisUrl);
    const name = o.queue ?? DEFAULT_QUEUE;
    const datasets = await publishDatasets(redis, datasetPaths(o.study.spec));
    const queue = new Queue(name, { connection, prefix: KEY_PREFIX });
    const events = new QueueEvents(name, { connection, prefix: KEY_PREFIX });
    // Connection errors are retried by the clients themselves; unhandled, they would end the process.
    queue.on('error', () => undefined);
    events.on('error', () => undefined);
    const self = new RemoteEvaluator(o, queue, events, redis, datasets);
    events.on('completed', ({ jobId, returnvalue }) => self.settle(jobId, 'completed', returnvalue));
    events.on('failed', ({ jobId, failedReason }) => self.settle(jobId, 'failed', failedReason));
    events.on('progress', ({ jobId, data }) => self.progress(jobId, data));
    await events.waitUntilReady();
    await self.poll();
    self.timer = setInterval(() => void self.poll(), o.pollMs ?? 1000);
    return self;
  }

  /** Live workers of this queue, as last listed. */
  liveWorkers(): readonly WorkerInfo[] {
    return this.workers;
  }

  known(a: Architecture): Metrics {
    return this.o.local.known?.(a) ?? {};
  }

  /** The fidelities of the spec's evaluator (epochs, a table's fidelities): a multi-fidelity strategy picks one per job. */
  get fidelities(): readonly number[] | undefined {
    return this.o.local.fidelities;
  }

  estimateCost(a: Architecture, fidelity?: number): number | undefined {
    return fidelity === undefined ? this.o.local.estimateCost?.(a) : this.o.local.estimateCost?.(a, fidelity);
  }

  capacity(): number {
    if (this.o.concurrency !== undefined) return this.o.concurrency;
    return Math.max(1, this.workers.reduce((n, w) => n + w.concurrency, 0));
  }

  evaluate(a: Architecture, report: (p: CurvePoint) => void, token: CancellationToken, trial?: TrialRef): Promise<EvaluationResult> {
    if (!trial) return Promise.reject(new NasError('internal', 'a remote evaluation needs its trial number'));
    if (token.isCancellationRequested) return Promise.reject(new Cancelled());
    const jobId = jobIdFor(this.uid, trial.number);
    const data: EvalJobData = {
      v: JOB_FORMAT,
      study: { id: this.o.study.id, uid: this.uid },
      trial: trial.number,
      ...(trial.fidelity !== undefined ? { fidelity: trial.fidelity } : {}),
      arch: { key: a.key, sample: [...a.sample] },
      spec: this.o.study.spec,
      datasets: this.datasets,
      ...(this.o.weightsDir && this.o.store && this.o.study.spec.evaluator.kind === 'train' ? { weights: true } : {}),
    };
    // Points already recorded (a re-attached trial, a job retried elsewhere) are not recorded twice.
    const seen = new Set((this.o.store?.getCurve(this.o.study.id, trial.number) ?? []).map((p) => `${p.metric}@${p.step}`));
    const evaluated = new Promise<EvaluationResult>((resolve, reject) => {
      const sub = token.onCancellationRequested(() => {
        this.waiters.delete(jobId);
        // A job no worker has taken yet is withdrawn; one running finishes unheard.
        void this.queue.remove(jobId).catch(() => undefined);
        reject(new Cancelled());
      });
      const done = <T>(f: (v: T) => void) => (v: T) => {
        sub.dispose();
        this.waiters.delete(jobId);
        f(v);
      };
      this.waiters.set(jobId, { jobId, data, seen, report, resolve: done(resolve), reject: done(reject) });
      // An add that fails (Redis away) is made again by the next poll, which finds no job.
      void this.add(data, jobId).catch(() => undefined);
    });
    return this.phones.length === 0 ? evaluated : evaluated.then((r) => this.onPhones(a, trial.number, r, token));
  }

  /** After the evaluation, the trial's model measured on each phone (`latency:<serial>`, its sample stored once). */
  private async onPhones(a: Architecture, trial: number, r: EvaluationResult, token: CancellationToken): Promise<EvaluationResult> {
    const graph = this.phoneGraph?.(a);
    if (!graph || !this.phoneJobs) return r;
    const spec = this.o.study.spec;
    const measured = await Promise.all(this.phones.map((serial) => this.phoneJobs!.measure({
      v: JOB_FORMAT, study: { id: this.o.study.id, uid: this.uid }, trial, serial, space: spec.space, ...(spec.spaceOptions ? { spaceOptions: spec.spaceOptions } : {}),
      arch: { key: a.key, sample: [...a.sample] }, graph,
    }, token)));
    const metrics: Record<string, number> = { ...r.metrics };
    // One fidelity for all (e.g. 'table') becomes one per metric, the metrics known up front included.
    const all = typeof r.fidelity === 'string' ? r.fidelity : undefined;
    const fidelity: Record<string, string> = all !== undefined ? Object.fromEntries([...Object.keys(this.known(a)), ...Object.keys(r.metrics)].map((k) => [k, all])) : { ...(r.fidelity as Record<string, string>) };
    for (const m of measured) {
      this.record(m.sample, trial);
      metrics[`latency:${m.sample.deviceId}`] = m.sample.medianMs;
      fidelity[`latency:${m.sample.deviceId}`] = `phone:${m.sample.deviceId}`;
    }
    return { ...r, metrics, fidelity };
  }

  /** Stores a sample measured for a trial, unless one of that device is already stored for it (a re-attached trial). */
  private record(s: Omit<LatencySample, 'studyId' | 'trialNumber'>, trial: number): void {
    const store = this.o.store;
    if (!store) return;
    try {
      if (store.getLatencySamples({ studyId: this.o.study.id, deviceId: s.deviceId }).some((x) => x.trialNumber === trial)) return;
      store.addLatencySample({ ...s, studyId: this.o.study.id, trialNumber: trial });
    } catch {
      // A sample that cannot be stored does not fail the trial.
    }
  }

  private add(data: EvalJobData, jobId: string): Promise<Job> {
    return this.queue.add('evaluate', data, { jobId, removeOnComplete: { age: 24 * 3600 }, removeOnFail: { age: 24 * 3600 } });
  }

  private progress(jobId: string, data: unknown): void {
    const w = this.waiters.get(jobId);
    const curve = (data as Partial<EvalJobProgress> | undefined)?.curve;
    if (!w || !Array.isArray(curve)) return;
    for (const p of curve) {
      const k = `${p.metric}@${p.step}`;
      if (w.seen.has(k)) continue;
      w.seen.add(k);
      w.report({ step: p.step, metric: p.metric, value: p.value });
    }
  }

  /** `final`: read from a finished job (else from an event, where a malformed result waits for the next check). */
  private settle(jobId: string, how: 'completed' | 'failed', payload: unknown, final = false): void {
    const w = this.waiters.get(jobId);
    if (!w) return;
    if (how === 'failed') {
      const reason = typeof payload === 'string' ? payload : 'the job failed';
      w.reject(reason.startsWith(PRUNED_PREFIX) ? new TrialPruned(reason.slice(PRUNED_PREFIX.length)) : new NasError('internal', reason));
      return;
    }
    let out: EvalJobResult;
    try {
      out = (typeof payload === 'string' ? JSON.parse(payload) : payload) as EvalJobResult;
      if (!out || typeof out !== 'object' || !out.result) throw new Error('no result');
    } catch {
      if (final) w.reject(new NasError('internal', `job ${jobId} completed without a result`));
      return;
    }
    if (w.settling) return;
    w.settling = true;
    void this.takeIn(w, out);
  }

  /** A finished job's trained weights (kept as the trial's artifact, once), latency samples and result. */
  private async takeIn(w: Waiter, out: EvalJobResult): Promise<void> {
    const store = this.o.store;
    if (out.weights && store && this.o.weightsDir) {
      try {
        await receiveWeights(this.redis, store, out.weights, { studyId: this.o.study.id, trial: w.data.trial, dir: this.o.weightsDir });
      } catch {
        // Weights Redis lost (a restart without its append-only file): the trial keeps its metrics, without weights.
      }
    }
    for (const s of out.latency ?? []) this.record(s, w.data.trial);
    w.resolve(decodeResult(out.result));
  }

  /** Checks every job in flight (and adds again any Redis lost), and lists the live workers. */
  private async poll(): Promise<void> {
    if (this.polling || this.closed) return;
    this.polling = true;
    try {
      this.workers = await listWorkers(this.redis, this.queueName);
      for (const w of [...this.waiters.values()]) {
        // The state first, then the job: a job read before it finished has no result yet.
        const state = await this.queue.getJobState(w.jobId);
        if (!this.waiters.has(w.jobId)) continue;
        if (state === 'unknown') {
          await this.add(w.data, w.jobId);
          continue;
        }
        const job = await this.queue.getJob(w.jobId);
        if (!job || !this.waiters.has(w.jobId)) continue;
        this.progress(w.jobId, job.progress);
        if (state === 'completed') this.settle(w.jobId, 'completed', job.returnvalue, true);
        else if (state === 'failed') this.settle(w.jobId, 'failed', job.failedReason, true);
      }
      await this.phoneJobs?.poll();
    } catch {
      // Redis away: the next poll tries again.
    } finally {
      this.polling = false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.o.local.dispose?.();
    await Promise.allSettled([this.events.close(), this.queue.close(), this.phoneJobs?.close()]);
    this.redis.disconnect();
  }

  dispose(): void {
    void this.close();
  }
}

/**
 * The remote evaluator of a stored study: refuses evaluators that do not run on workers, builds the
 * spec's own evaluator here for what is known up front (no training threads), and connects.
 * `concurrency`: evaluations in flight (default: the spec's, else the live workers' total).
 */
export async function remoteEvaluatorFor(store: Store, id: string, o: { redisUrl: string; queue?: string; concurrency?: number; weightsDir?: string }): Promise<RemoteEvaluator> {
  const study = store.getStudy(id);
  if (!study) throw new NasError('not-found', `no study with id ${id}`);
  checkRemoteSpec(study.spec);
  const spec = study.spec;
  const local = createEvaluator(spec.evaluator.kind === 'train' ? { ...spec, evaluator: { ...spec.evaluator, workers: 0 } } : spec);
  try {
    const concurrency = o.concurrency ?? spec.concurrency;
    // Trained weights go where 'frontier retrain' puts them: a weights folder beside the database.
    const weightsDir = o.weightsDir ?? (store instanceof SqliteStore && store.path !== ':memory:' ? path.join(path.dirname(store.path), 'weights') : undefined);
    return await RemoteEvaluator.connect({
      redisUrl: o.redisUrl, study, local, store, ...(o.queue ? { queue: o.queue } : {}), ...(concurrency !== undefined ? { concurrency } : {}), ...(weightsDir ? { weightsDir } : {}),
    });
  } catch (e) {
    local.dispose?.();
    throw e;
  }
}

/** Refuses (NasError invalid-input) a study whose evaluator does not run on workers. */
export function checkRemoteSpec(spec: StudySpec): void {
  const kind = spec.evaluator.kind;
  if (!(REMOTE_KINDS as readonly string[]).includes(kind)) {
    throw new NasError('invalid-input', `evaluator '${kind}' does not run on workers (${REMOTE_KINDS.join(' and ')} do): run this search without --redis`);
  }
  checkPhoneSpec(spec);
}

/**
 * Refuses (device-unavailable) to start a search whose phones no live worker of the queue announces,
 * naming the phones the workers do have.
 */
export async function checkPhonesAnnounced(redisUrl: string, queue: string | undefined, serials: readonly string[]): Promise<void> {
  if (serials.length === 0) return;
  const redis = new Redis(redisOptions(redisUrl));
  redis.on('error', () => undefined);
  try {
    const workers = await listWorkers(redis, queue ?? DEFAULT_QUEUE);
    const missing = serials.filter((s) => !workers.some((w) => w.phones.includes(s)));
    if (missing.length === 0) return;
    const have = workers.filter((w) => w.phones.length > 0).map((w) => `${w.id}: ${w.phones.join(', ')}`);
    throw new NasError('device-unavailable', `no live worker of queue ${queue ?? DEFAULT_QUEUE} has phone ${missing.join(', ')} (${have.length ? `phones on workers: ${have.join('; ')}` : 'no worker announces a phone'}): start 'frontier worker --redis URL --phones' on the machine it is plugged into`);
  } finally {
    redis.disconnect();
  }
}
