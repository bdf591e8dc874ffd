// Issue #13: evaluation workers on other machines through BullMQ + Redis. A real redis-server on a
// free loopback port and real `frontier worker` processes; the coordinator is `frontier search --redis`.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisOptions } from '../main/services/queue/connection.js';
import { contentHash, materializeDatasets, publishDatasets } from '../main/services/queue/datasets.js';
import { receiveWeights, sendWeights } from '../main/services/queue/weights-transfer.js';
import { SqliteStore } from '../main/services/sqlite-store.js';
import { tempDir } from './cli-helpers.js';
import { missingPeer } from './harness/peer.js';
import { redisMissing, RedisServer } from './harness/redis.js';
import { trialsOf, WorkerFleet } from './harness/redis-workers.js';

const skip = missingPeer('redis-server', redisMissing());

/** Studies in a database (0 when the file was never created). */
function trialsOfAny(db: string): number {
  if (!existsSync(db)) return 0;
  const store = SqliteStore.open(db, { readonly: true });
  try {
    return store.listStudies().length;
  } finally {
    store.close();
  }
}

const NB201 = ['--space', 'nb201', '--strategy', 'evolution', '--seed', '5', '--budget-evals', '24'];

describe.skipIf(skip)('evaluation workers through Redis (#13)', () => {
  const fleet = new WorkerFleet();
  let redis: RedisServer;
  let secured: RedisServer;
  const dir = tempDir('frontier-distributed-');

  beforeAll(async () => {
    fleet.build();
    redis = await RedisServer.start();
    secured = await RedisServer.start({ password: 's3cret pass' });
  }, 120_000);

  afterAll(async () => {
    await fleet.killAll();
    await redis?.stop();
    await secured?.stop();
  });

  it('a search through two workers, one in flight, equals the local search with the same seed', async () => {
    await Promise.all([fleet.worker(redis.url, ['--concurrency', '2', '--id', 'w-a']), fleet.worker(redis.url, ['--id', 'w-b'])]);

    const remoteDb = join(dir, 'remote.db');
    const localDb = join(dir, 'local.db');
    const remote = await fleet.run(['search', ...NB201, '--concurrency', '1', '--redis', redis.url, '--db', remoteDb]);
    expect(remote.code, remote.stderr).toBe(0);
    expect(remote.stderr).toMatch(/evaluating on the workers of redis:\/\/127\.0\.0\.1:\d+ \(queue frontier-evals, 2 live now\)/);
    const local = await fleet.run(['search', ...NB201, '--concurrency', '1', '--db', localDb]);
    expect(local.code, local.stderr).toBe(0);
    const r = trialsOf(remoteDb);
    expect(r).toHaveLength(24);
    expect(r.every((t) => t.state === 'complete')).toBe(true);
    expect(r).toEqual(trialsOf(localDb));
    // The listing: each worker, its concurrency, and the jobs done (all 24 by the two together).
    const listed = await fleet.run(['workers', '--redis', redis.url]);
    const rows = listed.stdout.split('\n').filter((l) => /^w-/.test(l)).map((l) => l.split(/\s{2,}/));
    expect(rows.map((r) => [r[0], r[1], r[6]])).toEqual([['w-a', 'frontier-evals', '0/2'], ['w-b', 'frontier-evals', '0/1']]);
    expect(rows.reduce((n, r) => n + Number(r[7]), 0)).toBe(24);
  }, 120_000);

  it('hyperband and asha: the fidelity each trial asks for travels in its job and is honoured (equals the local search)', async () => {
    await fleet.worker(redis.url, ['--queue', 'fidelities', '--id', 'fid-1']);
    for (const strategy of ['hyperband', 'asha']) {
      const args = ['search', '--space', 'nb201', '--strategy', strategy, '--seed', '3', '--budget-evals', '20', '--concurrency', '1'];
      const remoteDb = join(dir, `${strategy}-remote.db`);
      const localDb = join(dir, `${strategy}-local.db`);
      const remote = await fleet.run([...args, '--redis', redis.url, '--queue', 'fidelities', '--db', remoteDb]);
      expect(remote.code, remote.stderr).toBe(0);
      const local = await fleet.run([...args, '--db', localDb]);
      expect(local.code, local.stderr).toBe(0);
      const r = trialsOf(remoteDb);
      expect(r).toHaveLength(20);
      // Both fidelities (12 and 200 epochs) were asked for, and each answered from its own columns.
      expect(new Set(r.map((t) => t.metrics.fidelity))).toEqual(new Set([12, 200]));
      expect(r).toEqual(trialsOf(localDb));
    }
  }, 120_000);

  it('without --concurrency the trials in flight follow the workers (3 taken at once by 2 workers)', async () => {
    const db = join(dir, 'follow.db');
    const r = await fleet.run(['search', '--space', 'nb201', '--strategy', 'random', '--budget-evals', '12', '--pace', '0.0005', '--redis', redis.url, '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    const store = SqliteStore.open(db, { readonly: true });
    try {
      const trials = store.getTrials(store.listStudies()[0]!.id);
      // Paced trials of ~0.1 s: with 3 in flight, some trial starts before the one before it finished.
      const overlapping = trials.filter((t, i) => i >= 2 && t.startedAt < trials[i - 2]!.finishedAt!).length;
      expect(trials.filter((t) => t.state === 'complete')).toHaveLength(12);
      expect(overlapping).toBeGreaterThan(0);
    } finally {
      store.close();
    }
  }, 120_000);

  it('a job no live worker can run fails its trial naming every refusal (here: training on table-only workers)', async () => {
    const db = join(dir, 'refused.db');
    const r = await fleet.run(['search', '--space', 'nb201', '--data', 'builtin:fashion-mnist', '--epochs', '1', '--max-train', '100', '--val', '50', '--budget-evals', '2', '--concurrency', '1', '--redis', redis.url, '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    const trials = trialsOf(db);
    expect(trials.map((t) => t.state)).toEqual(['failed', 'failed']);
    const store = SqliteStore.open(db, { readonly: true });
    try {
      const err = store.getTrial(store.listStudies()[0]!.id, 0)!.error!;
      expect(err).toMatch(/^no worker can run this job: /);
      expect(err).toContain('w-a: this worker takes table jobs only');
      expect(err).toContain('w-b: this worker takes table jobs only');
    } finally {
      store.close();
    }
  }, 120_000);

  it('a user table is sent once by content hash and read by a worker that does not have its path', async () => {
    const client = new Redis(redisOptions(redis.url));
    try {
      const src = join(dir, 'user-table.csv');
      writeFileSync(src, 'index,acc\n0,0.5\n1,0.75\n');
      const [ref] = await publishDatasets(client, [src]);
      expect(ref).toMatchObject({ ref: src, kind: 'file', shipped: true, hash: contentHash(src).hash });
      renameSync(src, `${src}.gone`);
      const cache = join(dir, 'cache');
      const local = await materializeDatasets(client, [ref!], cache);
      const path = local.get(src)!;
      expect(path.startsWith(cache)).toBe(true);
      expect(contentHash(path).hash).toBe(ref!.hash);
      // A folder is never sent: a worker without it (or with other content) refuses, saying why.
      const folder = join(dir, 'images');
      mkdirSync(join(folder, 'cat'), { recursive: true });
      writeFileSync(join(folder, 'cat', 'a.txt'), 'x');
      const [dirRef] = await publishDatasets(client, [folder]);
      expect(dirRef).toMatchObject({ kind: 'dir', shipped: false });
      writeFileSync(join(folder, 'cat', 'a.txt'), 'y');
      await expect(materializeDatasets(client, [dirRef!], cache)).rejects.toThrow(/dataset folder .*images differs here .*shared path/);
      renameSync(folder, `${folder}.gone`);
      await expect(materializeDatasets(client, [dirRef!], cache)).rejects.toThrow(/dataset folder .*images is not on this worker/);
    } finally {
      client.disconnect();
    }
  });

  it('training on a worker: metrics, the learning curve (job progress), latency samples and the trained weights come back into the store', async () => {
    // A training worker (fleet.worker starts table-only ones).
    const w = fleet.spawn(['worker', '--redis', redis.url, '--backend', 'torch', '--queue', 'training', '--id', 'w-train'], { ready: /worker \S+ ready/ });
    await w.ready;
    const db = join(dir, 'train.db');
    const r = await fleet.run(['search', '--space', 'nb201', '--data', 'builtin:fashion-mnist', '--epochs', '2', '--patience', '0', '--max-train', '200', '--val', '100', '--budget-evals', '2', '--concurrency', '1', '--redis', redis.url, '--queue', 'training', '--db', db], { timeoutMs: 240_000 });
    expect(r.code, `${r.stderr}\n${fleet.logs.get(w.proc)}`).toBe(0);
    const store = SqliteStore.open(db, { readonly: true });
    try {
      const id = store.listStudies()[0]!.id;
      const trials = store.getTrials(id);
      expect(trials.map((t) => t.state)).toEqual(['complete', 'complete']);
      for (const t of trials) {
        expect(t.metrics.val_accuracy).toBeGreaterThan(0);
        expect(t.metrics.params).toBeGreaterThan(0);
        expect(t.metrics.latency_ms).toBeGreaterThan(0);
        const curve = store.getCurve(id, t.number);
        expect(curve.filter((p) => p.metric === 'val_accuracy').map((p) => p.step)).toEqual([1, 2]);
        expect(curve.find((p) => p.metric === 'val_accuracy' && p.step === t.metrics.epochs)?.value).toBeCloseTo(t.metrics.val_accuracy!, 6);
      }
      const samples = store.getLatencySamples({ studyId: id });
      expect(samples.map((x) => [x.trialNumber, x.subject])).toEqual(trials.map((t) => [t.number, t.key]));
      expect(samples.every((x) => x.deviceId.startsWith('local:torch') && x.medianMs > 0)).toBe(true);
      // The trained weights: one checksummed weights artifact per trial, in the weights folder beside the database.
      for (const t of trials) {
        const [w, ...more] = store.listArtifacts(id, t.number);
        expect(more).toEqual([]);
        expect(w).toMatchObject({ kind: 'weights', settings: { source: 'search', worker: 'w-train', backend: 'torch', epochs: 2, architecture: t.key, valAccuracy: t.metrics.val_accuracy } });
        expect(w!.path.startsWith(join(dir, 'weights', `study${id}`))).toBe(true);
        expect(createHash('sha256').update(readFileSync(w!.path)).digest('hex')).toBe(w!.sha256);
      }
    } finally {
      store.close();
    }
    // So the remotely trained trial exports, as a retrained one does.
    const onnx = join(dir, 'remote-trial1.onnx');
    const exported = await fleet.run(['export', '1', '--trial', '1', '--format', 'onnx', '--out', onnx, '--db', db]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toMatch(/exported trial 1 of study 1 .* as onnx/);
    expect(exported.stdout).toMatch(/weights: trained by the search on worker w-train, 2 epochs on \d+ images, val_accuracy 0\.\d{4}/);
    expect(statSync(onnx).size).toBeGreaterThan(1000);
    // Taking the same weights in again (a job's result read twice, a resumed coordinator) stores nothing new.
    const client = new Redis(redisOptions(redis.url));
    const rw = SqliteStore.open(db);
    try {
      const before = rw.listArtifacts('1', 0).find((a) => a.kind === 'weights')!;
      const ref = await sendWeights(client, 'again', readFileSync(before.path), before.settings ?? {});
      const again = await receiveWeights(client, rw, ref, { studyId: '1', trial: 0, dir: join(dir, 'weights') });
      expect(again).toEqual(before);
      expect(rw.listArtifacts('1', 0).filter((a) => a.kind === 'weights')).toHaveLength(1);
      expect(await client.exists(ref.key)).toBe(0);
    } finally {
      rw.close();
      client.disconnect();
    }
  }, 300_000);

  it('asha with training on a worker: each trial is trained for the epochs it asks for', async () => {
    const w = fleet.spawn(['worker', '--redis', redis.url, '--backend', 'torch', '--queue', 'training-mf', '--id', 'w-train-mf'], { ready: /worker \S+ ready/ });
    await w.ready;
    const db = join(dir, 'asha-train.db');
    const r = await fleet.run(['search', '--space', 'nb201', '--data', 'builtin:fashion-mnist', '--strategy', 'asha', '--epochs', '3', '--patience', '0', '--max-train', '100', '--val', '50',
      '--objective', 'val_accuracy:max', '--budget-evals', '5', '--concurrency', '1', '--redis', redis.url, '--queue', 'training-mf', '--db', db], { timeoutMs: 240_000 });
    expect(r.code, `${r.stderr}\n${fleet.logs.get(w.proc)}`).toBe(0);
    const trials = trialsOf(db);
    expect(trials.map((t) => t.state)).toEqual(Array(5).fill('complete'));
    // The rungs' epochs were asked for (asha starts low), and each trial trained exactly those.
    expect(Math.min(...trials.map((t) => t.metrics.fidelity!))).toBeLessThan(3);
    for (const t of trials) expect(t.metrics.epochs).toBe(t.metrics.fidelity);
  }, 300_000);

  it('with a password: a worker with the right one evaluates, a wrong one is refused clearly', async () => {
    const wrong = await fleet.run(['worker', '--redis', secured.url.replace('s3cret%20pass', 'nope'), '--no-training'], { timeoutMs: 30_000 });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:\d+ refused the password: .*(WRONGPASS|invalid username-password)/i);
    expect(wrong.stderr).not.toContain('nope');
    const noPass = await fleet.run(['workers', '--redis', `redis://127.0.0.1:${secured.port}`]);
    expect(noPass.code).toBe(1);
    expect(noPass.stderr).toMatch(/needs a password \(redis:\/\/:PASSWORD@host:port\): NOAUTH/);

    await fleet.worker(secured.url, ['--id', 'w-secure']);
    const db = join(dir, 'secure.db');
    const r = await fleet.run(['search', '--space', 'nb201', '--budget-evals', '5', '--concurrency', '1', '--redis', secured.url, '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    expect(trialsOf(db).filter((t) => t.state === 'complete')).toHaveLength(5);
    expect(r.stderr).not.toContain('s3cret');
  }, 120_000);

  it('refuses a URL that is not Redis, and an unreachable Redis before creating a study', async () => {
    const bad = await fleet.run(['search', '--space', 'nb201', '--redis', 'http://localhost:6379', '--db', join(dir, 'bad.db')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('a Redis URL starts with redis:// or rediss:// (TLS)');
    const none = await fleet.run(['search', '--space', 'nb201', '--budget-evals', '2', '--redis', 'redis://127.0.0.1:1', '--db', join(dir, 'down.db')], { timeoutMs: 60_000 });
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^frontier: cannot reach Redis at redis:\/\/127\.0\.0\.1:1 within 10 s: .*ECONNREFUSED/);
    expect(trialsOfAny(join(dir, 'down.db'))).toBe(0);
  }, 90_000);
});
