import type { Redis } from 'ioredis';
import type { WorkerView } from '../../../shared/ipc/contract.js';
import { KEY_PREFIX } from './connection.js';

/**
 * What a worker announces in Redis (refreshed with every heartbeat; gone when it stops beating): the
 * contract's WorkerView without the throughput, which the reader derives from done, startedAt and heartbeatAt.
 */
export type WorkerInfo = Omit<WorkerView, 'throughput'>;

export const workerKey = (id: string) => `${KEY_PREFIX}:workers:${id}`;

/** Announces (or refreshes) a worker; the entry expires after `ttlMs` without a refresh. */
export async function announceWorker(redis: Redis, info: WorkerInfo, ttlMs: number): Promise<void> {
  await redis.set(workerKey(info.id), JSON.stringify(info), 'PX', ttlMs);
}

export async function withdrawWorker(redis: Redis, id: string): Promise<void> {
  await redis.del(workerKey(id));
}

/** Live workers (those whose announcement has not expired), optionally of one queue, by host and id. */
export async function listWorkers(redis: Redis, queue?: string): Promise<WorkerInfo[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', workerKey('*'), 'COUNT', 200);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  const out: WorkerInfo[] = [];
  for (const v of values) {
    if (!v) continue;
    try {
      const w = JSON.parse(v) as WorkerInfo;
      if (queue === undefined || w.queue === queue) out.push(w);
    } catch {
      // An entry that is not ours (or damaged) is not a worker.
    }
  }
  return out.sort((a, b) => a.host.localeCompare(b.host) || a.id.localeCompare(b.id));
}
