// ENAS on the mobilenet supernet (real libtorch): the native trainSubnets trains exactly the
// sub-networks it is given (every weight and statistic outside all of them stays as it was, those
// inside change), its momentum saved and loaded (saveSubnetState) continues exactly, and a small ENAS run on toy data alternates the two phases, stays a function of
// its seed and raises its reward; with a latency target its reward is MnasNet's, from a lookup
// table of this machine's CPU (onnxruntime-node).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Cancelled } from '../shared/errors.js';
import type { Architecture } from '../shared/types/index.js';
import { CancellationTokenSource } from '../main/core/cancellation.js';
import type { MobilenetSpace } from '../main/core/spaces/mobilenet.js';
import { buildGraph } from '../main/core/graph/index.js';
import { LookupTableLatencyModel } from '../main/core/latency/lookup-table.js';
import { LocalOnnxProfiler, LOCAL_CPU } from '../main/services/devices/local-profiler.js';
import { buildLookupTable } from '../main/services/devices/profiler.js';
import { runEnasMobilenet } from '../main/services/train/enas-mobilenet.js';
import { Supernet } from '../main/services/train/supernet-engine.js';
import { loadTorch } from '../main/services/train/torch-engine.js';
import { TOY_CLASSES, TOY_INPUT, toyData, toySpace, toySupernet } from './fixtures/supernet-toy.js';
import { missingPeer } from './harness/peer.js';

const loaded = loadTorch();
const skip = missingPeer('libtorch (the native engine; npm run build:native)', typeof loaded === 'string' ? loaded : undefined);
const space: MobilenetSpace = toySpace();
const open: Supernet[] = [];
afterAll(() => open.forEach((s) => s.dispose()));

function supernet(): Supernet {
  const s = toySupernet(2);
  open.push(s);
  return s;
}

/** Largest absolute difference over the elements of a Keras-layout tensor that `pick(index per axis)` selects. */
function diffWhere(a: Float32Array, b: Float32Array, shape: number[], pick: (ix: number[]) => boolean): number {
  let d = 0;
  const ix = shape.map(() => 0);
  for (let k = 0; k < a.length; k++) {
    if (pick(ix)) d = Math.max(d, Math.abs((a[k] as number) - (b[k] as number)));
    for (let i = shape.length - 1; i >= 0; i--) {
      ix[i] = (ix[i] as number) + 1;
      if ((ix[i] as number) < (shape[i] as number)) break;
      ix[i] = 0;
    }
  }
  return d;
}

describe.skipIf(skip)('ENAS on the mobilenet supernet (libtorch)', () => {
  it('trainSubnets trains exactly the given sub-networks: weights outside all of them stay unchanged', async () => {
    const s = supernet();
    // Both: depth 1 in each stage, kernel 3, no squeeze-excite; stage 1 at width 0.5 (8 of 16
    // channels); stage 2 at width 0.5 (expansion 3) or 1 (expansion 1).
    const a = space.freeze(space.parse('w0.5:k3e3/w0.5:k3e3'));
    const b = space.freeze(space.parse('w0.5:k3e1/w1:k3e1'));
    const before = s.weights().map;
    const r = await s.trainSubnets([a, b, a, b], { lr: 0.05, batchSize: 32, seed: 1 });
    expect(r.steps).toBe(4);
    expect(Number.isFinite(r.loss)).toBe(true);
    const after = s.weights().map;
    const w = (name: string) => [before.get(name) as Float32Array, after.get(name) as Float32Array] as const;
    const all = () => true;
    // Blocks beyond depth 1 and every squeeze-excite: untouched.
    for (const name of before.keys()) {
      if (name.startsWith('s1.b2.') || name.startsWith('s2.b2.') || name.includes('.se.')) expect(diffWhere(...w(name), [1e9], all), name).toBe(0);
    }
    // Stage 1 ran at 8 of its 16 channels: the projection's output channels 8..15 untouched, 0..7 trained.
    const proj = w('s1.b1.project.conv/kernel'); // Keras [1, 1, hidden, out]
    const projShape = [1, 1, (proj[0].length / 16), 16];
    expect(diffWhere(...proj, projShape, (ix) => (ix[3] as number) >= 8)).toBe(0);
    expect(diffWhere(...proj, projShape, (ix) => (ix[3] as number) < 8)).toBeGreaterThan(0);
    for (const stat of ['movingMean', 'movingVariance', 'gamma']) {
      const t = w(`s1.b1.project.bn/${stat}`);
      expect(diffWhere(...t, [16], (ix) => (ix[0] as number) >= 8), stat).toBe(0);
      expect(diffWhere(...t, [16], (ix) => (ix[0] as number) < 8), stat).toBeGreaterThan(0);
    }
    // Kernel 3 only: the outer ring of the 5×5 depthwise kernel untouched, its centre trained.
    const dw = w('s1.b1.dw.conv/kernel'); // Keras [5, 5, hidden, 1]
    const dwShape = [5, 5, dw[0].length / 25, 1];
    const ring = (ix: number[]) => [ix[0], ix[1]].some((v) => v === 0 || v === 4);
    expect(diffWhere(...dw, dwShape, ring)).toBe(0);
    expect(diffWhere(...dw, dwShape, (ix) => !ring(ix))).toBeGreaterThan(0);
    // Stage 2's full width was trained by b, so all of its projection moved; the head saw both widths.
    const proj2 = w('s2.b1.project.conv/kernel');
    expect(diffWhere(...proj2, [1, 1, proj2[0].length / 24, 24], (ix) => (ix[3] as number) >= 16)).toBeGreaterThan(0);
  }, 60_000);

  it('trainSubnets improves the sub-network it trains, and stops on cancel', async () => {
    const s = supernet();
    const a = space.freeze(space.parse('w1:k5e3se/w1:k3e3-k5e1'));
    const start = await s.evaluate(a);
    await s.trainSubnets(Array.from({ length: 40 }, () => a), { lr: 0.05, batchSize: 32, seed: 3 });
    const end = await s.evaluate(a);
    expect(end.loss).toBeLessThan(start.loss);
    expect(end.accuracy).toBeGreaterThan(0.5);
    const cts = new CancellationTokenSource();
    cts.cancel();
    await expect(s.trainSubnets([a], { lr: 0.05 }, cts.token)).rejects.toBeInstanceOf(Cancelled);
    await expect(s.trainSubnets([a], { lr: 0 })).rejects.toThrow(/out of range/);
  }, 60_000);

  it("trainSubnets' momentum saved and loaded (saveSubnetState): a copy of the weights with it continues exactly, without it not; another supernet's state or a wrong file is refused", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'subnet-state-'));
    try {
      const a = space.freeze(space.parse('w0.5:k3e3/w1:k5e3se'));
      const b = space.freeze(space.parse('w1:k5e1se-k3e3/w0.5:k3e1'));
      const s = supernet();
      const file = join(dir, 'state');
      // Before any trainSubnets: no optimizer yet, saved and loaded as none.
      s.saveSubnetState(file);
      await s.trainSubnets([a, b, a], { lr: 0.05, batchSize: 32, seed: 1 });
      s.saveSubnetState(file);
      expect(readdirSync(dir)).toEqual(['state']); // written through a temp file, renamed
      const w = s.weights().map;
      const withState = supernet();
      withState.setWeights(w);
      withState.loadSubnetState(file);
      const without = supernet();
      without.setWeights(w);
      const next = { lr: 0.05, batchSize: 32, seed: 1, firstStep: 3 };
      for (const n of [s, withState, without]) await n.trainSubnets([b, a, b], next);
      const same = (x: Supernet, y: Supernet) => [...x.weights().map].every(([k, v]) => (y.weights().map.get(k) as Float32Array).every((u, i) => u === v[i]));
      expect(same(withState, s)).toBe(true);
      expect(same(without, s)).toBe(false);
      // Another supernet's state, a training checkpoint, a missing file: refused, naming the file.
      const other = new Supernet(space, { input: [16, 16, 1], classes: TOY_CLASSES, seed: 1, device: 'cpu', threads: 1 });
      open.push(other);
      expect(() => other.loadSubnetState(file)).toThrow(/the trainSubnets state \S+state is of another supernet/);
      const ckpt = join(dir, 'train.ckpt');
      await without.train({ steps: 1, batchSize: 32, seed: 1, checkpoint: ckpt }, () => undefined, new CancellationTokenSource().token);
      expect(() => s.loadSubnetState(ckpt)).toThrow(/train\.ckpt is not a supernet's trainSubnets state/);
      expect(() => s.loadCheckpoint(file)).toThrow(/state is not a Frontier supernet checkpoint/);
      expect(() => s.loadSubnetState(join(dir, 'gone'))).toThrow(/cannot read the trainSubnets state \S+gone/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('a small ENAS run: one line per epoch, reward rising, the argmax derived and scored, the same under the same seed', async () => {
    const data = { train: toyData(256, 3), val: toyData(128, 4), input: TOY_INPUT, classes: TOY_CLASSES, source: 'toy' };
    const run = async () => {
      const epochs: number[] = [];
      const r = await runEnasMobilenet(data, { epochs: 4, seed: 4, controllerSteps: 4, controllerBatch: 4, batchSize: 32, rewardVal: 128, space }, (e) => epochs.push(e.meanReward));
      return { r, epochs };
    };
    const { r, epochs } = await run();
    expect(epochs).toHaveLength(4);
    expect(epochs[3]).toBeGreaterThan((epochs[0] as number) + 0.05);
    expect(r.architecture.key).toBe(space.freeze(r.probabilities.map((p) => p.indexOf(Math.max(...p)))).key);
    expect(r.sharedAccuracy).toBeGreaterThan(0.4);
    expect(r.params).toBeGreaterThan(0);
    expect(r.flops).toBeGreaterThan(0);
    expect(r.epochs.at(-1)?.bestReward).toBeGreaterThanOrEqual(Math.max(...epochs));
    const again = await run();
    expect(again.r.architecture.key).toBe(r.architecture.key);
    expect(again.epochs).toEqual(epochs);
  }, 120_000);

  it("hardware-aware: the reward is MnasNet's acc·(lat/target)^w, the latency from this CPU's lookup table", async () => {
    const graph = { input: TOY_INPUT, classes: TOY_CLASSES };
    const profiler = new LocalOnnxProfiler({ runs: 5, warmupRuns: 1, repeats: 2, maxSpread: 10 });
    const { table } = await buildLookupTable(profiler, LOCAL_CPU, { space, graph, calibration: 2, heldOut: 2, samples: 100, seed: 1 });
    const model = new LookupTableLatencyModel(table, (a) => buildGraph(space, a, graph));
    const ms = (a: Architecture) => model.predict(a).ms;
    // A quarter of the smallest sub-network's latency: every reward is cut by the latency term (about halved).
    const targetMs = ms(space.freeze(space.parse('w0.5:k3e1/w0.5:k3e1'))) / 4;
    const data = { train: toyData(256, 3), val: toyData(128, 4), input: TOY_INPUT, classes: TOY_CLASSES, source: 'toy' };
    const r = await runEnasMobilenet(data, { epochs: 2, seed: 4, controllerSteps: 2, controllerBatch: 4, batchSize: 32, rewardVal: 128, space, latency: { model, targetMs, weight: -0.5 } });
    expect(r.latencyMs).toBe(ms(r.architecture));
    expect(r.latencyMs).toBeGreaterThan(targetMs);
    expect(r.reward).toBeCloseTo(r.sharedAccuracy * ((r.latencyMs as number) / targetMs) ** -0.5, 10);
    expect(r.reward).toBeLessThan(r.sharedAccuracy);
    expect(Math.max(...r.epochs.map((e) => e.bestReward))).toBeLessThan(0.6); // acc ≤ 1, lat/target ≈ 4 or more
  }, 120_000);
});
