import type { ObjectiveSpec } from '../../../shared/types/index.js';
import { crowdingDistance, dominates, nonDominatedSort, toMinimization } from '../pareto.js';

/** A told trial reduced to what ranking needs: its minimisation vector. */
export interface Scored<T> {
  readonly item: T;
  readonly vec: readonly number[];
}

export function score<T>(item: T, values: readonly number[], objectives: readonly ObjectiveSpec[]): Scored<T> {
  return { item, vec: toMinimization(values, objectives) };
}

/**
 * The best of a set: lowest vector for one objective; for several, a member of the set's first
 * non-dominated front with the largest crowding distance (ties: earliest in the list).
 */
export function best<T>(set: readonly Scored<T>[]): Scored<T> {
  if (set.length === 0) throw new RangeError('best() of an empty set');
  const dims = (set[0] as Scored<T>).vec.length;
  if (dims === 1) {
    let b = set[0] as Scored<T>;
    for (const s of set) if ((s.vec[0] as number) < (b.vec[0] as number)) b = s;
    return b;
  }
  const pts = set.map((s) => s.vec);
  const front = (nonDominatedSort(pts)[0] as number[]).slice().sort((a, b) => a - b);
  const crowd = crowdingDistance(pts, front);
  let bi = 0;
  for (let i = 1; i < front.length; i++) if ((crowd[i] as number) > (crowd[bi] as number)) bi = i;
  return set[front[bi] as number] as Scored<T>;
}

/** a is better than b: smaller for one objective, dominates for several. */
export function better(a: readonly number[], b: readonly number[]): boolean {
  return a.length === 1 ? (a[0] as number) < (b[0] as number) : dominates(a, b);
}

/**
 * A scale-free reward in [0, 1] for `vec` against a window of earlier vectors: the share it beats
 * (one objective) or the share that does not dominate it (several). Ties count half.
 */
export function rankReward(vec: readonly number[], window: readonly (readonly number[])[]): number {
  if (window.length === 0) return 0.5;
  let s = 0;
  for (const w of window) {
    if (vec.length === 1) s += (vec[0] as number) < (w[0] as number) ? 1 : (vec[0] as number) === (w[0] as number) ? 0.5 : 0;
    else s += dominates(w, vec) ? 0 : dominates(vec, w) ? 1 : 0.5;
  }
  return s / window.length;
}
