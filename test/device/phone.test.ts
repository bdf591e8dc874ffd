// Needs a physical Android phone: set FRONTIER_DEVICE_SERIAL (as `adb devices` shows it) and, for the
// benchmark, FRONTIER_BENCHMARK_MODEL (TFLite's benchmark_model for the phone's ABI). The adb server
// is the user's (ANDROID_ADB_SERVER_PORT or 5037). Without them the suite skips and says why.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryStore } from '../../main/core/in-memory-store.js';
import { BenchmarkRunner } from '../../main/services/devices/benchmark-runner.js';
import { AdbDeviceService } from '../../main/services/devices/device-service.js';
import { exportTflite } from '../../main/services/export/tflite.js';
import { randomWeights } from '../../main/services/export/weights.js';
import { allOpsGraph } from '../fixtures/all-ops-graph.js';

const serial = process.env['FRONTIER_DEVICE_SERIAL'];
const tool = process.env['FRONTIER_BENCHMARK_MODEL'];
const reason = !serial ? 'no physical phone: set FRONTIER_DEVICE_SERIAL (and FRONTIER_BENCHMARK_MODEL) to run test/device/' : undefined;
if (reason) console.warn(`skipping test/device/phone.test.ts: ${reason}`);

describe.skipIf(!!reason)('a physical phone', () => {
  let svc: AdbDeviceService;
  const store = new InMemoryStore();
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'frontier-phone-'));
    svc = new AdbDeviceService(store);
    await svc.start();
    await svc.waitFor(serial as string, 'device', undefined, 30_000);
  });
  afterAll(() => {
    svc?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('reads its facts', () => {
    const f = svc.get(serial as string)?.facts;
    expect(f?.abi).toMatch(/arm|x86/);
    expect(f?.cores.length).toBeGreaterThan(0);
    expect(f?.fingerprint).not.toBe('');
  });

  it.skipIf(!tool)('runs benchmark_model on an exported model and stores the sample', async () => {
    const g = allOpsGraph();
    const file = join(dir, 'all-ops.tflite');
    writeFileSync(file, exportTflite(g, randomWeights(g, 0)).bytes);
    const runner = new BenchmarkRunner(svc, { benchmarkBinary: tool as string, store });
    const m = await runner.measure(serial as string, { hostPath: file, subject: 'all-ops' }, { runs: 20, repeats: 3, maxSpread: 0.5 });
    expect(m.medianMs).toBeGreaterThan(0);
    expect(m.output.format).toBe('new');
  });
});
