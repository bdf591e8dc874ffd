import type { ObjectiveSpec, TrialRecord } from '../../shared/types/index.js';
import { hypervolume, paretoFront, toMinimization, type Point } from './pareto.js';
import type { PredictorInsights } from './predictors/insights.js';

export interface StudySummary {
  /** Complete trials on the Pareto front, sorted by the first objective (best first). */
  readonly front: TrialRecord[];
  /** Best complete trial per objective metric. */
  readonly best: Record<string, TrialRecord>;
  /** Hypervolume of the front (≤ 3 objectives) against the nadir of all complete trials, in minimisation space. */
  readonly hypervolume?: number;
  readonly reference?: readonly number[];
  readonly complete: number;
  /** Held-out quality of the strategy's performance predictor (model-based strategies). */
  readonly predictor?: PredictorInsights;
  /** With trials at several fidelities (multi-fidelity strategies): the one ranked, the highest. */
  readonly fidelity?: number;
}

/**
 * The front, the best per objective and the hypervolume of the complete trials. Trials evaluated at
 * several fidelities (metric `fidelity`, set by multi-fidelity strategies) are ranked at the highest
 * fidelity reached only: a 12-epoch accuracy is not comparable with a 200-epoch one.
 */
export function summarize(trials: readonly TrialRecord[], objectives: readonly ObjectiveSpec[]): StudySummary {
  const finished = trials.filter((t) => t.state === 'complete' && objectives.every((o) => Number.isFinite(t.metrics[o.metric])));
  let complete = finished;
  const levels = finished.map((t) => t.metrics.fidelity).filter((f): f is number => typeof f === 'number' && Number.isFinite(f));
  const top = levels.length > 0 ? Math.max(...levels) : undefined;
  if (top !== undefined) complete = complete.filter((t) => t.metrics.fidelity === undefined || t.metrics.fidelity === top);
  const points: Point[] = complete.map((t) => toMinimization(objectives.map((o) => t.metrics[o.metric] as number), objectives));
  const frontIdx = paretoFront(points);
  const front = frontIdx.map((i) => complete[i] as TrialRecord);
  // One entry per distinct architecture on the front (repeated evaluations of it are the same point).
  const seen = new Set<string>();
  const distinct = front.filter((t) => (seen.has(t.key) ? false : (seen.add(t.key), true)));
  const o0 = objectives[0];
  if (o0) {
    const sign = o0.direction === 'max' ? -1 : 1;
    distinct.sort((a, b) => sign * ((a.metrics[o0.metric] as number) - (b.metrics[o0.metric] as number)) || a.number - b.number);
  }
  const best: Record<string, TrialRecord> = {};
  for (const o of objectives) {
    for (const t of complete) {
      const cur = best[o.metric];
      const v = t.metrics[o.metric] as number;
      if (!cur || (o.direction === 'max' ? v > (cur.metrics[o.metric] as number) : v < (cur.metrics[o.metric] as number))) best[o.metric] = t;
    }
  }
  let hv: number | undefined;
  let reference: number[] | undefined;
  if (points.length > 0 && objectives.length <= 3) {
    reference = objectives.map((_, k) => Math.max(...points.map((p) => p[k] as number)));
    hv = hypervolume(frontIdx.map((i) => points[i] as Point), reference);
  }
  return { front: distinct, best, complete: finished.length, ...(hv !== undefined ? { hypervolume: hv, reference } : {}), ...(top !== undefined ? { fidelity: top } : {}) };
}
