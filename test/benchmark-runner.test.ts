// The benchmark runner against a real adb server and an emulated phone whose benchmark_model
// stand-in really runs the pushed TFLite model in Arm NN.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancellationTokenSource } from '../main/core/cancellation.js';
import { InMemoryStore } from '../main/core/in-memory-store.js';
import { BenchmarkRunner, type MeasurementEvent } from '../main/services/devices/benchmark-runner.js';
import { AdbDeviceService } from '../main/services/devices/device-service.js';
import { exportTflite } from '../main/services/export/tflite.js';
import { randomWeights } from '../main/services/export/weights.js';
import type { ModelGraph } from '../shared/types/index.js';
import { AdbServer, findAdb } from './harness/adb/adb-server.js';
import { EmulatedAndroidDevice } from './harness/adb/device.js';
import { armnnUnavailable, BENCHMARK_MODEL } from './harness/armnn/armnn.js';
import { missingPeer } from './harness/peer.js';

const skip = missingPeer('adb and Arm NN', !findAdb() ? 'the Debian package "adb" is not installed' : armnnUnavailable());

/** A conv net whose cost grows with `size` and `filters`. */
function convNet(size: number, filters: number, depth: number): ModelGraph {
  const nodes: ModelGraph['nodes'][number][] = [];
  let prev = 'input';
  let c = 3;
  for (let i = 0; i < depth; i++) {
    nodes.push({ id: `c${i}`, op: 'Conv2D', attrs: { kernel: 3, stride: 1, filters, useBias: true }, inputs: [prev], shape: [size, size, filters] });
    nodes.push({ id: `r${i}`, op: 'ReLU', attrs: {}, inputs: [`c${i}`], shape: [size, size, filters] });
    prev = `r${i}`;
    c = filters;
  }
  nodes.push({ id: 'gap', op: 'GlobalAvgPool', attrs: { keepDims: false }, inputs: [prev], shape: [c] });
  nodes.push({ id: 'fc', op: 'Dense', attrs: { units: 4, useBias: true }, inputs: ['gap'], shape: [4] });
  return { input: [size, size, 3], nodes, output: 'fc', classes: 4 };
}

describe.skipIf(skip)('BenchmarkRunner on an emulated phone', () => {
  let server: AdbServer;
  let phone: EmulatedAndroidDevice;
  let devices: AdbDeviceService;
  let store: InMemoryStore;
  let runner: BenchmarkRunner;
  let tmp: string;
  const models: Record<string, string> = {};

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'frontier-runner-'));
    for (const [name, g] of Object.entries({ tiny: convNet(8, 4, 1), big: convNet(16, 16, 3) })) {
      models[name] = join(tmp, `${name}.tflite`);
      writeFileSync(models[name], exportTflite(g, randomWeights(g, 1)).bytes);
    }
    server = await AdbServer.start();
    phone = new EmulatedAndroidDevice({ ambientC: 31, coolTauSeconds: 0.3 });
    await phone.start();
    store = new InMemoryStore();
    devices = new AdbDeviceService(store, { adbPath: server.bin, port: server.port }, Date.now, 200, { everyMs: 300, windowMs: 60_000 });
    await devices.start();
    await server.connect(phone.serial);
    await devices.waitFor(phone.serial, 'device', undefined, 10_000);
    runner = new BenchmarkRunner(devices, { benchmarkBinary: BENCHMARK_MODEL, store });
  });
  afterAll(async () => {
    devices?.dispose();
    await server?.kill();
    await phone?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  const fast = { threads: 2, runs: 15, warmupRuns: 2, repeats: 3, maxSpread: 5, coolDownPollMs: 50 };

  it('pushes tool and model, runs pinned to the big cores, and stores one sample with provenance', async () => {
    const before = store.getLatencySamples().length;
    const m = await runner.measure(phone.serial, { hostPath: models['big'] as string, subject: 'big' }, fast);
    expect(m.status).toBe('ok');
    expect(m.repeatsMs).toHaveLength(3);
    expect(m.medianMs).toBe([...m.repeatsMs].sort((a, b) => a - b)[1]);
    expect(phone.fs.exists('/data/local/tmp/frontier/benchmark_model')).toBe(true);
    expect(phone.fs.list('/data/local/tmp/frontier')).toEqual(['benchmark_model']); // the model is removed after measuring
    expect(phone.services.filter((x) => x === 'sync:').length).toBeGreaterThanOrEqual(2); // pushed over sync
    const runs = phone.commands.filter((c) => c.includes('./benchmark_model'));
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(runs[runs.length - 1]?.slice(0, 3)).toEqual(['taskset', 'c0', './benchmark_model']);
    expect(runs[runs.length - 1]).toContain('--num_threads=2');
    expect(m.output.delegates[0]).toMatchObject({ name: 'ArmNNCpuRef', replaced: 6, total: 6 }); // 3 × CONV_2D(+RELU), MEAN, FULLY_CONNECTED, SOFTMAX
    const samples = store.getLatencySamples({ subject: 'big' });
    expect(samples.length - before).toBe(1);
    expect(samples[0]).toMatchObject({ deviceId: phone.serial, medianMs: m.medianMs, runs: 45 });
    expect(samples[0]?.provenance).toMatchObject({
      buildFingerprint: 'google/panther/panther:14/UQ1A.240205.004/11269751:user/release-keys',
      model: 'Pixel 7', abi: 'arm64-v8a', delegate: 'xnnpack', threads: 2, affinityMask: 'c0', interruptions: 0, status: 'ok',
    });
    expect(String(samples[0]?.provenance['toolVersion'])).toMatch(/^benchmark_model\.py@sha256:[0-9a-f]{12}$/);
    expect((samples[0]?.provenance['temperatureC'] as { startC: number }[])[0]?.startC).toBeGreaterThan(20);
  });

  it('measures what it runs: a 3-layer 16×16×16 conv net is far slower than an 8×8×4 one', async () => {
    const tiny = await runner.measure(phone.serial, { hostPath: models['tiny'] as string, subject: 'tiny' }, fast);
    const big = await runner.measure(phone.serial, { hostPath: models['big'] as string, subject: 'big' }, fast);
    expect(big.medianMs).toBeGreaterThan(5 * tiny.medianMs);
  });

  it('op profiling: per-op times of the measured runs, parsed from the live output', async () => {
    const m = await runner.measure(phone.serial, { hostPath: models['big'] as string, subject: 'profiled' }, { ...fast, repeats: 1, opProfiling: true });
    const ops = m.output.ops ?? [];
    expect(ops.filter((o) => o.nodeType === 'RefConvolution2dWorkload')).toHaveLength(3);
    const sum = ops.reduce((s, o) => s + o.avgMs, 0);
    // The ops account for most of an inference, and never for more than all of it.
    expect(sum).toBeGreaterThan(0.5 * (m.output.inferenceAvgUs as number) / 1000);
    expect(sum).toBeLessThan(1.05 * (m.output.inferenceAvgUs as number) / 1000);
  });

  it('flags a GPU delegate that silently runs nothing, and still records it as such', async () => {
    const m = await runner.measure(phone.serial, { hostPath: models['tiny'] as string, subject: 'tiny-gpu' }, { ...fast, delegate: 'gpu' });
    expect(m.status).toBe('delegate-fallback');
    expect(m.fallback[0]).toMatch(/GPU delegate .* will not be executed by the delegate/);
    expect(store.getLatencySamples({ subject: 'tiny-gpu' })[0]?.provenance['delegateFallback']).toEqual(m.fallback);
  });

  it('does not store a measurement whose repeats disagree more than allowed', async () => {
    const m = await runner.measure(phone.serial, { hostPath: models['big'] as string, subject: 'noisy' }, { ...fast, maxSpread: 1e-12 });
    expect(m.spread).toBeGreaterThan(0);
    expect(m.status).toBe('noisy');
    expect(m.sampleId).toBeUndefined();
    expect(store.getLatencySamples({ subject: 'noisy' })).toHaveLength(0);
  });

  it('waits for a hot phone to cool before each repeat', async () => {
    phone.setTemperature(60);
    const events: MeasurementEvent[] = [];
    const m = await runner.measure(phone.serial, { hostPath: models['tiny'] as string, subject: 'cooled' }, { ...fast, maxStartTemperatureC: 40 }, undefined, (e) => events.push(e));
    expect(events.some((e) => e.kind === 'cooling')).toBe(true);
    expect(m.status).toBe('ok');
    for (const t of m.provenance['temperatureC'] as { startC: number }[]) expect(t.startC).toBeLessThanOrEqual(40);
  });

  it('flags a phone that stays too hot instead of measuring it throttled', async () => {
    const hot = new EmulatedAndroidDevice({ ambientC: 55 });
    await hot.start();
    try {
      await server.connect(hot.serial);
      await devices.waitFor(hot.serial, 'device', undefined, 10_000);
      const m = await runner.measure(hot.serial, { hostPath: models['tiny'] as string, subject: 'hot' }, { ...fast, repeats: 1, maxStartTemperatureC: 45, coolDownTimeoutMs: 300 });
      expect(m.status).toBe('too-hot');
      expect(store.getLatencySamples({ subject: 'hot' })).toHaveLength(0);
    } finally {
      await server.disconnect(hot.serial);
      await hot.close();
    }
  });

  it('an unplug mid-run interrupts the repeat, resumes when the phone returns, and loses or duplicates nothing', async () => {
    const before = store.getLatencySamples().length;
    const events: MeasurementEvent[] = [];
    let unplugged = false;
    const ranBefore = phone.commands.filter((c) => c.includes('./benchmark_model')).length;
    const t0 = Date.now();
    const p = runner.measure(phone.serial, { hostPath: models['big'] as string, subject: 'unplugged' }, { ...fast, runs: 40 }, undefined, (e) => {
      events.push(e);
      if (process.env['DEBUG_RUNNER']) console.log(Date.now() - t0, e);
      if (e.kind === 'pushed' && e.repeat === 1 && !unplugged) {
        unplugged = true;
        // Pull the cable while benchmark_model runs, put it back a moment later.
        void (async () => {
          await phone.whenRunning();
          await new Promise((r) => setTimeout(r, 150));
          await phone.unplug();
          await new Promise((r) => setTimeout(r, 700));
          await phone.plug();
        })();
      }
    });
    const m = await p;
    expect(unplugged).toBe(true);
    expect(m.interruptions).toBeGreaterThanOrEqual(1);
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['interrupted', 'resumed']));
    expect(m.repeatsMs).toHaveLength(3);
    expect(m.status).toBe('ok');
    const ran = phone.commands.filter((c) => c.includes('./benchmark_model')).length - ranBefore;
    expect(ran).toBeGreaterThanOrEqual(4); // three complete repeats and at least one cut short
    expect(store.getLatencySamples().length - before).toBe(1);
    expect(store.getLatencySamples({ subject: 'unplugged' })[0]?.provenance['interruptions']).toBe(m.interruptions);
  });

  it('cancelling while the phone is away stops the measurement and stores nothing', async () => {
    const cts = new CancellationTokenSource();
    const p = runner.measure(phone.serial, { hostPath: models['big'] as string, subject: 'cancelled' }, { ...fast, runs: 40 }, cts.token, (e) => {
      if (e.kind === 'pushed' && e.repeat === 0) {
        void (async () => {
          await phone.whenRunning();
          await phone.unplug();
        })();
      }
      if (e.kind === 'interrupted') setTimeout(() => cts.cancel(), 200);
    });
    await expect(p).rejects.toThrow(/cancelled/);
    expect(store.getLatencySamples({ subject: 'cancelled' })).toHaveLength(0);
    await phone.plug();
    await devices.waitFor(phone.serial, 'device', undefined, 20_000);
  });
});
