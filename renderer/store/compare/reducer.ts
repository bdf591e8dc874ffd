import type { ObjectiveSpec } from '../../../shared/types/index.js';
import type { CompareEntry } from './initialState.js';

/** The objectives every compared study shares (same metric and direction), in the first one's order. */
export function sharedObjectives(entries: readonly CompareEntry[]): ObjectiveSpec[] {
  const [first, ...rest] = entries;
  if (!first) return [];
  return first.detail.objectives.filter((o) => rest.every((e) => e.detail.objectives.some((p) => p.metric === o.metric && p.direction === o.direction)));
}

/**
 * One hypervolume reference point for studies with the same objectives (same metrics, directions
 * and order): the worst of their own reference points, so their curves can be compared. Null when
 * the objectives differ or a study has no reference yet.
 */
export function commonReference(objectiveLists: readonly (readonly ObjectiveSpec[])[], references: readonly (readonly number[] | null)[]): number[] | null {
  const [first, ...rest] = objectiveLists;
  if (!first || first.length === 0 || first.length > 3) return null;
  const same = rest.every((l) => l.length === first.length && l.every((o, k) => o.metric === first[k]?.metric && o.direction === first[k]?.direction));
  if (!same || references.some((r) => !r || r.length !== first.length)) return null;
  return first.map((_, k) => Math.max(...references.map((r) => (r as readonly number[])[k] as number)));
}

/** One row per study: its best value of each shared objective and front size, best study first by the first objective. */
export function bestRows(entries: readonly CompareEntry[]) {
  const objectives = sharedObjectives(entries);
  const rows = entries.map((e) => ({
    id: e.detail.id,
    name: e.detail.name,
    evals: e.detail.progress.evals,
    frontSize: e.summary.front.length,
    // The end of the curve: measured against the shared reference when there is one.
    hypervolume: e.history.hypervolume.at(-1) ?? e.summary.hypervolume,
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
