// TFLite export, verified in an independent runtime: every exported file is loaded by Arm NN's TFLite
// parser (CpuRef) and its output compared to the tfjs computation of the same graph and weights.
import { describe, expect, it } from 'vitest';
import { Rng } from '../main/core/rng.js';
import { buildGraph } from '../main/core/graph/index.js';
import { MobilenetSpace } from '../main/core/spaces/mobilenet.js';
import { Nb201Space, parseNb201ArchStr } from '../main/core/spaces/nb201.js';
import { exportTflite } from '../main/services/export/tflite.js';
import { weightsFromTfjs } from '../main/services/export/tfjs-weights.js';
import { randomWeights } from '../main/services/export/weights.js';
import { tf } from '../main/services/train/backend.js';
import { buildModel } from '../main/services/train/model.js';
import type { ModelGraph } from '../shared/types/index.js';
import { allOpsGraph } from './fixtures/all-ops-graph.js';
import { armnnUnavailable, runTfliteInArmnn } from './harness/armnn/armnn.js';
import { runGraphTfjs } from './harness/tfjs-graph.js';
import { missingPeer } from './harness/peer.js';

const skip = missingPeer('Arm NN', armnnUnavailable());

function inputFor(g: ModelGraph, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: g.input[0] * g.input[1] * g.input[2] }, () => rng.next() * 2 - 1);
}

async function maxAbsDiff(g: ModelGraph, opts: { softmax: boolean; explicitPadding?: boolean; seed?: number }): Promise<{ diff: number; ops: readonly string[] }> {
  const w = randomWeights(g, opts.seed ?? 7);
  const model = exportTflite(g, w, opts);
  const x = inputFor(g, (opts.seed ?? 7) + 1);
  const armnn = await runTfliteInArmnn(model.bytes, x);
  const ref = await runGraphTfjs(g, w, x, { softmax: opts.softmax });
  expect(armnn.shape).toEqual([1, g.classes]);
  expect(armnn.output.length).toBe(ref.length);
  let diff = 0;
  for (let i = 0; i < ref.length; i++) diff = Math.max(diff, Math.abs((armnn.output[i] as number) - (ref[i] as number)));
  // A constant output would compare well too; make sure the model actually computes something.
  expect(Math.max(...ref) - Math.min(...ref)).toBeGreaterThan(1e-3);
  return { diff, ops: model.ops };
}

describe.skipIf(skip)('TFLite export checked in Arm NN against tfjs', () => {
  it('starts with the TFL3 identifier and a version-3 schema root', () => {
    const bytes = exportTflite(allOpsGraph(), randomWeights(allOpsGraph(), 1)).bytes;
    expect(Buffer.from(bytes.subarray(4, 8)).toString('latin1')).toBe('TFL3');
  });

  it('a graph with every op: logits and softmax within 1e-4, BatchNorm folded, activations fused', async () => {
    const g = allOpsGraph();
    const logits = await maxAbsDiff(g, { softmax: false });
    expect(logits.diff).toBeLessThanOrEqual(1e-4);
    const probs = await maxAbsDiff(g, { softmax: true });
    expect(probs.diff).toBeLessThanOrEqual(1e-4);
    expect(probs.ops).toEqual([
      'CONV_2D', 'DEPTHWISE_CONV_2D', 'CONV_2D', 'ADD', 'MUL', 'ADD', 'MEAN', 'CONV_2D', 'CONV_2D', 'LOGISTIC', 'MUL',
      'MAX_POOL_2D', 'AVERAGE_POOL_2D', 'CONCATENATION', 'TANH', 'MUL', 'ADD', 'RESHAPE', 'FULLY_CONNECTED', 'SOFTMAX',
    ]);
  });

  it('explicit padding: PAD + VALID convolutions give the same result', async () => {
    const r = await maxAbsDiff(allOpsGraph(), { softmax: false, explicitPadding: true });
    expect(r.ops).toContain('PAD');
    expect(r.diff).toBeLessThanOrEqual(1e-4);
  });

  it('random MobileNet-space candidates from the graph IR', async () => {
    const space = new MobilenetSpace();
    const rng = new Rng(3);
    for (let i = 0; i < 2; i++) {
      const g = buildGraph(space, space.freeze(space.sample(rng)), { input: [16, 16, 3], classes: 10 });
      const r = await maxAbsDiff(g, { softmax: false, seed: i });
      expect(r.diff, `candidate ${i}`).toBeLessThanOrEqual(1e-4);
    }
  });

  it('the trainer\'s tfjs model (main/services/train buildModel) and its weights: same outputs in Arm NN', async () => {
    await tf.setBackend('cpu');
    const space = new MobilenetSpace();
    const rng = new Rng(11);
    const graphs = [allOpsGraph(), buildGraph(space, space.freeze(space.sample(rng)), { input: [16, 16, 3], classes: 10 })];
    for (const [i, g] of graphs.entries()) {
      const model = buildModel(g, i);
      try {
        // Trained-looking BatchNorm statistics, so folding them into the convolutions matters.
        const r = new Rng(100 + i);
        for (const layer of model.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
          layer.setWeights(layer.getWeights().map((w, j) => tf.tensor(Float32Array.from({ length: w.size }, () => (j === 0 ? 1 + (r.next() - 0.5) * 0.4 : j === 3 ? 0.5 + r.next() : (r.next() - 0.5) * 0.2)), w.shape)));
        }
        const x = inputFor(g, i);
        const expected = tf.tidy(() => (model.predict(tf.tensor(x, [1, ...g.input])) as tf.Tensor).dataSync() as Float32Array);
        const exported = exportTflite(g, weightsFromTfjs(model, g), { softmax: false });
        const { output } = await runTfliteInArmnn(exported.bytes, x);
        let diff = 0;
        for (let k = 0; k < expected.length; k++) diff = Math.max(diff, Math.abs((output[k] as number) - (expected[k] as number)));
        expect(diff, `graph ${i}`).toBeLessThanOrEqual(1e-4);
        expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(1e-3);
      } finally {
        model.dispose();
      }
    }
  });

  it('a NAS-Bench-201 cell network from the graph IR', async () => {
    const space = new Nb201Space();
    const arch = space.freeze(parseNb201ArchStr('|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'));
    const g = buildGraph(space, arch, { input: [16, 16, 3], classes: 10, nb201: { channels: 8, cellsPerStage: 1 } });
    const r = await maxAbsDiff(g, { softmax: false });
    expect(r.diff).toBeLessThanOrEqual(1e-4);
  });
});
