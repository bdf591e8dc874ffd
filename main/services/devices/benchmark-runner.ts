import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { DeviceUnavailable, NasError } from '../../../shared/errors.js';
import type { LatencySample } from '../../../shared/types/index.js';
import { latencyMs, parseBenchmarkOutput, type BenchmarkOutput } from '../../core/benchmark/parse.js';
import {
  benchmarkFlags, checkBenchmarkConfig, DEFAULT_BENCHMARK_CONFIG, summarizeRepeats, type BenchmarkConfig,
} from '../../core/benchmark/measurement.js';
import { CancellationToken, delay, throwIfCancelled } from '../../core/cancellation.js';
import type { Store } from '../../core/store.js';
import { push, shell } from './adb.js';
import type { AdbDeviceService } from './device-service.js';

/** Where Frontier keeps its files on the phone. */
export const DEVICE_DIR = '/data/local/tmp/frontier';

export type MeasurementStatus = 'ok' | 'noisy' | 'delegate-fallback' | 'too-hot';

export interface MeasurementEvent {
  readonly kind: 'pushed' | 'cooling' | 'repeat' | 'interrupted' | 'resumed';
  readonly repeat?: number;
  readonly detail?: string;
}

export interface Measurement {
  readonly status: MeasurementStatus;
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly spread: number;
  /** Median latency of each repeat (ms), in order; interrupted repeats are not in it. */
  readonly repeatsMs: readonly number[];
  /** How often the phone went away during this measurement (each time the repeat was redone). */
  readonly interruptions: number;
  readonly fallback: readonly string[];
  readonly provenance: Readonly<Record<string, unknown>>;
  /** Id of the stored LatencySample, when stored (noisy and too-hot measurements are not). */
  readonly sampleId?: number;
  /** The last repeat's parsed output. */
  readonly output: BenchmarkOutput;
}

export interface RunnerOptions {
  /** benchmark_model binary for the phone's ABI (settings). */
  readonly benchmarkBinary: string;
  readonly store?: Store;
  readonly now?: () => number;
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/**
 * Measures TFLite models on a phone with benchmark_model: pushes the tool and the model to
 * `/data/local/tmp/frontier/`, runs `taskset <mask> benchmark_model …` `repeats` times (waiting for
 * the SoC to cool below the threshold before each), and keeps the median of the repeat medians.
 *
 * Invariants: a measurement is stored (Store.addLatencySample) at most once, after all its repeats,
 * with its provenance; a noisy or too-hot measurement is returned flagged and not stored; a silent
 * delegate fall-back is stored but flagged in status and provenance. When the phone disappears
 * mid-repeat the repeat is discarded, the measurement waits for the phone to come back (or for the
 * token) and redoes that repeat: nothing is lost and nothing is counted twice.
 */
export class BenchmarkRunner {
  private readonly toolHash: string;
  private readonly now: () => number;
  private readonly pushed = new Map<string, Set<string>>();

  constructor(
    private readonly devices: AdbDeviceService,
    private readonly o: RunnerOptions,
  ) {
    try {
      statSync(o.benchmarkBinary);
    } catch {
      throw new NasError('invalid-input', `benchmark_model binary ${o.benchmarkBinary} not found (set its path in the settings)`);
    }
    this.toolHash = sha256(o.benchmarkBinary);
    this.now = o.now ?? Date.now;
  }

  get toolVersion(): string {
    return `${path.basename(this.o.benchmarkBinary)}@sha256:${this.toolHash.slice(0, 12)}`;
  }

  /** Pushes `hostFile` as `DEVICE_DIR/<name>` unless a file of that name and size is already there. */
  private async ensureFile(serial: string, hostFile: string, name: string, mode: number): Promise<void> {
    const device = this.devices.device(serial);
    const remote = `${DEVICE_DIR}/${name}`;
    const size = statSync(hostFile).size;
    const st = await device.stat(remote).catch(() => undefined);
    if (st && st.size === size && this.pushed.get(serial)?.has(name)) return;
    const mk = await shell(device, `mkdir -p ${DEVICE_DIR}`);
    if (mk.rc === undefined) throw new DeviceUnavailable(`${serial} went away`);
    await push(device, hostFile, remote, mode);
    if (!this.pushed.has(serial)) this.pushed.set(serial, new Set());
    this.pushed.get(serial)?.add(name);
  }

  async measure(
    serial: string,
    model: { readonly hostPath: string; readonly subject: string },
    config: Partial<BenchmarkConfig> = {},
    token: CancellationToken = CancellationToken.None,
    onEvent: (e: MeasurementEvent) => void = () => undefined,
    extra: Pick<LatencySample, 'studyId' | 'trialNumber'> = {},
  ): Promise<Measurement> {
    const cfg: BenchmarkConfig = { ...DEFAULT_BENCHMARK_CONFIG, ...config };
    const bad = checkBenchmarkConfig(cfg);
    if (bad) throw new NasError('invalid-input', bad);
    const modelName = `${createHash('sha256').update(readFileSync(model.hostPath)).digest('hex').slice(0, 16)}.tflite`;
    const repeatsMs: number[] = [];
    const repeatTemps: { startC?: number; endC?: number }[] = [];
    const fallback = new Set<string>();
    let interruptions = 0;
    let tooHot = false;
    let last: BenchmarkOutput | undefined;
    let flags: string[] = [];
    let mask = '';

    while (repeatsMs.length < cfg.repeats) {
      throwIfCancelled(token);
      const r = repeatsMs.length;
      try {
        await this.devices.waitFor(serial, 'device', token);
        const facts = this.devices.get(serial)?.facts;
        mask = cfg.affinity === 'big' ? (facts?.bigCoreMask ?? 'ff') : cfg.affinity === 'all' ? ((1n << BigInt(facts?.cores.length ?? 8)) - 1n).toString(16) : cfg.affinity.replace(/^0x/i, '');
        await this.ensureFile(serial, this.o.benchmarkBinary, 'benchmark_model', 0o755);
        await this.ensureFile(serial, model.hostPath, modelName, 0o644);
        onEvent({ kind: 'pushed', repeat: r });

        // Cool down: wait until the SoC is at most maxStartTemperatureC (or give up and flag it).
        const coolUntil = Date.now() + cfg.coolDownTimeoutMs;
        let t = await this.devices.thermals(serial);
        while ((t.socC ?? 0) > cfg.maxStartTemperatureC) {
          if (Date.now() >= coolUntil) {
            tooHot = true;
            break;
          }
          onEvent({ kind: 'cooling', repeat: r, detail: `${(t.socC ?? 0).toFixed(1)} °C > ${cfg.maxStartTemperatureC} °C` });
          await delay(cfg.coolDownPollMs, token);
          t = await this.devices.thermals(serial);
        }

        flags = benchmarkFlags(cfg, `${DEVICE_DIR}/${modelName}`);
        const res = await shell(this.devices.device(serial), `cd ${DEVICE_DIR} && taskset ${mask} ./benchmark_model ${flags.join(' ')} 2>&1`);
        if (res.rc === undefined) throw new DeviceUnavailable(`${serial} disconnected during benchmark_model`);
        if (res.rc !== 0) throw new NasError('internal', `benchmark_model failed on ${serial} (status ${res.rc}): ${res.output.trim().split('\n').slice(-3).join(' | ')}`);
        const out = parseBenchmarkOutput(res.output);
        const ms = latencyMs(out);
        if (ms === undefined) throw new NasError('internal', 'benchmark_model printed no inference latency');
        const end = await this.devices.thermals(serial).catch(() => ({ socC: undefined }));
        for (const f of out.fallback) fallback.add(f);
        last = out;
        repeatsMs.push(ms);
        repeatTemps.push({ ...(t.socC !== undefined ? { startC: t.socC } : {}), ...(end.socC !== undefined ? { endC: end.socC } : {}) });
        onEvent({ kind: 'repeat', repeat: r, detail: `${ms.toFixed(3)} ms` });
      } catch (e) {
        if (!(e instanceof DeviceUnavailable) || token.isCancellationRequested) throw e;
        interruptions++;
        onEvent({ kind: 'interrupted', repeat: r, detail: e.message });
        this.pushed.delete(serial); // the phone may have been wiped or rebooted: check files again
        await delay(250, token); // let adb notice the unplug before waiting for the phone to return
        await this.devices.waitFor(serial, 'device', token);
        onEvent({ kind: 'resumed', repeat: r });
      }
    }

    // The model is not needed on the phone any more (a table build pushes hundreds of them).
    await shell(this.devices.device(serial), `rm -f ${DEVICE_DIR}/${modelName}`).catch(() => undefined);
    this.pushed.get(serial)?.delete(modelName);

    const sum = summarizeRepeats(repeatsMs, cfg.maxSpread);
    const facts = this.devices.get(serial)?.facts;
    const status: MeasurementStatus = tooHot ? 'too-hot' : sum.noisy ? 'noisy' : fallback.size > 0 ? 'delegate-fallback' : 'ok';
    const provenance = {
      device: serial,
      model: facts?.model,
      soc: facts?.soc,
      abi: facts?.abi,
      buildFingerprint: facts?.fingerprint,
      tool: 'benchmark_model',
      toolVersion: this.toolVersion,
      flags,
      affinityMask: mask,
      delegate: cfg.delegate,
      threads: cfg.threads,
      warmupRuns: cfg.warmupRuns,
      runsPerRepeat: cfg.runs,
      repeatsMs,
      spread: sum.spread,
      temperatureC: repeatTemps,
      interruptions,
      delegateFallback: [...fallback],
      status,
    };
    let sampleId: number | undefined;
    if (this.o.store && (status === 'ok' || status === 'delegate-fallback')) {
      sampleId = this.o.store.addLatencySample({
        deviceId: serial,
        subject: model.subject,
        ...extra,
        medianMs: sum.medianMs,
        p90Ms: sum.p90Ms,
        runs: cfg.runs * cfg.repeats,
        provenance,
        measuredAt: this.now(),
      });
    }
    return {
      status, medianMs: sum.medianMs, p90Ms: sum.p90Ms, spread: sum.spread, repeatsMs, interruptions, fallback: [...fallback], provenance,
      ...(sampleId !== undefined ? { sampleId } : {}),
      output: last as BenchmarkOutput,
    };
  }
}
