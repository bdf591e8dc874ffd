// Issue #13: a latency:<serial> objective naming a phone plugged into a worker on another machine. The
// phone is the emulated one behind a real adb server; that adb server and the worker that has the
// phone run in their own network namespace (when this is root), reaching Redis over a veth link, so
// the coordinator cannot see the phone at all: its measurements must travel through the phone's queue.
// The phone's benchmark_model times models from a cost model of their ops (no host clock).
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nb201EvaluatorSpec } from '../main/services/evaluators.js';
import { SqliteStore } from '../main/services/sqlite-store.js';
import { createStudy } from '../main/services/studies.js';
import { tempDir } from './cli-helpers.js';
import { AdbServer, findAdb } from './harness/adb/adb-server.js';
import { EmulatedAndroidDevice } from './harness/adb/device.js';
import { BENCHMARK_MODEL } from './harness/armnn/armnn.js';
import { missingPeer } from './harness/peer.js';
import { disposeNetnsHosts, makeNetnsHosts, netnsUnavailable, type NetnsHost } from './harness/redis-netns.js';
import { redisMissing, RedisServer } from './harness/redis.js';
import { WorkerFleet } from './harness/redis-workers.js';

const skip = missingPeer('redis-server and adb', redisMissing() ?? (findAdb() ? undefined : 'the Debian package "adb" is not installed'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Stored {
  trials: { number: number; state: string; key: string; metrics: Record<string, number>; error?: string; fidelity: Record<string, string> }[];
  samples: { trialNumber?: number; subject: string; medianMs: number; provenance: Record<string, unknown> }[];
}

function stored(db: string, serial: string): Stored {
  const store = SqliteStore.open(db, { readonly: true });
  try {
    const id = store.listStudies()[0]!.id;
    return {
      trials: store.getTrials(id).map((t) => ({ number: t.number, state: t.state, key: t.key, metrics: { ...t.metrics }, ...(t.error ? { error: t.error } : {}), fidelity: { ...t.fidelity } })),
      samples: store.getLatencySamples({ studyId: id, deviceId: serial }).map((s) => ({ trialNumber: s.trialNumber, subject: s.subject, medianMs: s.medianMs, provenance: { ...s.provenance } })),
    };
  } finally {
    store.close();
  }
}

describe.skipIf(skip)('latency on a phone plugged into a worker (#13)', () => {
  const fleet = new WorkerFleet();
  const dir = tempDir('frontier-phones-');
  let redis: RedisServer;
  let host: NetnsHost | undefined;
  let adb: AdbServer;
  let phone: EmulatedAndroidDevice;
  let worker: ChildProcess;

  beforeAll(async () => {
    fleet.build();
    const why = netnsUnavailable();
    if (why) console.warn(`phone worker on loopback, not in a network namespace: ${why}`);
    else host = makeNetnsHosts(1)[0];
    redis = await RedisServer.start(host ? { bind: [host.hostAddress], password: 'phone-pass' } : {});
    // The worker's machine: its adb server, and the phone attached to it (over the veth link).
    adb = await AdbServer.start(findAdb(), host?.exec ?? []);
    phone = new EmulatedAndroidDevice({ ...(host ? { host: host.hostAddress } : {}), timing: { seed: 5, gflops: 20, gbps: 20 } });
    await phone.start();
    await adb.connect(phone.serial);
    await adb.waitFor(phone.serial, 'device');
    const w = fleet.spawn(['worker', '--redis', host ? redis.urlFor(host.hostAddress) : redis.url, '--no-training', '--phones', '--phone-wait', '4s', '--id', 'w-phone'], {
      ...(host ? { wrap: host.exec } : {}),
      ready: new RegExp(`worker w-phone ready: .*phones: ${phone.serial.replace(/\./g, '\\.')}`),
      env: { FRONTIER_ADB: adb.bin, ANDROID_ADB_SERVER_PORT: String(adb.port), FRONTIER_BENCHMARK_MODEL: BENCHMARK_MODEL },
    });
    worker = w.proc;
    await w.ready;
    // A worker without phones, beside the coordinator: the table jobs may go to either.
    await fleet.worker(redis.url, ['--id', 'w-plain']);
  }, 180_000);

  afterAll(async () => {
    await fleet.killAll();
    await adb?.kill();
    await phone?.close();
    await redis?.stop();
    disposeNetnsHosts();
  });

  const search = (db: string, extra: readonly string[]) => fleet.run(['search', '--space', 'nb201', '--strategy', 'random', '--seed', '2', '--concurrency', '1',
    '--objective', 'c10_valid_12ep:max', '--objective', `latency:${phone.serial}:min`, '--redis', redis.url, '--db', db, ...extra], { timeoutMs: 240_000 });

  it('each trial is measured on the worker that has the phone; unplugged briefly, the run is redone; for good, the trial fails naming the phone', async () => {
    const db = join(dir, 'phone.db');
    // Trial 1: the cable is pulled during its first benchmark_model run and put back after 1 s.
    // Trial 2: pulled and left out until the trial has failed; trial 3 runs with the phone back.
    let starts = 0;
    let replug: Promise<void> | undefined;
    const watching = phone.onProgramStart((argv) => {
      if (argv[0] !== './benchmark_model') return;
      starts++;
      if (starts === 4) replug = phone.unplug().then(() => sleep(1000)).then(() => phone.plug());
      if (starts === 8) {
        replug = (async () => {
          await phone.unplug();
          for (let i = 0; i < 1200 && !stored(db, phone.serial).trials.some((t) => t.number === 2 && t.state === 'failed'); i++) await sleep(50);
          await phone.plug();
        })();
      }
    });
    let out: Awaited<ReturnType<typeof search>>;
    try {
      out = await search(db, ['--budget-evals', '4']);
    } finally {
      watching();
      await replug;
      await phone.plug();
    }
    expect(out.code, `${out.stderr}\n${fleet.logs.get(worker)}`).toBe(0);
    const { trials, samples } = stored(db, phone.serial);
    expect(trials.map((t) => [t.number, t.state])).toEqual([[0, 'complete'], [1, 'complete'], [2, 'failed'], [3, 'complete']]);
    // Failed after its tries, naming the phone and the worker it was unplugged from.
    expect(trials[2]!.error).toMatch(new RegExp(`^latency on phone ${phone.serial.replace(/\./g, '\\.')}: phone ${phone.serial.replace(/\./g, '\\.')} was unplugged from worker w-phone during the latency measurement of trial 2 and did not come back within 4 s`));
    // One sample per measured trial, stored once, from the worker that has the phone; its median is the trial's metric.
    expect(samples.map((s) => s.trialNumber).sort()).toEqual([0, 1, 3]);
    for (const s of samples) {
      const t = trials.find((x) => x.number === s.trialNumber)!;
      expect(s.subject).toBe(`arch:nb201:${t.key}`);
      expect(t.metrics[`latency:${phone.serial}`]).toBe(s.medianMs);
      expect(t.fidelity[`latency:${phone.serial}`]).toBe(`phone:${phone.serial}`);
      expect(t.fidelity.c10_valid_12ep).toBe('table');
      expect(Object.values(t.fidelity)).not.toContain('unknown');
      expect(t.metrics.c10_valid_12ep).toBeGreaterThan(0);
      expect(s.provenance).toMatchObject({ worker: 'w-phone', device: phone.serial, model: 'Pixel 7', tool: 'benchmark_model', status: 'ok' });
    }
    // Trial 1's cut run was redone when the phone came back: either within the measurement (each try
    // while adb had not yet reconnected counts as an interruption), or, when the cut run failed
    // otherwise (e.g. its exit status came through before the link dropped), by trying the job again.
    // Three repeats kept.
    const t1 = samples.find((s) => s.trialNumber === 1)!;
    const log = fleet.logs.get(worker) ?? '';
    if ((t1.provenance.interruptions as number) === 0) expect(log).toMatch(/phone \S+: measurement of trial 1 failed \(try 1\): /);
    else expect(log).toMatch(/trial 1's latency on phone .*: the phone went away/);
    expect(t1.provenance.repeatsMs).toHaveLength(3);
    expect(samples.find((s) => s.trialNumber === 0)!.provenance.interruptions).toBe(0);
    // Trial 2's tries, each failing after the phone stayed away, are in the worker's log.
    expect(log).toMatch(/measurement of trial 2 failed \(try 3\): phone \S+ was unplugged from worker w-phone/);
  }, 300_000);

  it('a search naming a phone no live worker has is refused before a study exists, naming the phones the workers have; resume without --redis is refused; --phones without adb ends clearly', async () => {
    const db = join(dir, 'none.db');
    const r = await fleet.run(['search', '--space', 'nb201', '--budget-evals', '2', '--objective', 'latency:NOPE123:min', '--redis', redis.url, '--db', db]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`frontier: no live worker of queue frontier-evals has phone NOPE123 (phones on workers: w-phone: ${phone.serial}): start 'frontier worker --redis URL --phones' on the machine it is plugged into`);
    // No database was even opened.
    expect(existsSync(db)).toBe(false);
    // A worker asked for phones where there is no adb says so and ends (nothing left running).
    const noAdb = await fleet.run(['worker', '--redis', redis.url, '--phones', '--no-training'], { env: { ...fleet.env, FRONTIER_ADB: join(dir, 'no-adb') }, timeoutMs: 30_000 });
    expect(noAdb.code).toBe(2);
    expect(noAdb.stderr).toContain(`frontier: adb binary ${join(dir, 'no-adb')} does not exist or is not executable`);
    // Such a study, resumed without Redis, says how to resume it (locally nothing measures that phone).
    const later = join(dir, 'later.db');
    const store = SqliteStore.open(later);
    let id: string;
    try {
      id = createStudy(store, {
        name: 'phone', space: 'nb201', strategy: 'random', objectives: [{ metric: 'c10_valid_12ep', direction: 'max' }, { metric: 'latency:NOPE123', direction: 'min' }],
        constraints: [], report: [], budget: { evals: 2 }, seed: 0, evaluator: nb201EvaluatorSpec(),
      }).id;
    } finally {
      store.close();
    }
    const resumed = await fleet.run(['resume', id, '--db', later]);
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toContain(`resume: study ${id} measures latency:NOPE123 on the phones of workers: resume it with --redis URL`);
  }, 60_000);
});
