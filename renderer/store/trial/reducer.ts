import type { CurvePoint, Metrics, ObjectiveSpec } from '../../../shared/types/index.js';

/** Learning-curve points grouped by metric, each sorted by step. */
export function curveSeries(points: readonly CurvePoint[]): Record<string, { steps: number[]; values: number[] }> {
  const out: Record<string, { steps: number[]; values: number[] }> = {};
  for (const p of [...points].sort((a, b) => a.step - b.step)) {
    const s = (out[p.metric] ??= { steps: [], values: [] });
    s.steps.push(p.step);
    s.values.push(p.value);
  }
  return out;
}

/** Metric rows for the trial screen: objectives first (with direction), then the rest by name. */
export function metricRows(metrics: Metrics, fidelity: Readonly<Record<string, string>>, objectives: readonly ObjectiveSpec[]) {
  const names = [...objectives.map((o) => o.metric).filter((m) => m in metrics), ...Object.keys(metrics).filter((m) => !objectives.some((o) => o.metric === m)).sort()];
  return names.map((name) => ({
    name,
    value: metrics[name] as number,
    fidelity: fidelity[name] ?? 'unknown',
    direction: objectives.find((o) => o.metric === name)?.direction ?? null,
  }));
}
