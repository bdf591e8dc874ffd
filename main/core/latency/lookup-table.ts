import type { Architecture, ModelGraph } from '../../../shared/types/index.js';
import { latencyKernels } from './kernels.js';

/** A latency prediction; `missing` lists kernels the table does not have (their cost is left out). */
export interface LatencyEstimate {
  readonly ms: number;
  readonly missing: readonly string[];
}

/** Pure, millisecond-fast latency of an architecture on one device (NNI Profiler style). */
export interface LatencyModel {
  readonly deviceId: string;
  predict(a: Architecture): LatencyEstimate;
}

/**
 * Measured kernels of one device, keyed `(op, config key)`, and the fitted end-to-end model
 * `ms = scale·Σ kernel ms + perKernel·(number of kernels) + overhead`: each micro-model measurement
 * carries the per-invocation cost once, which the `perKernel` term takes back out; `overhead` is
 * what a whole model costs beyond its kernels (input/output, the softmax).
 */
export interface LookupTable {
  readonly deviceId: string;
  /** op → config key → median ms. */
  readonly entries: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly fit: LatencyFit;
}

export interface LatencyFit {
  readonly scale: number;
  readonly perKernel: number;
  readonly overhead: number;
}

export const IDENTITY_FIT: LatencyFit = { scale: 1, perKernel: 0, overhead: 0 };

export function lookup(t: LookupTable, op: string, key: string): number | undefined {
  return t.entries[op]?.[key];
}

/** Σ of the kernel latencies of a graph, the largest of them, and how many kernels it has. */
export function kernelSum(t: Pick<LookupTable, 'entries'>, graph: ModelGraph): { sum: number; max: number; count: number; missing: string[] } {
  let sum = 0;
  let max = 0;
  const missing: string[] = [];
  const ks = latencyKernels(graph);
  for (const k of ks) {
    const v = t.entries[k.op]?.[k.key];
    if (v === undefined) missing.push(`${k.op}|${k.key}`);
    else {
      sum += v;
      max = Math.max(max, v);
    }
  }
  return { sum, max, count: ks.length, missing };
}

/**
 * The fitted latency, never below the graph's slowest kernel measured alone: that measurement is
 * the kernel's work plus one invocation's cost, both of which the whole model also pays. (A fit on
 * few noisy calibration models can otherwise extrapolate below zero for small models.)
 */
export function predictGraph(t: LookupTable, graph: ModelGraph): LatencyEstimate {
  const { sum, max, count, missing } = kernelSum(t, graph);
  return { ms: Math.max(t.fit.scale * sum + t.fit.perKernel * count + t.fit.overhead, max), missing };
}

/** Solves the small normal equations A x = b (Gaussian elimination with partial pivoting). */
function solve(A: number[][], b: number[]): number[] | undefined {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i] as number]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs((M[r] as number[])[c] as number) > Math.abs((M[p] as number[])[c] as number)) p = r;
    if (Math.abs((M[p] as number[])[c] as number) < 1e-12) return undefined;
    [M[c], M[p]] = [M[p] as number[], M[c] as number[]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = ((M[r] as number[])[c] as number) / ((M[c] as number[])[c] as number);
      for (let j = c; j <= n; j++) (M[r] as number[])[j] = ((M[r] as number[])[j] as number) - f * ((M[c] as number[])[j] as number);
    }
  }
  return M.map((row, i) => (row[n] as number) / (row[i] as number));
}

/**
 * Fits `measured ≈ scale·sum + perKernel·count + overhead` by ridge-regularised least squares that
 * pulls towards the plain sum (scale 1, no per-kernel or overhead term). With fewer than
 * `fullFitFrom` calibration models the scale stays 1 and only the two overhead terms are fitted
 * (three free parameters on three points would just interpolate the noise).
 */
export function fitLatency(rows: readonly { sum: number; count: number; measured: number }[], lambda = 1e-3, fullFitFrom = 6): LatencyFit {
  if (rows.length === 0) return IDENTITY_FIT;
  const full = rows.length >= fullFitFrom;
  const X = rows.map((r) => (full ? [r.sum, r.count, 1] : [r.count, 1]));
  const y = rows.map((r) => (full ? r.measured : r.measured - r.sum));
  const prior = full ? [1, 0, 0] : [0, 0];
  const idx = prior.map((_, i) => i);
  const scaleOf = rows.reduce((m, r) => Math.max(m, r.sum * r.sum, r.count * r.count, 1), 1);
  const lam = lambda * scaleOf * rows.length;
  const A = idx.map((i) => idx.map((j) => X.reduce((s, x) => s + (x[i] as number) * (x[j] as number), 0) + (i === j ? lam : 0)));
  const b = idx.map((i) => X.reduce((s, x, r) => s + (x[i] as number) * (y[r] as number), 0) + lam * (prior[i] as number));
  const sol = solve(A, b);
  if (!sol) return IDENTITY_FIT;
  return full ? { scale: sol[0] as number, perKernel: sol[1] as number, overhead: sol[2] as number } : { scale: 1, perKernel: sol[0] as number, overhead: sol[1] as number };
}

export interface AccuracyReport {
  readonly n: number;
  readonly rmseMs: number;
  /** Share of predictions within ±10% of the measurement. */
  readonly within10: number;
  readonly meanAbsPctError: number;
}

export function accuracy(pairs: readonly { predicted: number; measured: number }[]): AccuracyReport {
  const n = pairs.length;
  if (n === 0) return { n: 0, rmseMs: NaN, within10: NaN, meanAbsPctError: NaN };
  const se = pairs.reduce((s, p) => s + (p.predicted - p.measured) ** 2, 0);
  const within = pairs.filter((p) => Math.abs(p.predicted - p.measured) <= 0.1 * Math.abs(p.measured)).length;
  const mape = pairs.reduce((s, p) => s + Math.abs(p.predicted - p.measured) / Math.abs(p.measured), 0) / n;
  return { n, rmseMs: Math.sqrt(se / n), within10: within / n, meanAbsPctError: mape };
}

/** A lookup table as a LatencyModel: architecture → graph (e.g. `buildGraph`) → Σ kernels with the fit. */
export class LookupTableLatencyModel implements LatencyModel {
  constructor(
    readonly table: LookupTable,
    private readonly graphOf: (a: Architecture) => ModelGraph,
  ) {}

  get deviceId(): string {
    return this.table.deviceId;
  }

  predict(a: Architecture): LatencyEstimate {
    return predictGraph(this.table, this.graphOf(a));
  }
}

/** The metric a search uses for a device's table-predicted latency. */
export function latencyMetric(deviceId: string): string {
  return `latency:${deviceId}`;
}
