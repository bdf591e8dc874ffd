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
    // The same number as the Searches list (the front against the study's own nadir) …
    hypervolume: e.detail.hypervolume,
    // … and, when the compared studies share one, against the shared reference point (the curves' end).
    sharedHypervolume: e.reference ? (e.history.hypervolume.at(-1) ?? null) : null,
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

export type CompareX = 'evals' | 'cost' | 'wall';

/** `acc:max|lat:min`: studies with the same key share chart axes. */
export function objectiveKey(objectives: readonly ObjectiveSpec[]): string {
  return objectives.map((o) => `${o.metric}:${o.direction}`).join('|');
}

/** Studies grouped by their objectives (same metrics, directions and order), in first-seen order. */
export function objectiveGroups<T extends { readonly detail: { readonly objectives: readonly ObjectiveSpec[] } }>(entries: readonly T[]): { key: string; objectives: readonly ObjectiveSpec[]; entries: T[] }[] {
  const groups = new Map<string, { key: string; objectives: readonly ObjectiveSpec[]; entries: T[] }>();
  for (const e of entries) {
    const key = objectiveKey(e.detail.objectives);
    const g = groups.get(key) ?? { key, objectives: e.detail.objectives, entries: [] };
    g.entries.push(e);
    groups.set(key, g);
  }
  return [...groups.values()];
}

/** What makes two searches the same experiment: their spec without name and seed. */
export function seedKey(entry: CompareEntry): string {
  const spec = (entry.detail.record as unknown as { spec?: Record<string, unknown> } | undefined)?.spec;
  if (!spec) return `#${entry.detail.id}`;
  const { name: _n, seed: _s, ...rest } = spec;
  const sorted = (v: unknown): unknown => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, sorted(x)])) : v);
  return JSON.stringify(sorted(rest));
}

/**
 * The progress curve of a study: hypervolume (2–3 objectives, against the shared reference when
 * there is one) or best-so-far of its single objective, along evaluations, simulated or wall time.
 */
export function progressCurve(e: CompareEntry, x: CompareX): { xs: number[]; ys: (number | null)[] } {
  const h = e.history;
  const xs = x === 'cost' && h.cost ? h.cost : x === 'wall' && h.wallMs ? h.wallMs.map((v) => v / 1000) : h.evals;
  const o = e.detail.objectives;
  const ys = o.length >= 2 ? h.hypervolume : (h.best[o[0]?.metric ?? ''] ?? []);
  return { xs: xs.slice(), ys: ys.slice() };
}

/** The value of a step curve at x: its last point at or before x (null before its first). */
export function stepAt(xs: readonly number[], ys: readonly (number | null)[], x: number): number | null {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((xs[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? null : (ys[lo - 1] ?? null);
}

/**
 * Curves on one x grid (the union of their x values, at most `maxPoints`), each as a step
 * function, and their mean ± standard deviation (sample, n − 1) where at least two have a value
 * and no curve has ended before x (a band never mixes in a curve that stopped).
 */
export function alignCurves(curves: readonly { xs: readonly number[]; ys: readonly (number | null)[] }[], maxPoints = 400): { xs: number[]; values: (number | null)[][]; mean: (number | null)[]; lo: (number | null)[]; hi: (number | null)[] } {
  let grid = [...new Set(curves.flatMap((c) => c.xs))].sort((a, b) => a - b);
  if (grid.length > maxPoints) {
    const step = grid.length / maxPoints;
    grid = [...Array.from({ length: maxPoints - 1 }, (_, i) => grid[Math.floor(i * step)] as number), grid.at(-1) as number];
  }
  const values = curves.map((c) => grid.map((x) => (x <= (c.xs.at(-1) ?? -Infinity) ? stepAt(c.xs, c.ys, x) : null)));
  const mean: (number | null)[] = [];
  const lo: (number | null)[] = [];
  const hi: (number | null)[] = [];
  grid.forEach((_, k) => {
    const vs = values.map((v) => v[k]).filter((v): v is number => v !== null && v !== undefined);
    if (vs.length < 2 || vs.length < curves.length) {
      mean.push(null);
      lo.push(null);
      hi.push(null);
      return;
    }
    const m = vs.reduce((a, b) => a + b, 0) / vs.length;
    const sd = Math.sqrt(vs.reduce((a, b) => a + (b - m) ** 2, 0) / (vs.length - 1));
    mean.push(m);
    lo.push(m - sd);
    hi.push(m + sd);
  });
  return { xs: grid, values, mean, lo, hi };
}
