// A model trained by the native libtorch engine leaves it as Keras-layout weights, exports through
// the same TFLite path as a tfjs model, and runs in an independent runtime (Arm NN) with the logits
// libtorch computes.
import { describe, expect, it } from 'vitest';
import { CancellationTokenSource } from '../main/core/cancellation.js';
import { buildGraph } from '../main/core/graph/index.js';
import { Rng } from '../main/core/rng.js';
import { MobilenetSpace } from '../main/core/spaces/mobilenet.js';
import { exportTflite } from '../main/services/export/tflite.js';
import { loadTorch, TorchModel } from '../main/services/train/torch-engine.js';
import { allOpsGraph } from './fixtures/all-ops-graph.js';
import { armnnUnavailable, runTfliteInArmnn } from './harness/armnn/armnn.js';
import { missingPeer } from './harness/peer.js';

const torch = loadTorch();
const skip = missingPeer('libtorch (the native engine)', typeof torch === 'string' ? torch : undefined) || missingPeer('Arm NN', armnnUnavailable());

describe.skipIf(skip)('libtorch-trained models exported to TFLite', () => {
  it('give the same outputs in Arm NN as in libtorch (≤ 1e-4), BatchNorm statistics learned and folded', async () => {
    const space = new MobilenetSpace();
    const graphs = [allOpsGraph(), buildGraph(space, space.freeze(space.sample(new Rng(21))), { input: [16, 16, 3], classes: 10 })];
    for (const [i, g] of graphs.entries()) {
      const rng = new Rng(40 + i);
      const per = g.input[0] * g.input[1] * g.input[2];
      const n = 96;
      const x = Float32Array.from({ length: n * per }, () => rng.next() * 2 - 1);
      const y = Int32Array.from({ length: n }, (_, k) => k % g.classes);
      const model = new TorchModel(g, { device: 'cpu', seed: i });
      try {
        await model.train({ x, y }, { x: x.subarray(0, 16 * per), y: y.subarray(0, 16) }, { epochs: 2, batchSize: 16, lr: 0.01, schedule: 'cosine', patience: 0, seed: i }, () => {}, new CancellationTokenSource().token);
        const weights = model.weights();
        // training moved the BatchNorm statistics away from their initial (0, 1)
        const means = [...weights.map].filter(([k]) => k.endsWith('/movingMean')).flatMap(([, v]) => Array.from(v));
        expect(means.some((m) => Math.abs(m) > 1e-3), `graph ${i}`).toBe(true);
        const one = x.subarray(0, per);
        const expected = model.predict(one);
        const { output } = await runTfliteInArmnn(exportTflite(g, weights, { softmax: false }).bytes, one);
        let diff = 0;
        for (let k = 0; k < expected.length; k++) diff = Math.max(diff, Math.abs((output[k] as number) - (expected[k] as number)));
        expect(diff, `graph ${i}`).toBeLessThanOrEqual(1e-4);
      } finally {
        model.dispose();
      }
    }
  });
});
