import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelGraph } from '../../../shared/types/index.js';
import { GraphBuilder, graphCost, type Tensor } from '../../core/graph/index.js';
import { chooseBackend, tf } from './backend.js';
import { setTfjsWeights, weightsFromTfjs } from '../export/tfjs-weights.js';
import { buildModel, layerName } from './model.js';
import { AttentionLayer } from './seq-layers.js';

/** The output of node `id` of `g` for one example, with weights set by name (`<node>/<tfjs weight>`). */
function run(g: ModelGraph, input: number[], weights: Record<string, number[]> = {}, id = g.output): number[] {
  const model = buildModel(g, 1);
  try {
    for (const [name, values] of Object.entries(weights)) {
      const v = model.weights.find((w) => w.originalName === name);
      if (!v) throw new Error(`no weight ${name} among ${model.weights.map((w) => w.originalName).join(', ')}`);
      v.write(tf.tensor(values, v.shape as number[]));
    }
    const sub = tf.model({ inputs: model.inputs, outputs: model.getLayer(layerName(id)).output as tf.SymbolicTensor });
    return tf.tidy(() => Array.from((sub.predict(tf.tensor([input], [1, ...g.input])) as tf.Tensor).dataSync()));
  } finally {
    model.dispose();
  }
}

/** A graph ending in `body`'s output flattened to a Dense head (so it is a valid model graph). */
function graph(input: [number, number, number], body: (b: GraphBuilder, x: Tensor) => Tensor): ModelGraph {
  const b = new GraphBuilder(input);
  const y = body(b, b.input);
  return b.finish(b.dense('head', b.flatten('flat', y), { units: 2, useBias: true }), 2);
}

const close = (got: number[], want: number[], tol = 1e-5) => {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expect(Math.abs(g - (want[i] as number)), `index ${i}: ${g} vs ${want[i]}`).toBeLessThan(tol));
};

describe('tfjs sequence ops against hand computations', () => {
  beforeAll(async () => {
    await chooseBackend('cpu');
  });

  it('Conv2D with kernelW/strideW: a 1-D conv over time with the features as channels', () => {
    // x[t, f] = [[1, 2], [3, 4], [5, 6]]; kernel 2 × kernelW 2, stride 1 × strideW 2: 'same' pads one zero row at the bottom.
    const g = graph([3, 2, 1], (b, x) => b.conv('c', x, { kernel: 2, kernelW: 2, stride: 1, strideW: 2, filters: 1, useBias: false }));
    expect(g.nodes[0]?.shape).toEqual([3, 1, 1]);
    // y[t] = 1·x[t,0] + 2·x[t,1] + 3·x[t+1,0] + 4·x[t+1,1]
    close(run(g, [1, 2, 3, 4, 5, 6], { 'c/kernel': [1, 2, 3, 4] }, 'c'), [30, 50, 17]);
  });

  it('DepthwiseConv2D and pools with kernelW/strideW', () => {
    const g = graph([3, 2, 1], (b, x) => b.depthwise('d', x, { kernel: 1, kernelW: 2, stride: 1, strideW: 2, useBias: false }));
    close(run(g, [1, 2, 3, 4, 5, 6], { 'd/depthwise_kernel': [10, 1] }, 'd'), [12, 34, 56]);
    // Max over time: kernel L, stride L, kernelW 1, strideW 1 on [3, 1, 2] → [1, 1, 2].
    const m = graph([3, 1, 2], (b, x) => b.pool('p', 'MaxPool', x, { kernel: 3, stride: 3, kernelW: 1, strideW: 1 }));
    expect(m.nodes[0]?.shape).toEqual([1, 1, 2]);
    close(run(m, [1, 9, 7, 2, 3, 4], {}, 'p'), [7, 9]);
    // AvgPool 2×1, stride 2×1 on [3, 2, 1]: the last window has one row (padding excluded from the mean).
    const a = graph([3, 2, 1], (b, x) => b.pool('p', 'AvgPool', x, { kernel: 2, stride: 2, kernelW: 1, strideW: 1 }));
    close(run(a, [1, 2, 3, 4, 5, 6], {}, 'p'), [2, 3, 5, 6]);
  });

  it('Embedding: rows of the table by (rounded) float id', () => {
    const g = graph([3, 1, 1], (b, x) => b.embedding('e', x, { vocab: 4, units: 2 }));
    close(run(g, [2, 0.9, 3], { 'e/embeddings': [0, 0, 1, 2, 3, 4, 5, 6] }, 'e'), [3, 4, 1, 2, 5, 6]);
  });

  it('LayerNorm: γ(x − μ)/max(σ, ε) + β over the channels', () => {
    const g = graph([2, 1, 2], (b, x) => b.layerNorm('n', x));
    // Row [1, 3]: μ 2, σ 1 → [−1, 1]; row [5, 5]: σ 0 < ε → (x − μ) = 0, so y = β.
    close(run(g, [1, 3, 5, 5], { 'n/gamma': [2, 1], 'n/beta': [0, 0.5] }, 'n'), [-2, 1.5, 0, 0.5]);
    // ε = 1 against σ = 0.25: max(σ, ε) = 1 divides (not sqrt(σ² + ε) = 1.0308).
    const big: ModelGraph = { ...g, nodes: g.nodes.map((n) => (n.op === 'LayerNorm' ? { ...n, attrs: { epsilon: 1 } } : n)) };
    close(run(big, [1, 1.5, 0, 4], {}, 'n'), [-0.25, 0.25, -1, 1]);
  });

  it('Attention: softmax(q·k/√d)·v per head, heads concatenated', () => {
    const a = Math.exp(1 / Math.SQRT2) / (Math.exp(1 / Math.SQRT2) + 1);
    // Self-attention on x = [[1, 0], [0, 1]] with one head (d = 2).
    const g = graph([2, 1, 2], (b, x) => b.attention('att', x, x, x, { heads: 1 }));
    close(run(g, [1, 0, 0, 1], {}, 'att'), [a, 1 - a, 1 - a, a]);
    // Two heads (d = 1) with v ≠ q: head 0 sees channel 0, head 1 channel 1.
    const e = Math.E / (Math.E + 1);
    const out = tf.tidy(() => {
      const q = tf.tensor([1, 0, 0, 1], [1, 2, 1, 2]);
      const v = tf.tensor([1, 2, 3, 4], [1, 2, 1, 2]);
      return Array.from((new AttentionLayer({ name: 'a2', heads: 2 }).apply([q, q, v]) as tf.Tensor).dataSync());
    });
    close(out, [e * 1 + (1 - e) * 3, 3, 2, (1 - e) * 2 + e * 4]);
  });

  it('analytic params and FLOPs equal the tfjs model for graphs with each new op', () => {
    const graphs: ModelGraph[] = [
      graph([16, 10, 1], (b, x) => b.depthwise('d', b.conv('c', x, { kernel: 3, kernelW: 10, stride: 1, strideW: 10, filters: 8, useBias: true }), { kernel: 5, kernelW: 1, stride: 2, strideW: 1, useBias: true })),
      graph([12, 1, 1], (b, x) => b.layerNorm('n', b.embedding('e', x, { vocab: 50, units: 8 }))),
      graph([12, 1, 1], (b, x) => {
        const h = b.embedding('e', x, { vocab: 30, units: 8 });
        const p = (id: string) => b.conv(id, h, { kernel: 1, stride: 1, filters: 8, useBias: true });
        return b.attention('att', p('q'), p('k'), p('v'), { heads: 2 });
      }),
    ];
    for (const g of graphs) {
      const c = graphCost(g);
      const model = buildModel(g, 0);
      try {
        const trainable = model.trainableWeights.reduce((acc, w) => acc + w.shape.reduce((x: number, y) => x * (y as number), 1), 0);
        expect(trainable).toBe(c.trainableParams);
        expect(model.countParams()).toBe(c.params);
      } finally {
        model.dispose();
      }
    }
    // By hand: conv 3·10·1·8 + 8, depthwise 5·1·8 + 8, dense (8·8)·2 + 2; FLOPs 16·1·8·30 + 8·1·8·5 + 64·2.
    expect(graphCost(graphs[0] as ModelGraph)).toMatchObject({ params: 248 + 48 + 130, flops: 3840 + 320 + 128 });
    // Embedding 50·8, LayerNorm 2·8, dense 96·2 + 2.
    expect(graphCost(graphs[1] as ModelGraph).params).toBe(400 + 16 + 194);
    // Attention 2·L²·C = 2·144·8 on top of three 1×1 convs 12·8·8 and the head 96·2.
    expect(graphCost(graphs[2] as ModelGraph).flops).toBe(2 * 144 * 8 + 3 * 768 + 192);
  });

  it('weights read out of and written into the tfjs model by the IR names and Keras layouts', () => {
    const g = graph([6, 4, 1], (b, x) => {
      const c = b.conv('c', x, { kernel: 2, kernelW: 4, stride: 1, strideW: 4, filters: 3, useBias: true });
      return b.layerNorm('n', c);
    });
    const t = graph([5, 1, 1], (b, x) => b.embedding('e', x, { vocab: 7, units: 3 }));
    for (const gr of [g, t]) {
      const model = buildModel(gr, 4);
      const copy = buildModel(gr, 5);
      try {
        const w = weightsFromTfjs(model, gr);
        setTfjsWeights(copy, gr, w, (v, shape) => tf.tensor(v, shape));
        expect([...weightsFromTfjs(copy, gr).map]).toEqual([...w.map]);
        const x = tf.tensor(Array.from({ length: gr.input[0] * gr.input[1] }, (_, i) => i % 7), [1, ...gr.input]);
        const [a, b] = [model, copy].map((m) => Array.from((m.predict(x) as tf.Tensor).dataSync()));
        expect(b).toEqual(a);
      } finally {
        model.dispose();
        copy.dispose();
      }
    }
    const names = (gr: ModelGraph) => {
      const m = buildModel(gr, 0);
      const w = [...weightsFromTfjs(m, gr).map].map(([k, v]) => `${k}:${v.length}`);
      m.dispose();
      return w;
    };
    expect(names(g)).toEqual(['c/kernel:24', 'c/bias:3', 'n/gamma:3', 'n/beta:3', 'head/kernel:36', 'head/bias:2']);
    expect(names(t)).toEqual(['e/embeddings:21', 'head/kernel:30', 'head/bias:2']);
  });
});
