// Phone latency tables for the speech (kws) and text spaces (#16), through the real adb server and
// the emulated phone's benchmark_model (test/harness/armnn/benchmark_model.py): every distinct op
// configuration of small kws and text spaces is exported as a one-op TFLite model, pushed and timed;
// the overhead is fitted on measured whole architectures and the predictions are checked against
// other measured architectures; then a `latency:<serial>` evaluator reads the table for a search.
//
// Timing: the tables are built in the phone's cost-model mode (seeded noise, so the accuracy bounds
// hold on a busy machine). In 'real' mode the models run in Arm NN on this machine's CPU: the speech
// ops are measured that way too; the text space's Embedding (GATHER, CAST) cannot be, since
// Arm NN 20.08 has neither: the tool fails to load the model and the profiler's error says why.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGraph } from '../main/core/graph/index.js';
import { latencyKernels } from '../main/core/latency/kernels.js';
import { KwsSpace } from '../main/core/spaces/kws.js';
import { TextSpace } from '../main/core/spaces/text.js';
import { Rng } from '../main/core/rng.js';
import { BenchmarkRunner } from '../main/services/devices/benchmark-runner.js';
import { AdbDeviceService } from '../main/services/devices/device-service.js';
import { LutEvaluator } from '../main/services/devices/lut-evaluator.js';
import { AdbDeviceProfiler, buildLookupTable, defaultModelInput, writeLutFile, type LutBuildOptions } from '../main/services/devices/profiler.js';
import { MobilenetSpace } from '../main/core/spaces/mobilenet.js';
import { SqliteStore } from '../main/services/sqlite-store.js';
import type { StudySpec } from '../shared/types/index.js';
import { AdbServer, findAdb } from './harness/adb/adb-server.js';
import { EmulatedAndroidDevice } from './harness/adb/device.js';
import { armnnUnavailable, BENCHMARK_MODEL } from './harness/armnn/armnn.js';
import { missingPeer } from './harness/peer.js';

const skip = missingPeer('adb and Arm NN', !findAdb() ? 'the Debian package "adb" is not installed' : armnnUnavailable());

const KWS = { stemWidths: [8], depths: [1, 2], kernels: [3, 9], widths: [8, 16], strides: [2] };
const TEXT = { widths: [16], depths: [1], kernels: [3, 5], heads: [1, 2], ffn: [32, 64] };

describe('the model input of a latency table when none is given (frontier device profile)', () => {
  it('kws: the default speech features; text: the default sequence length and vocabulary; images: 32×32×3', () => {
    expect(defaultModelInput(new KwsSpace())).toEqual({ input: [49, 10, 1] });
    expect(defaultModelInput(new TextSpace())).toEqual({ input: [64, 1, 1], vocab: 512 });
    expect(defaultModelInput(new MobilenetSpace())).toEqual({ input: [32, 32, 3] });
    // The text space's graphs build with it (they need a vocabulary).
    const text = new TextSpace();
    const g = buildGraph(text, text.freeze(text.sample(new Rng(1))), { ...defaultModelInput(text), classes: 8 });
    expect(g.nodes[0]).toMatchObject({ op: 'Embedding', attrs: { vocab: 512 } });
  });
});

describe.skipIf(skip)('latency tables of the kws and text spaces on a phone behind the real adb server', () => {
  let server: AdbServer;
  let phone: EmulatedAndroidDevice;
  let dir: string;
  let store: SqliteStore;
  let svc: AdbDeviceService;
  let profiler: AdbDeviceProfiler;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'frontier-seq-lut-'));
    server = await AdbServer.start();
    phone = new EmulatedAndroidDevice({ timing: { seed: 5 } });
    await phone.start();
    store = SqliteStore.open(join(dir, 'frontier.db'));
    svc = new AdbDeviceService(store, { adbPath: server.bin, port: server.port });
    await svc.start();
    await svc.client.connect('127.0.0.1', Number(phone.serial.split(':')[1]));
    await svc.waitFor(phone.serial, 'device', undefined, 15_000);
    profiler = new AdbDeviceProfiler(svc, new BenchmarkRunner(svc, { benchmarkBinary: BENCHMARK_MODEL, store }), { runs: 10, warmupRuns: 2, repeats: 2, maxSpread: 0.5 });
  }, 60_000);
  afterAll(async () => {
    profiler?.dispose();
    svc?.dispose();
    store?.close();
    await server?.kill();
    await phone?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function table(o: LutBuildOptions, spec: Omit<StudySpec, 'evaluator'>) {
    phone.timing = { seed: 5 };
    const { table: t, report } = await buildLookupTable(profiler, phone.serial, { calibration: 3, heldOut: 4, samples: 40, seed: 1, ...o });
    console.log(`${o.space.id}: ${report.kernels} kernels from ${report.architectures} architectures; fit ${JSON.stringify(report.fit)}; held-out ${JSON.stringify(report.heldOut)}`);
    // Predictions from ops measured alone land near the measured wholes (cost-model times, 3% noise).
    for (const h of report.heldOut) expect(h.predictedMs / h.measuredMs, h.key).toBeGreaterThan(0.85);
    for (const h of report.heldOut) expect(h.predictedMs / h.measuredMs, h.key).toBeLessThan(1.15);
    expect(report.accuracy.n).toBe(4);
    // The table serves a latency:<serial> objective.
    const file = join(dir, `${o.space.id}.json`);
    writeLutFile(file, { version: 1, table: t, space: o.space.id, graph: o.graph, report, createdAt: Date.now() });
    const evaluator = new LutEvaluator({ ...spec, evaluator: { kind: 'lut', tables: { [phone.serial]: file } } } as unknown as StudySpec);
    const arch = o.space.freeze(o.space.sample(new Rng(99)));
    const r = await evaluator.evaluate(arch);
    expect(r.metrics[`latency:${phone.serial}`]).toBeGreaterThan(0);
    return t;
  }

  it('kws: 1-D (kernelW = strideW = F) and 2-D conv kernels, fitted and checked on held-out architectures', async () => {
    const space = new KwsSpace(KWS);
    const t = await table({ space, graph: { input: [49, 10, 1], classes: 12 } }, { name: 'kws', space: 'kws', spaceOptions: KWS } as never);
    const convKeys = Object.keys(t.entries['Conv2D'] ?? {});
    // TC-ResNet: the stem spans the 10 features, then 1-D convs over time (kernelW 1).
    expect(convKeys.some((k) => k.startsWith('in=49x10x1|k=3|kw=10|s=1|sw=10|'))).toBe(true);
    expect(convKeys.some((k) => /\|k=9\|kw=1\|/.test(k))).toBe(true);
    // DS-CNN: 2-D depthwise kernels over time × frequency, wider in time.
    expect(Object.keys(t.entries['DepthwiseConv2D'] ?? {}).some((k) => /\|k=9\|kw=3\|/.test(k))).toBe(true);
  }, 240_000);

  it('text: Embedding, LayerNorm and Attention kernels, fitted and checked on held-out architectures', async () => {
    const space = new TextSpace(TEXT);
    const t = await table({ space, graph: { input: [16, 1, 1], classes: 4, vocab: 300 } }, { name: 'text', space: 'text', spaceOptions: TEXT } as never);
    for (const op of ['Embedding', 'LayerNorm', 'Attention']) expect(Object.keys(t.entries[op] ?? {}).length, op).toBeGreaterThan(0);
  }, 240_000);

  it("real timing (Arm NN on this machine's CPU): speech kernels are measured; an Embedding kernel is refused by name", async () => {
    phone.timing = 'real';
    const space = new KwsSpace(KWS);
    const g = buildGraph(space, space.freeze(space.sample(new Rng(3))), { input: [49, 10, 1], classes: 12 });
    const kernels = latencyKernels(g).slice(0, 3);
    const out = await profiler.measure(phone.serial, kernels);
    expect(out.map((o) => o.op)).toEqual(kernels.map((k) => k.op));
    for (const o of out) expect(o.medianMs).toBeGreaterThan(0);
    const text = new TextSpace(TEXT);
    const tg = buildGraph(text, text.freeze(text.sample(new Rng(3))), { input: [16, 1, 1], classes: 4, vocab: 300 });
    const embed = latencyKernels(tg).filter((k) => k.op === 'Embedding');
    await expect(profiler.measure(phone.serial, embed)).rejects.toThrow(/Failed to load model .*Operator not supported.* CAST/);
  }, 120_000);
});
