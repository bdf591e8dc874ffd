import { hostname } from 'node:os';
import type { Store, StudyLease } from '../core/store.js';
import { leaseIsStale } from '../core/store-rules.js';
import type { LeaseOptions } from '../core/study.js';

/** Whether a process with this id runs on this machine (EPERM: it does, as another user). */
export function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * This process as the holder of a study's lease (see `Store`): the lease of a dead process on this
 * host is stale at once, one from another host after 30 s without a heartbeat (one every 2 s).
 */
export function processLease(): LeaseOptions {
  const host = hostname();
  return {
    holder: { pid: process.pid, host },
    policy: { staleAfterMs: 30_000, isDead: (l) => l.host === host && !pidAlive(l.pid) },
    heartbeatMs: 2_000,
  };
}

/** The study's lease while a live run holds it (undefined when free or stale). */
export function liveLease(store: Store, id: string, now: number = Date.now()): StudyLease | undefined {
  const lease = store.getLease(id);
  return lease && !leaseIsStale(lease, now, processLease().policy) ? lease : undefined;
}
