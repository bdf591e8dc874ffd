// TFLite export of the speech and text ops (issue #16), verified in Arm NN 20.08 (TFLite parser,
// CpuRef) against the tfjs reference computation of the same graph and weights (max abs diff ≤ 1e-4).
//
// What is verified where:
// - Speech (1-D convs with kernelW/strideW on [T, F, 1]; 2-D non-square kernels, strides and pools):
//   the whole exported file runs in Arm NN.
// - Text: Arm NN 20.08's TFLite parser has no GATHER and no CAST (see the last test), so the
//   embedding lookup cannot run there. Arm NN runs the file exported with `inputAt: 'embed'`: every
//   op after the embedding (LayerNorm as MEAN/SUB/L2_NORMALIZATION/MUL/ADD, 2-head Attention as
//   SPLIT/RESHAPE/MUL/MEAN/SOFTMAX/CONCATENATION, 1-D convs, max over time, Dense), fed the embedding
//   rows the tfjs reference looks up. Of the full TFLite file this test checks the embedding's
//   lowering structurally (CAST → RESHAPE → GATHER on axis 0 over the embeddings table) and that no
//   normalisation is baked in before it. The full text TFLite file, ids in, runs numerically in the
//   TensorFlow Lite C++ interpreter compiled to WebAssembly (test/tflite-wasm-export.test.ts, with
//   speech and image files too); the full text graph is also verified in onnxruntime
//   (test/export-seq-onnx.test.ts) and in tfjs's graph-model runtime (test/export-tfjs.test.ts).
import { describe, expect, it } from 'vitest';
import { Rng } from '../main/core/rng.js';
import { exportTflite } from '../main/services/export/tflite.js';
import type { GraphWeights } from '../main/services/export/weights.js';
import type { ModelGraph } from '../shared/types/index.js';
import { seqWeights, speech1dGraph, speech2dGraph, textGraph, tokenIds, TEXT_VOCAB } from './fixtures/seq-graphs.js';
import { armnnUnavailable, runTfliteInArmnn, SYSTEM_PYTHON } from './harness/armnn/armnn.js';
import { runGraphTfjs } from './harness/tfjs-graph.js';
import { features, maxAbsDiff, tfliteVsTfjs } from './harness/tflite-parity.js';
import { missingPeer } from './harness/peer.js';
import { execFileSync } from 'node:child_process';
import { setTfjsWeights, weightsFromTfjs } from '../main/services/export/tfjs-weights.js';
import { randomWeights } from '../main/services/export/weights.js';
import { buildGraph } from '../main/core/graph/index.js';
import { KwsSpace } from '../main/core/spaces/kws.js';
import { TextSpace } from '../main/core/spaces/text.js';
import { tf } from '../main/services/train/backend.js';
import { buildModel } from '../main/services/train/model.js';

const skip = missingPeer('Arm NN', armnnUnavailable());
const TOL = 1e-4;

/** The graph after node `at`: its input is that node's output. */
function tailGraph(g: ModelGraph, at: string): ModelGraph {
  const i = g.nodes.findIndex((n) => n.id === at);
  const start = g.nodes[i];
  if (!start) throw new Error(`no node ${at}`);
  const nodes = g.nodes.slice(i + 1).map((n) => ({ ...n, inputs: n.inputs.map((x) => (x === at ? 'input' : x)) }));
  return { ...g, input: start.shape as [number, number, number], nodes };
}

/** Rows of the embeddings table for the ids: what the Embedding node outputs. */
function lookUp(table: Float32Array, ids: Float32Array, units: number): Float32Array {
  const out = new Float32Array(ids.length * units);
  ids.forEach((id, i) => out.set(table.subarray(id * units, (id + 1) * units), i * units));
  return out;
}

describe.skipIf(skip)('TFLite export of speech and text models, checked in Arm NN', () => {
  it('a 1-D conv speech model on [T, F, 1] (first conv kernelW = strideW = F, then k×1 convs): logits and softmax within 1e-4', async () => {
    const g = speech1dGraph();
    const w = seqWeights(g, 1);
    for (const softmax of [false, true]) {
      const r = await tfliteVsTfjs(runTfliteInArmnn, g, w, features(g, 2), softmax);
      expect(r.diff, `softmax ${softmax}`).toBeLessThanOrEqual(TOL);
    }
  });

  it('2-D convs, depthwise convs and pools with different kernels and strides along H and W, also with explicit padding', async () => {
    const g = speech2dGraph();
    const w = seqWeights(g, 3);
    const r = await tfliteVsTfjs(runTfliteInArmnn, g, w, features(g, 4), false);
    expect(r.diff).toBeLessThanOrEqual(TOL);
    expect(r.ops).toEqual(['CONV_2D', 'DEPTHWISE_CONV_2D', 'MAX_POOL_2D', 'AVERAGE_POOL_2D', 'RESHAPE', 'FULLY_CONNECTED']);
    const padded = exportTflite(g, w, { softmax: false, explicitPadding: true });
    expect(padded.ops).toContain('PAD');
    const x = features(g, 5);
    expect(maxAbsDiff((await runTfliteInArmnn(padded.bytes, x)).output, await runGraphTfjs(g, w, x))).toBeLessThanOrEqual(TOL);
  });

  it('a text model after its embedding (LayerNorm, 2-head and 1-head Attention, 1-D conv, max over time): within 1e-4', async () => {
    for (const heads of [2, 1]) {
      const g = textGraph(heads);
      const w = seqWeights(g, 10 + heads);
      const ids = tokenIds(1, g.input[0], 20 + heads);
      const rows = lookUp(w.get('embed', 'embeddings') as Float32Array, ids, 16);
      const model = exportTflite(g, w, { softmax: false, inputAt: 'embed' });
      expect(model.ops).not.toContain('GATHER');
      expect(model.ops).not.toContain('BATCH_MATMUL');
      expect(model.ops).toContain('L2_NORMALIZATION');
      if (heads > 1) expect(model.ops).toContain('SPLIT');
      const { output, shape } = await runTfliteInArmnn(model.bytes, rows);
      expect(shape).toEqual([1, g.classes]);
      const ref = await runGraphTfjs(tailGraph(g, 'embed'), w, rows);
      // The tail fed the looked-up rows computes what the whole graph computes from the ids.
      expect(maxAbsDiff(ref, await runGraphTfjs(g, w, ids))).toBeLessThanOrEqual(1e-6);
      expect(Math.max(...ref) - Math.min(...ref)).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(output, ref), `${heads} head(s)`).toBeLessThanOrEqual(TOL);
    }
  });

  it("the trainer's tfjs models (main/services/train buildModel) with their weights: speech whole, text after its embedding, as model.predict", async () => {
    await tf.setBackend('cpu');
    for (const [i, g] of [speech1dGraph(), speech2dGraph(), textGraph()].entries()) {
      const model = buildModel(g, i);
      try {
        // Weights away from the initialisation (BatchNorm statistics, LayerNorm γ/β), set through the tfjs layers.
        setTfjsWeights(model, g, seqWeights(g, 80 + i) as GraphWeights, (v, shape) => tf.tensor(v, shape));
        const text = g.nodes[0]?.op === 'Embedding';
        const x = text ? tokenIds(1, g.input[0], 90) : features(g, 90 + i);
        const expected = tf.tidy(() => (model.predict(tf.tensor(x, [1, ...g.input])) as tf.Tensor).dataSync() as Float32Array);
        const w = weightsFromTfjs(model, g);
        const exported = exportTflite(g, w, { softmax: false, ...(text ? { inputAt: 'embed' } : {}) });
        const input = text ? lookUp(w.get('embed', 'embeddings') as Float32Array, x, 16) : x;
        const { output } = await runTfliteInArmnn(exported.bytes, input);
        expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(1e-3);
        expect(maxAbsDiff(output, expected), `graph ${i}`).toBeLessThanOrEqual(TOL);
      } finally {
        model.dispose();
      }
    }
  });

  it('sampled architectures of the kws and text spaces (text after its embedding) within 1e-4', async () => {
    const rng = new Rng(21);
    const kws = new KwsSpace();
    const text = new TextSpace();
    for (let i = 0; i < 3; i++) {
      const g = buildGraph(kws, kws.freeze(kws.sample(rng)), { input: [49, 10, 1], classes: 12 });
      const r = await tfliteVsTfjs(runTfliteInArmnn, g, randomWeights(g, i), features(g, i), false);
      expect(r.diff, `kws ${i}`).toBeLessThanOrEqual(TOL);
    }
    for (let i = 0; i < 3; i++) {
      const arch = text.freeze(text.sample(rng));
      const g = buildGraph(text, arch, { input: [24, 1, 1], classes: 6, vocab: 300 });
      const w = randomWeights(g, i);
      const ids = tokenIds(1, 24, i, 300);
      const rows = lookUp(w.get('embed', 'embeddings') as Float32Array, ids, g.nodes[0]?.shape[2] as number);
      const { output } = await runTfliteInArmnn(exportTflite(g, w, { softmax: false, inputAt: 'embed' }).bytes, rows);
      const ref = await runGraphTfjs(g, w, ids);
      expect(Math.max(...ref) - Math.min(...ref)).toBeGreaterThan(1e-3);
      expect(maxAbsDiff(output, ref), `text ${arch.key}`).toBeLessThanOrEqual(TOL);
    }
  });

  it('the full text model: ids enter unnormalised, CAST → RESHAPE → GATHER over the embeddings table first', () => {
    const g = textGraph();
    const w = seqWeights(g, 30);
    const model = exportTflite(g, w);
    expect(model.ops.slice(0, 4)).toEqual(['CAST', 'RESHAPE', 'GATHER', 'MEAN']);
    expect(model.ops).not.toContain('BATCH_MATMUL');
    // The table is stored as it is (float32 bytes in a buffer of the file).
    const table = w.get('embed', 'embeddings') as Float32Array;
    expect(Buffer.from(model.bytes).includes(Buffer.from(table.buffer, table.byteOffset, table.byteLength))).toBe(true);
    expect(table.length).toBe(TEXT_VOCAB * 16);
  });

  it('a start node that is not a cut of the graph is refused with the reason', () => {
    const g = textGraph();
    expect(() => exportTflite(g, seqWeights(g, 1), { inputAt: 'ln1' })).toThrow(/node res1 reads a tensor before ln1/);
    expect(() => exportTflite(g, seqWeights(g, 1), { inputAt: 'nope' })).toThrow(/inputAt nope is not a node/);
  });

  it("Debian's Arm NN 20.08 TFLite parser lacks GATHER, CAST and BATCH_MATMUL (why the text model is checked after its embedding; fails once it has them)", () => {
    const lib = execFileSync(SYSTEM_PYTHON, ['-c', 'import pyarmnn, os; print(os.path.dirname(pyarmnn.__file__))']).toString().trim();
    expect(lib.length).toBeGreaterThan(0);
    const so = execFileSync('sh', ['-c', 'ls /usr/lib/*/libarmnnTfLiteParser.so.* | head -1']).toString().trim();
    const parsers = execFileSync('sh', ['-c', `strings ${so} | grep '^Parse' | sort -u`]).toString().split('\n');
    for (const op of ['ParseConv2D', 'ParseL2Normalization', 'ParseMean', 'ParseSub', 'ParseSplit', 'ParseSoftmax']) expect(parsers).toContain(op);
    for (const op of ['ParseGather', 'ParseCast', 'ParseBatchMatMul']) expect(parsers).not.toContain(op);
  });
});
