/**
 * Acquisition functions on a predictor's mean and standard deviation, for maximisation (larger is
 * better): expected improvement over the best value seen, upper confidence bound, and independent
 * Thompson sampling (BANANAS' default: one draw from each candidate's predictive distribution).
 */
import type { Rng } from '../rng.js';

export const ACQUISITIONS = ['its', 'ucb', 'ei'] as const;
export type AcquisitionName = (typeof ACQUISITIONS)[number];

/** Standard normal density and cumulative distribution (Abramowitz–Stegun 7.1.26 erf, |error| < 1.5e-7). */
export function normPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

export function normCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** E[max(f - best - xi, 0)] for f ~ N(mean, std²); the plain improvement when std is 0. */
export function expectedImprovement(mean: number, std: number, best: number, xi = 0): number {
  const gain = mean - best - xi;
  if (!(std > 0)) return Math.max(0, gain);
  const z = gain / std;
  return Math.max(0, gain * normCdf(z) + std * normPdf(z));
}

export function upperConfidenceBound(mean: number, std: number, beta: number): number {
  return mean + beta * std;
}

export function thompson(mean: number, std: number, rng: Rng): number {
  return mean + std * rng.normal();
}

/** Scores of candidates under the named acquisition (larger is better). ITS draws from `rng`. */
export function acquire(name: AcquisitionName, mean: readonly number[], std: readonly number[], opts: { best: number; beta: number; rng: Rng }): number[] {
  return mean.map((m, i) => {
    const s = std[i] as number;
    if (name === 'ei') return expectedImprovement(m, s, opts.best);
    if (name === 'ucb') return upperConfidenceBound(m, s, opts.beta);
    return thompson(m, s, opts.rng);
  });
}
