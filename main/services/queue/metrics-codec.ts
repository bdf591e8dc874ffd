import type { EvaluationResult } from '../../core/evaluator.js';

/**
 * Job results travel as JSON, which has no NaN or ±Infinity (they would arrive as null): such
 * metric values travel as strings and are read back as numbers.
 */
export function encodeResult(r: EvaluationResult): EvaluationResult {
  const metrics: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(r.metrics)) metrics[k] = Number.isFinite(v) ? v : String(v);
  return { ...r, metrics: metrics as unknown as EvaluationResult['metrics'], cost: Number.isFinite(r.cost) ? r.cost : (String(r.cost) as unknown as number) };
}

export function decodeResult(r: EvaluationResult): EvaluationResult {
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(r.metrics as Record<string, unknown>)) metrics[k] = typeof v === 'number' ? v : Number(v);
  return { ...r, metrics, cost: typeof r.cost === 'number' ? r.cost : Number(r.cost) };
}
