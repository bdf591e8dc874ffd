import type { WorkerView } from '../../api/index.js';
import type { WorkersSliceState } from './initialState.js';

export const workersSelectors = {
  /** Jobs running over every worker, and the slots they offer. */
  totals: (s: Pick<WorkersSliceState, 'workers'>) => ({
    running: s.workers.reduce((a, w) => a + w.running, 0),
    slots: s.workers.reduce((a, w) => a + w.concurrency, 0),
    phones: s.workers.reduce((a, w) => a + w.phones.length, 0),
    throughput: s.workers.reduce((a, w) => a + (w.throughput ?? 0), 0),
  }),
};

/** `3.2 jobs/s`, `12 jobs/min` for slow workers, `—` before a worker's first second. */
export function fmtThroughput(perSecond: number | null): string {
  if (perSecond === null || !Number.isFinite(perSecond)) return '—';
  if (perSecond >= 1) return `${perSecond.toFixed(1)} jobs/s`;
  const perMin = perSecond * 60;
  return `${perMin >= 10 ? perMin.toFixed(0) : perMin.toFixed(1)} jobs/min`;
}

/** How long ago a worker's last heartbeat was, against the time the list was read. */
export function fmtHeartbeat(w: WorkerView, readAt: number): string {
  const s = Math.max(0, Math.round((readAt - w.heartbeatAt) / 1000));
  return s < 60 ? `${s} s ago` : `${Math.round(s / 60)} min ago`;
}
