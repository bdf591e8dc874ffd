import type { Architecture, CurvePoint, Metrics } from '../../shared/types/index.js';
import type { CancellationToken } from './cancellation.js';

export interface EvaluationResult {
  readonly metrics: Metrics;
  /** Fidelity of each metric, or one fidelity for all (e.g. `table`, `epochs:12`). */
  readonly fidelity: string | Readonly<Record<string, string>>;
  /** Simulated seconds this evaluation stands for (0 when nothing is simulated). */
  readonly cost: number;
}

/**
 * Turns an architecture into metrics. Protocol:
 * - `known(a)` returns metrics available without evaluating (table latencies, analytic params);
 *   the study applies constraints to them before spending any budget.
 * - `estimateCost(a)`, when defined, is the exact cost `evaluate` will report; the study then
 *   never starts an evaluation that would overrun a simulated-seconds budget.
 * - `evaluate` may call `report` with intermediate points (learning curves); it throws TrialPruned
 *   to end a trial as pruned, anything else to fail it; it should stop soon after `token` fires.
 */
export interface Evaluator {
  known?(a: Architecture): Metrics;
  estimateCost?(a: Architecture): number | undefined;
  evaluate(a: Architecture, report: (p: CurvePoint) => void, token: CancellationToken): Promise<EvaluationResult>;
  dispose?(): void;
}
