import { beforeAll, describe, expect, it } from 'vitest';
import { buildGraph, graphCost } from '../../core/graph/index.js';
import { Rng } from '../../core/rng.js';
import { TextSpace } from '../../core/spaces/text.js';
import { chooseBackend, tf } from './backend.js';
import { buildModel } from './model.js';

/**
 * Multiply-adds from the built tfjs layers' own configs and shapes: convs and Dense as usual, an
 * attention layer (any class with three inputs) 2·L²·C.
 */
function tfjsFlops(model: tf.LayersModel): number {
  let flops = 0;
  for (const l of model.layers) {
    const cls = l.getClassName();
    const out = l.outputShape as number[];
    const inputs = ([] as tf.SymbolicTensor[]).concat(l.input as tf.SymbolicTensor | tf.SymbolicTensor[]);
    const inShape = inputs[0]?.shape as number[];
    const cin = inShape[inShape.length - 1] as number;
    if (inputs.length === 3) flops += 2 * (inShape[1] as number) * (inShape[1] as number) * cin;
    if (cls === 'Conv2D') {
      const k = (l.getConfig() as { kernelSize: number[] }).kernelSize;
      flops += out.slice(1).reduce((a, b) => a * b, 1) * (k[0] as number) * (k[1] as number) * cin;
    }
    if (cls === 'Dense') flops += cin * (l.getConfig() as { units: number }).units;
  }
  return flops;
}

describe('text space: analytic costs equal the tfjs model', () => {
  beforeAll(async () => {
    await chooseBackend('cpu');
  });

  it('params, trainable params, FLOPs and pooled shape for random conv/transformer encoders', () => {
    const space = new TextSpace();
    const rng = new Rng(16);
    const seen = new Set<string>();
    for (let i = 0; i < 16; i++) {
      const a = space.freeze(space.sample(rng));
      for (const b of a.key.split('/')[2]?.split('-') ?? []) seen.add(b[0] as string);
      seen.add(a.key.split('/')[1] as string);
      const g = buildGraph(space, a, { input: [i % 2 ? 64 : 24, 1, 1], classes: 8, vocab: 300 });
      const c = graphCost(g);
      const model = buildModel(g, i);
      try {
        expect(model.countParams(), a.key).toBe(c.params);
        const trainable = model.trainableWeights.reduce((acc, w) => acc + w.shape.reduce((x: number, y) => x * (y as number), 1), 0);
        expect(trainable, a.key).toBe(c.trainableParams);
        expect(tfjsFlops(model), a.key).toBe(c.flops);
        expect(model.outputs[0]?.shape).toEqual([null, 8]);
        const y = tf.tidy(() => (model.predict(tf.tensor4d(Float32Array.from({ length: g.input[0] }, (_, k) => k % 300), [1, g.input[0], 1, 1])) as tf.Tensor).arraySync() as number[][]);
        expect(y[0]?.every(Number.isFinite)).toBe(true);
      } finally {
        model.dispose();
      }
    }
    expect([...seen].sort()).toEqual(['c', 'max', 'mean', 't']);
  });
});
