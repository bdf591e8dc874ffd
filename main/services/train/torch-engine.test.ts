// The native libtorch engine against the graph IR's reference semantics (tfjs on the cpu backend)
// and against the trainer's contract (curves, early stopping, cancellation, divergence, latency).
import { describe, expect, it } from 'vitest';
import { Cancelled, NasError } from '../../../shared/errors.js';
import type { CurvePoint, ModelGraph } from '../../../shared/types/index.js';
import { allOpsGraph } from '../../../test/fixtures/all-ops-graph.js';
import { missingPeer } from '../../../test/harness/peer.js';
import { runGraphTfjs } from '../../../test/harness/tfjs-graph.js';
import { CancellationTokenSource } from '../../core/cancellation.js';
import { buildGraph, graphCost } from '../../core/graph/index.js';
import { Rng } from '../../core/rng.js';
import { parseSpaceDocument } from '../../core/spaces/custom.js';
import { MobilenetSpace } from '../../core/spaces/mobilenet.js';
import { Nb201Space, parseNb201ArchStr } from '../../core/spaces/nb201.js';
import { randomWeights } from '../export/weights.js';
import { tf } from './backend.js';
import { buildModel } from './model.js';
import { loadTorch, TorchModel } from './torch-engine.js';
import { DivergedError, type TrainOptions } from './trainer.js';

const loaded = loadTorch();
const skip = missingPeer('libtorch (the native engine; npm run build:native)', typeof loaded === 'string' ? loaded : undefined);

function graphs(): { name: string; g: ModelGraph }[] {
  const mb = new MobilenetSpace();
  const rng = new Rng(5);
  const nb = new Nb201Space();
  const cell = nb.freeze(parseNb201ArchStr('|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'));
  return [
    { name: 'every op (odd sizes, asymmetric padding)', g: allOpsGraph() },
    { name: 'mobilenet candidate', g: buildGraph(mb, mb.freeze(mb.sample(rng)), { input: [16, 16, 3], classes: 10 }) },
    { name: 'mobilenet candidate, stride-2 stem', g: buildGraph(mb, mb.freeze(mb.sample(rng)), { input: [28, 28, 1], classes: 10, mobilenet: { stemStride: 2 } }) },
    { name: 'NAS-Bench-201 cell network', g: buildGraph(nb, cell, { input: [16, 16, 3], classes: 10, nb201: { channels: 8, cellsPerStage: 1 } }) },
  ];
}

function input(g: ModelGraph, n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * g.input[0] * g.input[1] * g.input[2] }, () => rng.next() * 2 - 1);
}

const tiny = parseSpaceDocument('name: t\nlayers:\n  - { name: c, op: Conv2D, kernel: 3, filters: 4 }\n', 't');
const tinyGraph = buildGraph(tiny, tiny.freeze([]), { input: [6, 6, 1], classes: 2 });

/** Two separable classes: bright vs dark 6×6 images with noise. */
function separable(n: number, seed: number): { x: Float32Array; y: Int32Array } {
  const rng = new Rng(seed);
  const y = Int32Array.from({ length: n }, (_, i) => i % 2);
  const x = new Float32Array(n * 36);
  for (let i = 0; i < n; i++) for (let j = 0; j < 36; j++) x[i * 36 + j] = (y[i] === 1 ? 1 : -1) + (rng.next() - 0.5);
  return { x, y };
}

const opts: TrainOptions = { epochs: 3, batchSize: 16, lr: 0.01, schedule: 'cosine', patience: 0, seed: 1 };
const never = new CancellationTokenSource().token;

describe.skipIf(skip)('libtorch engine', () => {
  it('computes what the graph IR says: same weights, same logits as tfjs (≤ 1e-4), same parameter count as the analytic cost', async () => {
    for (const [i, { name, g }] of graphs().entries()) {
      const w = randomWeights(g, 10 + i);
      const model = new TorchModel(g, { device: 'cpu' });
      try {
        expect(model.paramCount(), name).toBe(graphCost(g).params);
        model.setWeights(w.map);
        const x = input(g, 1, 20 + i);
        const ours = model.predict(x);
        const ref = await runGraphTfjs(g, w, x);
        expect(ours.length, name).toBe(g.classes);
        let diff = 0;
        for (let k = 0; k < ref.length; k++) diff = Math.max(diff, Math.abs((ours[k] as number) - (ref[k] as number)));
        expect(diff, name).toBeLessThanOrEqual(1e-4);
        expect(Math.max(...ref) - Math.min(...ref), `${name}: logits differ from each other`).toBeGreaterThan(1e-3);
      } finally {
        model.dispose();
      }
    }
  });

  it('agrees with the tfjs model the trainer builds, batch of 3, after weights go through tfjs layouts', async () => {
    await tf.setBackend('cpu');
    const g = graphs()[1]?.g as ModelGraph;
    const tfModel = buildModel(g, 3);
    const torch = new TorchModel(g, { device: 'cpu', seed: 9 });
    try {
      // torch's own initial weights, read out in Keras layouts and loaded into tfjs
      const w = torch.weights();
      const { setTfjsWeights } = await import('../export/tfjs-weights.js');
      setTfjsWeights(tfModel, g, w, (v, shape) => tf.tensor(v, shape));
      const x = input(g, 3, 4);
      const ref = tf.tidy(() => (tfModel.predict(tf.tensor(x, [3, ...g.input])) as tf.Tensor).dataSync() as Float32Array);
      const ours = torch.predict(x);
      expect(ours.length).toBe(3 * g.classes);
      let diff = 0;
      for (let k = 0; k < ref.length; k++) diff = Math.max(diff, Math.abs((ours[k] as number) - (ref[k] as number)));
      expect(diff).toBeLessThanOrEqual(1e-4);
    } finally {
      tfModel.dispose();
      torch.dispose();
    }
  });

  it('gives weights back exactly as they were set (Keras layouts round-trip)', () => {
    const g = allOpsGraph();
    const w = randomWeights(g, 3);
    const m = new TorchModel(g, { device: 'cpu' });
    try {
      m.setWeights(w.map);
      const back = m.weights();
      expect([...back.map.keys()].sort()).toEqual([...w.map.keys()].sort());
      for (const [k, v] of w.map) expect(Array.from(back.map.get(k) as Float32Array), k).toEqual(Array.from(v));
      expect(() => m.setWeights(new Map([['fc/kernel', new Float32Array(3)]]))).toThrow(/weight fc\/kernel has 3 values, the node needs 720 \[144, 5\]/);
      expect(() => m.setWeights(new Map([['nope/kernel', new Float32Array(3)]]))).toThrow(/the graph has no node nope/);
    } finally {
      m.dispose();
    }
  });

  it('rejects a graph it cannot run with a NasError naming the node, and goes on working', () => {
    const g = allOpsGraph();
    const wrongShape: ModelGraph = { ...g, nodes: g.nodes.map((n) => (n.id === 'cat' ? { ...n, shape: [3, 3, 17] } : n)) };
    const unknownOp = { ...g, nodes: g.nodes.map((n) => (n.id === 'cat.tanh' ? { ...n, op: 'Softplus' } : n)) } as unknown as ModelGraph;
    const badConcat: ModelGraph = { ...g, nodes: g.nodes.map((n) => (n.id === 'cat' ? { ...n, inputs: ['maxp', 'se.mul'] } : n)) };
    for (const [bad, message] of [
      [wrongShape, /graph node cat \(Concat\): libtorch computes \[3, 3, 16\], the graph says \[3, 3, 17\]/],
      [unknownOp, /graph node cat.tanh: the libtorch engine has no op Softplus/],
      [badConcat, /graph node cat \(Concat\) on input \[1, 8, 3, 3\], \[1, 8, 5, 5\] \(NCHW\): .*[Ss]izes of tensors must match/],
    ] as const) {
      let err: unknown;
      try {
        new TorchModel(bad, { device: 'cpu' }).dispose();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(NasError);
      expect((err as NasError).code).toBe('invalid-input');
      expect((err as NasError).message).toMatch(message);
    }
    const ok = new TorchModel(g, { device: 'cpu' });
    expect(ok.predict(input(g, 2, 1)).length).toBe(10);
    ok.dispose();
  });

  it('trains: learns a separable problem, reports train/val loss and accuracy per epoch, and is deterministic under the seed', async () => {
    const run = async () => {
      const m = new TorchModel(tinyGraph, { device: 'cpu', seed: 1 });
      const points: CurvePoint[] = [];
      try {
        const r = await m.train(separable(128, 1), separable(64, 2), opts, (p) => points.push(p), never);
        const test = await m.evaluate(separable(64, 3));
        return { r, points, test };
      } finally {
        m.dispose();
      }
    };
    const a = await run();
    expect(a.r.epochs).toBe(3);
    expect(a.r.steps).toBe(24);
    expect(a.r.valAccuracy).toBeGreaterThan(0.9);
    expect(a.test.accuracy).toBeGreaterThan(0.9);
    expect(a.r.imagesPerSecond).toBeGreaterThan(0);
    expect(a.points.map((p) => `${p.step}:${p.metric}`)).toEqual(['1:train_loss', '1:val_loss', '1:val_accuracy', '2:train_loss', '2:val_loss', '2:val_accuracy', '3:train_loss', '3:val_loss', '3:val_accuracy']);
    const b = await run();
    expect(b.points).toEqual(a.points);
  });

  it('stops early on a plateau and keeps the best epoch\'s weights', async () => {
    const m = new TorchModel(tinyGraph, { device: 'cpu', seed: 2 });
    try {
      // Random labels: validation accuracy stalls, so patience 1 stops well before 30 epochs.
      const rng = new Rng(4);
      const noise = (n: number) => ({ x: Float32Array.from({ length: n * 36 }, () => rng.next()), y: Int32Array.from({ length: n }, () => rng.int(2)) });
      const val = noise(64);
      const points: CurvePoint[] = [];
      const r = await m.train(noise(64), val, { ...opts, epochs: 30, patience: 1 }, (p) => points.push(p), never);
      expect(r.stoppedEarly).toBe(true);
      expect(r.epochs).toBeLessThan(30);
      const best = Math.max(...points.filter((p) => p.metric === 'val_accuracy').map((p) => p.value));
      expect(r.valAccuracy).toBe(best);
      expect((await m.evaluate(val)).accuracy).toBeCloseTo(best, 10);
    } finally {
      m.dispose();
    }
  });

  it('fails a diverging run with DivergedError and a cancelled one with Cancelled, off the JavaScript thread', async () => {
    const diverging = new TorchModel(tinyGraph, { device: 'cpu' });
    try {
      const nan = separable(64, 1);
      nan.x[5] = NaN;
      await expect(diverging.train(nan, separable(16, 2), opts, () => {}, never)).rejects.toBeInstanceOf(DivergedError);
      await expect(diverging.train(nan, separable(16, 2), opts, () => {}, never)).rejects.toThrow(/training diverged: loss is NaN at step \d+/);
    } finally {
      diverging.dispose();
    }
    const m = new TorchModel(tinyGraph, { device: 'cpu' });
    try {
      // A long run, cancelled from a timer: the timer fires while training runs on the addon's thread.
      const cts = new CancellationTokenSource();
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      setTimeout(() => cts.cancel(), 100);
      const long = m.train(separable(2048, 3), separable(16, 2), { ...opts, epochs: 10_000, batchSize: 8 }, () => {}, cts.token);
      await expect(long).rejects.toBeInstanceOf(Cancelled);
      clearInterval(timer);
      expect(ticks).toBeGreaterThan(3);
      // the model is usable again afterwards
      expect((await m.evaluate(separable(16, 4))).accuracy).toBeGreaterThanOrEqual(0);
    } finally {
      m.dispose();
    }
  });

  it('one call at a time per model; another model trains meanwhile', async () => {
    const a = new TorchModel(tinyGraph, { device: 'cpu', seed: 1 });
    const b = new TorchModel(tinyGraph, { device: 'cpu', seed: 2 });
    try {
      const first = a.train(separable(256, 1), separable(32, 2), opts, () => {}, never);
      await expect(a.evaluate(separable(8, 1))).rejects.toThrow(/busy/);
      const [ra, rb] = await Promise.all([first, b.train(separable(256, 1), separable(32, 2), opts, () => {}, never)]);
      expect(ra.valAccuracy).toBeGreaterThan(0.9);
      expect(rb.valAccuracy).toBeGreaterThan(0.9);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('computes depthwise gradients with its own backward pass equal to libtorch\'s (every stride and kernel size)', () => {
    const doc = [
      'name: dw',
      'layers:',
      '  - { name: c, op: Conv2D, kernel: 3, filters: 6 }',
      '  - { name: a, op: DepthwiseConv2D, kernel: 7, stride: 1 }',
      '  - { name: b, op: DepthwiseConv2D, kernel: 5, stride: 2 }',
      '  - { name: d, op: DepthwiseConv2D, kernel: 3, stride: 1 }',
      '  - { name: e, op: DepthwiseConv2D, kernel: 7, stride: 2 }',
      '',
    ].join('\n');
    const space = parseSpaceDocument(doc, 'dw');
    for (const size of [11, 12]) {
      const g = buildGraph(space, space.freeze([]), { input: [size, size, 1], classes: 3 });
      expect(g.nodes.filter((n) => n.op === 'DepthwiseConv2D').map((n) => `${n.attrs.kernel}/${n.attrs.stride}`)).toEqual(['7/1', '5/2', '3/1', '7/2']);
      const rng = new Rng(size);
      const batch = { x: Float32Array.from({ length: 16 * size * size }, () => rng.next() * 2 - 1), y: Int32Array.from({ length: 16 }, (_, i) => i % 3) };
      const grads = (fastDepthwise: boolean) => {
        const m = new TorchModel(g, { device: 'cpu', seed: 4, fastDepthwise });
        try {
          const before = m.predict(batch.x);
          const gr = m.gradients(batch);
          expect(Array.from(m.predict(batch.x))).toEqual(Array.from(before)); // the probe changed nothing
          return gr;
        } finally {
          m.dispose();
        }
      };
      const [fast, reference] = [grads(true), grads(false)];
      expect([...fast.map.keys()].sort()).toEqual([...reference.map.keys()].sort());
      for (const [k, v] of reference.map) {
        const f = fast.map.get(k) as Float32Array;
        const scale = Math.max(...Array.from(v, Math.abs));
        let diff = 0;
        for (let i = 0; i < v.length; i++) diff = Math.max(diff, Math.abs((f[i] as number) - (v[i] as number)));
        expect(diff, `${k} (input ${size})`).toBeLessThanOrEqual(1e-5 + 1e-4 * scale);
        if (/^[abde]\//.test(k) && k.endsWith('/kernel')) expect(scale, `${k} has a gradient`).toBeGreaterThan(1e-6);
      }
    }
  });

  it('times batch-1 inference (median ≤ p90, at least 5 runs)', async () => {
    const g = graphs()[1]?.g as ModelGraph;
    const m = new TorchModel(g, { device: 'cpu' });
    try {
      const l = await m.latency({ warmup: 2, runs: 10, maxMs: 2000 });
      expect(l.runs).toBeGreaterThanOrEqual(5);
      expect(l.medianMs).toBeGreaterThan(0);
      expect(l.p90Ms).toBeGreaterThanOrEqual(l.medianMs);
    } finally {
      m.dispose();
    }
  });
});
