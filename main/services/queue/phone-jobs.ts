import { Queue, QueueEvents, type Job } from 'bullmq';
import { Cancelled, NasError } from '../../../shared/errors.js';
import type { CancellationToken } from '../../core/cancellation.js';
import { bullConnection, KEY_PREFIX } from './connection.js';
import { phoneQueueName, type PhoneJobData, type PhoneJobResult } from './phone-protocol.js';
import { jobIdFor } from './protocol.js';
import type { WorkerInfo } from './registry.js';

/** Tries of a phone measurement (a phone unplugged for too long, a noisy measurement) before its trial fails. */
export const PHONE_ATTEMPTS = 3;

interface Pending {
  readonly serial: string;
  readonly jobId: string;
  readonly data: PhoneJobData;
  /** Since when no live worker announces the phone while the job waits (undefined: one does). */
  orphanSince?: number;
  readonly resolve: (r: PhoneJobResult) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * The coordinator's side of latency on workers' phones: one BullMQ queue per phone (phoneQueueName),
 * consumed only by the workers that announce that phone. A job's id is the study's uid and the trial
 * number, so adding it again (a resumed coordinator, a poll after a Redis restart) finds the same job.
 * A job fails (naming the phone) after PHONE_ATTEMPTS tries; one that waits while no live worker has
 * its phone for `waitMs` is withdrawn and fails its trial.
 */
export class PhoneJobs {
  private readonly queues = new Map<string, { queue: Queue; events: QueueEvents }>();
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly o: { redisUrl: string; queue: string; waitMs: number; workers: () => readonly WorkerInfo[]; now?: () => number },
  ) {}

  private queueOf(serial: string): { queue: Queue; events: QueueEvents } {
    let q = this.queues.get(serial);
    if (q) return q;
    const name = phoneQueueName(this.o.queue, serial);
    const connection = bullConnection(this.o.redisUrl);
    q = { queue: new Queue(name, { connection, prefix: KEY_PREFIX }), events: new QueueEvents(name, { connection, prefix: KEY_PREFIX }) };
    q.queue.on('error', () => undefined);
    q.events.on('error', () => undefined);
    q.events.on('completed', ({ jobId, returnvalue }) => this.settle(serial, jobId, 'completed', returnvalue));
    q.events.on('failed', ({ jobId, failedReason }) => this.settle(serial, jobId, 'failed', failedReason));
    this.queues.set(serial, q);
    return q;
  }

  /** Measures a trial's model on the phone `data.serial`; rejects (device-unavailable) naming the phone. */
  measure(data: PhoneJobData, token: CancellationToken): Promise<PhoneJobResult> {
    if (token.isCancellationRequested) return Promise.reject(new Cancelled());
    const jobId = jobIdFor(data.study.uid, data.trial);
    const key = `${data.serial}\n${jobId}`;
    const { queue } = this.queueOf(data.serial);
    return new Promise<PhoneJobResult>((resolve, reject) => {
      const sub = token.onCancellationRequested(() => {
        this.pending.delete(key);
        void queue.remove(jobId).catch(() => undefined);
        reject(new Cancelled());
      });
      const done = <T>(f: (v: T) => void) => (v: T) => {
        sub.dispose();
        this.pending.delete(key);
        f(v);
      };
      this.pending.set(key, { serial: data.serial, jobId, data, resolve: done(resolve), reject: done(reject) });
      void this.add(queue, data, jobId).catch(() => undefined);
    });
  }

  private add(queue: Queue, data: PhoneJobData, jobId: string): Promise<Job> {
    return queue.add('latency', data, { jobId, attempts: PHONE_ATTEMPTS, backoff: { type: 'fixed', delay: 1000 }, removeOnComplete: { age: 24 * 3600 }, removeOnFail: { age: 24 * 3600 } });
  }

  private settle(serial: string, jobId: string, how: 'completed' | 'failed', payload: unknown): void {
    const p = this.pending.get(`${serial}\n${jobId}`);
    if (!p) return;
    if (how === 'failed') {
      p.reject(new NasError('device-unavailable', `latency on phone ${serial}: ${typeof payload === 'string' ? payload : 'the measurement failed'}`));
      return;
    }
    try {
      const out = (typeof payload === 'string' ? JSON.parse(payload) : payload) as PhoneJobResult;
      if (!out?.sample || typeof out.sample.medianMs !== 'number') throw new Error('no sample');
      p.resolve(out);
    } catch {
      // A malformed event: the next poll reads the finished job itself.
    }
  }

  /** Checks every measurement in flight (events missed in a Redis restart, jobs Redis lost, phones no live worker has). */
  async poll(): Promise<void> {
    const now = (this.o.now ?? Date.now)();
    const live = this.o.workers();
    for (const p of [...this.pending.values()]) {
      const { queue } = this.queueOf(p.serial);
      const state = await queue.getJobState(p.jobId);
      const key = `${p.serial}\n${p.jobId}`;
      if (!this.pending.has(key)) continue;
      if (state === 'unknown') {
        await this.add(queue, p.data, p.jobId);
        continue;
      }
      if (state === 'completed' || state === 'failed') {
        const job = await queue.getJob(p.jobId);
        if (job) this.settle(p.serial, p.jobId, state, state === 'completed' ? job.returnvalue : job.failedReason);
        continue;
      }
      const held = live.some((w) => w.phones.includes(p.serial));
      if (state === 'active' || held) {
        p.orphanSince = undefined;
        continue;
      }
      p.orphanSince ??= now;
      if (now - p.orphanSince >= this.o.waitMs) {
        await queue.remove(p.jobId).catch(() => undefined);
        p.reject(new NasError('device-unavailable', `latency on phone ${p.serial}: no live worker has had this phone for ${Math.round(this.o.waitMs / 1000)} s (start 'frontier worker --phones' on the machine it is plugged into)`));
      }
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.queues.values()].flatMap((q) => [q.events.close(), q.queue.close()]));
  }
}
