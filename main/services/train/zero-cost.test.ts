// Zero-cost proxies on tiny models whose scores are known in closed form, on real search-space
// candidates, against the native engine's gradients, and on bad input.
import { beforeAll, describe, expect, it } from 'vitest';
import { NasError } from '../../../shared/errors.js';
import type { ModelGraph } from '../../../shared/types/index.js';
import { missingPeer } from '../../../test/harness/peer.js';
import { buildGraph } from '../../core/graph/index.js';
import { Rng } from '../../core/rng.js';
import { MobilenetSpace } from '../../core/spaces/mobilenet.js';
import { weightsFromTfjs } from '../export/tfjs-weights.js';
import { chooseBackend, tf } from './backend.js';
import { buildModel } from './model.js';
import { loadTorch, TorchModel } from './torch-engine.js';
import { gradientProxies, logDetSpd, naswotFromCodes, torchGradientProxies, zeroCostOfGraph, zeroCostTfjs, ZERO_COST_PROXIES } from './zero-cost.js';

/** input [1,1,2] → flatten → Dense(3) → ReLU → Dense(2): logits, no biases. */
const twoLayer: ModelGraph = {
  input: [1, 1, 2],
  classes: 2,
  output: 'd2',
  nodes: [
    { id: 'flat', op: 'Reshape', attrs: {}, inputs: ['input'], shape: [2] },
    { id: 'd1', op: 'Dense', attrs: { units: 3, useBias: false }, inputs: ['flat'], shape: [3] },
    { id: 'r', op: 'ReLU', attrs: {}, inputs: ['d1'], shape: [3] },
    { id: 'd2', op: 'Dense', attrs: { units: 2, useBias: false }, inputs: ['r'], shape: [2] },
  ],
};
const W1 = [0.5, -1, 2, -0.25, 1.5, -3]; // [2, 3]
const W2 = [1, -2, 0.5, 0.75, -1.25, 2]; // [3, 2]

function twoLayerModel(): tf.LayersModel {
  const m = buildModel(twoLayer, 0);
  m.setWeights([tf.tensor2d(W1, [2, 3]), tf.tensor2d(W2, [3, 2])]);
  return m;
}

function randomBatch(g: ModelGraph, n: number, seed: number): { x: Float32Array; y: Int32Array } {
  const rng = new Rng(seed);
  return {
    x: Float32Array.from({ length: n * g.input[0] * g.input[1] * g.input[2] }, () => rng.next() * 2 - 1),
    y: Int32Array.from({ length: n }, () => Math.floor(rng.next() * g.classes)),
  };
}

const mb = new MobilenetSpace();
const candidate = (seed: number) => buildGraph(mb, mb.freeze(mb.sample(new Rng(seed))), { input: [28, 28, 1], classes: 10, mobilenet: { stemStride: 2 } });

describe('zero-cost proxies', () => {
  beforeAll(async () => {
    await chooseBackend('wasm');
  });

  it('synflow of a two-layer ReLU network is 2·Σ|W1_ij||W2_jk| (each layer carries all of R)', () => {
    const m = twoLayerModel();
    try {
      let r = 0;
      for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 2; k++) r += Math.abs(W1[i * 3 + j] as number) * Math.abs(W2[j * 2 + k] as number);
      const got = zeroCostTfjs(m, twoLayer, { x: new Float32Array([1, 2]), y: [0] }, ['synflow']);
      expect(got.synflow).toBeCloseTo(2 * r, 4);
      // the model itself keeps its signed weights
      expect(Array.from(m.getWeights()[0]?.dataSync() ?? [])).toEqual(W1);
    } finally {
      m.dispose();
    }
  });

  it('grad_norm and snip equal the hand-computed cross-entropy gradient of a one-layer model', () => {
    const g: ModelGraph = { input: [1, 1, 2], classes: 3, output: 'd', nodes: [twoLayer.nodes[0] as ModelGraph['nodes'][number], { id: 'd', op: 'Dense', attrs: { units: 3, useBias: false }, inputs: ['flat'], shape: [3] }] };
    const m = buildModel(g, 0);
    const w = [0.2, -0.4, 0.1, 0.3, 0.5, -0.6];
    m.setWeights([tf.tensor2d(w, [2, 3])]);
    const xs = [[1, -1], [0.5, 2]];
    const ys = [2, 0];
    // dL/dW = (1/n) Σ x (softmax(Wᵀx) − onehot(y))ᵀ
    const grad = new Array(6).fill(0) as number[];
    xs.forEach((x, s) => {
      const z = [0, 1, 2].map((k) => (x[0] as number) * (w[k] as number) + (x[1] as number) * (w[3 + k] as number));
      const e = z.map((v) => Math.exp(v));
      const p = e.map((v) => v / e.reduce((a, b) => a + b, 0));
      for (let i = 0; i < 2; i++) for (let k = 0; k < 3; k++) grad[i * 3 + k] = (grad[i * 3 + k] as number) + ((x[i] as number) * ((p[k] as number) - (k === ys[s] ? 1 : 0))) / xs.length;
    });
    try {
      const got = zeroCostTfjs(m, g, { x: new Float32Array(xs.flat()), y: ys }, ['grad_norm', 'snip']);
      expect(got.grad_norm).toBeCloseTo(Math.hypot(...grad), 5);
      expect(got.snip).toBeCloseTo(grad.reduce((a, gi, i) => a + Math.abs(gi * (w[i] as number)), 0), 5);
    } finally {
      m.dispose();
    }
  });

  it('naswot of a batch of identical examples is log(1 + n·units), lower than of distinct examples', () => {
    const m = twoLayerModel();
    try {
      const same = zeroCostTfjs(m, twoLayer, { x: new Float32Array([1, 2, 1, 2, 1, 2, 1, 2]), y: [0, 1, 0, 1] }, ['naswot']).naswot;
      expect(same).toBeCloseTo(Math.log(1 + 4 * 3), 6);
      // four examples in different ReLU regions
      const distinct = zeroCostTfjs(m, twoLayer, { x: new Float32Array([1, 0, -1, 0, 0, 1, 0, -1]), y: [0, 1, 0, 1] }, ['naswot']).naswot;
      expect(distinct).toBeGreaterThan(same + 1);
    } finally {
      m.dispose();
    }
    // the kernel directly: two examples, one layer of two units
    expect(naswotFromCodes([new Float32Array([1, 0, 1, 0])], 2)).toBeCloseTo(Math.log(3 * 3 - 2 * 2), 9);
    expect(naswotFromCodes([new Float32Array([1, 0, 0, 1])], 2)).toBeCloseTo(Math.log(3 * 3), 9);
    expect(logDetSpd(new Float64Array([4, 2, 2, 3]), 2)).toBeCloseTo(Math.log(8), 12);
  });

  it('scores real mobilenet candidates: finite, deterministic under the seed, and different between architectures', () => {
    const g = candidate(1);
    const batch = randomBatch(g, 8, 3);
    const a = zeroCostOfGraph(g, batch, ZERO_COST_PROXIES, 7);
    expect(Object.keys(a).sort()).toEqual([...ZERO_COST_PROXIES].sort());
    for (const v of Object.values(a)) {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThan(0);
    }
    expect(zeroCostOfGraph(g, batch, ZERO_COST_PROXIES, 7)).toEqual(a);
    const other = zeroCostOfGraph(candidate(2), batch, ['synflow'], 7);
    expect(other.synflow).not.toBe(a.synflow);
  });

  it('gives a clear error for an empty batch, a malformed batch, bad labels, NaN weights or inputs, and unknown proxies', () => {
    const m = twoLayerModel();
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(NasError);
        expect((e as NasError).code).toBe('invalid-input');
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    try {
      expect(err(() => zeroCostTfjs(m, twoLayer, { x: new Float32Array(0), y: [] }, ['snip']))).toMatch(/batch is empty/);
      expect(err(() => zeroCostTfjs(m, twoLayer, { x: new Float32Array(3), y: [0] }, ['snip']))).toMatch(/3 values for 1 labels/);
      expect(err(() => zeroCostTfjs(m, twoLayer, { x: new Float32Array(2), y: [5] }, ['snip']))).toMatch(/label 5 of example 0/);
      expect(err(() => zeroCostTfjs(m, twoLayer, { x: new Float32Array([NaN, 0]), y: [0] }, ['snip']))).toMatch(/input value 0 of the batch is NaN/);
      expect(err(() => zeroCostTfjs(m, twoLayer, { x: new Float32Array(2), y: [0] }, ['zen' as never]))).toMatch(/unknown zero-cost proxy 'zen'/);
      m.setWeights([tf.tensor2d([...W1.slice(0, 5), NaN], [2, 3]), tf.tensor2d(W2, [3, 2])]);
      expect(err(() => zeroCostTfjs(m, twoLayer, { x: new Float32Array(2), y: [0] }, ['synflow']))).toMatch(/holds NaN at index 5/);
    } finally {
      m.dispose();
    }
    expect(gradientProxies(new Map([['a/kernel', new Float32Array([2, -1])], ['a/bias', new Float32Array([9])]]), new Map([['a/kernel', new Float32Array([3, 4])], ['a/bias', new Float32Array([9])]]))).toEqual({ grad_norm: 5, snip: 10 });
  });
});

const torch = loadTorch();
const noTorch = missingPeer('libtorch (the native engine; npm run build:native)', typeof torch === 'string' ? torch : undefined);

describe.skipIf(noTorch)('zero-cost proxies on the native engine', () => {
  it('grad_norm and snip from libtorch gradients equal those from tfjs for the same weights', async () => {
    await chooseBackend('wasm');
    const g = candidate(4);
    const batch = randomBatch(g, 8, 9);
    const m = buildModel(g, 3);
    const t = new TorchModel(g, { device: 'cpu' });
    try {
      t.setWeights(weightsFromTfjs(m, g).map);
      const ref = zeroCostTfjs(m, g, batch, ['grad_norm', 'snip']);
      const got = torchGradientProxies(t, batch);
      expect(got.grad_norm).toBeCloseTo(ref.grad_norm, 2);
      expect(Math.abs(got.snip / ref.snip - 1)).toBeLessThan(1e-3);
      expect(() => torchGradientProxies(t, { x: new Float32Array(0), y: [] })).toThrow(/batch is empty/);
    } finally {
      t.dispose();
      m.dispose();
    }
  });
});
