/**
 * Compound scaling (EfficientNet, Tan & Le 2019): depth d = α^φ, width w = β^φ and resolution
 * r = γ^φ, with α·β²·γ² ≈ 2 so that FLOPs grow by about 2^φ. The coefficients (α, β, γ) are found
 * once at φ = 1 by a small grid search; φ is then chosen per target (a FLOPs, parameter or latency
 * budget). Pure math: no training here.
 */
import { NasError } from '../../../shared/errors.js';

export interface Coefficients {
  /** Depth coefficient α. */
  readonly alpha: number;
  /** Width coefficient β. */
  readonly beta: number;
  /** Resolution coefficient γ. */
  readonly gamma: number;
}

/** Depth, width and resolution multipliers of one scaled model. */
export interface Multipliers {
  readonly depth: number;
  readonly width: number;
  readonly resolution: number;
}

/** EfficientNet-B0's coefficients (α = 1.2, β = 1.1, γ = 1.15). */
export const EFFICIENTNET_COEFFICIENTS: Coefficients = { alpha: 1.2, beta: 1.1, gamma: 1.15 };

/** Multipliers are kept to 2 decimals within these bounds (the scaled space's choices). */
export const MULTIPLIER_MIN = 0.25;
export const MULTIPLIER_MAX = 4;
export const MULTIPLIER_STEP = 0.01;

/** α·β²·γ²: the FLOPs factor of one step of φ. */
export const flopsFactor = (c: Coefficients): number => c.alpha * c.beta ** 2 * c.gamma ** 2;

export const quantise = (v: number): number => Math.min(MULTIPLIER_MAX, Math.max(MULTIPLIER_MIN, Math.round(v / MULTIPLIER_STEP) * MULTIPLIER_STEP));
const round2 = (v: number): number => Number(v.toFixed(2));

/** The multipliers at φ, each quantised to 0.01 within [0.25, 4]. */
export function multipliersAt(c: Coefficients, phi: number): Multipliers {
  return { depth: round2(quantise(c.alpha ** phi)), width: round2(quantise(c.beta ** phi)), resolution: round2(quantise(c.gamma ** phi)) };
}

export interface GridOptions {
  /** The FLOPs factor α·β²·γ² aimed at (EfficientNet: 2). */
  readonly factor?: number;
  /** Accepted distance of α·β²·γ² from `factor` (default 0.1). */
  readonly tolerance?: number;
  /** Grid step of each coefficient (default 0.05). */
  readonly step?: number;
  /** Smallest coefficient (default 1.1: every dimension grows; EfficientNet's own are 1.1 to 1.2). */
  readonly min?: number;
  /** false: α stays 1 (architectures without stages to deepen, e.g. a space document's); β²·γ² ≈ factor. */
  readonly depth?: boolean;
  /** Candidates kept, spread evenly over the admissible ones in (α, β, γ) order (default 6). */
  readonly limit?: number;
}

/**
 * The admissible grid: α in min..2, β and γ in min..1.5 by `step`, with |α·β²·γ² − factor| ≤ tolerance;
 * at most `limit` of them, spread evenly (first and last kept), in (α, β, γ) order.
 */
export function coefficientGrid(o: GridOptions = {}): Coefficients[] {
  const factor = o.factor ?? 2;
  const tol = o.tolerance ?? 0.1;
  const step = o.step ?? 0.05;
  const limit = o.limit ?? 6;
  const min = o.min ?? 1.1;
  if (!(factor > 1) || !(tol > 0) || !(step >= 0.01 && step <= 0.5) || !(Number.isInteger(limit) && limit >= 1) || !(min >= 1 && min < 1.5)) {
    throw new NasError('invalid-input', `coefficient grid: factor must be > 1, tolerance > 0, step in 0.01..0.5, limit a positive integer and min in 1..1.5 (got ${factor}, ${tol}, ${step}, ${limit}, ${min})`);
  }
  const axis = (max: number) => Array.from({ length: Math.floor((max - min) / step + 1e-9) + 1 }, (_, i) => round2(min + i * step));
  const all: Coefficients[] = [];
  for (const alpha of o.depth === false ? [1] : axis(2)) for (const beta of axis(1.5)) for (const gamma of axis(1.5)) {
    const c = { alpha, beta, gamma };
    if (Math.abs(flopsFactor(c) - factor) <= tol + 1e-12) all.push(c);
  }
  if (all.length <= limit) return all;
  if (limit === 1) return [all[0] as Coefficients];
  return [...new Set(Array.from({ length: limit }, (_, i) => Math.round((i * (all.length - 1)) / (limit - 1))))].map((i) => all[i] as Coefficients);
}

/**
 * The largest φ in [lo, hi] whose multipliers `fits` (a budget: FLOPs, parameters, latency), by
 * bisection: `fits` is assumed to hold up to some φ and fail above it (costs grow with φ).
 * Undefined when even φ = lo does not fit.
 */
export function fitPhi(c: Coefficients, fits: (m: Multipliers) => boolean, o: { lo?: number; hi?: number; iterations?: number } = {}): { phi: number; multipliers: Multipliers } | undefined {
  let lo = o.lo ?? -8;
  let hi = o.hi ?? 8;
  const at = (phi: number) => multipliersAt(c, phi);
  if (!fits(at(lo))) return undefined;
  if (fits(at(hi))) return { phi: hi, multipliers: at(hi) };
  for (let i = 0; i < (o.iterations ?? 30); i++) {
    const mid = (lo + hi) / 2;
    if (fits(at(mid))) lo = mid;
    else hi = mid;
  }
  // φ to 4 decimals, rounded down (still within the budget), and the multipliers of exactly that φ.
  const phi = floorPhi(lo);
  return { phi, multipliers: at(phi) };
}

/** φ rounded down to 4 decimals (what is stored and shown; its multipliers are recomputed from it). */
export const floorPhi = (phi: number): number => Math.floor(phi * 1e4 + 1e-9) / 1e4;

/** A scaling target: a budget on one cost, which the scaled model must not exceed. */
export interface ScaleTarget {
  readonly kind: 'flops' | 'params' | 'latency';
  /** For latency: the device (`local`: measured on this machine). */
  readonly device?: string;
  readonly value: number;
  /** As the user wrote it, e.g. `flops:20M`. */
  readonly label: string;
}

const SUFFIX: Record<string, number> = { '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9 };

/** A count with an optional k/M/G suffix, e.g. `20M`, `150k`, `1.5e6`. */
export function parseCount(text: string, what: string): number {
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[0-9]+)?)\s*([kKMG]?)\s*$/.exec(text);
  const v = m ? Number(m[1]) * (SUFFIX[m[2] as string] as number) : NaN;
  if (!(v > 0) || !Number.isFinite(v)) throw new NasError('invalid-input', `${what} '${text}' must be a positive number, optionally with k, M or G (e.g. 20M)`);
  return v;
}

/**
 * Targets written `flops:20M`, `params:150k`, `latency:local=1.5` (milliseconds measured here) or
 * `latency:<serial>=5` (milliseconds measured on that phone, by adb serial), comma-separated.
 */
export function parseTargets(text: string): ScaleTarget[] {
  const parts = text.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.length === 0) throw new NasError('invalid-input', `no targets in '${text}' (e.g. flops:20M,flops:40M or latency:local=2)`);
  return parts.map((p) => {
    const lat = /^latency:([^=]+)=(.+)$/.exec(p);
    if (lat) {
      const device = (lat[1] as string).trim();
      if (!/^[A-Za-z0-9._:-]+$/.test(device)) throw new NasError('invalid-input', `target '${p}': '${device}' is not a phone's adb serial (see 'frontier devices') nor 'local'`);
      const ms = Number(lat[2]);
      if (!(ms > 0) || !Number.isFinite(ms)) throw new NasError('invalid-input', `target '${p}': the latency must be a positive number of milliseconds`);
      return { kind: 'latency', device, value: ms, label: p };
    }
    const m = /^(flops|params):(.+)$/.exec(p);
    if (!m) throw new NasError('invalid-input', `target '${p}' must be flops:N, params:N, latency:local=MS or latency:<serial>=MS`);
    return { kind: m[1] as 'flops' | 'params', value: parseCount(m[2] as string, `target ${m[1]}`), label: p };
  });
}
