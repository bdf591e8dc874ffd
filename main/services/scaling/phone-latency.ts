/**
 * Latency of compound-scaled models on a phone, measured on the phone itself: a phone's lookup table
 * holds only the kernels of the searched shapes, not those of scaled models. Each candidate is
 * exported to TFLite (seeded weights: latency does not depend on the values) and run through
 * benchmark_model over adb (BenchmarkRunner), as `frontier device measure` does. Measurements are
 * cached per (serial, model key, resolution), so a bisection over φ never measures a model twice.
 * A phone that is missing, or goes away and does not come back within `waitMs`, ends the run with
 * an error naming it.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Cancelled, DeviceUnavailable } from '../../../shared/errors.js';
import type { LatencySample, ModelGraph } from '../../../shared/types/index.js';
import type { BenchmarkConfig } from '../../core/benchmark/measurement.js';
import { CancellationToken, CancellationTokenSource } from '../../core/cancellation.js';
import type { Store } from '../../core/store.js';
import type { BenchmarkRunner, MeasurementEvent, MeasurementStatus } from '../devices/benchmark-runner.js';
import type { AdbDeviceService } from '../devices/device-service.js';
import { exportTflite } from '../export/tflite.js';
import { randomWeights } from '../export/weights.js';

/** One model measured on one phone. */
export interface PhoneLatency {
  readonly serial: string;
  /** `scaled:<model key>@<H>x<W>`: what was measured. */
  readonly subject: string;
  readonly medianMs: number;
  readonly p90Ms: number;
  /** Median of each benchmark_model repeat, in order. */
  readonly repeatsMs: readonly number[];
  readonly runs: number;
  readonly status: MeasurementStatus;
  readonly provenance: Readonly<Record<string, unknown>>;
  readonly measuredAt: number;
}

export interface PhoneLatencyOptions {
  /** Where the TFLite files of the candidates are written. */
  readonly dir: string;
  /** benchmark_model settings (runs, repeats, delegate, …). */
  readonly config?: Partial<BenchmarkConfig>;
  /** How long a phone may be away (unplugged, offline) before the run gives up on it (default 60 s). */
  readonly waitMs?: number;
  readonly onEvent?: (serial: string, subject: string, e: MeasurementEvent) => void;
  readonly now?: () => number;
}

/** Measures scaled models on phones; `runnerOf` gives the BenchmarkRunner of a phone (its ABI's benchmark_model). */
export class PhoneLatencyProbe {
  private readonly cache = new Map<string, Promise<PhoneLatency>>();
  /** benchmark_model measurements actually run (cache hits not counted). */
  measurements = 0;

  constructor(
    private readonly devices: AdbDeviceService,
    private readonly runnerOf: (serial: string) => Promise<BenchmarkRunner>,
    private readonly o: PhoneLatencyOptions,
  ) {}

  /** The benchmark settings given (for the command that runs the scaling again). */
  get settings(): Record<string, number> {
    const c = this.o.config ?? {};
    return {
      ...(c.runs !== undefined ? { runs: c.runs } : {}), ...(c.warmupRuns !== undefined ? { warmup: c.warmupRuns } : {}), ...(c.repeats !== undefined ? { repeats: c.repeats } : {}),
      ...(this.o.waitMs !== undefined ? { phoneWait: this.o.waitMs / 1000 } : {}),
    };
  }

  /** Throws, naming the phone, unless adb has it online now. */
  ensureOnline(serial: string): void {
    const state = this.devices.get(serial)?.state ?? 'absent';
    if (state !== 'device') {
      throw new DeviceUnavailable(`phone ${serial} is ${state === 'absent' ? 'not connected' : state} (see 'frontier devices'; a phone over TCP: --connect ${serial.includes(':') ? serial : 'HOST:PORT'})`);
    }
  }

  /** The model's latency on the phone: measured once per (serial, key, resolution), then from the cache. */
  latency(serial: string, graph: ModelGraph, key: string, token: CancellationToken = CancellationToken.None): Promise<PhoneLatency> {
    const [h, w] = graph.input;
    const subject = `scaled:${key}@${h}x${w}`;
    const k = `${serial}\n${subject}`;
    let p = this.cache.get(k);
    if (!p) {
      p = this.measure(serial, graph, subject, token);
      this.cache.set(k, p);
      // A failed measurement is not cached: a later run measures again.
      p.catch(() => this.cache.delete(k));
    }
    return p;
  }

  private async measure(serial: string, graph: ModelGraph, subject: string, token: CancellationToken): Promise<PhoneLatency> {
    const waitMs = this.o.waitMs ?? 60_000;
    if (this.devices.get(serial)?.state !== 'device') {
      await this.devices.waitFor(serial, 'device', token, waitMs).catch((e: unknown) => {
        if (e instanceof Cancelled) throw e;
        throw new DeviceUnavailable(`phone ${serial} is not connected and was not back within ${Math.round(waitMs / 1000)} s; the models finished before are kept`);
      });
    }
    const bytes = exportTflite(graph, randomWeights(graph, 0)).bytes;
    mkdirSync(this.o.dir, { recursive: true });
    const file = path.join(this.o.dir, `${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}.tflite`);
    writeFileSync(file, bytes);
    const runner = await this.runnerOf(serial);
    // Give up on the phone once it has been away for waitMs: the runner alone would wait for it forever.
    const cts = new CancellationTokenSource();
    const link = token.onCancellationRequested(() => cts.cancel());
    let awaySince: number | undefined;
    let gaveUp = false;
    const watch = setInterval(() => {
      const online = this.devices.get(serial)?.state === 'device';
      if (online) awaySince = undefined;
      else if (awaySince === undefined) awaySince = Date.now();
      else if (Date.now() - awaySince > waitMs) {
        gaveUp = true;
        cts.cancel();
      }
    }, 100);
    try {
      const m = await runner.measure(serial, { hostPath: file, subject }, this.o.config ?? {}, cts.token, (e) => this.o.onEvent?.(serial, subject, e));
      this.measurements++;
      return {
        serial, subject, medianMs: m.medianMs, p90Ms: m.p90Ms, repeatsMs: m.repeatsMs, status: m.status, provenance: m.provenance,
        runs: Number(m.provenance.runsPerRepeat ?? 1) * m.repeatsMs.length, measuredAt: (this.o.now ?? Date.now)(),
      };
    } catch (e) {
      if (gaveUp && !token.isCancellationRequested) {
        throw new DeviceUnavailable(`phone ${serial} went away while measuring ${subject} and was not back within ${Math.round(waitMs / 1000)} s; the models finished before it are kept`);
      }
      if (e instanceof Cancelled || token.isCancellationRequested) throw e instanceof Cancelled ? e : new Cancelled();
      throw e;
    } finally {
      clearInterval(watch);
      link.dispose();
      cts.dispose();
    }
  }
}

/** The LatencySample of a measurement, linked to the trial of the model measured. */
export function phoneSample(m: PhoneLatency, studyId: string, trialNumber: number): LatencySample {
  return { deviceId: m.serial, subject: m.subject, studyId, trialNumber, medianMs: m.medianMs, p90Ms: m.p90Ms, runs: m.runs, provenance: m.provenance, measuredAt: m.measuredAt };
}

/** Stores the measurement with its trial (as a search stores a phone's measured latency). */
export function storePhoneSample(store: Store, m: PhoneLatency, studyId: string, trialNumber: number): number {
  return store.addLatencySample(phoneSample(m, studyId, trialNumber));
}
