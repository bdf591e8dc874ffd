/** The Workers screen's service against a real redis-server with a password (issue #13). */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisOptions } from '../services/queue/connection.js';
import { announceWorker, type WorkerInfo } from '../services/queue/registry.js';
import { missingPeer } from '../../test/harness/peer.js';
import { redisMissing, RedisServer } from '../../test/harness/redis.js';
import { NasServer } from './server.js';
import { WORKERS_SCHEMAS } from './schemas.js';
import { WorkersService } from './workers.js';

const skip = missingPeer('redis-server', redisMissing());
const PASSWORD = 'w0rk3rs-s3cret';

const info = (id: string, over: Partial<WorkerInfo> = {}): WorkerInfo => ({
  id, host: 'desk-7', pid: 4242, queue: 'frontier-evals', concurrency: 2, running: 1, done: 30, failed: 1, refused: 0,
  platform: 'linux x64', cpu: { model: 'Test CPU', cores: 8 }, memoryGiB: 31.2, backends: ['torch'], phones: ['emulator-5554'],
  startedAt: 1_000_000, heartbeatAt: 1_010_000, ...over,
});

describe.skipIf(skip)('WorkersService', () => {
  let redis: RedisServer;
  let client: Redis;
  const services: WorkersService[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start({ password: PASSWORD });
    client = new Redis(redisOptions(redis.url));
  });

  afterAll(async () => {
    for (const s of services) s.dispose();
    client?.disconnect();
    await redis?.stop();
  });

  it('lists the announced workers with their throughput, and never sends the password back', async () => {
    await announceWorker(client, info('w-1'), 60_000);
    await announceWorker(client, info('w-0', { host: 'desk-2', done: 0, heartbeatAt: 1_000_500 }), 60_000);
    const service = new WorkersService(redis.url);
    services.push(service);
    const server = new NasServer();
    server.registerService('workers', service, WORKERS_SCHEMAS);
    const r = await server.call('nas:workers.list', null);
    expect(r.ok).toBe(true);
    const state = (r as { value: { redis: string; error: string | null; workers: { id: string; throughput: number | null; phones: string[] }[] } }).value;
    expect(state.error).toBeNull();
    expect(state.workers.map((w) => w.id)).toEqual(['w-0', 'w-1']);
    expect(state.workers[1]!.throughput).toBeCloseTo(3, 6); // 30 jobs in 10 s
    expect(state.workers[0]!.throughput).toBeNull(); // not up for a second yet
    expect(state.workers[1]!.phones).toEqual(['emulator-5554']);
    expect(state.redis).toBe(`redis://:***@127.0.0.1:${redis.port}`);
    expect(JSON.stringify(r)).not.toContain(PASSWORD);
  });

  it('refuses a wrong password or a malformed URL with a clear error, without echoing the password', async () => {
    const service = new WorkersService();
    services.push(service);
    const server = new NasServer();
    server.registerService('workers', service, WORKERS_SCHEMAS);
    const wrong = await server.call('nas:workers.connect', { url: `redis://:not-${PASSWORD}@127.0.0.1:${redis.port}` });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'device-unavailable' } });
    expect(JSON.stringify(wrong)).toMatch(/refused the password/);
    expect(JSON.stringify(wrong)).not.toContain(PASSWORD);
    const bad = await server.call('nas:workers.connect', { url: 'http://localhost:6379' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(await server.call('nas:workers.connect', { url: 42 })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect((await service.list()).redis).toBeNull();
    const ok = await server.call('nas:workers.connect', { url: redis.url });
    expect(ok).toMatchObject({ ok: true, value: { error: null } });
    expect(JSON.stringify(ok)).not.toContain(PASSWORD);
    expect((ok as { value: { workers: unknown[] } }).value.workers.length).toBeGreaterThanOrEqual(1);
    expect(await server.call('nas:workers.connect', { url: null })).toMatchObject({ ok: true, value: { redis: null, workers: [] } });
  });

  it('says Redis is away when it stops answering, and lists again once it is back', async () => {
    const service = new WorkersService(redis.url);
    services.push(service);
    expect((await service.list()).error).toBeNull();
    const restarting = redis.restart(4000);
    await new Promise((r) => setTimeout(r, 500));
    const during = await service.list(); // Redis is down: an answer within seconds, not a hang
    expect(during.error).toMatch(/./);
    expect(during.error).not.toContain(PASSWORD);
    expect(during.workers).toEqual([]);
    await restarting;
    await expect.poll(async () => (await service.list()).workers.length, { timeout: 15_000, interval: 250 }).toBeGreaterThanOrEqual(1);
  }, 30_000);
});
