/**
 * Gaussian-process regression with a categorical kernel:
 *   k(x, x') = (1 − λ)·exp(−d²(x, x') / ℓ) + λ·⟨x, x'⟩ / s
 * d² the squared distance of the encodings (twice the Hamming distance of the decisions for a
 * one-hot encoding); the second, linear term is the additive (first-order) categorical kernel: on
 * a one-hot encoding ⟨x, x'⟩ counts the decisions two architectures share, so the effect of a
 * choice (an operation on an edge) carries over to every architecture that makes it; s is the mean
 * ⟨x, x⟩ of the data. Targets are standardised; ℓ (relative to the median pairwise d²), λ and the
 * noise are chosen on a fixed grid by marginal likelihood, so a fit is deterministic. Exact
 * inference by Cholesky: O(n³) per grid point, meant for up to a few hundred points.
 */
import { checkInputs, standardise, type Matrix, type Prediction, type Predictor } from './types.js';

export interface GpOptions {
  /** Lengthscales tried, as multiples of the median pairwise squared distance. */
  readonly lengthscales?: readonly number[];
  /** Noise variances tried, on standardised targets. */
  readonly noises?: readonly number[];
  /** Weights λ of the linear (additive) term tried. */
  readonly linear?: readonly number[];
}

const DEFAULT_LENGTHSCALES = [0.5, 1, 2];
const DEFAULT_NOISES = [0.01, 0.1];
const DEFAULT_LINEAR = [0, 0.5];

function dot(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function sqDist(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    s += d * d;
  }
  return s;
}

/** In-place lower Cholesky of an n×n row-major matrix; false when not positive definite. */
function cholesky(a: Float64Array, n: number): boolean {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j] as number;
    for (let k = 0; k < j; k++) d -= (a[j * n + k] as number) ** 2;
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    a[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j] as number;
      for (let k = 0; k < j; k++) s -= (a[i * n + k] as number) * (a[j * n + k] as number);
      a[i * n + j] = s / ljj;
    }
  }
  return true;
}

/** Solves L z = b (forward substitution) for lower-triangular L. */
function forward(l: Float64Array, n: number, b: readonly number[] | Float64Array): Float64Array {
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (l[i * n + k] as number) * (z[k] as number);
    z[i] = s / (l[i * n + i] as number);
  }
  return z;
}

/** Solves Lᵀ x = z (back substitution). */
function backward(l: Float64Array, n: number, z: Float64Array): Float64Array {
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = z[i] as number;
    for (let k = i + 1; k < n; k++) s -= (l[k * n + i] as number) * (x[k] as number);
    x[i] = s / (l[i * n + i] as number);
  }
  return x;
}

interface Fitted {
  x: Matrix;
  chol: Float64Array;
  alpha: Float64Array;
  lengthscale: number;
  noise: number;
  linear: number;
  /** Scale of the linear term (mean ⟨x, x⟩). */
  norm: number;
  mean: number;
  scale: number;
}

export class GaussianProcess implements Predictor {
  private fitted?: Fitted;
  private readonly lengthscales: readonly number[];
  private readonly noises: readonly number[];
  private readonly linear: readonly number[];

  constructor(opts: GpOptions = {}) {
    this.linear = opts.linear ?? DEFAULT_LINEAR;
    this.lengthscales = opts.lengthscales ?? DEFAULT_LENGTHSCALES;
    this.noises = opts.noises ?? DEFAULT_NOISES;
  }

  /** The chosen hyperparameters (absolute lengthscale, noise on standardised targets) and the log marginal likelihood. */
  hyperparameters(): { lengthscale: number; noise: number; linear: number; logLikelihood: number } | undefined {
    const f = this.fitted;
    return f ? { lengthscale: f.lengthscale, noise: f.noise, linear: f.linear, logLikelihood: this.logLik } : undefined;
  }

  private logLik = -Infinity;

  fit(x: Matrix, y: readonly number[]): void {
    checkInputs(x, y);
    const n = x.length;
    const { mean, scale, z } = standardise(y);
    const d2 = new Float64Array(n * n);
    const dots = new Float64Array(n * n);
    let norm = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j <= i; j++) {
        const v = dot(x[i] as number[], x[j] as number[]);
        dots[i * n + j] = v;
        dots[j * n + i] = v;
      }
      norm += (dots[i * n + i] as number) / n;
    }
    if (!(norm > 0)) norm = 1;
    const pairs: number[] = [];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < i; j++) {
        const d = sqDist(x[i] as number[], x[j] as number[]);
        d2[i * n + j] = d;
        d2[j * n + i] = d;
        if (d > 0) pairs.push(d);
      }
    }
    pairs.sort((a, b) => a - b);
    const median = pairs.length > 0 ? (pairs[pairs.length >> 1] as number) : 1;
    let best: Fitted | undefined;
    let bestLik = -Infinity;
    for (const rel of this.lengthscales) {
      const ls = rel * median;
      for (const noise of this.noises) for (const lin of this.linear) {
        const k = new Float64Array(n * n);
        for (let i = 0; i < n * n; i++) k[i] = (1 - lin) * Math.exp(-(d2[i] as number) / ls) + (lin * (dots[i] as number)) / norm;
        for (let i = 0; i < n; i++) k[i * n + i] = (k[i * n + i] as number) + noise;
        if (!cholesky(k, n)) continue;
        const alpha = backward(k, n, forward(k, n, z));
        let lik = 0;
        for (let i = 0; i < n; i++) lik += -0.5 * (z[i] as number) * (alpha[i] as number) - Math.log(k[i * n + i] as number);
        lik -= 0.5 * n * Math.log(2 * Math.PI);
        if (lik > bestLik) {
          bestLik = lik;
          best = { x: x.map((r) => r.slice()), chol: k, alpha, lengthscale: ls, noise, linear: lin, norm, mean, scale };
        }
      }
    }
    if (!best) throw new RangeError('Gaussian process: no hyperparameters gave a positive definite kernel');
    this.fitted = best;
    this.logLik = bestLik;
  }

  query(xs: Matrix): Prediction {
    const f = this.fitted;
    if (!f) throw new RangeError('query before fit');
    const n = f.x.length;
    const mean: number[] = [];
    const std: number[] = [];
    // Encodings are mostly zeros (one-hot, path): ⟨q, x⟩ over q's non-zeros, ‖q − x‖² = ‖q‖² + ‖x‖² − 2⟨q, x⟩.
    const xx = f.x.map((r) => dot(r, r));
    const nz: number[] = [];
    for (const q of xs) {
      nz.length = 0;
      for (let j = 0; j < q.length; j++) if (q[j] !== 0) nz.push(j);
      let qq = 0;
      for (const j of nz) qq += (q[j] as number) ** 2;
      const ks = new Float64Array(n);
      let mu = 0;
      for (let i = 0; i < n; i++) {
        const xi = f.x[i] as number[];
        let qx = 0;
        for (const j of nz) qx += (q[j] as number) * (xi[j] as number);
        const d2 = Math.max(0, qq + (xx[i] as number) - 2 * qx);
        ks[i] = (1 - f.linear) * Math.exp(-d2 / f.lengthscale) + (f.linear * qx) / f.norm;
        mu += (ks[i] as number) * (f.alpha[i] as number);
      }
      const v = forward(f.chol, n, ks);
      let vv = 0;
      for (let i = 0; i < n; i++) vv += (v[i] as number) ** 2;
      mean.push(f.mean + f.scale * mu);
      const prior = 1 - f.linear + (f.linear * qq) / f.norm;
      std.push(f.scale * Math.sqrt(Math.max(0, prior - vv)));
    }
    return { mean, std };
  }
}
