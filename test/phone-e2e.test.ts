// End to end with a phone (emulated, behind the real adb server): it appears, its latency lookup
// table is built for a tiny space through the real `frontier` binary, a search uses the table, the
// best candidate is exported, pushed and measured; the phone is unplugged mid-run and comes back;
// every sample is stored once with its provenance.
//
// Timing: the table is built on a phone whose benchmark_model reports times from a cost model of the
// ops with seeded noise (PhoneTiming), so its accuracy can be asserted tightly on any machine however
// busy; the finalist is then measured with the model really running in Arm NN (host timing, so no
// assertion on its value).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGraph } from '../main/core/graph/index.js';
import { LookupTableLatencyModel } from '../main/core/latency/lookup-table.js';
import { createSpace } from '../main/core/spaces.js';
import { lutPath, type LutFile } from '../main/services/devices/profiler.js';
import { SqliteStore } from '../main/services/sqlite-store.js';
import { AdbServer, findAdb } from './harness/adb/adb-server.js';
import { EmulatedAndroidDevice } from './harness/adb/device.js';
import { armnnUnavailable, BENCHMARK_MODEL } from './harness/armnn/armnn.js';
import { missingPeer } from './harness/peer.js';
import { BIN, ROOT, type CliResult } from './cli-helpers.js';

const skip = missingPeer('adb and Arm NN', !findAdb() ? 'the Debian package "adb" is not installed' : armnnUnavailable());

const SPACE = join(ROOT, 'test', 'fixtures', 'spaces', 'tiny-lut.yaml');

/** `frontier` processes still running: afterAll kills them, also when the test failed or timed out. */
const running = new Set<ChildProcess>();

/** The real binary, asynchronously: the emulated phone lives in this process and must keep answering. */
function frontier(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('close', (code) => {
      running.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.skipIf(skip)('a phone from plug-in to a measured, exported candidate', () => {
  let server: AdbServer;
  let phone: EmulatedAndroidDevice;
  let dir: string;
  let db: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'frontier-e2e-'));
    db = join(dir, 'frontier.db');
    server = await AdbServer.start();
    phone = new EmulatedAndroidDevice({ ambientC: 33, timing: { seed: 7 } });
    await phone.start();
    env = { FRONTIER_DB: db, FRONTIER_ADB: server.bin, ANDROID_ADB_SERVER_PORT: String(server.port), FRONTIER_BENCHMARK_MODEL: BENCHMARK_MODEL };
  });
  afterAll(async () => {
    for (const c of running) c.kill('SIGKILL');
    await Promise.all([...running].map((c) => new Promise((r) => c.once('close', r))));
    await server?.kill();
    await phone?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs the whole loop', async () => {
    // 1. The phone appears.
    const listed = await frontier(['devices', '--connect', phone.serial, '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    const devices = (JSON.parse(listed.stdout) as { devices: Record<string, unknown>[] }).devices;
    expect(devices).toHaveLength(1);
    expect(devices[0]).toMatchObject({ serial: phone.serial, state: 'device', model: 'Google Pixel 7', soc: 'Google GS201', abi: 'arm64-v8a', android: '14', cores: 8 });
    const stored = SqliteStore.open(db);
    try {
      expect(stored.listDevices().map((d) => d.id)).toEqual([phone.serial]);
    } finally {
      stored.close();
    }

    // 2. Its latency lookup table for a tiny space.
    const prof = await frontier(['device', 'profile', phone.serial, '--space', SPACE, '--classes', '4', '--runs', '10', '--warmup', '2', '--repeats', '2',
      '--max-spread', '0.5', '--calibration', '3', '--held-out', '4', '--json'], env);
    expect(prof.code, prof.stderr).toBe(0);
    const { file, report } = JSON.parse(prof.stdout) as { file: string; report: LutFile['report'] };
    expect(file).toBe(lutPath(db, phone.serial));
    expect(existsSync(file)).toBe(true);
    expect(report).toMatchObject({ space: 'custom:tiny-lut', architectures: 72, enumerated: true, kernels: 21 });
    expect(report.accuracy.n).toBe(4);
    expect(Number.isFinite(report.accuracy.rmseMs)).toBe(true);
    console.log(`LUT on the emulated phone: fit ${JSON.stringify(report.fit)}; held-out RMSE ${report.accuracy.rmseMs.toFixed(3)} ms, ${(report.accuracy.within10 * 100).toFixed(0)}% within ±10%: ${JSON.stringify(report.heldOut)}`);
    // Built from ops measured alone, the predictor must land near the measured whole. The phone's
    // times come from its cost model (3% noise per run), not from the host's clock, so the bounds
    // can be tight: units, missing or double-counted ops, or a wrong fit would break them.
    const ratios = report.heldOut.map((h) => h.predictedMs / h.measuredMs);
    for (const r of ratios) {
      expect(r).toBeGreaterThan(0.85);
      expect(r).toBeLessThan(1.15);
    }
    expect(report.accuracy.within10).toBeGreaterThanOrEqual(0.75);
    expect(report.noisyKernels).toEqual([]);
    const lut = JSON.parse(readFileSync(file, 'utf8')) as LutFile;
    expect(Object.values(lut.table.entries).reduce((n, e) => n + Object.keys(e).length, 0)).toBe(21);

    // 3. A search with latency:<serial> known up front.
    const found = await frontier(['search', '--space', SPACE, '--objective', `latency:${phone.serial}:min`, '--strategy', 'random', '--budget-evals', '30', '--json'], env);
    expect(found.code, found.stderr).toBe(0);
    const result = JSON.parse(found.stdout) as { studyId: string; evaluations: number; pareto: { trial: number; architecture: string; metrics: Record<string, number> }[] };
    expect(result.evaluations).toBe(30);
    const best = result.pareto[0];
    expect(best).toBeDefined();
    const space = createSpace('custom', { document: readFileSync(SPACE, 'utf8'), source: SPACE });
    const model = new LookupTableLatencyModel(lut.table, (a) => buildGraph(space, a, lut.graph));
    const arch = space.freeze(space.parse(best!.architecture));
    expect(best!.metrics[`latency:${phone.serial}`]).toBeCloseTo(model.predict(arch).ms, 9);

    // ... and as a hard constraint, checked before anything is evaluated.
    const limit = model.predict(arch).ms * 1.5;
    const constrained = await frontier(['search', '--space', SPACE, '--objective', `latency:${phone.serial}:min`, '--constraint', `latency:${phone.serial} <= ${limit}`,
      '--strategy', 'random', '--budget-evals', '20', '--json'], env);
    expect(constrained.code, constrained.stderr).toBe(0);
    const c = JSON.parse(constrained.stdout) as { rejected: number; pareto: { metrics: Record<string, number> }[] };
    expect(c.rejected).toBeGreaterThan(0);
    for (const t of c.pareto) expect(t.metrics[`latency:${phone.serial}`]).toBeLessThanOrEqual(limit);

    // 4. The finalist exported, pushed and measured on the phone, really run in Arm NN this time,
    // with the cable pulled while the measurement's second benchmark_model run is under way.
    phone.timing = 'real';
    const runsBefore = phone.commands.filter((c) => c.includes('./benchmark_model')).length;
    let starts = 0;
    let pulled: Promise<void> | undefined;
    const stopWatching = phone.onProgramStart((argv) => {
      if (argv[0] !== './benchmark_model' || ++starts !== 2) return;
      pulled = (async () => {
        await phone.unplug();
        await new Promise((r) => setTimeout(r, 800));
        await phone.plug();
      })();
    });
    let measured: CliResult;
    try {
      measured = await frontier(['device', 'measure', phone.serial, '--study', result.studyId, '--top', '1', '--runs', '40', '--warmup', '2', '--repeats', '3', '--max-spread', '5', '--json'], env);
    } finally {
      stopWatching();
      await pulled;
      await phone.plug();
    }
    expect(measured.code, measured.stderr).toBe(0);
    expect(measured.stderr).toMatch(/went away; waiting for it to come back/);
    expect(measured.stderr).toMatch(/is back; repeating the interrupted run/);
    const fin = (JSON.parse(measured.stdout) as { finalists: { trial: number; architecture: string; predictedMs: number; measuredMs: number; status: string; interruptions: number; artifact: string }[] }).finalists;
    expect(fin).toHaveLength(1);
    expect(fin[0]).toMatchObject({ trial: best!.trial, architecture: best!.architecture, status: 'ok' });
    expect(fin[0]!.interruptions).toBeGreaterThanOrEqual(1);
    expect(fin[0]!.predictedMs).toBeCloseTo(best!.metrics[`latency:${phone.serial}`] as number, 9);
    expect(phone.commands.filter((c) => c.includes('./benchmark_model')).length - runsBefore).toBeGreaterThanOrEqual(4); // 3 complete + 1 cut short

    const store = SqliteStore.open(db);
    try {
      const [artifact] = store.listArtifacts(result.studyId, best!.trial);
      expect(artifact).toMatchObject({ kind: 'tflite', path: fin[0]!.artifact });
      expect(createHash('sha256').update(readFileSync(artifact!.path)).digest('hex')).toBe(artifact!.sha256);
      const samples = store.getLatencySamples({ deviceId: phone.serial, studyId: result.studyId });
      expect(samples).toHaveLength(1); // one measurement, stored once despite the unplug
      expect(samples[0]).toMatchObject({ subject: `arch:${space.id}:${arch.key}`, trialNumber: best!.trial, medianMs: fin[0]!.measuredMs, runs: 120 });
      expect(samples[0]?.provenance).toMatchObject({
        device: phone.serial, model: 'Pixel 7', buildFingerprint: 'google/panther/panther:14/UQ1A.240205.004/11269751:user/release-keys', tool: 'benchmark_model',
        delegate: 'xnnpack', threads: 1, affinityMask: 'c0', interruptions: fin[0]!.interruptions, status: 'ok',
      });
      expect(String(samples[0]?.provenance['toolVersion'])).toMatch(/^benchmark_model\.py@sha256:/);
      expect(samples[0]?.provenance['flags']).toContain('--num_runs=40');
      expect((samples[0]?.provenance['temperatureC'] as unknown[]).length).toBe(3);
      // The op measurements of step 2 are in the same database, each once.
      const ops = store.getLatencySamples({ deviceId: phone.serial }).filter((x) => x.subject.startsWith('op:'));
      expect(new Set(ops.map((x) => x.subject)).size).toBe(ops.length);
      expect(ops.length).toBeGreaterThanOrEqual(21 - report.noisyKernels.length);
    } finally {
      store.close();
    }
  }, 180_000); // generous: on a loaded 2-core machine the five CLI runs alone take a while
});
