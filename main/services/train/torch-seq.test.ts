// The native libtorch engine on the speech/text graph IR (kernelW/strideW, Embedding, LayerNorm,
// Attention) against tfjs: same weights, same logits and gradients; a training step lowers the loss.
import { describe, expect, it } from 'vitest';
import type { ModelGraph } from '../../../shared/types/index.js';
import { speechGraph, textGraph } from '../../../test/fixtures/seq-train-graphs.js';
import { missingPeer } from '../../../test/harness/peer.js';
import { CancellationTokenSource } from '../../core/cancellation.js';
import { GraphBuilder, classifier, graphCost } from '../../core/graph/index.js';
import { Rng } from '../../core/rng.js';
import { setTfjsWeights } from '../export/tfjs-weights.js';
import { randomWeights } from '../export/weights.js';
import { tf } from './backend.js';
import { buildModel } from './model.js';
import { loadTorch, TorchModel } from './torch-engine.js';

const loaded = loadTorch();
const skip = missingPeer('libtorch (the native engine; npm run build:native)', typeof loaded === 'string' ? loaded : undefined);

/**
 * Every per-axis window: convs, depthwise, both pools with kernelW/strideW ≠ kernel/stride, odd sizes;
 * the AvgPool's windows overhang the edges (padding excluded from the mean, in the gradient too).
 */
function windowsGraph(): ModelGraph {
  const b = new GraphBuilder([13, 7, 2]);
  const c = b.conv('c', b.input, { kernel: 3, kernelW: 2, stride: 2, strideW: 1, filters: 4, useBias: true });
  const d = b.depthwise('d', c, { kernel: 1, kernelW: 4, stride: 1, strideW: 3, useBias: true });
  const m = b.pool('m', 'MaxPool', d, { kernel: 2, kernelW: 3, stride: 2, strideW: 1 });
  const a = b.pool('a', 'AvgPool', m, { kernel: 3, kernelW: 1, stride: 1, strideW: 2 });
  return b.finish(b.dense('head', b.flatten('flat', a), { units: 3, useBias: true }), 3);
}

/** A text encoder block with a residual and a max over time, on ids of a 20-token vocabulary. */
function encoderGraph(): ModelGraph {
  const b = new GraphBuilder([9, 1, 1]);
  const e = b.embedding('emb', b.input, { vocab: 20, units: 6 });
  const p = (id: string) => b.conv(id, e, { kernel: 1, stride: 1, filters: 6, useBias: true });
  const att = b.attention('att', p('q'), p('k'), p('v'), { heads: 3 });
  const h = b.layerNorm('ln', b.addTensors('res', e, att));
  const pooled = b.pool('max', 'MaxPool', h, { kernel: 9, stride: 9, kernelW: 1, strideW: 1 });
  return b.finish(classifier(b, b.flatten('flat', pooled), 4), 4);
}

function examples(g: ModelGraph, n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const vocab = g.nodes.find((x) => x.op === 'Embedding')?.attrs.vocab;
  return Float32Array.from({ length: n * g.input[0] * g.input[1] * g.input[2] }, () => (vocab ? Math.floor(rng.next() * vocab) : rng.next() * 2 - 1));
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)));
  return d;
};

const cases = (): { name: string; g: ModelGraph }[] => [
  { name: 'per-axis windows', g: windowsGraph() },
  { name: 'text encoder (embedding, attention, layerNorm, max over time)', g: encoderGraph() },
  { name: 'text: embedding → conv → layerNorm → attention → mean', g: textGraph(8, 12) },
  { name: 'speech: 1-D conv over time on [T, F, 1]', g: speechGraph(11, 5) },
];

describe.skipIf(skip)('libtorch engine: speech and text ops', () => {
  it('computes the same logits as tfjs with the same weights (≤ 1e-4), parameters as the analytic count', async () => {
    await tf.setBackend('cpu');
    for (const [i, { name, g }] of cases().entries()) {
      const w = randomWeights(g, 30 + i);
      const torch = new TorchModel(g, { device: 'cpu' });
      const model = buildModel(g, 1);
      try {
        expect(torch.paramCount(), name).toBe(graphCost(g).params);
        torch.setWeights(w.map);
        setTfjsWeights(model, g, w, (v, shape) => tf.tensor(v, shape));
        const x = examples(g, 3, 40 + i);
        const ref = tf.tidy(() => (model.predict(tf.tensor(x, [3, ...g.input])) as tf.Tensor).dataSync() as Float32Array);
        const ours = torch.predict(x);
        expect(maxDiff(ours, ref), name).toBeLessThanOrEqual(1e-4);
        expect(Math.max(...ref) - Math.min(...ref), `${name}: logits differ from each other`).toBeGreaterThan(1e-3);
        // Weights read back in Keras layouts are the ones set.
        const back = torch.weights();
        for (const [key, v] of w.map) expect(maxDiff(back.map.get(key) ?? [], v), key).toBe(0);
      } finally {
        model.dispose();
        torch.dispose();
      }
    }
  });

  it('computes the same gradients as tfjs for one training batch (≤ 1e-4 relative to the largest)', async () => {
    await tf.setBackend('cpu');
    for (const [i, { name, g }] of cases().entries()) {
      const w = randomWeights(g, 50 + i);
      const torch = new TorchModel(g, { device: 'cpu' });
      const model = buildModel(g, 1);
      try {
        torch.setWeights(w.map);
        setTfjsWeights(model, g, w, (v, shape) => tf.tensor(v, shape));
        const n = 4;
        const x = examples(g, n, 60 + i);
        const y = Int32Array.from({ length: n }, (_, j) => j % g.classes);
        const ours = torch.gradients({ x, y });
        const { grads } = tf.variableGrads(() => {
          const logits = model.apply(tf.tensor(x, [n, ...g.input]), { training: true }) as tf.Tensor;
          return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(y, 'int32'), g.classes), logits) as tf.Scalar;
        }, model.trainableWeights.map((v) => v.read() as tf.Variable));
        let checked = 0;
        for (const v of model.trainableWeights) {
          const [layer, kind] = [v.originalName.slice(0, v.originalName.lastIndexOf('/')), v.originalName.slice(v.originalName.lastIndexOf('/') + 1)];
          const node = g.nodes.find((nd) => nd.id === layer);
          const key = `${layer}/${kind === 'depthwise_kernel' ? 'kernel' : kind}`;
          const ref = grads[(v.read() as tf.Variable).name]?.dataSync() as Float32Array;
          const got = ours.map.get(key);
          expect(got, `${name}: ${key} (${node?.op})`).toBeDefined();
          const scale = Math.max(1e-3, ...Array.from(ref, Math.abs));
          expect(maxDiff(got as Float32Array, ref) / scale, `${name}: ${key}`).toBeLessThanOrEqual(1e-4);
          checked++;
        }
        expect(checked, name).toBe(model.trainableWeights.length);
        Object.values(grads).forEach((t) => t.dispose());
      } finally {
        model.dispose();
        torch.dispose();
      }
    }
  });

  it('refuses an id outside the vocabulary with an error naming the node, and a bad heads count', () => {
    const g = encoderGraph();
    const torch = new TorchModel(g, { device: 'cpu' });
    try {
      const x = examples(g, 1, 1);
      x[3] = 20;
      expect(() => torch.predict(x)).toThrow(/graph node emb \(Embedding\)/);
    } finally {
      torch.dispose();
    }
    const bad: ModelGraph = { ...g, nodes: g.nodes.map((n) => (n.op === 'Attention' ? { ...n, attrs: { heads: 4 } } : n)) };
    expect(() => new TorchModel(bad, { device: 'cpu' })).toThrow(/Attention heads \(4\) must divide the 6 channels/);
  });

  it('trains a text graph: the loss goes down', async () => {
    const g = encoderGraph();
    const rng = new Rng(7);
    const n = 96;
    // Class = which of tokens 2..5 occurs in the sequence (the rest are ids 6..19).
    const y = Int32Array.from({ length: n }, (_, j) => j % 4);
    const x = new Float32Array(n * 9);
    for (let j = 0; j < n; j++) {
      for (let t = 0; t < 9; t++) x[j * 9 + t] = 6 + Math.floor(rng.next() * 14);
      x[j * 9 + Math.floor(rng.next() * 9)] = 2 + (y[j] as number);
    }
    const torch = new TorchModel(g, { device: 'cpu', seed: 3 });
    try {
      const losses: number[] = [];
      await torch.train({ x, y }, { x, y }, { epochs: 6, batchSize: 16, lr: 0.01, schedule: 'constant', patience: 0, seed: 1 }, (p) => {
        if (p.metric === 'train_loss') losses.push(p.value);
      }, new CancellationTokenSource().token);
      expect(losses.length).toBe(6);
      expect(losses[5] as number).toBeLessThan(0.7 * (losses[0] as number));
    } finally {
      torch.dispose();
    }
  });
});
