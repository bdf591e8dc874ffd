/**
 * A pool of trainer worker threads, each with its own tfjs backend (and its own copy of the data).
 * Protocol (plain messages): the pool posts `run` {id, job} and `cancel` {id}; a worker answers
 * `curve` points while training, then exactly one `done` {output} or `error` {name, message}.
 * Threads share one SharedArrayBuffer so that latency is timed while every other thread's training
 * is paused (see worker.ts). Idle workers are unref'd: they never keep the process alive.
 */
import { Worker } from 'node:worker_threads';
import { Cancelled, NasError, type NasErrorCode } from '../../../shared/errors.js';
import type { CurvePoint } from '../../../shared/types/index.js';
import type { CancellationToken } from '../../core/cancellation.js';
import type { Disposable } from '../../core/lifecycle.js';
import type { TrialJob, TrialOutput } from './trial.js';

export type ToWorker = { type: 'run'; id: number; job: TrialJob } | { type: 'cancel'; id: number };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'curve'; id: number; point: CurvePoint }
  | { type: 'done'; id: number; output: TrialOutput }
  | { type: 'error'; id: number; name: string; message: string; code?: NasErrorCode };

interface Task {
  readonly id: number;
  readonly job: TrialJob;
  readonly report: (p: CurvePoint) => void;
  readonly resolve: (o: TrialOutput) => void;
  readonly reject: (e: Error) => void;
  readonly sub: Disposable;
}

interface Slot {
  worker: Worker;
  task?: Task;
}

const BOOT = new URL('./worker-boot.mjs', import.meta.url);

export class TrainerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private readonly shared = new SharedArrayBuffer(8);
  private nextId = 1;
  private disposed = false;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new NasError('invalid-input', `a trainer pool needs at least one worker, got ${size}`);
  }

  private spawn(): Slot {
    const worker = new Worker(BOOT, { workerData: { shared: this.shared } });
    worker.unref();
    const slot: Slot = { worker };
    worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
    worker.on('error', (e: Error) => this.onExit(slot, `trainer worker crashed: ${e.message}`));
    worker.on('exit', (code) => this.onExit(slot, `trainer worker exited with code ${code}`));
    this.slots.push(slot);
    return slot;
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    const t = slot.task;
    if (m.type === 'ready' || !t || m.id !== t.id) return;
    if (m.type === 'curve') return t.report(m.point);
    this.release(slot);
    if (m.type === 'done') t.resolve(m.output);
    // The worker's NasError keeps its code (a libtorch failure is 'internal', not a bad architecture).
    else t.reject(m.name === 'Cancelled' ? new Cancelled(m.message) : new NasError(m.code ?? 'invalid-input', m.message));
  }

  private onExit(slot: Slot, why: string): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    const t = slot.task;
    slot.task = undefined;
    if (t) {
      t.sub.dispose();
      t.reject(new NasError('internal', why));
    }
    if (!this.disposed) this.pump();
  }

  private release(slot: Slot): void {
    slot.task?.sub.dispose();
    slot.task = undefined;
    slot.worker.unref();
    this.pump();
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.task);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const t = this.queue.shift() as Task;
      slot.task = t;
      slot.worker.ref();
      slot.worker.postMessage({ type: 'run', id: t.id, job: t.job } satisfies ToWorker);
    }
  }

  /** Runs a job on the next free worker; rejects with Cancelled when `token` fires. */
  run(job: TrialJob, report: (p: CurvePoint) => void, token: CancellationToken): Promise<TrialOutput> {
    if (this.disposed) return Promise.reject(new NasError('internal', 'the trainer pool is disposed'));
    if (token.isCancellationRequested) return Promise.reject(new Cancelled());
    return new Promise<TrialOutput>((resolve, reject) => {
      const id = this.nextId++;
      const sub = token.onCancellationRequested(() => {
        const q = this.queue.findIndex((t) => t.id === id);
        if (q >= 0) {
          this.queue.splice(q, 1);
          sub.dispose();
          reject(new Cancelled());
          return;
        }
        this.slots.find((s) => s.task?.id === id)?.worker.postMessage({ type: 'cancel', id } satisfies ToWorker);
      });
      this.queue.push({ id, job, report, resolve, reject, sub });
      this.pump();
    });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const t of this.queue.splice(0)) {
      t.sub.dispose();
      t.reject(new Cancelled('the trainer pool was disposed'));
    }
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }
}
