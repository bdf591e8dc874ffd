// Latency tables of this machine's CPU (`latency:local:cpu`) for the kws and text spaces (#16): every
// distinct op configuration is exported to ONNX and timed in onnxruntime-node (one thread, batch 1),
// the overhead fitted on measured architectures, and a search's LutEvaluator reads the table. The
// text space's Embedding (Gather) runs here, which the emulated phone's Arm NN cannot. The times are
// this machine's wall clock, so the tests check that the table is complete and used, not its accuracy
// (test/seq-latency-phone.test.ts checks accuracy against a phone's deterministic cost model).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildGraph } from '../main/core/graph/index.js';
import { latencyKernels } from '../main/core/latency/kernels.js';
import { predictGraph } from '../main/core/latency/lookup-table.js';
import { KwsSpace } from '../main/core/spaces/kws.js';
import { TextSpace } from '../main/core/spaces/text.js';
import { Rng } from '../main/core/rng.js';
import { LocalOnnxProfiler, LOCAL_CPU } from '../main/services/devices/local-profiler.js';
import { LutEvaluator } from '../main/services/devices/lut-evaluator.js';
import { buildLookupTable, writeLutFile, type LutFile } from '../main/services/devices/profiler.js';
import type { StudySpec } from '../shared/types/index.js';
import { BIN, ROOT } from './cli-helpers.js';
import { spawnSync } from 'node:child_process';

const dir = mkdtempSync(join(tmpdir(), 'frontier-local-lut-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const profiler = new LocalOnnxProfiler({ runs: 8, warmupRuns: 2, repeats: 2, maxSpread: 10 });

describe('latency tables of this machine\'s CPU (onnxruntime-node)', () => {
  it('kws and text: every kernel measured, predictions cover every architecture, a latency:local:cpu evaluator uses the table', async () => {
    const cases = [
      { space: new KwsSpace({ stemWidths: [8], depths: [1], kernels: [3, 9], widths: [8], strides: [2] }), graph: { input: [49, 10, 1] as [number, number, number], classes: 12 }, ops: ['Conv2D', 'DepthwiseConv2D'] },
      { space: new TextSpace({ widths: [16], depths: [1], kernels: [3], heads: [1, 2], ffn: [32] }), graph: { input: [16, 1, 1] as [number, number, number], classes: 4, vocab: 300 }, ops: ['Embedding', 'LayerNorm', 'Attention'] },
    ];
    for (const c of cases) {
      const { table, report } = await buildLookupTable(profiler, LOCAL_CPU, { space: c.space, graph: c.graph, calibration: 2, heldOut: 2, samples: 30, seed: 1 });
      for (const op of c.ops) expect(Object.keys(table.entries[op] ?? {}).length, `${c.space.id} ${op}`).toBeGreaterThan(0);
      for (const v of Object.values(table.entries).flatMap((e) => Object.values(e))) expect(v).toBeGreaterThan(0);
      expect(report.heldOut.map((h) => h.measuredMs > 0 && h.predictedMs > 0)).toEqual([true, true]);
      const file = join(dir, `${c.space.id}.json`);
      writeLutFile(file, { version: 1, table, space: c.space.id, graph: c.graph, report, createdAt: Date.now() });
      const spec = { name: c.space.id, space: c.space.id, spaceOptions: (c.space as unknown as { options: object }).options, evaluator: { kind: 'lut', tables: { [LOCAL_CPU]: file } } } as unknown as StudySpec;
      const evaluator = new LutEvaluator(spec);
      const rng = new Rng(7);
      for (let i = 0; i < 5; i++) {
        const arch = c.space.freeze(c.space.sample(rng));
        const g = buildGraph(c.space, arch, c.graph);
        expect(predictGraph(table, g).missing, arch.key).toEqual([]);
        expect((await evaluator.evaluate(arch)).metrics[`latency:${LOCAL_CPU}`]).toBeGreaterThan(0);
        expect(latencyKernels(g).length).toBeGreaterThan(0);
      }
    }
  }, 180_000);

  it('frontier device profile local:cpu builds the table without adb, and a search minimises latency:local:cpu with it', () => {
    const db = join(dir, 'frontier.db');
    const space = join(ROOT, 'test', 'fixtures', 'spaces', 'tiny-lut.yaml');
    const env = { ...process.env, FRONTIER_DB: db };
    const prof = spawnSync(process.execPath, [BIN, 'device', 'profile', LOCAL_CPU, '--space', space, '--classes', '4', '--runs', '5', '--warmup', '1', '--repeats', '2', '--max-spread', '10', '--calibration', '2', '--held-out', '2', '--json'], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
    expect(prof.status, prof.stderr).toBe(0);
    const { file, report } = JSON.parse(prof.stdout) as { file: string; report: LutFile['report'] };
    expect(report).toMatchObject({ deviceId: LOCAL_CPU, space: 'custom:tiny-lut', kernels: 21 });
    expect((JSON.parse(readFileSync(file, 'utf8')) as LutFile).table.deviceId).toBe(LOCAL_CPU);
    const found = spawnSync(process.execPath, [BIN, 'search', '--space', space, '--objective', `latency:${LOCAL_CPU}:min`, '--strategy', 'random', '--budget-evals', '6', '--json'], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
    expect(found.status, found.stderr).toBe(0);
    const result = JSON.parse(found.stdout) as { evaluations: number; pareto: { metrics: Record<string, number> }[] };
    expect(result.evaluations).toBe(6);
    expect(result.pareto[0]?.metrics[`latency:${LOCAL_CPU}`]).toBeGreaterThan(0);
  }, 240_000);
});
