import { beforeAll, describe, expect, it } from 'vitest';
import { buildGraph, graphCost } from '../../core/graph/index.js';
import { Rng } from '../../core/rng.js';
import { KwsSpace } from '../../core/spaces/kws.js';
import { missingPeer } from '../../../test/harness/peer.js';
import { expectModelCosts } from '../../../test/harness/tfjs-costs.js';
import { weightsFromTfjs } from '../export/tfjs-weights.js';
import { chooseBackend, tf } from './backend.js';
import { buildModel } from './model.js';
import { loadTorch, TorchModel } from './torch-engine.js';

const torch = loadTorch();
const noTorch = missingPeer('libtorch (the native engine)', typeof torch === 'string' ? torch : undefined);

describe('kws space: analytic costs equal the tfjs model', () => {
  beforeAll(async () => {
    await chooseBackend('cpu');
  });

  it('params, trainable params, FLOPs and output shape, for random DS-CNN and TC-ResNet architectures on MFCC and log-mel inputs', () => {
    const space = new KwsSpace();
    const rng = new Rng(16);
    const seen = new Set<string>();
    for (let i = 0; i < 24; i++) {
      const a = space.freeze(space.sample(rng));
      seen.add(a.key.split(':')[0] as string);
      const input: [number, number, number] = i % 2 ? [49, 10, 1] : [98, 40, 1];
      const g = buildGraph(space, a, { input, classes: 10 });
      const c = graphCost(g);
      const model = buildModel(g, i);
      try {
        expectModelCosts(model, c, a.key, 10);
        // The graph's own shapes are the model's: the pooled features before the classifier.
        const pool = g.nodes.find((n) => n.op === 'GlobalAvgPool');
        expect(model.getLayer(pool?.id as string).outputShape, a.key).toEqual([null, ...(pool?.shape ?? [])]);
      } finally {
        model.dispose();
      }
    }
    expect([...seen].sort()).toEqual(['ds-cnn', 'tc-resnet']);
  });

  it.skipIf(noTorch)('the native engine: the same parameter count, and the same logits as tfjs with the same weights', () => {
    const space = new KwsSpace();
    const rng = new Rng(61);
    for (let i = 0; i < 8; i++) {
      const a = space.freeze(space.sample(rng));
      const input: [number, number, number] = i % 2 ? [49, 10, 1] : [49, 40, 1];
      const g = buildGraph(space, a, { input, classes: 10 });
      const model = buildModel(g, i);
      const native = new TorchModel(g, { device: 'cpu' });
      try {
        expect(native.paramCount(), a.key).toBe(graphCost(g).params);
        native.setWeights(weightsFromTfjs(model, g).map);
        const x = Float32Array.from({ length: 2 * input[0] * input[1] }, (_, k) => Math.sin(k * 0.37) + 0.1 * ((k * 7919) % 13));
        const want = tf.tidy(() => (model.predict(tf.tensor4d(x, [2, ...input])) as tf.Tensor).dataSync());
        const got = native.predict(x);
        expect(got.length).toBe(want.length);
        let worst = 0;
        for (let k = 0; k < got.length; k++) worst = Math.max(worst, Math.abs((got[k] as number) - (want[k] as number)) / Math.max(1, Math.abs(want[k] as number)));
        expect(worst, a.key).toBeLessThan(1e-4);
      } finally {
        native.dispose();
        model.dispose();
      }
    }
  });
});
