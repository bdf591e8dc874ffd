/**
 * Multi-objective helpers. Every function here works on *minimisation* vectors: convert with
 * `toMinimization` first (a `max` objective is negated).
 */
import type { ObjectiveSpec } from '../../shared/types/index.js';

export type Point = readonly number[];

export function toMinimization(values: readonly number[], objectives: readonly ObjectiveSpec[]): number[] {
  return objectives.map((o, i) => (o.direction === 'max' ? -(values[i] as number) : (values[i] as number)));
}

/** a ≺ b: a is no worse in every objective and strictly better in at least one. */
export function dominates(a: Point, b: Point): boolean {
  let strictly = false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (x > y) return false;
    if (x < y) strictly = true;
  }
  return strictly;
}

/**
 * Indices of the non-dominated points (duplicates of a front point are all kept), in input order.
 * O(n log n) for two objectives, a sort-filtered skyline otherwise.
 */
export function paretoFront(points: readonly Point[]): number[] {
  const order = points.map((_, i) => i).filter((i) => (points[i] as Point).every((v) => !Number.isNaN(v)));
  order.sort((i, j) => lexCompare(points[i] as Point, points[j] as Point));
  const front: number[] = [];
  if (points.length > 0 && (points[0] as Point).length === 2) {
    let bestY = Infinity;
    let lastX = NaN;
    let lastY = NaN;
    for (const i of order) {
      const [x, y] = points[i] as [number, number];
      // The first point (lowest x) is always on the front, even with y = +Infinity.
      if (y < bestY || front.length === 0) {
        front.push(i);
        bestY = y;
        lastX = x;
        lastY = y;
      } else if (x === lastX && y === lastY) {
        front.push(i);
      }
    }
  } else {
    for (const i of order) {
      const p = points[i] as Point;
      if (!front.some((f) => dominates(points[f] as Point, p))) front.push(i);
    }
  }
  return front.sort((a, b) => a - b);
}

function lexCompare(a: Point, b: Point): number {
  for (let k = 0; k < a.length; k++) {
    // Compare rather than subtract: Infinity - Infinity is NaN, which breaks the sort.
    const x = a[k] as number;
    const y = b[k] as number;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Fronts of the fast non-dominated sort (NSGA-II): fronts[0] is the Pareto front. O(M·n²). */
export function nonDominatedSort(points: readonly Point[]): number[][] {
  const n = points.length;
  const dominatedBy: number[][] = points.map(() => []);
  const count = new Array<number>(n).fill(0);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (dominates(points[i] as Point, points[j] as Point)) {
        (dominatedBy[i] as number[]).push(j);
        count[j]!++;
      } else if (dominates(points[j] as Point, points[i] as Point)) {
        (dominatedBy[j] as number[]).push(i);
        count[i]!++;
      }
    }
  }
  const fronts: number[][] = [];
  let current = points.map((_, i) => i).filter((i) => count[i] === 0);
  while (current.length > 0) {
    fronts.push(current);
    const next: number[] = [];
    for (const i of current) {
      for (const j of dominatedBy[i] as number[]) {
        if (--count[j]! === 0) next.push(j);
      }
    }
    current = next.sort((a, b) => a - b);
  }
  return fronts;
}

/** NSGA-II crowding distance of each member of one front (same order as `front`). */
export function crowdingDistance(points: readonly Point[], front: readonly number[]): number[] {
  const dist = new Array<number>(front.length).fill(0);
  if (front.length === 0) return dist;
  const m = (points[front[0] as number] as Point).length;
  for (let k = 0; k < m; k++) {
    const order = front.map((_, i) => i).sort((a, b) => (points[front[a] as number] as Point)[k]! - (points[front[b] as number] as Point)[k]!);
    const lo = (points[front[order[0] as number] as number] as Point)[k] as number;
    const hi = (points[front[order[order.length - 1] as number] as number] as Point)[k] as number;
    dist[order[0] as number] = Infinity;
    dist[order[order.length - 1] as number] = Infinity;
    if (hi === lo) continue;
    for (let r = 1; r < order.length - 1; r++) {
      const prev = (points[front[order[r - 1] as number] as number] as Point)[k] as number;
      const next = (points[front[order[r + 1] as number] as number] as Point)[k] as number;
      dist[order[r] as number]! += (next - prev) / (hi - lo);
    }
  }
  return dist;
}

/**
 * Exact hypervolume dominated by `points` and bounded by the reference point `ref` (minimisation).
 * Points that do not strictly dominate `ref` contribute nothing. 1, 2 and 3 objectives.
 */
export function hypervolume(points: readonly Point[], ref: Point): number {
  const m = ref.length;
  const inside = points.filter((p) => p.length === m && p.every((v, k) => v < (ref[k] as number)));
  if (inside.length === 0) return 0;
  if (m === 1) return (ref[0] as number) - Math.min(...inside.map((p) => p[0] as number));
  if (m === 2) return hv2(inside.map((p) => [p[0] as number, p[1] as number]), ref[0] as number, ref[1] as number);
  if (m === 3) return hv3(inside, ref);
  throw new RangeError(`exact hypervolume is implemented for 1 to 3 objectives, got ${m}`);
}

function hv2(pts: [number, number][], rx: number, ry: number): number {
  pts.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let area = 0;
  let bestY = ry;
  for (const [x, y] of pts) {
    if (y < bestY) {
      area += (rx - x) * (bestY - y);
      bestY = y;
    }
  }
  return area;
}

/** Slices along the third objective: Σ (z_{i+1} - z_i) · HV2(points with z ≤ z_i). */
function hv3(pts: readonly Point[], ref: Point): number {
  const sorted = pts.slice().sort((a, b) => (a[2] as number) - (b[2] as number));
  let volume = 0;
  const active: [number, number][] = [];
  for (let i = 0; i < sorted.length; i++) {
    const p = sorted[i] as Point;
    active.push([p[0] as number, p[1] as number]);
    const zNext = i + 1 < sorted.length ? ((sorted[i + 1] as Point)[2] as number) : (ref[2] as number);
    const dz = zNext - (p[2] as number);
    if (dz > 0) volume += dz * hv2(active.slice(), ref[0] as number, ref[1] as number);
  }
  return volume;
}

/** Pareto rank (0: first front) and crowding distance of each member. */
export function rankAndCrowding(vecs: readonly (readonly number[])[]): { rank: number[]; crowd: number[] } {
  const rank = new Array<number>(vecs.length).fill(0);
  const crowd = new Array<number>(vecs.length).fill(0);
  nonDominatedSort(vecs).forEach((front, r) => {
    const d = crowdingDistance(vecs, front);
    front.forEach((i, k) => {
      rank[i] = r;
      crowd[i] = d[k] as number;
    });
  });
  return { rank, crowd };
}
