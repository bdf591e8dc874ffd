// Compound scaling to phone latency tiers (#15): `frontier scale --targets latency:SERIAL1=MS,latency:SERIAL2=MS`
// through the real adb server and two emulated phones (test/harness/adb), each candidate φ's model exported
// to TFLite and timed on the phone by its benchmark_model (test/harness/armnn/benchmark_model.py in cost-model
// mode without noise: deterministic times, whatever the host's load). Each tier's model is a trial whose
// `latency:<serial>` metric is the phone's measurement, within its budget, and the largest φ that fits
// (checked by measuring the next larger model on the phone here); a missing phone and one unplugged
// mid-run end the command with an error naming it, the models finished before kept.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main/cli/main.js';
import { multipliersAt, type Coefficients, type Multipliers } from '../main/core/scaling/compound.js';
import { ScaledSpace } from '../main/core/scaling/space.js';
import { MobilenetSpace } from '../main/core/spaces/mobilenet.js';
import { BenchmarkRunner } from '../main/services/devices/benchmark-runner.js';
import { AdbDeviceService } from '../main/services/devices/device-service.js';
import { exportTflite } from '../main/services/export/tflite.js';
import { randomWeights } from '../main/services/export/weights.js';
import { scaleReproduceCommand } from '../main/services/scaling/reproduce.js';
import { SqliteStore } from '../main/services/sqlite-store.js';
import type { StudySpec, TrialRecord } from '../shared/types/index.js';
import { ROOT, type CliResult } from './cli-helpers.js';
import { AdbServer, findAdb } from './harness/adb/adb-server.js';
import { EmulatedAndroidDevice } from './harness/adb/device.js';
import { armnnUnavailable, BENCHMARK_MODEL } from './harness/armnn/armnn.js';
import { missingPeer } from './harness/peer.js';

const skip = missingPeer('adb and the benchmark_model stand-in', !findAdb() ? 'the Debian package "adb" is not installed' : armnnUnavailable());

const KEY = 'w0.5:k3e1/w0.5:k3e3/w0.5:k5e1/w0.5:k3e1';
const C: Coefficients = { alpha: 1.2, beta: 1.1, gamma: 1.15 };
const BENCH = { runs: 4, warmupRuns: 1, repeats: 1 };

describe.skipIf(skip)('frontier scale --targets latency:<serial>=MS on two phones behind the real adb server', () => {
  let dir: string;
  let db: string;
  let server: AdbServer;
  // Two phones of different speeds: the slower one gets a smaller model for a similar budget.
  const fast = new EmulatedAndroidDevice({ timing: { seed: 1, gflops: 0.5, noise: 0 } });
  const slow = new EmulatedAndroidDevice({ timing: { seed: 2, gflops: 0.2, noise: 0 } });
  let svc: AdbDeviceService;
  let runner: BenchmarkRunner;
  const space = new ScaledSpace({ base: { space: 'mobilenet', spaceOptions: {}, key: KEY }, divisor: 8 });
  let n = 0;

  /** The phone's latency of the scaled model of multipliers `m`, measured here (same export, same tool). */
  async function measure(serial: string, m: Multipliers): Promise<number> {
    const g = space.graph(space.sampleOf(m), [28, 28, 1], 10, { stemStride: 2 });
    const file = join(dir, `check${n++}.tflite`);
    writeFileSync(file, exportTflite(g, randomWeights(g, 0)).bytes);
    return (await runner.measure(serial, { hostPath: file, subject: 'check' }, BENCH)).medianMs;
  }

  async function run(args: string[]): Promise<CliResult> {
    let stdout = '';
    let stderr = '';
    const code = await main(args, {
      out: (t) => void (stdout += t), err: (t) => void (stderr += t), isTTY: false, columns: 120, cwd: ROOT,
      env: { ...process.env, FRONTIER_DB: db, FRONTIER_ADB: server.bin, ANDROID_ADB_SERVER_PORT: String(server.port), FRONTIER_BENCHMARK_MODEL: BENCHMARK_MODEL },
    });
    return { code, stdout, stderr };
  }

  const benchmarkRuns = (phone: EmulatedAndroidDevice) => phone.commands.filter((c) => c.some((a) => a.endsWith('benchmark_model'))).length;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'frontier-scale-phones-'));
    db = join(dir, 'f.db');
    // The source: a finished mobilenet search with one complete trial.
    const store = SqliteStore.open(db);
    try {
      const spec: StudySpec = {
        name: 'src', space: 'mobilenet', strategy: 'random', objectives: [{ metric: 'val_accuracy', direction: 'max' }], constraints: [], report: [],
        budget: { evals: 1 }, seed: 5, evaluator: { kind: 'train', maxTrain: 200, val: 100, epochs: 1, mobilenet: { stemStride: 2 } },
      };
      const id = store.createStudy(spec, 0).id;
      const progress = { evals: 1, failed: 0, rejected: 0, costSeconds: 1, wallMs: 1 };
      store.finishTrial(id, store.createTrial(id, { key: KEY, sample: new MobilenetSpace().parse(KEY) }, 0), { state: 'complete', metrics: { val_accuracy: 0.5 }, fidelity: {}, cost: 1, finishedAt: 1 }, { progress, strategyState: null });
    } finally {
      store.close();
    }
    server = await AdbServer.start();
    await fast.start();
    await slow.start();
    svc = new AdbDeviceService(undefined, { adbPath: server.bin, port: server.port });
    await svc.start();
    await svc.client.connect('127.0.0.1', fast.listeningPort);
    await svc.waitFor(fast.serial, 'device', undefined, 15_000);
    runner = new BenchmarkRunner(svc, { benchmarkBinary: BENCHMARK_MODEL });
  }, 60_000);

  afterAll(async () => {
    svc?.dispose();
    await server?.kill();
    await fast.close();
    await slow.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a phone that is not connected, naming it, before creating anything', async () => {
    const r = await run(['scale', '1', '--trial', '0', '--coefficients', '1.2,1.1,1.15', '--targets', 'flops:1M,latency:127.0.0.1:9=5']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe("frontier: phone 127.0.0.1:9 is not connected (see 'frontier devices'; a phone over TCP: --connect 127.0.0.1:9)");
    const store = SqliteStore.open(db, { readonly: true });
    try {
      expect(store.getStudy('2')).toBeUndefined();
    } finally {
      store.close();
    }
  });

  it('scales to one latency tier per phone: each measured on its phone, within its budget, the largest φ that fits', async () => {
    const base = { depth: 1, width: 1, resolution: 1 };
    const budgets = { fast: Number((2.5 * (await measure(fast.serial, base))).toFixed(3)), slow: 0 };
    // The slow phone (connected by the command itself) gets a budget between its base and its 2.5× base.
    const runsBefore = [benchmarkRuns(fast), benchmarkRuns(slow)];
    const tf = `latency:${fast.serial}=${budgets.fast}`;
    budgets.slow = budgets.fast; // same budget: the slower phone must get a smaller model
    const ts = `latency:${slow.serial}=${budgets.slow}`;
    const r = await run(['scale', '1', '--trial', '0', '--coefficients', '1.2,1.1,1.15', '--targets', `${tf},${ts}`, '--connect', slow.serial,
      '--runs', String(BENCH.runs), '--warmup', String(BENCH.warmupRuns), '--repeats', String(BENCH.repeats), '--epochs', '1', '--max-train', '200', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { studyId: string; models: { trial: number; phi: number; label: string }[] };
    expect(out.models.map((m) => m.label)).toEqual([tf, ts]);
    // Progress: every candidate measured on its phone; the final φ's model found among those already measured.
    expect(r.stderr).toMatch(new RegExp(`${tf.replace(/[.]/g, '\\.')}: φ -4\\.000 \\(d[\\d.]+ w[\\d.]+ r[\\d.]+\\) [\\d.]+ ms on ${fast.serial.replace(/[.]/g, '\\.')}\\n`));
    expect(r.stderr).toMatch(new RegExp(`\\[target 2/2\\] ${ts.replace(/[.]/g, '\\.')}: trial 1 val_accuracy [\\d.]+, latency [\\d.]+ ms, [\\d.]+ ms on ${slow.serial.replace(/[.]/g, '\\.')}\\n`));
    const probes = r.stderr.split('\n').filter((l) => /: φ -?[\d.]+ \(.* ms on 127\.0\.0\.1:\d+/.test(l));
    const measured = probes.filter((l) => !l.endsWith('(measured before)'));
    expect(probes.length).toBeGreaterThan(measured.length);
    // Each model measured once (the cache): benchmark_model ran once per distinct model on each phone.
    const distinct = (serial: string) => new Set(probes.filter((l) => l.includes(`ms on ${serial}`)).map((l) => /\((d\S+ w\S+ r\S+)\)/.exec(l)?.[1])).size;
    expect(benchmarkRuns(fast) - (runsBefore[0] as number)).toBe(distinct(fast.serial) * BENCH.repeats);
    expect(benchmarkRuns(slow) - (runsBefore[1] as number)).toBe(distinct(slow.serial) * BENCH.repeats);

    await svc.client.connect('127.0.0.1', slow.listeningPort);
    await svc.waitFor(slow.serial, 'device', undefined, 15_000);
    const store = SqliteStore.open(db, { readonly: true });
    let trials: TrialRecord[];
    try {
      trials = store.getTrials(out.studyId);
      expect(store.getStudy(out.studyId)?.status).toBe('complete');
      expect(store.getStudy(out.studyId)?.spec.report).toEqual(expect.arrayContaining([`latency:${fast.serial}`, `latency:${slow.serial}`]));
      // The command that runs it again has the targets and the benchmark settings.
      expect(scaleReproduceCommand(store.getStudy(out.studyId)?.spec as StudySpec, (w) => w)).toContain(`--targets ${tf},${ts} --coefficients 1.2,1.1,1.15 --grid 4 --epochs 1 --max-train 200 --runs ${BENCH.runs} --warmup ${BENCH.warmupRuns} --repeats ${BENCH.repeats}`);
      for (const [t, phone] of [[trials[0], fast], [trials[1], slow]] as const) {
        // The trial's latency on its phone is the stored measurement linked to it, as a search stores one.
        const samples = store.getLatencySamples({ deviceId: phone.serial, studyId: out.studyId });
        expect(samples.map((s) => [s.trialNumber, s.medianMs])).toEqual([[t?.number, t?.metrics[`latency:${phone.serial}`]]]);
        expect(samples[0]?.subject).toBe(`scaled:${t?.key}@${t?.metrics.resolution}x${t?.metrics.resolution}`);
        expect(samples[0]?.provenance).toMatchObject({ device: phone.serial, tool: 'benchmark_model', runsPerRepeat: BENCH.runs });
        expect(t?.fidelity[`latency:${phone.serial}`]).toMatch(new RegExp(`^phone ${phone.serial.replace(/[.]/g, '\\.')}: benchmark_model`));
      }
    } finally {
      store.close();
    }
    const [tFast, tSlow] = trials as [TrialRecord, TrialRecord];
    for (const [t, phone, budget] of [[tFast, fast, budgets.fast], [tSlow, slow, budgets.slow]] as const) {
      expect(t.state).toBe('complete');
      const phi = t.metrics.phi as number;
      const m = multipliersAt(C, phi);
      expect(t.key).toBe(`${KEY} @d${m.depth},w${m.width},r${m.resolution}`);
      const ms = t.metrics[`latency:${phone.serial}`] as number;
      expect(ms).toBeGreaterThan(0);
      expect(ms).toBeLessThanOrEqual(budget);
      expect([t.metrics.budget, t.metrics.within_budget]).toEqual([budget, 1]);
      // The phone's measurement of the same model here agrees (no noise), and the next larger model goes over.
      expect(await measure(phone.serial, m)).toBeCloseTo(ms, 6);
      const next = multipliersAt(C, phi + 0.05);
      expect(JSON.stringify(next)).not.toBe(JSON.stringify(m));
      expect(await measure(phone.serial, next)).toBeGreaterThan(budget);
      expect(t.metrics.val_accuracy).toBeGreaterThan(0);
    }
    // Same budget, slower phone: a smaller model.
    expect(tSlow.metrics.phi).toBeLessThan(tFast.metrics.phi as number);
    expect(tFast.metrics.phi).toBeGreaterThan(0);
  }, 120_000);

  it('a budget below the smallest model on the phone is refused with its measured latency', async () => {
    const r = await run(['scale', '1', '--trial', '0', '--coefficients', '1.2,1.1,1.15', '--targets', `latency:${fast.serial}=0.01`, '--connect', fast.serial, '--runs', '2', '--warmup', '1', '--repeats', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').pop()).toMatch(new RegExp(`^frontier: no scaling of trial 0 fits latency:${fast.serial.replace(/[.]/g, '\\.')}=0\\.01: the smallest tried \\(φ = -4, d0\\.48 w0\\.68 r0\\.57\\) takes [\\d.]+ ms on ${fast.serial.replace(/[.]/g, '\\.')}$`));
  }, 30_000);

  it('a phone unplugged mid-run and not back within --phone-wait ends the run naming it; the models finished before are kept', async () => {
    const off = slow.onProgramStart(() => void slow.unplug());
    try {
      const r = await run(['scale', '1', '--trial', '0', '--coefficients', '1.2,1.1,1.15', '--targets', `flops:1M,latency:${slow.serial}=50`, '--connect', slow.serial,
        '--runs', '2', '--warmup', '1', '--repeats', '1', '--epochs', '1', '--max-train', '100', '--phone-wait', '1']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`${slow.serial} went away while measuring scaled:${KEY} @d`);
      expect(r.stderr.trim().split('\n').pop()).toMatch(new RegExp(`^frontier: phone ${slow.serial.replace(/[.]/g, '\\.')} went away while measuring scaled:.* and was not back within 1 s; the models finished before it are kept$`));
      const store = SqliteStore.open(db, { readonly: true });
      try {
        const id = String(Math.max(...store.listStudies().map((x) => Number(x.id))));
        const rec = store.getStudy(id);
        expect(rec?.status).toBe('failed');
        expect(store.getTrials(id).map((t) => [t.state, t.metrics.budget])).toEqual([['complete', 1e6]]);
      } finally {
        store.close();
      }
    } finally {
      off();
      await slow.plug();
    }
  }, 60_000);
});
