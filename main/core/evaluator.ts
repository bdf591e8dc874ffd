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
 * - `fidelities`, when defined, are the fidelities (e.g. epochs) it can evaluate at, ascending; the
 *   last is the full one, used when no fidelity is asked. A multi-fidelity strategy names one per
 *   trial (`TrialRef.fidelity`, `estimateCost(a, fidelity)`); each is charged its own cost.
 */
export interface Evaluator {
  readonly fidelities?: readonly number[];
  known?(a: Architecture): Metrics;
  estimateCost?(a: Architecture, fidelity?: number): number | undefined;
  /** `trial` names the study's trial being evaluated (a remote evaluator keys its job by it). */
  evaluate(a: Architecture, report: (p: CurvePoint) => void, token: CancellationToken, trial?: TrialRef): Promise<EvaluationResult>;
  /**
   * Evaluations that outlive the process (a queue): a trial left `running` by a run that died is not
   * abandoned at resume but evaluated again under its own number when its architecture is asked again
   * (the evaluator re-attaches to the work in flight); those never asked again are abandoned at the end.
   */
  readonly reattaches?: boolean;
  /** Evaluations to keep in flight now (e.g. the workers' total concurrency); default: the spec's concurrency. */
  capacity?(): number;
  dispose?(): void;
}

/** The trial an evaluation belongs to. */
export interface TrialRef {
  readonly studyId: string;
  readonly number: number;
  /** The fidelity to evaluate at (one of `Evaluator.fidelities`); absent: the full one. */
  readonly fidelity?: number;
}
