import type { WorkersState } from '../../api/index.js';
import type { WorkersSliceState } from './initialState.js';

/** The slice after main answered a list or connect. */
export function applyWorkers(state: WorkersState, now: number): Partial<WorkersSliceState> {
  return { workers: state.workers, workersRedis: state.redis, workersError: state.error, workersLoaded: true, workersReadAt: now };
}
