// The emulated phone's timing model and its processes: benchmark_model's cost-model mode (used by the
// tests that assert on latency accuracy) is deterministic, follows the ops' FLOPs and bytes, and
// parses like the real tool's output; the harness's adb server is its own child and leaves nothing
// behind; a program started on the phone is killed by an unplug even at its very start.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { latencyMs, parseBenchmarkOutput } from '../main/core/benchmark/parse.js';
import { buildGraph } from '../main/core/graph/index.js';
import { createSpace } from '../main/core/spaces.js';
import { exportTflite } from '../main/services/export/tflite.js';
import { randomWeights } from '../main/services/export/weights.js';
import { ROOT } from './cli-helpers.js';
import { AdbServer, findAdb } from './harness/adb/adb-server.js';
import { EmulatedAndroidDevice, type CostModel } from './harness/adb/device.js';
import { BENCHMARK_MODEL, SYSTEM_PYTHON } from './harness/armnn/armnn.js';
import { missingPeer } from './harness/peer.js';

const noAdb = missingPeer('adb', findAdb() ? undefined : 'the Debian package "adb" is not installed');
const noPython = missingPeer('python3', existsSync(SYSTEM_PYTHON) ? undefined : `${SYSTEM_PYTHON} is missing`);

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'frontier-phone-timing-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SPACE = join(ROOT, 'test', 'fixtures', 'spaces', 'tiny-lut.yaml');
const space = createSpace('custom', { document: readFileSync(SPACE, 'utf8'), source: SPACE });

/** Exports one architecture of the tiny space (by its choice indices) and returns the file. */
function model(name: string, sample: number[]): string {
  const g = buildGraph(space, space.freeze(sample), { input: [12, 12, 3], classes: 4 });
  const file = join(dir, `${name}.tflite`);
  writeFileSync(file, exportTflite(g, randomWeights(g, 0), { softmax: true }).bytes);
  return file;
}

async function bench(file: string, cost: CostModel, runNo: number, extra: string[] = []): Promise<string> {
  const { stdout } = await run(SYSTEM_PYTHON, [BENCHMARK_MODEL, `--graph=${file}`, '--num_runs=20', '--warmup_runs=2', '--warmup_min_secs=0', '--min_secs=0', ...extra], {
    env: { PATH: '/usr/bin:/bin', FRONTIER_EMU_TIMING: 'cost', FRONTIER_EMU_COST: JSON.stringify(cost), FRONTIER_EMU_RUN: String(runNo) },
    timeout: 30_000,
  });
  return stdout;
}

describe.skipIf(noPython)("benchmark_model's cost-model mode", () => {
  const small = model('small', [0, 1, 0, 0, 1, 0, 0]); // one separable 3x3 conv, 8 filters
  const big = model('big', [1, 0, 1, 1, 0, 1, 1]); // two 5x5 convs, 16 filters

  it('gives the same numbers for the same seed, model and run, other numbers for another run or seed', async () => {
    const a = await bench(small, { seed: 1 }, 0);
    expect(await bench(small, { seed: 1 }, 0)).toBe(a);
    expect(await bench(small, { seed: 1 }, 1)).not.toBe(a);
    expect(await bench(small, { seed: 2 }, 0)).not.toBe(a);
    const out = parseBenchmarkOutput(a);
    expect(out.fallback).toEqual([]);
    expect(out.runs?.count).toBe(20);
    expect(out.warmup?.count).toBe(2);
  });

  it('follows the cost model: noise-free it is invoke + per-op costs, more FLOPs take longer, a faster phone is faster', async () => {
    const exact = { seed: 0, noise: 0 };
    const s = latencyMs(parseBenchmarkOutput(await bench(small, exact, 0))) as number;
    const b = latencyMs(parseBenchmarkOutput(await bench(big, exact, 0))) as number;
    expect(b).toBeGreaterThan(2 * s);
    const fast = latencyMs(parseBenchmarkOutput(await bench(big, { ...exact, gflops: 5, gbps: 20 }, 0))) as number;
    expect(fast).toBeLessThan(b / 2);
    // The op profile's rows add up to the inference time less the invoke cost.
    const profiled = parseBenchmarkOutput(await bench(small, { ...exact, invokeUs: 100 }, 0, ['--enable_op_profiling=true']));
    const rows = profiled.ops ?? [];
    expect(rows.map((r) => r.nodeType)).toContain('CONV_2D');
    expect(rows.map((r) => r.nodeType)).toContain('SOFTMAX');
    const sum = rows.reduce((t, r) => t + r.avgMs, 0);
    expect(sum + 0.1).toBeCloseTo(latencyMs(profiled) as number, 2);
  });

  it('with noise, the median of many runs stays within a few percent of the noise-free time', async () => {
    const exact = latencyMs(parseBenchmarkOutput(await bench(big, { seed: 0, noise: 0 }, 0))) as number;
    for (let r = 0; r < 3; r++) {
      const noisy = parseBenchmarkOutput(await bench(big, { seed: 5 }, r));
      expect(Math.abs((noisy.runs?.median as number) / 1000 / exact - 1)).toBeLessThan(0.05);
    }
  });

  it('reports a malformed model as the real tool does', async () => {
    const bad = join(dir, 'bad.tflite');
    writeFileSync(bad, Buffer.from('not a flatbuffer at all'));
    const e = (await bench(bad, { seed: 0 }, 0).then(() => undefined, (x: unknown) => x)) as { code?: number; stdout?: string } | undefined;
    expect(e?.code).toBe(1);
    expect(e?.stdout).toMatch(/ERROR: Failed to load model/);
  });
});

describe.skipIf(noAdb)('the harness leaves no process behind', () => {
  it("the adb server is the test's child and kill() ends it", async () => {
    const server = await AdbServer.start();
    const pid = server.pid as number;
    try {
      expect(existsSync(`/proc/${pid}`)).toBe(true);
      expect(await server.adb('devices')).toContain('List of devices attached');
    } finally {
      await server.kill();
    }
    const alive = existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
    expect(alive).toBe(false);
    await server.kill(); // idempotent
  });

  it('an unplug kills a program the moment it has started, and onProgramStart sees it start', async () => {
    const server = await AdbServer.start();
    const phone = new EmulatedAndroidDevice();
    await phone.start();
    const sleeper = '/data/local/tmp/sleeper';
    phone.fs.write(sleeper, Buffer.from('#!/bin/sh\nexec /bin/sleep 30\n'));
    phone.fs.chmod(sleeper, 0o755);
    const seen: string[][] = [];
    let killed: Promise<void> | undefined;
    phone.onProgramStart((argv) => {
      seen.push([...argv]);
      killed = phone.unplug();
    });
    try {
      await server.connect(phone.serial);
      await server.waitFor(phone.serial, 'device');
      const t0 = Date.now();
      await server.adb('-s', phone.serial, 'shell', sleeper).catch(() => undefined);
      await killed;
      expect(seen).toEqual([[sleeper]]);
      await expect.poll(() => phone.runningPrograms, { timeout: 10_000 }).toBe(0);
      expect(Date.now() - t0).toBeLessThan(25_000); // not the sleeper's 30 s: it was killed
    } finally {
      await server.kill();
      await phone.close();
    }
  });
});
