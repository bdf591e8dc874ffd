/** Predictor quality as a search reports it. */

/**
 * Predictor quality on held-out trials: Kendall τ and Spearman ρ between the predictions made before
 * evaluation and the measured targets; null until two distinct pairs exist.
 */
export interface PredictorInsights {
  readonly heldOut: number;
  readonly kendallTau: number | null;
  readonly spearman: number | null;
}

/**
 * The predictor quality a model-based strategy keeps in its snapshot (the study checkpoint's
 * strategy state), or undefined for any other state (other strategies, none yet, malformed).
 */
export function readPredictorInsights(strategyState: unknown): PredictorInsights | undefined {
  if (typeof strategyState !== 'object' || strategyState === null) return undefined;
  const i = (strategyState as { insights?: unknown }).insights;
  if (typeof i !== 'object' || i === null) return undefined;
  const { heldOut, kendallTau: tau, spearman: rho } = i as Record<string, unknown>;
  const corr = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= 1);
  if (typeof heldOut !== 'number' || !Number.isInteger(heldOut) || heldOut < 0 || !corr(tau) || !corr(rho)) return undefined;
  return { heldOut, kendallTau: tau as number | null, spearman: rho as number | null };
}
