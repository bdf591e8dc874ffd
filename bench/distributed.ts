/**
 * Distributed evaluation (#13): evaluations per second through a real Redis and real `frontier
 * worker` processes with 1, 2, 4 and 8 workers (concurrency 1 each, trials in flight = workers) on
 * paced table jobs (each job sleeps PACE_MS, so the 2 cores are not the limit): scaling efficiency
 * = rate(N) / (N × rate(1)). Then short training jobs with 1 and 2 workers (CPU-bound here), and the
 * queue's overhead per job: one trial at a time through the queue with instant table jobs, minus the
 * same search evaluated in this process (the yardstick, measured in the same run). Rounds are
 * interleaved and medians reported. Writes the `distributed` section of bench/RESULTS.md.
 *
 *   node --import tsx bench/distributed.ts [ROUNDS=3] [PACE_MS=200]
 *   node --import tsx bench/distributed.ts --only overhead [ROUNDS=5]
 *
 * `--only overhead` measures only the queue's overhead per job (and BullMQ's own round trip) and
 * rewrites that paragraph of the section, keeping the rest as last measured.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { cpus, tmpdir } from 'node:os';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { bullConnection, KEY_PREFIX } from '../main/services/queue/connection.js';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StudySpec } from '../shared/types/index.js';
import { CancellationTokenSource } from '../main/core/cancellation.js';
import { remoteEvaluatorFor } from '../main/services/queue/remote-evaluator.js';
import { SqliteStore } from '../main/services/sqlite-store.js';
import { createStudy, runStudy } from '../main/services/studies.js';
import { NB201_OBJECTIVES, NB201_TABLES } from '../main/services/evaluators.js';
import { quantile } from '../main/services/train/latency.js';
import { RedisServer } from '../test/harness/redis.js';
import { WorkerFleet } from '../test/harness/redis-workers.js';
import { writeSection } from './results-file.js';

const onlyAt = process.argv.indexOf('--only');
const ONLY = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
if (ONLY !== undefined && ONLY !== 'overhead') throw new Error(`--only takes 'overhead', got '${ONLY ?? ''}'`);
const positional = process.argv.slice(2).filter((_, i, a) => a[i] !== '--only' && a[i - 1] !== '--only');
const ROUNDS = Number(positional[0] ?? (ONLY ? 5 : 3));
const PACE_MS = Number(positional[1] ?? 200);
const RESULTS = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
const COUNTS = [1, 2, 4, 8];
const median = (xs: readonly number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);

const tableSpec = (evals: number, paceMs: number, seed: number, concurrency?: number): StudySpec => ({
  name: 'bench distributed',
  space: 'nb201',
  strategy: 'random',
  strategyOptions: {},
  objectives: [...NB201_OBJECTIVES],
  constraints: [],
  report: [],
  budget: { evals },
  seed,
  // A constant cost of 1 simulated second, replayed at paceMs per simulated second: every job sleeps paceMs.
  evaluator: { kind: 'table', tables: [...NB201_TABLES.tables], knownTables: [...NB201_TABLES.knownTables], cost: '1', ...(paceMs > 0 ? { pace: paceMs / 1000 } : {}) },
  ...(concurrency !== undefined ? { concurrency } : {}),
});

const trainSpec = (evals: number, seed: number): StudySpec => ({
  name: 'bench distributed training',
  space: 'nb201',
  strategy: 'random',
  strategyOptions: {},
  objectives: [{ metric: 'val_accuracy', direction: 'max' }],
  constraints: [],
  report: [],
  budget: { evals },
  seed,
  evaluator: { kind: 'train', data: 'builtin:fashion-mnist', val: 100, maxTrain: 200, epochs: 1, batchSize: 32, latency: false, nb201: { channels: 8, cellsPerStage: 1 } },
});

const dir = mkdtempSync(join(tmpdir(), 'frontier-bench-distributed-'));
const store = SqliteStore.open(join(dir, 'bench.db'));
let redis: RedisServer | undefined;
const fleet = new WorkerFleet();
const loadStart = os.loadavg()[0]!.toFixed(1);

/** Runs one study to its end; remote through `queue` when given. Returns evaluations per second and ms per evaluation. */
async function measure(spec: StudySpec, queue?: string): Promise<{ perSecond: number; msPerEval: number }> {
  const rec = createStudy(store, spec);
  const cts = new CancellationTokenSource();
  const remote = queue ? await remoteEvaluatorFor(store, rec.id, { redisUrl: redis!.url, queue }) : undefined;
  try {
    const t0 = performance.now();
    const out = await runStudy(store, rec.id, cts.token, {}, undefined, remote);
    const ms = performance.now() - t0;
    if (out.status !== 'complete') throw new Error(`study ${rec.id}: ${out.status} ${out.reason}`);
    const done = store.countTrials(rec.id, ['complete']);
    if (done !== spec.budget.evals) {
      const other = store.getTrials(rec.id).filter((t) => t.state !== 'complete').map((t) => `trial ${t.number} ${t.state}: ${t.error ?? ''}`);
      throw new Error(`study ${rec.id}: ${done} of ${spec.budget.evals} trials complete; ${other.join('; ')}`);
    }
    return { perSecond: done / (ms / 1000), msPerEval: ms / done };
  } finally {
    await remote?.close();
    cts.dispose();
  }
}

/** BullMQ's own round trip on the same Redis: add a job, a trivial processor in this process, completed event. */
async function rawRoundTrip(jobs: number): Promise<number> {
  const connection = bullConnection(redis!.url);
  const name = `raw${Date.now()}`;
  const queue = new Queue(name, { connection, prefix: KEY_PREFIX });
  const events = new QueueEvents(name, { connection, prefix: KEY_PREFIX });
  const worker = new Worker(name, async () => ({ ok: 1 }), { connection, prefix: KEY_PREFIX, drainDelay: 1 });
  try {
    await Promise.all([events.waitUntilReady(), worker.waitUntilReady()]);
    const t0 = performance.now();
    for (let i = 0; i < jobs; i++) await (await queue.add('x', { i }, { jobId: `j${i}` })).waitUntilFinished(events);
    return (performance.now() - t0) / jobs;
  } finally {
    await worker.close();
    await events.close();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
  }
}

/** The overhead paragraph of the section, from medians of ms per evaluation. */
function overheadLine(local: number[], remote1: number[], raw: number[]): string {
  const overhead = median(remote1) - median(local);
  const perRound = remote1.map((q, i) => q - local[i]!);
  const range = (xs: number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)} ms`;
  return `Queue overhead per job: ${overhead.toFixed(2)} ms (one trial at a time, instant table jobs: ${median(remote1).toFixed(2)} ms per evaluation through the queue and a worker process, ${median(local).toFixed(2)} ms evaluated in this process; target < 5 ms; per round ${range(perRound)}). Yardstick: BullMQ's own round trip on the same Redis (add, a trivial processor in the bench process, completed event) ${median(raw).toFixed(2)} ms (per round ${range(raw)}); both grow with the machine's load, ours a little more (one more process to wake per job: the worker). Load average during the run: ${loadStart} at the start, ${os.loadavg()[0]!.toFixed(1)} at the end (the 2 cores are shared with other work).`;
}

/** One round of the overhead measurement: here, through the queue, BullMQ alone (order rotated by round). */
async function overheadRound(r: number, local: number[], remote1: number[], raw: number[]): Promise<void> {
  const steps = [
    async () => local.push((await measure(tableSpec(300, 0, r, 1))).msPerEval),
    async () => remote1.push((await measure(tableSpec(300, 0, r, 1), 'instant')).msPerEval),
    async () => raw.push(await rawRoundTrip(300)),
  ];
  for (let i = 0; i < steps.length; i++) await steps[(i + r) % steps.length]!();
  console.log(`round ${r}: one at a time, instant table jobs: ${local.at(-1)!.toFixed(2)} ms/eval here, ${remote1.at(-1)!.toFixed(2)} ms/eval through the queue, BullMQ alone ${raw.at(-1)!.toFixed(2)} ms (load ${os.loadavg()[0]!.toFixed(1)})`);
}

async function onlyOverhead(): Promise<void> {
  await fleet.worker(redis!.url, ['--queue', 'instant', '--id', 'instant-0']);
  await measure(tableSpec(20, 0, 99, 1), 'instant');
  await measure(tableSpec(20, 0, 99, 1));
  await rawRoundTrip(20);
  const local: number[] = [];
  const remote1: number[] = [];
  const raw: number[] = [];
  for (let r = 1; r <= ROUNDS; r++) await overheadRound(r, local, remote1, raw);
  const line = overheadLine(local, remote1, raw);
  const text = readFileSync(RESULTS, 'utf8');
  const section = /<!-- distributed:start -->\n([\s\S]*?)\n<!-- distributed:end -->/.exec(text)?.[1];
  if (!section || !/^Queue overhead per job: .*$/m.test(section)) throw new Error('bench/RESULTS.md has no distributed section to update: run the full bench first');
  const stamp = `(queue overhead remeasured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`node --import tsx bench/distributed.ts --only overhead ${ROUNDS}\`, ${ROUNDS} interleaved rounds, medians)`;
  const body = section.replace(/^Queue overhead per job: .*$/m, `${line} ${stamp}`);
  console.log(line);
  writeSection(RESULTS, 'distributed', body);
}

try {
  fleet.build();
  redis = await RedisServer.start();
  if (ONLY === 'overhead') {
    await onlyOverhead();
  } else {
    // One pool of workers per count, each on its own queue, all started up front: rounds interleave counts.
    for (const n of COUNTS) await Promise.all(Array.from({ length: n }, (_, i) => fleet.worker(redis!.url, ['--queue', `paced${n}`, '--id', `paced${n}-${i}`])));
    await fleet.worker(redis.url, ['--queue', 'instant', '--id', 'instant-0']);
    const trainQueues = [1, 2];
    for (const n of trainQueues) {
      await Promise.all(Array.from({ length: n }, (_, i) => fleet.spawn(['worker', '--redis', redis!.url, '--queue', `train${n}`, '--id', `train${n}-${i}`, '--backend', 'torch'], { ready: /worker \S+ ready/ }).ready));
    }
    // Warm-up: tables parsed in this process and on every worker.
    for (const n of COUNTS) await measure(tableSpec(2 * n, PACE_MS, 99), `paced${n}`);
    await measure(tableSpec(5, 0, 99, 1), 'instant');
    for (const n of trainQueues) await measure(trainSpec(n, 1), `train${n}`);

    const paced = new Map<number, number[]>(COUNTS.map((n) => [n, []]));
    const local: number[] = [];
    const remote1: number[] = [];
    const raw: number[] = [];
    const train = new Map<number, number[]>(trainQueues.map((n) => [n, []]));
    for (let r = 1; r <= ROUNDS; r++) {
      for (const n of COUNTS) {
        const m = await measure(tableSpec(Math.max(20, Math.round((4000 / PACE_MS) * n)), PACE_MS, r), `paced${n}`);
        paced.get(n)!.push(m.perSecond);
        console.log(`round ${r}: ${n} worker${n > 1 ? 's' : ''}, ${PACE_MS} ms jobs: ${m.perSecond.toFixed(2)} evaluations/s`);
      }
      await overheadRound(r, local, remote1, raw);
      for (const n of trainQueues) {
        const m = await measure(trainSpec(4 * n, 1), `train${n}`);
        train.get(n)!.push(m.perSecond);
        console.log(`round ${r}: ${n} training worker${n > 1 ? 's' : ''}: ${m.perSecond.toFixed(2)} evaluations/s`);
      }
    }

    const rate1 = median(paced.get(1)!);
    const rows = COUNTS.map((n) => {
      const rate = median(paced.get(n)!);
      return `| ${n} | ${rate.toFixed(2)} | ${(rate / (n * rate1)).toFixed(3)} |`;
    });
    const t1 = median(train.get(1)!);
    const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
    const body = [
      '## Distributed evaluation (BullMQ + Redis, #13)',
      '',
      `\`node --import tsx bench/distributed.ts ${ROUNDS} ${PACE_MS}\` — ${new Date().toISOString().slice(0, 10)}, ${cpus().length}× ${cpu}, redis-server on loopback, workers are \`frontier worker\` processes (concurrency 1 each), the coordinator runs in the bench process with a SQLite store; ${ROUNDS} interleaved rounds, medians.`,
      '',
      `Paced table jobs (NB-201 replay, every job sleeps ${PACE_MS} ms), trials in flight = workers:`,
      '',
      '| workers | evaluations/s | scaling efficiency (rate / (N × rate with 1)) |',
      '|---:|---:|---:|',
      ...rows,
      '',
      overheadLine(local, remote1, raw),
      '',
      `Short training jobs (nb201 cells 1 × 8 channels, 200 Fashion-MNIST images, 1 epoch, torch backend): ${trainQueues.map((n) => `${n} worker${n > 1 ? 's' : ''} ${median(train.get(n)!).toFixed(2)} evaluations/s`).join(', ')} (efficiency at 2: ${(median(train.get(2)!) / (2 * t1)).toFixed(2)}; both workers share this machine's ${cpus().length} cores, so training cannot scale here as paced jobs do).`,
    ];
    console.log(body.join('\n'));
    writeSection(RESULTS, 'distributed', body.join('\n'));
  }
} finally {
  await fleet.killAll();
  await redis?.stop();
  store.close();
  rmSync(dir, { recursive: true, force: true });
}
