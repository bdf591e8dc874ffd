import { NasError } from '../../../shared/errors.js';
import type { ConnectionOptions } from 'bullmq';
import type { RedisOptions } from 'ioredis';

/** The BullMQ queue that carries evaluation jobs (one per Redis, unless `--queue` names another). */
export const DEFAULT_QUEUE = 'frontier-evals';

/** Prefix of every key Frontier writes in Redis (BullMQ's keys, worker announcements, datasets). */
export const KEY_PREFIX = 'frontier';

/**
 * ioredis options for a `redis://[user:password@]host[:port][/db]` or `rediss://…` (TLS) URL.
 * Connections retry for ever (a Redis restart is waited out); each command waits for the
 * connection instead of failing (BullMQ needs `maxRetriesPerRequest: null`).
 */
export function redisOptions(url: string): RedisOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new NasError('invalid-input', `'${redactUrl(url)}' is not a Redis URL (redis://host:6379 or rediss://user:password@host:6380)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new NasError('invalid-input', `a Redis URL starts with redis:// or rediss:// (TLS), got '${u.protocol}//'`);
  }
  if (!u.hostname) throw new NasError('invalid-input', `the Redis URL ${redactUrl(url)} names no host`);
  const port = u.port ? Number(u.port) : 6379;
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) throw new NasError('invalid-input', `the Redis URL's database '${dbText}' is not a number`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    host,
    port,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: { servername: host } } : {}),
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    // Reconnect for ever, at most every 2 s: a restarted Redis is found again.
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
  };
}

/** The URL with its password replaced by `***` (for messages and logs). */
export function redactUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

/** The same options typed for BullMQ (its own declaration of ioredis' options). */
export function bullConnection(url: string): ConnectionOptions {
  return redisOptions(url) as unknown as ConnectionOptions;
}

const AUTH_ERROR = /WRONGPASS|NOAUTH|invalid username-password|invalid password|Authentication required/i;

/**
 * Checks that Redis answers at `url`, trying for up to `timeoutMs` (a Redis still starting); a
 * refused password fails at once. Throws NasError('device-unavailable') with the reason, the URL
 * shown without its password.
 */
export async function checkRedis(url: string, timeoutMs = 10_000): Promise<void> {
  const { Redis } = await import('ioredis');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new Redis({ ...redisOptions(url), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: Math.max(500, Math.min(5000, timeoutMs)) });
    const seen = { error: '' };
    client.on('error', (e: Error) => {
      seen.error ||= e.message;
    });
    try {
      await client.connect();
      await client.ping();
      return;
    } catch (e) {
      const last = seen.error || (e instanceof Error ? e.message : String(e));
      if (AUTH_ERROR.test(last)) {
        const given = redisOptions(url).password !== undefined;
        throw new NasError('device-unavailable', `Redis at ${redactUrl(url)} ${given ? 'refused the password' : 'needs a password (redis://:PASSWORD@host:port)'}: ${last}`);
      }
      if (Date.now() >= deadline) throw new NasError('device-unavailable', `cannot reach Redis at ${redactUrl(url)} within ${Math.round(timeoutMs / 1000)} s: ${last}`);
    } finally {
      client.disconnect();
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
