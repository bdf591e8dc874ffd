// TFLite export (issue #16) run whole in the TensorFlow Lite C++ interpreter itself, compiled to
// WebAssembly (npm @tensorflow/tfjs-tflite@0.0.1-alpha.10's wasm build, fetched by
// scripts/fetch-tflite-web.mjs into .cache/tflite-web/; see test/harness/tflite-web.ts), against the
// tfjs reference computation of the same graph and weights (max abs diff ≤ 1e-4). Arm NN 20.08 has no
// GATHER or CAST, so test/tflite-seq-export.test.ts runs a text model there only from its embedding's
// output on; here the whole text file runs from the token ids (CAST → RESHAPE → GATHER included),
// next to a speech model and the image all-ops graph as a cross-check of the Arm NN results.
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../main/core/graph/index.js';
import { Rng } from '../main/core/rng.js';
import { TextSpace } from '../main/core/spaces/text.js';
import { setTfjsWeights, weightsFromTfjs } from '../main/services/export/tfjs-weights.js';
import { exportTflite } from '../main/services/export/tflite.js';
import type { GraphWeights } from '../main/services/export/weights.js';
import { randomWeights } from '../main/services/export/weights.js';
import { tf } from '../main/services/train/backend.js';
import { buildModel } from '../main/services/train/model.js';
import type { ModelGraph } from '../shared/types/index.js';
import { allOpsGraph } from './fixtures/all-ops-graph.js';
import { seqWeights, speech1dGraph, speech2dGraph, textGraph, tokenIds, TEXT_VOCAB } from './fixtures/seq-graphs.js';
import { missingPeer } from './harness/peer.js';
import { runGraphTfjs } from './harness/tfjs-graph.js';
import { features, maxAbsDiff, tfliteVsTfjs } from './harness/tflite-parity.js';
import { runTfliteInWasm, tfliteWebUnavailable } from './harness/tflite-web.js';

const skip = missingPeer('the TFLite WebAssembly interpreter', tfliteWebUnavailable());
const TOL = 1e-4;

describe.skipIf(skip)('TFLite export run whole in the TFLite interpreter (WebAssembly)', () => {
  it('the whole text model from token ids (CAST → RESHAPE → GATHER, LayerNorm, 2- and 1-head Attention, 1-D conv, max over time): logits and softmax within 1e-4', async () => {
    for (const heads of [2, 1]) {
      const g = textGraph(heads);
      const w = seqWeights(g, 10 + heads);
      for (const softmax of [false, true]) {
        const r = await tfliteVsTfjs(runTfliteInWasm, g, w, tokenIds(1, g.input[0], 20 + heads), softmax);
        expect(r.ops.slice(0, 3)).toEqual(['CAST', 'RESHAPE', 'GATHER']);
        expect(r.diff, `${heads} head(s), softmax ${softmax}`).toBeLessThanOrEqual(TOL);
      }
    }
  });

  it('ids at both ends of the vocabulary and repeated ids look up the right rows', async () => {
    const g = textGraph();
    const w = seqWeights(g, 40);
    const last = TEXT_VOCAB - 1;
    for (const ids of [[0, last, 0, last, 1, last - 1, 0, 0, last, last, 2, 3], Array.from({ length: 12 }, () => last)]) {
      const x = Float32Array.from(ids);
      const model = exportTflite(g, w, { softmax: false });
      const ref = await runGraphTfjs(g, w, x);
      expect(maxAbsDiff((await runTfliteInWasm(model.bytes, x)).output, ref), ids.join(',')).toBeLessThanOrEqual(TOL);
    }
  });

  it("the trainer's tfjs text model (buildModel) with its weights, exported whole: model.predict on the ids within 1e-4", async () => {
    await tf.setBackend('cpu');
    const g = textGraph();
    const model = buildModel(g, 3);
    try {
      setTfjsWeights(model, g, seqWeights(g, 83) as GraphWeights, (v, shape) => tf.tensor(v, shape));
      for (const seed of [90, 91]) {
        const ids = tokenIds(1, g.input[0], seed);
        const expected = tf.tidy(() => (model.predict(tf.tensor(ids, [1, ...g.input])) as tf.Tensor).dataSync() as Float32Array);
        const exported = exportTflite(g, weightsFromTfjs(model, g), { softmax: false });
        const { output } = await runTfliteInWasm(exported.bytes, ids);
        expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(1e-3);
        expect(maxAbsDiff(output, expected), `ids seed ${seed}`).toBeLessThanOrEqual(TOL);
      }
    } finally {
      model.dispose();
    }
  });

  it('sampled architectures of the text space, whole from token ids, within 1e-4', async () => {
    const rng = new Rng(21);
    const text = new TextSpace();
    for (let i = 0; i < 4; i++) {
      const arch = text.freeze(text.sample(rng));
      const g = buildGraph(text, arch, { input: [24, 1, 1], classes: 6, vocab: 300 });
      const r = await tfliteVsTfjs(runTfliteInWasm, g, randomWeights(g, i), tokenIds(1, 24, i, 300), false);
      expect(r.ops[2]).toBe('GATHER');
      expect(r.diff, `text ${arch.key}`).toBeLessThanOrEqual(TOL);
    }
  });

  it('speech (1-D convs on [T, F, 1]; 2-D non-square kernels, strides and pools) and the image all-ops graph agree too', async () => {
    const cases: [string, ModelGraph, GraphWeights][] = [
      ['speech 1-D', speech1dGraph(), seqWeights(speech1dGraph(), 1) as GraphWeights],
      ['speech 2-D', speech2dGraph(), seqWeights(speech2dGraph(), 3) as GraphWeights],
      ['image all ops', allOpsGraph(), randomWeights(allOpsGraph(), 7)],
    ];
    for (const [name, g, w] of cases) {
      const r = await tfliteVsTfjs(runTfliteInWasm, g, w, features(g, 8), true);
      expect(r.diff, name).toBeLessThanOrEqual(TOL);
    }
  });

  it('the interpreter refuses a damaged file and an id past the vocabulary with its own error', async () => {
    const g = textGraph();
    const bytes = exportTflite(g, seqWeights(g, 1)).bytes;
    await expect(runTfliteInWasm(bytes.subarray(0, 200), tokenIds(1, 12, 1))).rejects.toThrow(/could not load|inference failed/);
    const ids = tokenIds(1, 12, 2);
    ids[5] = TEXT_VOCAB;
    await expect(runTfliteInWasm(bytes, ids)).rejects.toThrow(/inference failed.*gather index out of bounds/);
  });
});
