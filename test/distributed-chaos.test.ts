// Issue #13, faults: a search through 3 workers while 20 random worker kills (kill -9) and 2 Redis
// restarts happen loses no trial and records none twice, and equals the local search with the same
// seed; a coordinator killed mid-trial is resumed and re-attaches to the job in flight. Workers run
// in their own network namespaces (veth to this one) when this is root, else on loopback.
import { join } from 'node:path';
import { type ChildProcess } from 'node:child_process';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bullConnection, DEFAULT_QUEUE, KEY_PREFIX } from '../main/services/queue/connection.js';
import { SqliteStore } from '../main/services/sqlite-store.js';
import { tempDir } from './cli-helpers.js';
import { missingPeer } from './harness/peer.js';
import { disposeNetnsHosts, makeNetnsHosts, netnsUnavailable, type NetnsHost } from './harness/redis-netns.js';
import { redisMissing, RedisServer } from './harness/redis.js';
import { trialsOf, WorkerFleet } from './harness/redis-workers.js';

const skip = missingPeer('redis-server', redisMissing());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A seeded generator (mulberry32): the kills are random, and the same every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function studyState(db: string): { id: string; finished: number; running: number } | undefined {
  try {
    const store = SqliteStore.open(db, { readonly: true });
    try {
      const s = store.listStudies()[0];
      if (!s) return undefined;
      return { id: s.id, finished: store.countTrials(s.id, ['complete', 'failed', 'pruned', 'invalid']), running: store.countTrials(s.id, ['running']) };
    } finally {
      store.close();
    }
  } catch {
    return undefined; // not created yet
  }
}

describe.skipIf(skip)('distributed evaluation under faults (#13)', () => {
  const fleet = new WorkerFleet();
  const dir = tempDir('frontier-chaos-');
  let redis: RedisServer;
  let hosts: (NetnsHost | undefined)[] = [undefined, undefined, undefined];

  beforeAll(async () => {
    fleet.build();
    const why = netnsUnavailable();
    if (why) console.warn(`distributed chaos test: workers on loopback, not in network namespaces: ${why}`);
    else hosts = makeNetnsHosts(3);
    // Reachable from other hosts, so with a password (Redis's protected mode refuses them otherwise).
    redis = await RedisServer.start({ bind: hosts.flatMap((h) => (h ? [h.hostAddress] : [])), password: 'chaos-pass' });
  }, 120_000);

  afterAll(async () => {
    await fleet.killAll();
    await redis?.stop();
    disposeNetnsHosts();
  });

  /** Worker slot i: in namespace i (reaching Redis over its veth), or on loopback. */
  const startWorker = (slot: number, extra: readonly string[] = []): Promise<ChildProcess> => {
    const h = hosts[slot];
    return fleet.worker(h ? redis.urlFor(h.hostAddress) : redis.url, ['--stall-timeout', '2s', '--id', `slot${slot}-${Date.now().toString(36)}`, ...extra], h?.exec);
  };

  it('20 worker kills and 2 Redis restarts during a search through 3 workers: 0 trials lost, 0 twice, same result as the local run', async () => {
    const evals = 75;
    const search = ['--space', 'nb201', '--strategy', 'random', '--seed', '11', '--budget-evals', String(evals)];
    const localDb = join(dir, 'local.db');
    const local = await fleet.run(['search', ...search, '--concurrency', '1', '--db', localDb]);
    expect(local.code, local.stderr).toBe(0);

    const slots: (ChildProcess | undefined)[] = await Promise.all([0, 1, 2].map((i) => startWorker(i)));
    const db = join(dir, 'chaos.db');
    // Paced: each trial takes ~0.5-1 s of wall time on its worker, 3 in flight.
    const coordinator = fleet.run(['search', ...search, '--pace', '0.005', '--concurrency', '3', '--redis', redis.url, '--db', db], { timeoutMs: 240_000 });
    let ended = false;
    void coordinator.then(() => (ended = true));

    const random = rng(13);
    let kills = 0;
    let restarts = 0;
    const replacements: Promise<unknown>[] = [];
    while (!ended && kills < 20) {
      await sleep(500 + random() * 500);
      const busy = studyState(db);
      if (!busy || busy.running === 0) continue;
      const slot = Math.floor(random() * 3);
      const victim = slots[slot];
      if (!victim) continue;
      victim.kill('SIGKILL');
      kills++;
      slots[slot] = undefined;
      replacements.push(startWorker(slot).then((p) => (slots[slot] = p), () => undefined));
      if (kills === 7 || kills === 14) {
        await redis.restart(300);
        restarts++;
      }
    }
    const out = await coordinator;
    await Promise.all(replacements);
    expect(out.code, `${out.stderr}\n${fleet.live().map((p) => fleet.logs.get(p)).join('\n')}`).toBe(0);
    expect(kills).toBe(20);
    expect(restarts).toBe(2);
    const trials = trialsOf(db);
    // 0 lost: every trial complete, none failed for a killed worker or a restarted Redis; 0 twice:
    // one record per trial number, exactly the budget; and the same trials as the local run.
    expect(trials.filter((t) => t.state !== 'complete')).toEqual([]);
    expect(trials.map((t) => t.number)).toEqual([...Array(evals).keys()]);
    expect(trials).toEqual(trialsOf(localDb));
    // The kills hit jobs in flight: BullMQ moved those back (stalled) and another worker ran them.
    const queue = new Queue(DEFAULT_QUEUE, { connection: bullConnection(redis.url), prefix: KEY_PREFIX });
    try {
      const jobs = await queue.getJobs(['completed'], 0, -1);
      const mine = jobs.filter((j) => (j.data as { trial?: number; study?: { id?: string } }).study?.id === studyState(db)!.id);
      expect(mine).toHaveLength(evals);
      const moved = mine.filter((j) => j.stalledCounter > 0).length;
      console.log(`chaos: ${kills} worker kills, ${restarts} Redis restarts; ${moved} of ${evals} jobs moved back after a kill and finished elsewhere`);
      expect(moved).toBeGreaterThanOrEqual(5);
    } finally {
      await queue.close();
    }
  }, 300_000);

  it('a coordinator killed mid-trial is resumed and re-attaches to the job in flight (evaluated once)', async () => {
    const evals = 6;
    const search = ['--space', 'nb201', '--strategy', 'evolution', '--seed', '3', '--budget-evals', String(evals)];
    const localDb = join(dir, 'local-resume.db');
    expect((await fleet.run(['search', ...search, '--concurrency', '1', '--db', localDb])).code).toBe(0);

    for (const p of fleet.live()) p.kill('SIGKILL');
    await sleep(200);
    const id = `solo-${Date.now().toString(36)}`;
    await fleet.worker(hosts[0] ? redis.urlFor(hosts[0].hostAddress) : redis.url, ['--stall-timeout', '2s', '--id', id], hosts[0]?.exec);
    const db = join(dir, 'resume.db');
    // ~1-2 s per trial: time to kill the coordinator while the worker evaluates trial 2.
    const coordinator = fleet.spawn(['search', ...search, '--pace', '0.01', '--concurrency', '1', '--redis', redis.url, '--db', db]);
    for (let i = 0; i < 600; i++) {
      const s = studyState(db);
      if (s && s.finished === 2 && s.running === 1) break;
      await sleep(50);
    }
    expect(studyState(db)).toMatchObject({ finished: 2, running: 1 });
    coordinator.proc.kill('SIGKILL');
    await new Promise((r) => coordinator.proc.once('exit', r));
    const studyId = studyState(db)!.id;

    const resumed = await fleet.run(['resume', studyId, '--redis', redis.url, '--db', db]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const trials = trialsOf(db);
    expect(trials.map((t) => [t.number, t.state])).toEqual([...Array(evals).keys()].map((n) => [n, 'complete']));
    expect(trials).toEqual(trialsOf(localDb));
    // The worker evaluated each trial once: trial 2's job was re-attached, not run again.
    const listed = JSON.parse((await fleet.run(['workers', '--redis', redis.url, '--json'])).stdout) as { id: string; done: number }[];
    expect(listed.find((w) => w.id === id)?.done).toBe(evals);
  }, 180_000);
});
