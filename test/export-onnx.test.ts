// ONNX export checked in two runtimes that share no code with Frontier or with each other:
// onnxruntime-node and OpenCV's dnn module (Debian python3-opencv). Each exported model's outputs are
// compared with the tfjs computation of the same graph and weights (and with libtorch for a model
// the native engine trained): max abs diff ≤ 1e-4.
//
// Arm NN: Debian's Arm NN 20.08 is built without its ONNX parser (there is no libarmnnonnxparser
// package; `pyarmnn.IOnnxParser()` raises "Your ArmNN library instance does not support Onnx models
// parser functionality"), so no ONNX model can be checked in Arm NN here; see the last test.
import * as ort from 'onnxruntime-node';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../main/core/graph/index.js';
import { Rng } from '../main/core/rng.js';
import { MobilenetSpace } from '../main/core/spaces/mobilenet.js';
import { Nb201Space, parseNb201ArchStr } from '../main/core/spaces/nb201.js';
import { exportOnnx, type OnnxExportOptions } from '../main/services/export/onnx.js';
import { weightsFromTfjs } from '../main/services/export/tfjs-weights.js';
import { randomWeights, type GraphWeights } from '../main/services/export/weights.js';
import { tf } from '../main/services/train/backend.js';
import { buildModel } from '../main/services/train/model.js';
import { CancellationTokenSource } from '../main/core/cancellation.js';
import { loadTorch, TorchModel } from '../main/services/train/torch-engine.js';
import type { GraphNode, ModelGraph } from '../shared/types/index.js';
import { allOpsGraph } from './fixtures/all-ops-graph.js';
import { opencvUnavailable, runOnnxInOpencv } from './harness/opencv/opencv.js';
import { missingPeer } from './harness/peer.js';
import { runGraphTfjs } from './harness/tfjs-graph.js';

const TOL = 1e-4;

function inputFor(g: ModelGraph, seed: number, batch = 1): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: batch * g.input[0] * g.input[1] * g.input[2] }, () => rng.next() * 2 - 1);
}

/** NHWC [n, h, w, c] → NCHW [n, c, h, w]. */
function toNchw(x: Float32Array, n: number, [h, w, c]: readonly number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++) for (let y = 0; y < (h as number); y++) for (let z = 0; z < (w as number); z++) for (let k = 0; k < (c as number); k++) {
    out[((b * (c as number) + k) * (h as number) + y) * (w as number) + z] = x[((b * (h as number) + y) * (w as number) + z) * (c as number) + k] as number;
  }
  return out;
}

async function runOrt(bytes: Uint8Array, input: Float32Array, dims: readonly number[]): Promise<{ output: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const res = await session.run({ [session.inputNames[0] as string]: new ort.Tensor('float32', input, dims) });
    const out = res[session.outputNames[0] as string] as ort.Tensor;
    return { output: out.data as Float32Array, dims: out.dims };
  } finally {
    await session.release();
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)));
  return d;
}

/** Exports `g` and returns the max abs diff of onnxruntime's output against the tfjs reference. */
async function ortDiff(g: ModelGraph, w: GraphWeights, o: OnnxExportOptions & { seed?: number; batch?: number } = {}): Promise<{ diff: number; ops: readonly string[]; bytes: Uint8Array }> {
  const batch = o.batch ?? 1;
  const x = inputFor(g, (o.seed ?? 7) + 1, batch);
  const softmax = o.softmax ?? true;
  const ex = exportOnnx(g, w, o);
  const nchw = (o.inputLayout ?? 'nchw') === 'nchw';
  const dims = nchw ? [batch, g.input[2], g.input[0], g.input[1]] : [batch, ...g.input];
  const got = await runOrt(ex.bytes, nchw ? toNchw(x, batch, g.input) : x, dims);
  expect(got.dims).toEqual([batch, g.classes]);
  const per = g.input[0] * g.input[1] * g.input[2];
  const ref = new Float32Array(batch * g.classes);
  for (let b = 0; b < batch; b++) ref.set(await runGraphTfjs(g, w, x.subarray(b * per, (b + 1) * per), { softmax }), b * g.classes);
  // A constant output would compare well too: the model must compute something.
  expect(Math.max(...ref) - Math.min(...ref)).toBeGreaterThan(1e-3);
  return { diff: maxAbsDiff(got.output, ref), ops: ex.ops, bytes: ex.bytes };
}

const mobilenet = new MobilenetSpace();
/** Sampled architectures covering every kernel size, with and without squeeze-excite, every expansion. */
const MOBILENET_KEYS = [
  'w1:k3e6se-k5e3/w0.75:k7e1se-k3e3/w0.5:k5e6se/w1:k7e3-k3e6se',
  'w0.5:k5e1-k7e3se/w1:k3e3se/w1:k3e1se/w0.75:k3e6-k5e1',
  'w0.75:k7e6-k7e1se-k5e6/w0.5:k5e1-k3e6se-k7e3/w1:k7e6se/w0.5:k5e3se-k7e1-k3e3se-k5e6',
];
const mobilenetGraph = (key: string) => buildGraph(mobilenet, mobilenet.freeze(mobilenet.parse(key)), { input: [16, 16, 3], classes: 10 });

const nb201 = new Nb201Space();
const NB201_CELLS = [
  '|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|',
  '|avg_pool_3x3~0|+|skip_connect~0|none~1|+|nor_conv_1x1~0|none~1|avg_pool_3x3~2|',
  // every edge into the output node is none: the cell is a Zero node
  '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|none~0|none~1|none~2|',
];
const nb201Graph = (cell: string) => buildGraph(nb201, nb201.freeze(parseNb201ArchStr(cell)), { input: [16, 16, 3], classes: 10, nb201: { channels: 8, cellsPerStage: 1 } });

describe('ONNX export in onnxruntime-node against tfjs', () => {
  it('a graph with every op: logits and probabilities within 1e-4, BatchNorm folded where it can be', async () => {
    const g = allOpsGraph();
    const w = randomWeights(g, 3);
    const logits = await ortDiff(g, w, { softmax: false });
    expect(logits.diff).toBeLessThanOrEqual(TOL);
    const probs = await ortDiff(g, w, {});
    expect(probs.diff).toBeLessThanOrEqual(TOL);
    expect(probs.ops).toEqual([
      'Conv', 'Clip', 'Conv', 'Relu', 'Conv', 'Add', 'BatchNormalization', 'Relu', 'GlobalAveragePool', 'Conv', 'Relu', 'Conv', 'Sigmoid', 'Mul',
      'MaxPool', 'AveragePool', 'Concat', 'Tanh', 'Mul', 'Add', 'Transpose', 'Flatten', 'Gemm', 'Softmax',
    ]);
  });

  it('opset 10 (ReLU6 as Clip-6) gives the same outputs', async () => {
    const g = mobilenetGraph(MOBILENET_KEYS[0] as string);
    const r = await ortDiff(g, randomWeights(g, 5), { opset: 10, softmax: true });
    expect(r.diff).toBeLessThanOrEqual(TOL);
    expect(r.ops).toContain('Clip');
  });

  it('NHWC input layout and a batch of 3 give the same outputs', async () => {
    const g = allOpsGraph();
    const r = await ortDiff(g, randomWeights(g, 4), { inputLayout: 'nhwc', batch: 3, softmax: false });
    expect(r.ops[0]).toBe('Transpose');
    expect(r.diff).toBeLessThanOrEqual(TOL);
    const nchw = await ortDiff(g, randomWeights(g, 4), { batch: 2, softmax: false });
    expect(nchw.diff).toBeLessThanOrEqual(TOL);
  });

  it('sampled MobileNet architectures (kernels 3, 5, 7; squeeze-excite on and off)', async () => {
    const covered = new Set<string>();
    for (const [i, key] of MOBILENET_KEYS.entries()) {
      for (const st of mobilenet.stages(mobilenet.parse(key))) for (const b of st.blocks) covered.add(`k${b.kernel}${b.se ? 'se' : ''}`);
      const g = mobilenetGraph(key);
      const r = await ortDiff(g, randomWeights(g, 10 + i), { softmax: false, seed: i });
      expect(r.diff, key).toBeLessThanOrEqual(TOL);
    }
    expect([...covered].sort()).toEqual(['k3', 'k3se', 'k5', 'k5se', 'k7', 'k7se']);
  });

  it('NAS-Bench-201 cell networks, including one whose cell output is zero', async () => {
    for (const [i, cell] of NB201_CELLS.entries()) {
      const g = nb201Graph(cell);
      const r = await ortDiff(g, randomWeights(g, 20 + i), { softmax: false, seed: i });
      expect(r.diff, cell).toBeLessThanOrEqual(TOL);
    }
  });

  it('the trainer\'s tfjs model and its weights (BatchNorm statistics set): onnxruntime matches model.predict', async () => {
    await tf.setBackend('cpu');
    const graphs = [allOpsGraph(), mobilenetGraph(MOBILENET_KEYS[0] as string), nb201Graph(NB201_CELLS[0] as string)];
    for (const [i, g] of graphs.entries()) {
      const model = buildModel(g, i);
      try {
        const r = new Rng(100 + i);
        for (const layer of model.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
          layer.setWeights(layer.getWeights().map((w, j) => tf.tensor(Float32Array.from({ length: w.size }, () => (j === 0 ? 1 + (r.next() - 0.5) * 0.4 : j === 3 ? 0.5 + r.next() : (r.next() - 0.5) * 0.2)), w.shape)));
        }
        const x = inputFor(g, i, 2);
        const expected = tf.tidy(() => (model.predict(tf.tensor(x, [2, ...g.input])) as tf.Tensor).dataSync() as Float32Array);
        const ex = exportOnnx(g, weightsFromTfjs(model, g), { softmax: false, inputLayout: 'nhwc' });
        const { output } = await runOrt(ex.bytes, x, [2, ...g.input]);
        expect(maxAbsDiff(output, expected), `graph ${i}`).toBeLessThanOrEqual(TOL);
        expect(Math.max(...expected) - Math.min(...expected)).toBeGreaterThan(1e-3);
      } finally {
        model.dispose();
      }
    }
  });

  const torch = loadTorch();
  it.skipIf(missingPeer('libtorch (the native engine)', typeof torch === 'string' ? torch : undefined))('a model trained by the native libtorch engine: onnxruntime matches libtorch', async () => {
    const g = mobilenetGraph(MOBILENET_KEYS[1] as string);
    const rng = new Rng(41);
    const per = g.input[0] * g.input[1] * g.input[2];
    const n = 64;
    const x = Float32Array.from({ length: n * per }, () => rng.next() * 2 - 1);
    const y = Int32Array.from({ length: n }, (_, k) => k % g.classes);
    const model = new TorchModel(g, { device: 'cpu', seed: 1 });
    try {
      await model.train({ x, y }, { x: x.subarray(0, 16 * per), y: y.subarray(0, 16) }, { epochs: 1, batchSize: 16, lr: 0.01, schedule: 'cosine', patience: 0, seed: 1 }, () => {}, new CancellationTokenSource().token);
      const one = x.subarray(0, per);
      const expected = model.predict(one);
      const { output } = await runOrt(exportOnnx(g, model.weights(), { softmax: false, inputLayout: 'nhwc' }).bytes, one, [1, ...g.input]);
      expect(maxAbsDiff(output, expected)).toBeLessThanOrEqual(TOL);
    } finally {
      model.dispose();
    }
  }, 120_000);
});

const noOpencv = missingPeer('OpenCV dnn', opencvUnavailable());
describe.skipIf(noOpencv)('ONNX export in OpenCV dnn against tfjs', () => {
  async function opencvDiff(g: ModelGraph, seed: number, softmax: boolean): Promise<number> {
    const w = randomWeights(g, seed);
    const x = inputFor(g, seed + 1);
    // OpenCV 4.6 parses Clip only in its opset < 11 form (min/max attributes): with opset 13 it
    // rejects Clip's min/max inputs ("expected: 'node_proto.input_size() == 1'").
    const ex = exportOnnx(g, w, { softmax, opset: 10 });
    const got = await runOnnxInOpencv(ex.bytes, toNchw(x, 1, g.input), [1, g.input[2], g.input[0], g.input[1]]);
    expect(got.shape).toEqual([1, g.classes]);
    const ref = await runGraphTfjs(g, w, x, { softmax });
    expect(Math.max(...ref) - Math.min(...ref)).toBeGreaterThan(1e-3);
    return maxAbsDiff(got.output, ref);
  }

  it('the every-op graph, sampled MobileNets and NAS-Bench-201 cells within 1e-4', async () => {
    expect(await opencvDiff(allOpsGraph(), 3, false)).toBeLessThanOrEqual(TOL);
    expect(await opencvDiff(allOpsGraph(), 3, true)).toBeLessThanOrEqual(TOL);
    for (const [i, key] of MOBILENET_KEYS.entries()) expect(await opencvDiff(mobilenetGraph(key), 10 + i, false), key).toBeLessThanOrEqual(TOL);
    for (const [i, cell] of NB201_CELLS.entries()) expect(await opencvDiff(nb201Graph(cell), 20 + i, false), cell).toBeLessThanOrEqual(TOL);
  }, 120_000);
});

describe('Arm NN and ONNX', () => {
  it('Debian\'s Arm NN 20.08 has no ONNX parser (the fact the module header relies on; fails once it has one)', () => {
    let out: string;
    try {
      out = execFileSync('/usr/bin/python3', ['-c', 'import warnings; warnings.simplefilter("ignore")\nimport pyarmnn\ntry:\n  pyarmnn.IOnnxParser(); print("onnx-parser")\nexcept RuntimeError as e: print("no-onnx-parser")'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      out = 'no-pyarmnn';
    }
    expect(['no-onnx-parser', 'no-pyarmnn']).toContain(out.trim());
  });
});

describe('ONNX export of bad graphs and weights: one clear error', () => {
  const g = allOpsGraph();
  const w = randomWeights(g, 1);
  const node = (i: number, patch: Partial<GraphNode>): ModelGraph => ({ ...g, nodes: g.nodes.map((n, k) => (k === i ? { ...n, ...patch } : n)) });
  const cases: [string, ModelGraph, RegExp][] = [
    ['composite op', node(3, { op: 'MBConv' }), /node 3 \("dw"\): MBConv is a composite layer op, not a graph primitive/],
    ['unknown op', node(3, { op: 'Gelu' as GraphNode['op'] }), /unknown op "Gelu"/],
    ['input read before it is computed', node(0, { inputs: ['dw'] }), /input "dw" is neither the graph input nor an earlier node/],
    ['wrong shape', node(0, { shape: [9, 9, 8] }), /Conv2D computes \[5, 5, 8\], the node says \[9,9,8\]/],
    ['missing kernel size', node(0, { attrs: { stride: 2, filters: 8 } }), /needs a positive integer kernel/],
    ['Add of one input', node(7, { inputs: ['pw'] }), /Add takes 2 input\(s\), got 1/],
    ['output not logits', { ...g, output: 'flat' }, /output flat has shape \[144\], expected \[5\] logits/],
    ['dense on a feature map', node(23, { inputs: ['sum'] }), /Dense needs a vector input \[C\], got \[3, 3, 16\]/],
  ];
  for (const [what, bad, message] of cases) {
    it(what, () => {
      expect(() => exportOnnx(bad, w)).toThrow(message);
    });
  }

  it('missing or mis-sized weights name the node and the tensor', () => {
    const map = new Map((w as unknown as { map: Map<string, Float32Array> }).map);
    map.delete('dw/kernel');
    expect(() => exportOnnx(g, { get: (id, k) => map.get(`${id}/${k}`) })).toThrow(/ONNX export: no kernel weights for node dw/);
    map.set('dw/kernel', new Float32Array(5));
    expect(() => exportOnnx(g, { get: (id, k) => map.get(`${id}/${k}`) })).toThrow(/ONNX export: dw\/kernel has 5 values, expected 72 \[3, 3, 8, 1\]/);
  });
});
