import type { StudyDetail, StudyProgressEvent, TrialPoints } from '../../api/index.js';
import type { ObjectiveSpec, TrialRecord } from '../../../shared/types/index.js';
import { TRIAL_STATES } from '../../../shared/types/index.js';

/** Index of trial `number` in `numbers` (sorted ascending), or where it would be inserted as ~index. */
function find(numbers: readonly number[], number: number): number {
  let lo = 0;
  let hi = numbers.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((numbers[mid] as number) < number) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Trials (finished or updated) merged into the columns: a known trial number is replaced, a new one
 * inserted in number order. Returns new arrays (the old state is not mutated).
 */
export function mergeTrials(points: TrialPoints, trials: readonly TrialRecord[]): TrialPoints {
  if (trials.length === 0) return points;
  const numbers = points.numbers.slice();
  const states = points.states.slice();
  const finishedAt = points.finishedAt.slice();
  const metrics: Record<string, (number | null)[]> = {};
  for (const [m, col] of Object.entries(points.metrics)) metrics[m] = col.slice();
  const decisions = points.decisions?.map((col) => col.slice());
  const interrupted = new Set(points.interrupted ?? []);
  for (const t of trials) {
    const i = find(numbers, t.number);
    const state = Math.max(0, TRIAL_STATES.indexOf(t.state));
    const exists = numbers[i] === t.number;
    const put = <T>(arr: T[], v: T) => (exists ? (arr[i] = v) : arr.splice(i, 0, v));
    put(numbers, t.number);
    put(states, state);
    put(finishedAt, t.finishedAt ?? 0);
    for (const [m, col] of Object.entries(metrics)) {
      const v = t.metrics[m];
      put(col, v === undefined || !Number.isFinite(v) ? null : v);
    }
    // Inactive decisions are not known here (main marks them -1 in full reads): the sample's value.
    decisions?.forEach((col, d) => put(col, t.sample.length === decisions.length ? (t.sample[d] as number) : -1));
    if (t.state === 'failed' && (t.error ?? '').startsWith('interrupted:')) interrupted.add(t.number);
    else interrupted.delete(t.number);
  }
  return {
    numbers, states, finishedAt, metrics,
    ...(points.dims && decisions ? { dims: points.dims, decisions } : {}),
    ...(interrupted.size > 0 ? { interrupted: [...interrupted].sort((a, b) => a - b) } : {}),
  };
}

export function applyLiveProgress(detail: StudyDetail | null, e: StudyProgressEvent): StudyDetail | null {
  if (!detail || detail.id !== e.id) return detail;
  return { ...detail, progress: e.progress, fraction: e.fraction, etaMs: e.etaMs, throughput: e.throughput };
}

/** Default scatter axes: the first two objectives, else the objective against the first other metric. */
export function defaultAxes(objectives: readonly ObjectiveSpec[], metrics: readonly string[]): { x: string; y: string } {
  const names = [...objectives.map((o) => o.metric), ...metrics.filter((m) => !objectives.some((o) => o.metric === m))];
  const first = names[0] ?? '';
  if (objectives.length >= 2) return { x: (objectives[1] as ObjectiveSpec).metric, y: first };
  return { x: names[1] ?? first, y: first };
}
