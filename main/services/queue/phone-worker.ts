import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { Cancelled, errorMessage, NasError } from '../../../shared/errors.js';
import { CancellationTokenSource, type CancellationToken } from '../../core/cancellation.js';
import { BenchmarkRunner } from '../devices/benchmark-runner.js';
import { ensureBenchmarkModel } from '../devices/benchmark-tool.js';
import { AdbDeviceService, type TrackedDevice } from '../devices/device-service.js';
import { exportTflite } from '../export/tflite.js';
import { randomWeights } from '../export/weights.js';
import { bullConnection, KEY_PREFIX } from './connection.js';
import { phoneJobModel, phoneQueueName, type PhoneJobResult } from './phone-protocol.js';

export interface PhoneBenchOptions {
  readonly redisUrl: string;
  /** The evaluation queue; each phone's jobs come on its own queue beside it (phoneQueueName). */
  readonly queue: string;
  readonly workerId: string;
  /** benchmark_model for the phones (else $FRONTIER_BENCHMARK_MODEL, else the official build for each phone's ABI, downloaded into `cacheDir`). */
  readonly benchmarkModel?: string;
  readonly cacheDir: string;
  /** How long a measurement waits for its phone to come back after an unplug before failing (the job is then retried). */
  readonly waitMs: number;
  readonly stallMs: number;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Called whenever the phones online change (the worker announces them). */
  readonly onChange: () => void;
  readonly log: (line: string) => void;
}

/**
 * The phones on this machine's adb server, measuring latency for coordinators: every phone seen
 * online gets a BullMQ worker on its own queue (one measurement at a time). A job's model is built
 * from its spec, exported to TFLite (seeded random weights: latency does not depend on their values)
 * and measured with benchmark_model as `frontier device measure` does. A phone unplugged mid-job is
 * waited for (the interrupted repeat is redone when it returns); after `waitMs` the job fails naming
 * the phone, and BullMQ retries it.
 */
export class PhoneBench {
  private readonly workers = new Map<string, Worker>();
  private readonly runners = new Map<string, BenchmarkRunner>();
  private readonly cancel = new CancellationTokenSource();
  measuring = 0;

  private constructor(
    private readonly o: PhoneBenchOptions,
    private readonly adb: AdbDeviceService,
  ) {}

  static async start(o: PhoneBenchOptions): Promise<PhoneBench> {
    const port = o.env['ANDROID_ADB_SERVER_PORT'];
    const adb = new AdbDeviceService(undefined, port ? { port: Number(port) } : {}, Date.now, 1000, undefined, o.env);
    await adb.start();
    const self = new PhoneBench(o, adb);
    adb.onDidChange((list) => self.sync(list));
    self.sync(adb.list());
    return self;
  }

  /** Serials of the phones online now. */
  phones(): string[] {
    return this.adb.list().filter((d) => d.state === 'device').map((d) => d.serial).sort();
  }

  private sync(list: readonly TrackedDevice[]): void {
    for (const d of list) {
      if (d.state !== 'device' || this.workers.has(d.serial)) continue;
      const serial = d.serial;
      const w = new Worker(phoneQueueName(this.o.queue, serial), (job) => this.measure(serial, job), {
        connection: bullConnection(this.o.redisUrl),
        prefix: KEY_PREFIX,
        concurrency: 1,
        lockDuration: this.o.stallMs,
        stalledInterval: this.o.stallMs,
        maxStalledCount: 1_000_000,
        drainDelay: 1,
      });
      w.on('error', (e) => this.o.log(`phone ${serial} queue connection: ${errorMessage(e)}`));
      w.on('failed', (job, e) => this.o.log(`phone ${serial}: measurement of trial ${String((job?.data as { trial?: unknown } | undefined)?.trial)} failed (try ${job?.attemptsMade ?? '?'}): ${e.message}`));
      this.workers.set(serial, w);
      this.o.log(`phone ${serial} online: taking its latency jobs`);
    }
    this.o.onChange();
  }

  private async runnerFor(serial: string): Promise<BenchmarkRunner> {
    const abi = this.adb.get(serial)?.facts?.abi ?? 'unknown';
    const tool = this.o.benchmarkModel ?? this.o.env['FRONTIER_BENCHMARK_MODEL'] ?? (await ensureBenchmarkModel(abi, path.join(this.o.cacheDir, 'tools')));
    let r = this.runners.get(tool);
    if (!r) {
      r = new BenchmarkRunner(this.adb, { benchmarkBinary: tool });
      this.runners.set(tool, r);
    }
    return r;
  }

  /** A token cancelled when the phone stays away for `waitMs` (or the worker is forced to stop); `gone` says which. */
  private watch(serial: string): { token: CancellationToken; gone: () => boolean; dispose: () => void } {
    const src = new CancellationTokenSource();
    let gone = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const check = () => {
      const online = this.adb.get(serial)?.state === 'device';
      if (online && timer) {
        clearTimeout(timer);
        timer = undefined;
      } else if (!online && !timer) {
        timer = setTimeout(() => {
          gone = true;
          src.cancel();
        }, this.o.waitMs);
      }
    };
    const sub = this.adb.onDidChange(check);
    const stop = this.cancel.token.onCancellationRequested(() => src.cancel());
    check();
    return {
      token: src.token,
      gone: () => gone,
      dispose: () => {
        if (timer) clearTimeout(timer);
        sub.dispose();
        stop.dispose();
      },
    };
  }

  private async measure(serial: string, job: Job): Promise<PhoneJobResult> {
    let model: ReturnType<typeof phoneJobModel>;
    try {
      model = phoneJobModel(job.data, serial);
    } catch (e) {
      throw new UnrecoverableError(`${errorMessage(e)} (on worker ${this.o.workerId})`);
    }
    const { job: data, graph, subject } = model;
    const what = `trial ${data.trial}'s latency on phone ${serial}`;
    const dir = path.join(this.o.cacheDir, 'phone-models');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `${data.study.uid}-t${data.trial}-${process.pid}.tflite`);
    writeFileSync(file, exportTflite(graph, randomWeights(graph, data.trial)).bytes);
    const watch = this.watch(serial);
    this.measuring++;
    try {
      const runner = await this.runnerFor(serial);
      const m = await runner.measure(serial, { hostPath: file, subject }, {}, watch.token, (e) => {
        if (e.kind === 'interrupted') {
          this.o.log(`${what}: the phone went away (${e.detail ?? ''}); waiting up to ${Math.round(this.o.waitMs / 1000)} s for it`);
        }
        if (e.kind === 'resumed') this.o.log(`${what}: the phone is back; repeating the interrupted run`);
      });
      if (m.status === 'noisy' || m.status === 'too-hot') {
        throw new NasError('device-unavailable', `${what} was ${m.status === 'noisy' ? `noisy (spread ${m.spread.toFixed(3)} of the repeats)` : 'measured on a phone too hot to cool down'}: not kept (on worker ${this.o.workerId})`);
      }
      return {
        sample: {
          deviceId: serial, subject, medianMs: m.medianMs, p90Ms: m.p90Ms, runs: m.repeatsMs.length * ((m.provenance.runsPerRepeat as number | undefined) ?? 1),
          provenance: { ...m.provenance, worker: this.o.workerId, weights: 'random (latency does not depend on their values)' },
          measuredAt: Date.now(),
        },
        worker: this.o.workerId,
      };
    } catch (e) {
      if (e instanceof Cancelled && watch.gone()) {
        throw new NasError('device-unavailable', `phone ${serial} was unplugged from worker ${this.o.workerId} during the latency measurement of trial ${data.trial} and did not come back within ${Math.round(this.o.waitMs / 1000)} s`);
      }
      throw e instanceof Error ? e : new Error(errorMessage(e));
    } finally {
      this.measuring--;
      watch.dispose();
      rmSync(file, { force: true });
    }
  }

  /** Stops taking jobs, waits for the measurements running (`force`: cancels them). */
  async close(force = false): Promise<void> {
    if (force) this.cancel.cancel();
    await Promise.allSettled([...this.workers.values()].map((w) => w.close(force)));
    this.adb.dispose();
  }
}
