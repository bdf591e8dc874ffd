import { beforeAll, describe, expect, it } from 'vitest';
import { buildGraph, graphCost } from '../../core/graph/index.js';
import { Rng } from '../../core/rng.js';
import { TextSpace } from '../../core/spaces/text.js';
import { expectModelCosts } from '../../../test/harness/tfjs-costs.js';
import { chooseBackend, tf } from './backend.js';
import { buildModel } from './model.js';

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
        expectModelCosts(model, c, a.key, 8);
        const y = tf.tidy(() => (model.predict(tf.tensor4d(Float32Array.from({ length: g.input[0] }, (_, k) => k % 300), [1, g.input[0], 1, 1])) as tf.Tensor).arraySync() as number[][]);
        expect(y[0]?.every(Number.isFinite)).toBe(true);
      } finally {
        model.dispose();
      }
    }
    expect([...seen].sort()).toEqual(['c', 'max', 'mean', 't']);
  });
});
