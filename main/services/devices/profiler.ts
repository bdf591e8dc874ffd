import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DeviceInfo } from '../../../shared/ipc/contract.js';
import type { Architecture, ModelGraph } from '../../../shared/types/index.js';
import type { BenchmarkConfig } from '../../core/benchmark/measurement.js';
import { CancellationToken, throwIfCancelled } from '../../core/cancellation.js';
import type { DeviceProfiler, OpLatency, OpSpec } from '../../core/device-profiler.js';
import { buildGraph, type GraphOptions } from '../../core/graph/index.js';
import { distinctKernels, kernelGraph } from '../../core/latency/kernels.js';
import { accuracy, fitLatency, kernelSum, predictGraph, type AccuracyReport, type LatencyFit, type LookupTable } from '../../core/latency/lookup-table.js';
import { Rng } from '../../core/rng.js';
import type { SearchSpace } from '../../core/search-space.js';
import { audioOptions, featureShape } from '../data/audio-features.js';
import { TEXT_DEFAULTS, vocabSize } from '../data/tokenizer.js';
import { exportTflite } from '../export/tflite.js';
import { randomWeights } from '../export/weights.js';
import type { BenchmarkRunner, Measurement } from './benchmark-runner.js';
import type { AdbDeviceService } from './device-service.js';

/** Profiles phones over adb: each op becomes a one-op TFLite model measured with benchmark_model. */
export class AdbDeviceProfiler implements DeviceProfiler {
  private readonly dir: string;

  constructor(
    private readonly devices: AdbDeviceService,
    private readonly runner: BenchmarkRunner,
    private readonly config: Partial<BenchmarkConfig> = {},
    /** Extra attempts for a noisy op before it is returned as `noisy`. */
    private readonly retries = 2,
  ) {
    this.dir = mkdtempSync(path.join(tmpdir(), 'frontier-ops-'));
  }

  async listDevices(): Promise<DeviceInfo[]> {
    return this.devices.infos();
  }

  /** Exports a graph (random weights) and measures it on the device, retrying while noisy. */
  async measureGraph(id: string, graph: ModelGraph, subject: string, token: CancellationToken, softmax: boolean, extra?: Partial<BenchmarkConfig>): Promise<Measurement> {
    const file = path.join(this.dir, `${subject.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 120)}.tflite`);
    writeFileSync(file, exportTflite(graph, randomWeights(graph, 0), { softmax }).bytes);
    let m: Measurement | undefined;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      throwIfCancelled(token);
      m = await this.runner.measure(id, { hostPath: file, subject }, { ...this.config, ...extra }, token);
      if (m.status !== 'noisy') break;
    }
    return m as Measurement;
  }

  async measure(id: string, ops: readonly OpSpec[], token: CancellationToken = CancellationToken.None, onProgress?: (done: number, total: number) => void): Promise<OpLatency[]> {
    const out: OpLatency[] = [];
    for (const k of ops) {
      const m = await this.measureGraph(id, kernelGraph(k), `op:${k.op}|${k.key}`, token, false);
      out.push({ deviceId: id, op: k.op, key: k.key, medianMs: m.medianMs, spread: m.spread, status: m.status, ...(m.sampleId !== undefined ? { sampleId: m.sampleId } : {}) });
      onProgress?.(out.length, ops.length);
    }
    return out;
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Every architecture of a small space (cartesian product, deduplicated by key), or undefined when the product exceeds `limit`. */
export function enumerateSpace(space: SearchSpace, limit = 20_000): Architecture[] | undefined {
  const sizes = space.dims.map((d) => d.choices.length);
  if (sizes.reduce((a, b) => a * b, 1) > limit) return undefined;
  const out = new Map<string, Architecture>();
  const idx = sizes.map(() => 0);
  for (;;) {
    if (!space.validate(idx)) {
      const a = space.freeze(idx);
      if (!out.has(a.key)) out.set(a.key, a);
    }
    let i = idx.length - 1;
    while (i >= 0 && ++(idx[i] as number) >= (sizes[i] as number)) idx[i--] = 0;
    if (i < 0) break;
  }
  return [...out.values()];
}

/** What buildLookupTable needs of a profiler: AdbDeviceProfiler (phones) or LocalOnnxProfiler (this machine). */
export interface TableProfiler {
  measure(id: string, ops: readonly OpSpec[], token?: CancellationToken, onProgress?: (done: number, total: number) => void): Promise<OpLatency[]>;
  /** A whole graph's median latency; `softmax` as the exported model has it. */
  measureGraph(id: string, graph: ModelGraph, subject: string, token: CancellationToken, softmax: boolean): Promise<{ readonly medianMs: number }>;
}

export interface LutBuildOptions {
  readonly space: SearchSpace;
  readonly graph: GraphOptions;
  /** Architectures measured end to end to fit the overhead (default 4). */
  readonly calibration?: number;
  /** Held-out architectures measured end to end to report accuracy (default 6). */
  readonly heldOut?: number;
  /** Architectures sampled for kernels when the space is too large to enumerate (default 500). */
  readonly samples?: number;
  readonly seed?: number;
}

export interface LutReport {
  readonly deviceId: string;
  readonly space: string;
  readonly architectures: number;
  readonly enumerated: boolean;
  readonly kernels: number;
  /** Kernels whose measurement stayed noisy (kept, flagged). */
  readonly noisyKernels: readonly string[];
  readonly fit: LatencyFit;
  readonly calibration: readonly { key: string; predictedMs: number; measuredMs: number }[];
  readonly heldOut: readonly { key: string; predictedMs: number; measuredMs: number }[];
  readonly accuracy: AccuracyReport;
}

export interface LutFile {
  readonly version: 1;
  readonly table: LookupTable;
  /** Id of the space the table was built for (`nb201`, `mobilenet`, `custom:<name>`). */
  readonly space: string;
  readonly graph: GraphOptions;
  readonly report: LutReport;
  readonly createdAt: number;
}

/**
 * Builds a device's latency lookup table for a space: enumerates (or samples) the space's
 * architectures, collects their distinct kernels, measures each alone, fits the end-to-end overhead
 * on `calibration` measured architectures, and reports accuracy (RMSE, share within ±10%) on
 * `heldOut` other measured architectures.
 */
export async function buildLookupTable(
  profiler: TableProfiler,
  deviceId: string,
  o: LutBuildOptions,
  token: CancellationToken = CancellationToken.None,
  onProgress: (phase: 'kernels' | 'calibration' | 'held-out', done: number, total: number) => void = () => undefined,
): Promise<{ table: LookupTable; report: LutReport }> {
  const rng = new Rng(o.seed ?? 0);
  const all = enumerateSpace(o.space);
  const archs = all ?? [...new Map(Array.from({ length: o.samples ?? 500 }, () => o.space.freeze(o.space.sample(rng))).map((a) => [a.key, a])).values()];
  const graphs = new Map(archs.map((a) => [a.key, buildGraph(o.space, a, o.graph)]));
  const kernels = distinctKernels(graphs.values()).map((e) => e.kernel);
  const ops = await profiler.measure(deviceId, kernels, token, (d, t) => onProgress('kernels', d, t));
  const entries: Record<string, Record<string, number>> = {};
  for (const r of ops) (entries[r.op] ??= {})[r.key] = r.medianMs;

  // Distinct architectures for calibration and held-out evaluation.
  const order = [...archs];
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j] as Architecture, order[i] as Architecture];
  }
  const nCal = Math.min(o.calibration ?? 4, order.length);
  const nHeld = Math.min(o.heldOut ?? 6, Math.max(0, order.length - nCal));
  const measureArch = async (a: Architecture) => (await profiler.measureGraph(deviceId, graphs.get(a.key) as ModelGraph, `arch:${o.space.id}:${a.key}`, token, true)).medianMs;

  const calRows: { key: string; sum: number; count: number; measured: number }[] = [];
  for (const a of order.slice(0, nCal)) {
    const s = kernelSum({ entries }, graphs.get(a.key) as ModelGraph);
    calRows.push({ key: a.key, sum: s.sum, count: s.count, measured: await measureArch(a) });
    onProgress('calibration', calRows.length, nCal);
  }
  const fit = fitLatency(calRows);
  const table: LookupTable = { deviceId, entries, fit };
  const held: { key: string; predictedMs: number; measuredMs: number }[] = [];
  for (const a of order.slice(nCal, nCal + nHeld)) {
    const measuredMs = await measureArch(a);
    held.push({ key: a.key, predictedMs: predictGraph(table, graphs.get(a.key) as ModelGraph).ms, measuredMs });
    onProgress('held-out', held.length, nHeld);
  }
  const report: LutReport = {
    deviceId,
    space: o.space.id,
    architectures: archs.length,
    enumerated: all !== undefined,
    kernels: kernels.length,
    noisyKernels: ops.filter((r) => r.status === 'noisy').map((r) => `${r.op}|${r.key}`),
    fit,
    calibration: calRows.map((r) => ({ key: r.key, predictedMs: predictGraph(table, graphs.get(r.key) as ModelGraph).ms, measuredMs: r.measured })),
    heldOut: held,
    accuracy: accuracy(held.map((h) => ({ predicted: h.predictedMs, measured: h.measuredMs }))),
  };
  return { table, report };
}

/**
 * The model input a latency table is built for when none is given: a document space's own input;
 * for kws the default speech features [T, F, 1] (49 frames × 10 MFCCs); for text the default
 * tokenizer's sequence length [L, 1, 1] and vocabulary; else 32×32×3.
 */
export function defaultModelInput(space: SearchSpace): { input: [number, number, number]; vocab?: number } {
  const own = (space as unknown as { spec?: { input?: [number, number, number] } }).spec?.input;
  if (own) return { input: own };
  if (space.id === 'kws') return { input: [...featureShape(audioOptions()), 1] };
  if (space.id === 'text') return { input: [TEXT_DEFAULTS.length, 1, 1], vocab: vocabSize(TEXT_DEFAULTS) };
  return { input: [32, 32, 3] };
}

/** Where a device's table lives: `<dir of the database>/latency/<device>.json`. */
export function lutPath(dbPath: string, deviceId: string): string {
  return path.join(path.dirname(dbPath), 'latency', `${deviceId.replace(/[^A-Za-z0-9_.-]+/g, '_')}.json`);
}

export function writeLutFile(file: string, lut: LutFile): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(lut, null, 1));
}
