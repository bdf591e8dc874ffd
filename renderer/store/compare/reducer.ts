import type { ObjectiveSpec } from '../../../shared/types/index.js';
import type { CompareEntry } from './initialState.js';

/** The objectives every compared study shares (same metric and direction), in the first one's order. */
export function sharedObjectives(entries: readonly CompareEntry[]): ObjectiveSpec[] {
  const [first, ...rest] = entries;
  if (!first) return [];
  return first.detail.objectives.filter((o) => rest.every((e) => e.detail.objectives.some((p) => p.metric === o.metric && p.direction === o.direction)));
}

/** One row per study: its best value of each shared objective and front size, best study first by the first objective. */
export function bestRows(entries: readonly CompareEntry[]) {
  const objectives = sharedObjectives(entries);
  const rows = entries.map((e) => ({
    id: e.detail.id,
    name: e.detail.name,
    evals: e.detail.progress.evals,
    frontSize: e.summary.front.length,
    hypervolume: e.summary.hypervolume,
    best: Object.fromEntries(objectives.map((o) => {
      const t = e.summary.best[o.metric];
      return [o.metric, t ? { value: t.metrics[o.metric] as number, trial: t.number } : null];
    })) as Record<string, { value: number; trial: number } | null>,
  }));
  const o0 = objectives[0];
  if (o0) {
    const sign = o0.direction === 'max' ? -1 : 1;
    rows.sort((a, b) => {
      const va = a.best[o0.metric]?.value;
      const vb = b.best[o0.metric]?.value;
      if (va === undefined || vb === undefined) return va === undefined ? 1 : -1;
      return sign * (va - vb);
    });
  }
  return { objectives, rows };
}
