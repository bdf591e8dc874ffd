import { dirname, join } from 'node:path';
import { Cancelled, DeviceUnavailable, errorMessage, NasError } from '../../shared/errors.js';
import type {
  DeviceId,
  DeviceLatencyReport,
  ProfileJobId,
  ProfilePhase,
  ProfileProgress,
  ProfileRequest,
  ProfileSettings,
} from '../../shared/ipc/contract.js';
import type { BenchmarkConfig } from '../core/benchmark/measurement.js';
import { CancellationTokenSource, type CancellationToken } from '../core/cancellation.js';
import type { GraphOptions } from '../core/graph/index.js';
import type { SearchSpace } from '../core/search-space.js';
import { createSpace } from '../core/spaces.js';
import type { Store } from '../core/store.js';
import { BenchmarkRunner, type MeasurementEvent } from '../services/devices/benchmark-runner.js';
import { ensureBenchmarkModel } from '../services/devices/benchmark-tool.js';
import type { AdbDeviceService } from '../services/devices/device-service.js';
import { LocalOnnxProfiler, LOCAL_CPU } from '../services/devices/local-profiler.js';
import { AdbDeviceProfiler, buildLookupTable, defaultModelInput, lutPath, writeLutFile, type TableProfiler } from '../services/devices/profiler.js';
import { readLatencyReport } from './devices.js';

export type MeasurePhase = 'kernels' | 'calibration' | 'held-out';

/**
 * What builds a lookup table on a phone (the adb one below; tests may plug another).
 * `check` throws `DeviceUnavailable` when the phone cannot be profiled now. `build` measures,
 * stores the table, reports progress per phase, and rejects with `Cancelled` once the token fires.
 */
export interface ProfileBackend {
  check(serial: string): void;
  build(
    serial: string, space: SearchSpace, settings: ProfileSettings, token: CancellationToken,
    onProgress: (phase: MeasurePhase, done: number, total: number) => void,
    /** A passing condition worth a line (the phone went away; it is back). */
    onNote?: (message: string) => void,
  ): Promise<DeviceLatencyReport | null>;
}

/** The graph settings a table is built with: the space's default input (defaultModelInput: kws speech features, text ids and vocabulary; else 32×32×3) and `classes` (default 10), as `frontier device profile`. */
export function profileGraph(space: SearchSpace, settings: ProfileSettings): GraphOptions {
  const { input, vocab } = defaultModelInput(space);
  return { input, classes: settings.classes ?? 10, ...(vocab !== undefined ? { vocab } : {}) };
}

/**
 * Profiles phones tracked by the adb device service with benchmark_model, writing the table next to
 * the database (`lutPath`), exactly as `frontier device profile` does; `local:cpu` (this machine) is
 * timed in onnxruntime (LocalOnnxProfiler), without a phone.
 */
export class AdbProfileBackend implements ProfileBackend {
  constructor(
    private readonly phones: AdbDeviceService,
    private readonly o: {
      readonly dbPath: string;
      readonly store?: Store;
      /** benchmark_model for the phone's ABI; default: the official build, downloaded once next to the database. */
      readonly benchmarkBinary?: string;
    },
  ) {}

  check(serial: string): void {
    if (serial === LOCAL_CPU) return;
    const d = this.phones.get(serial);
    if (!d || d.state !== 'device') throw new DeviceUnavailable(`phone ${serial} is ${d?.state === undefined || d.state === 'absent' ? 'not connected' : d.state}: plug it in with USB debugging on (or adb connect it), then try again`);
  }

  async build(
    serial: string, space: SearchSpace, settings: ProfileSettings, token: CancellationToken,
    onProgress: (phase: MeasurePhase, done: number, total: number) => void,
    onNote: (message: string) => void = () => undefined,
  ): Promise<DeviceLatencyReport | null> {
    if (serial === LOCAL_CPU) {
      const local = new LocalOnnxProfiler({
        ...(settings.runs !== undefined ? { runs: settings.runs } : {}), ...(settings.warmup !== undefined ? { warmupRuns: settings.warmup } : {}),
        ...(settings.repeats !== undefined ? { repeats: settings.repeats } : {}), ...(settings.maxSpread !== undefined ? { maxSpread: settings.maxSpread } : {}),
      });
      return this.tableOf(local, serial, space, settings, token, onProgress);
    }
    await this.phones.waitFor(serial, 'device', token, 10_000);
    const abi = this.phones.get(serial)?.facts?.abi ?? 'unknown';
    const tool = this.o.benchmarkBinary ?? (await ensureBenchmarkModel(abi, join(dirname(this.o.dbPath), 'tools')));
    const runner = new NotingRunner(this.phones, { benchmarkBinary: tool, ...(this.o.store ? { store: this.o.store } : {}) }, (e) => {
      if (e.kind === 'interrupted') onNote(`${serial} went away; waiting for it to come back (or cancel)`);
      if (e.kind === 'resumed') onNote(`${serial} is back; repeating the interrupted run`);
    });
    const config: Partial<BenchmarkConfig> = {
      ...(settings.runs !== undefined ? { runs: settings.runs } : {}),
      ...(settings.warmup !== undefined ? { warmupRuns: settings.warmup } : {}),
      ...(settings.repeats !== undefined ? { repeats: settings.repeats } : {}),
      ...(settings.threads !== undefined ? { threads: settings.threads } : {}),
      ...(settings.maxSpread !== undefined ? { maxSpread: settings.maxSpread } : {}),
    };
    const profiler = new AdbDeviceProfiler(this.phones, runner, config);
    try {
      return await this.tableOf(profiler, serial, space, settings, token, onProgress);
    } finally {
      profiler.dispose();
    }
  }

  private async tableOf(
    profiler: TableProfiler, serial: string, space: SearchSpace, settings: ProfileSettings, token: CancellationToken,
    onProgress: (phase: MeasurePhase, done: number, total: number) => void,
  ): Promise<DeviceLatencyReport | null> {
    const graph = profileGraph(space, settings);
    const { table, report } = await buildLookupTable(profiler, serial, {
      space, graph,
      ...(settings.calibration !== undefined ? { calibration: settings.calibration } : {}),
      ...(settings.heldOut !== undefined ? { heldOut: settings.heldOut } : {}),
    }, token, onProgress);
    if (token.isCancellationRequested) throw new Cancelled();
    writeLutFile(lutPath(this.o.dbPath, serial), { version: 1, table, space: space.id, graph, report, createdAt: Date.now() });
    return readLatencyReport(this.o.dbPath, serial);
  }
}

/** A runner that also tells `note` about every measurement's events (the profiler passes none). */
class NotingRunner extends BenchmarkRunner {
  constructor(devices: AdbDeviceService, o: ConstructorParameters<typeof BenchmarkRunner>[1], private readonly note: (e: MeasurementEvent) => void) {
    super(devices, o);
  }

  override measure(...[serial, model, config, token, onEvent, extra]: Parameters<BenchmarkRunner['measure']>): ReturnType<BenchmarkRunner['measure']> {
    return super.measure(serial, model, config, token, (e) => {
      this.note(e);
      onEvent?.(e);
    }, extra);
  }
}

interface Job {
  readonly id: ProfileJobId;
  readonly device: DeviceId;
  readonly cts: CancellationTokenSource;
  done: Promise<void>;
}

const PHASE_LABEL: Record<MeasurePhase, string> = { kernels: 'op configurations', calibration: 'calibration architectures', 'held-out': 'held-out architectures' };

/**
 * Profiling jobs of `device.profile` / `device.cancel`: at most one running job per device; each
 * runs in the background on the backend with its own cancellation token and reports through `emit`
 * (one `running` event at the start, more as it measures, exactly one final event). Without a
 * backend (no phones service plugged in) `start` rejects. `dispose` cancels every job and resolves
 * once all have ended.
 */
export class ProfileJobs {
  private readonly jobs = new Map<ProfileJobId, Job>();
  private seq = 0;

  constructor(
    private readonly backend: ProfileBackend | undefined,
    private readonly emit: (p: ProfileProgress) => void,
  ) {}

  async start(req: ProfileRequest): Promise<ProfileJobId> {
    if (!this.backend) {
      throw new DeviceUnavailable('no phones service is running, so no latency table can be built: start the workbench with phones tracking on (frontier serve --phones)');
    }
    const busy = [...this.jobs.values()].find((j) => j.device === req.device);
    if (busy) throw new NasError('device-unavailable', `phone ${req.device} is already building a latency table (job ${busy.id}): cancel it or wait for it to finish`);
    const space = createSpace(req.space, req.spaceOptions ?? {});
    this.backend.check(req.device);
    const id = `p${++this.seq}-${Date.now().toString(36)}` as ProfileJobId;
    const job: Job = { id, device: req.device, cts: new CancellationTokenSource(), done: Promise.resolve() };
    this.jobs.set(id, job);
    job.done = this.run(job, this.backend, space, req.settings ?? {});
    return id;
  }

  async cancel({ id }: { id: ProfileJobId }): Promise<void> {
    this.jobs.get(id)?.cts.cancel();
  }

  /** Ids of the running jobs. */
  running(): ProfileJobId[] {
    return [...this.jobs.keys()];
  }

  private async run(job: Job, backend: ProfileBackend, space: SearchSpace, settings: ProfileSettings): Promise<void> {
    const base = { id: job.id, device: job.device, space: space.id };
    const totals: Record<MeasurePhase, number> = { kernels: 0, calibration: settings.calibration ?? 4, 'held-out': settings.heldOut ?? 6 };
    const dones: Record<MeasurePhase, number> = { kernels: 0, calibration: 0, 'held-out': 0 };
    const sum = (r: Record<MeasurePhase, number>) => r.kernels + r.calibration + r['held-out'];
    let phase: ProfilePhase = 'starting';
    let last = { done: 0, total: 0 };
    this.emit({ ...base, state: 'running', phase, done: 0, total: 0, message: `preparing ${space.id} on ${job.device}` });
    try {
      await Promise.resolve(); // the id reaches the caller before any measurement starts
      const report = await backend.build(job.device, space, settings, job.cts.token, (p, d, t) => {
        if (job.cts.token.isCancellationRequested) return;
        phase = p;
        totals[p] = t;
        dones[p] = d;
        last = { done: sum(dones), total: totals.kernels > 0 ? sum(totals) : 0 };
        this.emit({ ...base, state: 'running', phase: p, ...last, message: `${PHASE_LABEL[p]} ${d}/${t}` });
      }, (message) => {
        if (!job.cts.token.isCancellationRequested) this.emit({ ...base, state: 'running', phase, ...last, message });
      });
      const total = Math.max(last.done, sum(dones));
      this.emit({
        ...base, state: 'finished', phase: 'done', done: total, total,
        message: report ? `latency table of ${job.device} for ${space.id} built: ${report.kernels} op configurations` : `latency table of ${job.device} for ${space.id} built`,
        ...(report ? { report } : {}),
      });
    } catch (e) {
      if (job.cts.token.isCancellationRequested || e instanceof Cancelled) {
        this.emit({ ...base, state: 'cancelled', phase, ...last, message: 'cancelled; nothing was stored' });
      } else {
        this.emit({ ...base, state: 'failed', phase, ...last, message: `building the latency table failed: ${errorMessage(e)}`, error: errorMessage(e) });
      }
    } finally {
      this.jobs.delete(job.id);
      job.cts.dispose();
    }
  }

  async dispose(): Promise<void> {
    const all = [...this.jobs.values()];
    for (const j of all) j.cts.cancel();
    await Promise.all(all.map((j) => j.done));
  }
}
