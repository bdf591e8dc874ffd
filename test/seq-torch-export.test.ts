// Speech and text models trained by the native libtorch engine (#16) leave it as Keras-layout weights
// and export with libtorch's logits: the 1-D conv speech model whole in Arm NN (TFLite); the text
// model in Arm NN after its embedding (Arm NN 20.08 has no GATHER/CAST; see
// test/tflite-seq-export.test.ts) and whole, from token ids, in onnxruntime (ONNX). Max abs diff ≤ 1e-4.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { CancellationTokenSource } from '../main/core/cancellation.js';
import { Rng } from '../main/core/rng.js';
import { exportOnnx } from '../main/services/export/onnx.js';
import { exportTflite } from '../main/services/export/tflite.js';
import { loadTorch, TorchModel } from '../main/services/train/torch-engine.js';
import type { ModelGraph } from '../shared/types/index.js';
import { speech1dGraph, textGraph, tokenIds, TEXT_VOCAB } from './fixtures/seq-graphs.js';
import { armnnUnavailable, runTfliteInArmnn } from './harness/armnn/armnn.js';
import { missingPeer } from './harness/peer.js';

const torch = loadTorch();
const skip = missingPeer('libtorch (the native engine)', typeof torch === 'string' ? torch : undefined) || missingPeer('Arm NN', armnnUnavailable());

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)));
  return d;
}

async function trained(g: ModelGraph, x: Float32Array, seed: number): Promise<TorchModel> {
  const per = g.input[0] * g.input[1] * g.input[2];
  const n = x.length / per;
  const y = Int32Array.from({ length: n }, (_, k) => k % g.classes);
  const model = new TorchModel(g, { device: 'cpu', seed });
  await model.train({ x, y }, { x: x.subarray(0, 16 * per), y: y.subarray(0, 16) }, { epochs: 2, batchSize: 16, lr: 0.01, schedule: 'cosine', patience: 0, seed }, () => {}, new CancellationTokenSource().token);
  return model;
}

describe.skipIf(skip)('libtorch-trained speech and text models exported', () => {
  it('a 1-D conv speech model: Arm NN (TFLite) gives libtorch\'s logits', async () => {
    const g = speech1dGraph();
    const rng = new Rng(1);
    const x = Float32Array.from({ length: 64 * g.input[0] * g.input[1] }, () => rng.next() * 2 - 1);
    const model = await trained(g, x, 1);
    try {
      const one = x.subarray(0, g.input[0] * g.input[1]);
      const expected = model.predict(one);
      expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(1e-3);
      const { output } = await runTfliteInArmnn(exportTflite(g, model.weights(), { softmax: false }).bytes, one);
      expect(maxAbsDiff(output, expected)).toBeLessThanOrEqual(1e-4);
    } finally {
      model.dispose();
    }
  }, 120_000);

  it('a text model: onnxruntime from token ids, and Arm NN after the embedding, give libtorch\'s logits', async () => {
    const g = textGraph(2);
    const l = g.input[0];
    const x = tokenIds(64, l, 2);
    const model = await trained(g, x, 2);
    try {
      const one = x.subarray(0, l);
      const expected = model.predict(one);
      expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(1e-3);
      const w = model.weights();
      const ex = exportOnnx(g, w, { softmax: false, inputLayout: 'nhwc' });
      const session = await ort.InferenceSession.create(ex.bytes);
      try {
        const got = (await session.run({ [ex.inputName]: new ort.Tensor('float32', one, [1, ...g.input]) }))[ex.outputName] as ort.Tensor;
        expect(maxAbsDiff(got.data as Float32Array, expected)).toBeLessThanOrEqual(1e-4);
      } finally {
        await session.release();
      }
      const table = w.get('embed', 'embeddings') as Float32Array;
      expect(table.length).toBe(TEXT_VOCAB * 16);
      const rows = new Float32Array(l * 16);
      one.forEach((id, i) => rows.set(table.subarray(id * 16, (id + 1) * 16), i * 16));
      const { output } = await runTfliteInArmnn(exportTflite(g, w, { softmax: false, inputAt: 'embed' }).bytes, rows);
      expect(maxAbsDiff(output, expected)).toBeLessThanOrEqual(1e-4);
    } finally {
      model.dispose();
    }
  }, 120_000);
});
