import type { WorkerView } from '../../api/index.js';

export interface WorkersSliceState {
  readonly workers: readonly WorkerView[];
  /** The Redis watched, password shown as `***` (main never sends it back); null: none set. */
  readonly workersRedis: string | null;
  /** Why the workers cannot be listed now (Redis down, a refused URL), or null. */
  readonly workersError: string | null;
  readonly workersLoaded: boolean;
  /** Why the last Redis URL given was refused (kept until the next one is accepted), or null. */
  readonly workersConnectError: string | null;
  /** A `connect` in flight. */
  readonly workersConnecting: boolean;
  /** When the list was last read (ms, this machine's clock): heartbeat ages are shown against it. */
  readonly workersReadAt: number;
}

export const initialWorkersState: WorkersSliceState = { workers: [], workersRedis: null, workersError: null, workersLoaded: false, workersConnectError: null, workersConnecting: false, workersReadAt: 0 };
