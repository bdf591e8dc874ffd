// ONNX export of the speech and text ops (issue #16) in onnxruntime-node, against the tfjs reference
// computation of the same graph and weights (test/harness/tfjs-graph.ts): max abs diff ≤ 1e-4.
// This is where the whole text model, token ids in (Embedding as Cast + Gather), is checked in a
// runtime independent of Frontier; Arm NN checks the TFLite file after the embedding
// (test/tflite-seq-export.test.ts). The speech models are also run in OpenCV's dnn module (its
// ONNX importer, 4.6, cannot gather rows of a constant table by runtime ids, so not the text model).
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Rng } from '../main/core/rng.js';
import { exportOnnx, type OnnxExportOptions } from '../main/services/export/onnx.js';
import type { GraphWeights } from '../main/services/export/weights.js';
import type { ModelGraph } from '../shared/types/index.js';
import { seqWeights, speech1dGraph, speech2dGraph, textGraph, tokenIds } from './fixtures/seq-graphs.js';
import { runGraphTfjs } from './harness/tfjs-graph.js';
import { opencvUnavailable, runOnnxInOpencv } from './harness/opencv/opencv.js';
import { missingPeer } from './harness/peer.js';
import { setTfjsWeights, weightsFromTfjs } from '../main/services/export/tfjs-weights.js';
import { tf } from '../main/services/train/backend.js';
import { buildModel } from '../main/services/train/model.js';
import { randomWeights } from '../main/services/export/weights.js';
import { buildGraph } from '../main/core/graph/index.js';
import { KwsSpace } from '../main/core/spaces/kws.js';
import { TextSpace } from '../main/core/spaces/text.js';

const TOL = 1e-4;

/** NHWC [n, h, w, c] → NCHW [n, c, h, w]. */
function toNchw(x: Float32Array, n: number, [h, w, c]: readonly number[]): Float32Array {
  const [H, W, C] = [h as number, w as number, c as number];
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++) for (let y = 0; y < H; y++) for (let z = 0; z < W; z++) for (let k = 0; k < C; k++) {
    out[((b * C + k) * H + y) * W + z] = x[((b * H + y) * W + z) * C + k] as number;
  }
  return out;
}

async function ortDiff(g: ModelGraph, w: GraphWeights, x: Float32Array, batch: number, o: OnnxExportOptions = {}): Promise<{ diff: number; ops: readonly string[] }> {
  const ex = exportOnnx(g, w, o);
  const nchw = (o.inputLayout ?? 'nchw') === 'nchw';
  const dims = nchw ? [batch, g.input[2], g.input[0], g.input[1]] : [batch, ...g.input];
  const session = await ort.InferenceSession.create(ex.bytes);
  let got: ort.Tensor;
  try {
    got = (await session.run({ [session.inputNames[0] as string]: new ort.Tensor('float32', nchw ? toNchw(x, batch, g.input) : x, dims) }))[session.outputNames[0] as string] as ort.Tensor;
  } finally {
    await session.release();
  }
  expect(got.dims).toEqual([batch, g.classes]);
  const per = g.input[0] * g.input[1] * g.input[2];
  const ref = new Float32Array(batch * g.classes);
  for (let b = 0; b < batch; b++) ref.set(await runGraphTfjs(g, w, x.subarray(b * per, (b + 1) * per), { softmax: o.softmax ?? true }), b * g.classes);
  // A constant output would compare well too: the model must compute something.
  expect(Math.max(...ref) - Math.min(...ref)).toBeGreaterThan(1e-3);
  const out = got.data as Float32Array;
  let diff = 0;
  for (let i = 0; i < ref.length; i++) diff = Math.max(diff, Math.abs((out[i] as number) - (ref[i] as number)));
  return { diff, ops: ex.ops };
}

function features(g: ModelGraph, batch: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: batch * g.input[0] * g.input[1] * g.input[2] }, () => rng.next() * 2 - 1);
}

describe('ONNX export of speech and text models in onnxruntime-node against tfjs', () => {
  it('speech: 1-D convs (kernelW = strideW = F) and 2-D non-square kernels, strides and pools, batch 2, both layouts and opsets', async () => {
    for (const [i, g] of [speech1dGraph(), speech2dGraph()].entries()) {
      const w = seqWeights(g, 40 + i);
      const x = features(g, 2, 50 + i);
      for (const o of [{ softmax: false }, { softmax: true, inputLayout: 'nhwc' as const }, { softmax: false, opset: 10 as const }]) {
        const r = await ortDiff(g, w, x, 2, o);
        expect(r.diff, `graph ${i} ${JSON.stringify(o)}`).toBeLessThanOrEqual(TOL);
      }
    }
  });

  it('text, ids in: Embedding as Cast + Gather, LayerNorm from primitives, Attention as MatMul/Softmax (2 heads and 1), batch 3', async () => {
    for (const heads of [2, 1]) {
      const g = textGraph(heads);
      const w = seqWeights(g, 60 + heads);
      const ids = tokenIds(3, g.input[0], 70 + heads);
      for (const o of [{ softmax: false }, { softmax: true, inputLayout: 'nhwc' as const, opset: 10 as const }]) {
        const r = await ortDiff(g, w, ids, 3, o);
        expect(r.diff, `${heads} head(s) ${JSON.stringify(o)}`).toBeLessThanOrEqual(TOL);
        expect(r.ops).toEqual(expect.arrayContaining(['Cast', 'Gather', 'ReduceMean', 'Sqrt', 'Max', 'MatMul', 'Softmax']));
        expect(r.ops).not.toContain('LayerNormalization');
      }
    }
  });

  it('sampled architectures of the kws and text spaces (text from token ids), batch 2', async () => {
    const rng = new Rng(23);
    const kws = new KwsSpace();
    const text = new TextSpace();
    for (let i = 0; i < 3; i++) {
      const g = buildGraph(kws, kws.freeze(kws.sample(rng)), { input: [49, 10, 1], classes: 12 });
      expect((await ortDiff(g, randomWeights(g, i), features(g, 2, i), 2, { softmax: false })).diff, `kws ${i}`).toBeLessThanOrEqual(TOL);
      const t = buildGraph(text, text.freeze(text.sample(rng)), { input: [24, 1, 1], classes: 6, vocab: 300 });
      expect((await ortDiff(t, randomWeights(t, i), tokenIds(2, 24, i, 300), 2, { softmax: false })).diff, `text ${i}`).toBeLessThanOrEqual(TOL);
    }
  });

  it("the trainer's tfjs models and their weights: onnxruntime matches model.predict (batch 2, ids in for text)", async () => {
    await tf.setBackend('cpu');
    for (const [i, g] of [speech1dGraph(), speech2dGraph(), textGraph()].entries()) {
      const model = buildModel(g, i);
      try {
        setTfjsWeights(model, g, seqWeights(g, 100 + i) as GraphWeights, (v, shape) => tf.tensor(v, shape));
        const x = g.nodes[0]?.op === 'Embedding' ? tokenIds(2, g.input[0], 110) : features(g, 2, 110 + i);
        const expected = tf.tidy(() => (model.predict(tf.tensor(x, [2, ...g.input])) as tf.Tensor).dataSync() as Float32Array);
        const ex = exportOnnx(g, weightsFromTfjs(model, g), { softmax: false, inputLayout: 'nhwc' });
        const session = await ort.InferenceSession.create(ex.bytes);
        try {
          const got = (await session.run({ [ex.inputName]: new ort.Tensor('float32', x, [2, ...g.input]) }))[ex.outputName] as ort.Tensor;
          let diff = 0;
          (got.data as Float32Array).forEach((v, k) => (diff = Math.max(diff, Math.abs(v - (expected[k] as number)))));
          expect(diff, `graph ${i}`).toBeLessThanOrEqual(TOL);
        } finally {
          await session.release();
        }
        expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(1e-3);
      } finally {
        model.dispose();
      }
    }
  });

  it('a bad sequence graph is refused with the node named', () => {
    const g = textGraph();
    const w = seqWeights(g, 1);
    const bad = (patch: (n: ModelGraph['nodes'][number]) => ModelGraph['nodes'][number]) => ({ ...g, nodes: g.nodes.map(patch) });
    expect(() => exportOnnx(bad((n) => (n.id === 'att' ? { ...n, attrs: { heads: 3 } } : n)), w)).toThrow(/node 5 \("att"\): Attention: 3 heads do not divide 16 channels/);
    expect(() => exportOnnx(bad((n) => (n.id === 'att' ? { ...n, inputs: ['q', 'k'] } : n)), w)).toThrow(/Attention takes 3 input\(s\), got 2/);
    expect(() => exportOnnx(bad((n) => (n.id === 'embed' ? { ...n, attrs: { units: 16 } } : n)), w)).toThrow(/Embedding needs a positive integer vocab/);
    expect(() => exportOnnx({ ...g, input: [12, 1, 2] }, w)).toThrow(/Embedding needs token ids \[L, 1, 1\], got \[12, 1, 2\]/);
  });
});

describe.skipIf(missingPeer('OpenCV dnn', opencvUnavailable()))('ONNX export of speech models in OpenCV dnn against tfjs', () => {
  it('1-D conv (kernelW = strideW = F) and 2-D non-square speech models within 1e-4 (opset 10)', async () => {
    for (const [i, g] of [speech1dGraph(), speech2dGraph()].entries()) {
      const w = seqWeights(g, 120 + i);
      const x = features(g, 1, 130 + i);
      const got = await runOnnxInOpencv(exportOnnx(g, w, { softmax: false, opset: 10 }).bytes, toNchw(x, 1, g.input), [1, g.input[2], g.input[0], g.input[1]]);
      expect(got.shape).toEqual([1, g.classes]);
      const ref = await runGraphTfjs(g, w, x);
      expect(Math.max(...ref) - Math.min(...ref)).toBeGreaterThan(1e-3);
      let diff = 0;
      ref.forEach((v, k) => (diff = Math.max(diff, Math.abs(v - (got.output[k] as number)))));
      expect(diff, `graph ${i}`).toBeLessThanOrEqual(TOL);
    }
  });
});
