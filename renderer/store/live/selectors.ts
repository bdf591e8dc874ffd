import type { TrialPoints } from '../../api/index.js';
import type { Direction, ObjectiveSpec } from '../../../shared/types/index.js';
import { columnValues, trialMask } from './filter.js';
import type { LiveState } from './initialState.js';

export interface ScatterData {
  readonly xs: Float64Array;
  readonly ys: Float64Array;
  /** Trial number of each point. */
  readonly numbers: Int32Array;
  /** 1 when the point is on the 2-D Pareto front of the two axes (with their directions). */
  readonly front: Uint8Array;
  readonly frontOrder: Int32Array;
}

const COMPLETE = 1; // index of 'complete' in TRIAL_STATES

export function directionOf(objectives: readonly ObjectiveSpec[], metric: string): Direction {
  return objectives.find((o) => o.metric === metric)?.direction ?? 'min';
}

/**
 * Complete trials with both metrics, and which are non-dominated in the plane of the two axes
 * (directions from the objectives; other metrics are minimised). O(n log n).
 */
export function scatterData(points: TrialPoints, x: string, y: string, dx: Direction, dy: Direction, mask: Uint8Array | null = null): ScatterData {
  const cx = points.metrics[x];
  const cy = points.metrics[y];
  const idx: number[] = [];
  if (cx && cy) {
    for (let i = 0; i < points.numbers.length; i++) {
      if (points.states[i] === COMPLETE && cx[i] != null && cy[i] != null && (!mask || mask[i])) idx.push(i);
    }
  }
  const n = idx.length;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  const numbers = new Int32Array(n);
  idx.forEach((i, k) => {
    xs[k] = cx![i] as number;
    ys[k] = cy![i] as number;
    numbers[k] = points.numbers[i] as number;
  });
  const sx = dx === 'max' ? -1 : 1;
  const sy = dy === 'max' ? -1 : 1;
  const order = Array.from({ length: n }, (_, k) => k).sort((a, b) => sx * ((xs[a] as number) - (xs[b] as number)) || sy * ((ys[a] as number) - (ys[b] as number)));
  const front = new Uint8Array(n);
  const frontOrder: number[] = [];
  let best = Infinity;
  let lastX = NaN;
  let lastY = NaN;
  for (const k of order) {
    const yv = sy * (ys[k] as number);
    const xv = sx * (xs[k] as number);
    if (yv < best) {
      front[k] = 1;
      frontOrder.push(k);
      best = yv;
      lastX = xv;
      lastY = yv;
    } else if (xv === lastX && yv === lastY) {
      front[k] = 1;
    }
  }
  return { xs, ys, numbers, front, frontOrder: Int32Array.from(frontOrder) };
}

const EMPTY_ORDER = new Int32Array(0);
let scatterMemo: { points: TrialPoints; key: string; mask: Uint8Array | null; data: ScatterData } | undefined;
let maskMemo: { points: TrialPoints; filters: LiveState['filters']; brushes: LiveState['brushes']; mask: Uint8Array | null } | undefined;

/** The filters and brushes as a mask over the columns (null: every trial shown). Memoised. */
function maskOf(s: LiveState): Uint8Array | null {
  if (!s.points) return null;
  if (maskMemo && maskMemo.points === s.points && maskMemo.filters === s.filters && maskMemo.brushes === s.brushes) return maskMemo.mask;
  const mask = trialMask(s.points, s.filters, s.brushes);
  maskMemo = { points: s.points, filters: s.filters, brushes: s.brushes, mask };
  return mask;
}
let countsMemo: { points: TrialPoints | null; out: Record<string, number> } | undefined;
let orderMemo: { points: TrialPoints; key: string; mask: Uint8Array | null; order: Int32Array } | undefined;

export const liveSelectors = {
  objectives: (s: LiveState): readonly ObjectiveSpec[] => s.detail?.objectives ?? [],
  metrics: (s: LiveState): string[] => (s.points ? Object.keys(s.points.metrics) : []),
  mask: maskOf,
  /** Whether both scatter axes are objectives: only then is its non-dominated set a Pareto front. */
  frontAxes(s: LiveState): boolean {
    const objectives = s.detail?.objectives ?? [];
    return s.axes.x !== s.axes.y && objectives.some((o) => o.metric === s.axes.x) && objectives.some((o) => o.metric === s.axes.y);
  },
  scatter(s: LiveState): ScatterData | null {
    if (!s.points || !s.axes.x || !s.axes.y) return null;
    const objectives = s.detail?.objectives ?? [];
    const dx = directionOf(objectives, s.axes.x);
    const dy = directionOf(objectives, s.axes.y);
    const key = `${s.axes.x}|${s.axes.y}|${dx}|${dy}`;
    const mask = maskOf(s);
    if (scatterMemo && scatterMemo.points === s.points && scatterMemo.key === key && scatterMemo.mask === mask) return scatterMemo.data;
    const data = scatterData(s.points, s.axes.x, s.axes.y, dx, dy, mask);
    scatterMemo = { points: s.points, key, mask, data };
    return data;
  },
  /** Row order of the trials table (indices into the columns), sorted by number or a metric; nulls last. */
  tableOrder(s: LiveState): Int32Array {
    const p = s.points;
    if (!p) return EMPTY_ORDER;
    const key = `${s.tableSort.key}|${s.tableSort.dir}`;
    const mask = maskOf(s);
    if (orderMemo && orderMemo.points === p && orderMemo.key === key && orderMemo.mask === mask) return orderMemo.order;
    const sign = s.tableSort.dir === 'asc' ? 1 : -1;
    const col = columnValues(p, s.tableSort.key);
    let order: Int32Array;
    if (mask) {
      let k = 0;
      for (let i = 0; i < mask.length; i++) k += mask[i] as number;
      order = new Int32Array(k);
      k = 0;
      for (let i = 0; i < mask.length; i++) if (mask[i]) order[k++] = i;
    } else {
      order = new Int32Array(p.numbers.length);
      for (let i = 0; i < order.length; i++) order[i] = i;
    }
    if (s.tableSort.key === 'number') {
      // The columns are in number order already: no sort (50,000 rows open at once).
      if (s.tableSort.dir === 'desc') order.reverse();
    } else if (col) {
      order.sort((a, b) => {
        const va = col[a];
        const vb = col[b];
        if (va == null || vb == null) return va == null ? (vb == null ? 0 : 1) : -1;
        return sign * ((va as number) - (vb as number)) || (p.numbers[a] as number) - (p.numbers[b] as number);
      });
    }
    orderMemo = { points: p, key, mask, order };
    return order;
  },
  /** Finished trials per state. */
  stateCounts(s: LiveState): Record<string, number> {
    if (countsMemo && countsMemo.points === s.points) return countsMemo.out;
    const out: Record<string, number> = {};
    const names = ['running', 'complete', 'pruned', 'failed', 'invalid'];
    for (const st of s.points?.states ?? []) out[names[st] ?? '?'] = (out[names[st] ?? '?'] ?? 0) + 1;
    // Trials a Stop (or a crash) cut short are not failures: counted apart.
    const interrupted = s.points?.interrupted?.length ?? 0;
    if (interrupted > 0) {
      out.interrupted = interrupted;
      out.failed = (out.failed ?? 0) - interrupted;
    }
    countsMemo = { points: s.points, out };
    return out;
  },
};

/** `1h02m`, `45s`, `—` */
export function formatEta(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
