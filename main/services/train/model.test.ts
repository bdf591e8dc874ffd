import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelGraph } from '../../../shared/types/index.js';
import { buildGraph, graphCost } from '../../core/graph/index.js';
import { Rng } from '../../core/rng.js';
import type { SearchSpace } from '../../core/search-space.js';
import { parseSpaceDocument } from '../../core/spaces/custom.js';
import { MobilenetSpace } from '../../core/spaces/mobilenet.js';
import { Nb201Space } from '../../core/spaces/nb201.js';
import { expectModelCosts } from '../../../test/harness/tfjs-costs.js';
import { chooseBackend, tf } from './backend.js';
import { buildModel } from './model.js';

function check(space: SearchSpace, input: [number, number, number], n: number, seed: number): void {
  const rng = new Rng(seed);
  for (let i = 0; i < n; i++) {
    const a = space.freeze(space.sample(rng));
    const g = buildGraph(space, a, { input, classes: 10 });
    const c = graphCost(g);
    const model = buildModel(g, i);
    try {
      expectModelCosts(model, c, a.key, 10);
    } finally {
      model.dispose();
    }
  }
}

describe('tfjs model builder', () => {
  beforeAll(async () => {
    await chooseBackend('cpu');
  });

  it('mobilenet: analytic params and FLOPs equal the built model, for random architectures', () => {
    check(new MobilenetSpace(), [28, 28, 1], 25, 11);
  });

  it('nb201: analytic params and FLOPs equal the built model, for random cells', () => {
    check(new Nb201Space(), [32, 32, 3], 25, 12);
  });

  it('custom spaces: analytic params and FLOPs equal the built model', () => {
    for (const [file, input] of [['tiny-cnn.yaml', [28, 28, 1]], ['resnet-like.json', [32, 32, 3]]] as const) {
      const text = readFileSync(new URL(`../../../resources/spaces/${file}`, import.meta.url), 'utf8');
      check(parseSpaceDocument(text, file), [...input], 15, 13);
    }
  });

  it('runs a forward pass: logits of the right shape, zeros where the graph says Zero', () => {
    const space = new Nb201Space();
    const g: ModelGraph = buildGraph(space, space.freeze(space.parse('|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|')), { input: [8, 8, 3], classes: 4 });
    const model = buildModel(g, 1);
    const y = tf.tidy(() => model.predict(tf.ones([2, 8, 8, 3])) as tf.Tensor);
    expect(y.shape).toEqual([2, 4]);
    // Every cell outputs zeros, so the logits are the Dense bias (zero-initialised).
    expect(Array.from(y.dataSync())).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    y.dispose();
    model.dispose();
  });

  it('is deterministic under the seed', () => {
    const space = new MobilenetSpace();
    const g = buildGraph(space, space.freeze(space.sample(new Rng(5))), { input: [28, 28, 1], classes: 10 });
    const w = (seed: number) => {
      const m = buildModel(g, seed);
      const v = Array.from(m.getWeights()[0]?.dataSync() ?? []);
      m.dispose();
      return v;
    };
    expect(w(3)).toEqual(w(3));
    expect(w(3)).not.toEqual(w(4));
  });
});
