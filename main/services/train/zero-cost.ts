/**
 * Zero-cost proxies: scores of an untrained model from one mini-batch, which rank architectures
 * before any training (Abdelfattah et al., "Zero-Cost Proxies for Lightweight NAS", ICLR 2021;
 * Mellor et al., "Neural Architecture Search without Training", ICML 2021). As in the reference
 * implementation (github.com/SamsungLabs/zero-cost-nas), the per-weight proxies sum over the kernels
 * of convolutions and dense layers (`<node>/kernel`, `<node>/depthwise_kernel`):
 *
 * - `synflow`: Σ θ⊙∂R/∂θ of the linearised network: every weight replaced by its absolute value,
 *   an all-ones input (batch 1), R the sum of the logits. BatchNorm runs in inference mode (no batch
 *   statistics; at initialisation its moving statistics make it the identity up to 1/√(1+ε)) and ReLU6
 *   runs as ReLU, so that no unit of the positive network saturates.
 * - `naswot`: log det(K + I), K[i,j] the number of ReLU/ReLU6 units on which examples i and j agree
 *   (both active or both inactive), summed over every such layer (training-mode BatchNorm); higher
 *   means the network tells the batch's examples apart. The identity keeps it finite when codes repeat.
 * - `grad_norm`: Σ over kernels of ‖∂L/∂θ‖₂, L the mean cross-entropy of the batch (training mode).
 * - `snip`: Σ |θ⊙∂L/∂θ| (connection sensitivity) on the same loss.
 *
 * `params` and `flops` are analytic (main/core/graph/cost.ts). Everything runs on the thread's tfjs
 * backend; `grad_norm` and `snip` can come from the native engine's gradients instead (torchGradientProxies).
 */
import { NasError } from '../../../shared/errors.js';
import type { ModelGraph } from '../../../shared/types/index.js';
import { MapWeights } from '../export/weights.js';
import { tf } from './backend.js';
import { buildModel, layerName } from './model.js';
import type { TorchModel } from './torch-engine.js';

export const ZERO_COST_PROXIES = ['synflow', 'naswot', 'grad_norm', 'snip'] as const;
export type ZeroCostProxy = (typeof ZERO_COST_PROXIES)[number];

/** What each proxy metric means (higher is better for every one). */
export const ZERO_COST_DESCRIPTIONS: Readonly<Record<ZeroCostProxy, string>> = {
  synflow: 'synaptic flow of the |weights| network on an all-ones input',
  naswot: 'log-determinant of the ReLU activation-code kernel over a batch',
  grad_norm: 'summed L2 norms of the cross-entropy gradients of the kernels',
  snip: 'summed |weight × gradient| of the cross-entropy',
};

export function isZeroCostProxy(s: unknown): s is ZeroCostProxy {
  return typeof s === 'string' && (ZERO_COST_PROXIES as readonly string[]).includes(s);
}

/** One mini-batch of normalised NHWC examples. */
export interface ProxyBatch {
  readonly x: Float32Array;
  readonly y: ArrayLike<number>;
}

const KERNEL = /\/(kernel|depthwise_kernel)$/;

function checkBatch(graph: ModelGraph, batch: ProxyBatch): number {
  const n = batch.y.length;
  const per = graph.input[0] * graph.input[1] * graph.input[2];
  if (n === 0) throw new NasError('invalid-input', 'zero-cost proxies need a batch of at least one example (the batch is empty)');
  if (batch.x.length !== n * per) throw new NasError('invalid-input', `zero-cost proxies: the batch has ${batch.x.length} values for ${n} labels; the model's input [${graph.input.join(', ')}] needs ${n * per}`);
  for (let i = 0; i < n; i++) {
    const c = batch.y[i] as number;
    if (!Number.isInteger(c) || c < 0 || c >= graph.classes) throw new NasError('invalid-input', `zero-cost proxies: label ${c} of example ${i} is not a class of the model (0..${graph.classes - 1})`);
  }
  for (let i = 0; i < batch.x.length; i++) {
    if (!Number.isFinite(batch.x[i])) throw new NasError('invalid-input', `zero-cost proxies: input value ${i} of the batch is ${batch.x[i]}`);
  }
  return n;
}

function checkWeights(model: tf.LayersModel): void {
  for (const w of model.weights) {
    const v = w.read().dataSync();
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i])) throw new NasError('invalid-input', `zero-cost proxies: weight ${w.name} holds ${v[i]} at index ${i}; a proxy of a model with non-finite weights means nothing`);
    }
  }
}

/** The kernel variables of a graph's tfjs model, keyed `<node id>/<kind>`. */
function kernelVariables(model: tf.LayersModel, graph: ModelGraph): Map<string, tf.Variable> {
  const out = new Map<string, tf.Variable>();
  for (const n of graph.nodes) {
    if (n.op !== 'Conv2D' && n.op !== 'DepthwiseConv2D' && n.op !== 'Dense') continue;
    const layer = model.getLayer(layerName(n.id));
    const w = layer.trainableWeights[0];
    if (!w) throw new NasError('internal', `layer ${layer.name} has no kernel`);
    out.set(`${n.id}/${n.op === 'DepthwiseConv2D' ? 'depthwise_kernel' : 'kernel'}`, w.read() as tf.Variable);
  }
  return out;
}

/** Gradients of `f` with respect to each keyed variable, read into float64-summable arrays. */
function keyedGrads(vars: Map<string, tf.Variable>, f: () => tf.Scalar): { value: number; grads: Map<string, Float32Array> } {
  const list = [...vars.entries()];
  const { value, grads } = tf.variableGrads(f, list.map(([, v]) => v));
  try {
    const out = new Map<string, Float32Array>();
    for (const [key, v] of list) {
      const g = grads[v.name];
      out.set(key, g ? (g.dataSync() as Float32Array) : new Float32Array(v.size));
    }
    return { value: value.dataSync()[0] as number, grads: out };
  } finally {
    value.dispose();
    Object.values(grads).forEach((g) => g.dispose());
  }
}

/** grad_norm and snip from kernels and their cross-entropy gradients (both keyed `<node>/<kind>`). */
export function gradientProxies(weights: ReadonlyMap<string, Float32Array>, grads: ReadonlyMap<string, Float32Array>): { grad_norm: number; snip: number } {
  let gradNorm = 0;
  let snip = 0;
  for (const [key, g] of grads) {
    if (!KERNEL.test(key)) continue;
    const w = weights.get(key);
    if (!w || w.length !== g.length) throw new NasError('internal', `zero-cost proxies: no weights of ${key} to match its gradient`);
    let sq = 0;
    for (let i = 0; i < g.length; i++) {
      const gi = g[i] as number;
      sq += gi * gi;
      snip += Math.abs(gi * (w[i] as number));
    }
    gradNorm += Math.sqrt(sq);
  }
  return { grad_norm: gradNorm, snip };
}

/** log det(A) of a symmetric positive definite matrix (row-major n×n, float64) by Cholesky. */
export function logDetSpd(a: Float64Array, n: number): number {
  const l = Float64Array.from(a);
  let logDet = 0;
  for (let j = 0; j < n; j++) {
    let d = l[j * n + j] as number;
    for (let k = 0; k < j; k++) d -= (l[j * n + k] as number) ** 2;
    if (!(d > 0)) throw new NasError('internal', `log-determinant: the matrix is not positive definite (pivot ${j} is ${d})`);
    const s = Math.sqrt(d);
    l[j * n + j] = s;
    logDet += 2 * Math.log(s);
    for (let i = j + 1; i < n; i++) {
      let v = l[i * n + j] as number;
      for (let k = 0; k < j; k++) v -= (l[i * n + k] as number) * (l[j * n + k] as number);
      l[i * n + j] = v / s;
    }
  }
  return logDet;
}

/** NASWOT's score from binary activation codes (rows are examples, one array per layer): the plain reference of what naswot computes on the backend. */
export function naswotFromCodes(codes: readonly Float32Array[], n: number): number {
  const k = new Float64Array(n * n);
  for (const c of codes) {
    const units = c.length / n;
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        let agree = 0;
        for (let u = 0; u < units; u++) if (c[i * units + u] === c[j * units + u]) agree++;
        k[i * n + j] = (k[i * n + j] as number) + agree;
        if (i !== j) k[j * n + i] = (k[j * n + i] as number) + agree;
      }
    }
  }
  for (let i = 0; i < n; i++) k[i * n + i] = (k[i * n + i] as number) + 1;
  return logDetSpd(k, n);
}

function synflow(model: tf.LayersModel, graph: ModelGraph): number {
  const linear: ModelGraph = { ...graph, nodes: graph.nodes.map((n) => (n.op === 'ReLU6' ? { ...n, op: 'ReLU' } : n)) };
  const positive = buildModel(linear, 0);
  try {
    const abs = model.getWeights().map((w) => tf.abs(w));
    positive.setWeights(abs);
    abs.forEach((t) => t.dispose());
    const vars = kernelVariables(positive, linear);
    // Deep networks overflow float32 on an all-ones input: scale it down, and the score back up in
    // float64 (exact for networks positively homogeneous in their input; squeeze-excite gates are not).
    for (const scale of [1, 2 ** -60, 2 ** -120]) {
      const ones = tf.fill([1, ...graph.input], scale);
      try {
        const { grads } = keyedGrads(vars, () => tf.sum(positive.apply(ones, { training: false }) as tf.Tensor) as tf.Scalar);
        let score = 0;
        for (const [key, v] of vars) {
          const w = v.dataSync();
          const g = grads.get(key) as Float32Array;
          for (let i = 0; i < g.length; i++) score += Math.abs((w[i] as number) * (g[i] as number));
        }
        if (Number.isFinite(score)) return score / scale;
      } finally {
        ones.dispose();
      }
    }
    throw new NasError('invalid-input', 'synflow overflows float32 even on a 2^-120 input: the network is too deep for this proxy');
  } finally {
    positive.dispose();
  }
}

function naswot(model: tf.LayersModel, graph: ModelGraph, x: tf.Tensor, n: number): number {
  const acts = graph.nodes.filter((g) => g.op === 'ReLU' || g.op === 'ReLU6').map((g) => model.getLayer(layerName(g.id)).output as tf.SymbolicTensor);
  if (acts.length === 0) throw new NasError('invalid-input', 'naswot needs a network with ReLU or ReLU6 activations; this one has none');
  const probe = tf.model({ inputs: model.inputs, outputs: acts });
  const kernel = tf.tidy(() => {
    const outs = probe.apply(x, { training: true }) as tf.Tensor | tf.Tensor[];
    // K = C·Cᵀ + (1−C)·(1−C)ᵀ per layer (agreements on active and on inactive units), on the backend
    // (counts stay exact in float32 up to 2^24 units)
    let k = tf.zeros([n, n]);
    for (const t of Array.isArray(outs) ? outs : [outs]) {
      const c = tf.cast(tf.greater(tf.reshape(t, [n, -1]), 0), 'float32');
      const off = tf.sub(1, c);
      k = tf.add(k, tf.add(tf.matMul(c, c, false, true), tf.matMul(off, off, false, true)));
    }
    return k;
  });
  const values = Float64Array.from(kernel.dataSync());
  kernel.dispose();
  for (let i = 0; i < n; i++) values[i * n + i] = (values[i * n + i] as number) + 1;
  return logDetSpd(values, n);
}

function crossEntropyGrads(model: tf.LayersModel, graph: ModelGraph, x: tf.Tensor, batch: ProxyBatch): { grad_norm: number; snip: number } {
  const vars = kernelVariables(model, graph);
  const labels = tf.oneHot(tf.tensor1d(Int32Array.from(batch.y), 'int32'), graph.classes);
  try {
    const { grads } = keyedGrads(vars, () => tf.losses.softmaxCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar);
    const weights = new Map([...vars].map(([k, v]) => [k, v.dataSync() as Float32Array]));
    return gradientProxies(weights, grads);
  } finally {
    labels.dispose();
  }
}

/**
 * The requested proxies of a tfjs model built from `graph` (main/services/train/model.ts) on one
 * mini-batch, on the thread's active tfjs backend. The model is left as it was. Throws a readable
 * `invalid-input` NasError for an empty or malformed batch and for non-finite weights.
 */
export function zeroCostTfjs(model: tf.LayersModel, graph: ModelGraph, batch: ProxyBatch, proxies: readonly ZeroCostProxy[]): Record<ZeroCostProxy, number> {
  for (const p of proxies) if (!isZeroCostProxy(p)) throw new NasError('invalid-input', `unknown zero-cost proxy '${String(p)}' (choose from ${ZERO_COST_PROXIES.join(', ')})`);
  const n = checkBatch(graph, batch);
  checkWeights(model);
  const out = {} as Record<ZeroCostProxy, number>;
  const x = tf.tensor4d(batch.x, [n, ...graph.input]);
  try {
    if (proxies.includes('synflow')) out.synflow = synflow(model, graph);
    if (proxies.includes('naswot')) out.naswot = naswot(model, graph, x, n);
    if (proxies.includes('grad_norm') || proxies.includes('snip')) {
      const g = crossEntropyGrads(model, graph, x, batch);
      if (proxies.includes('grad_norm')) out.grad_norm = g.grad_norm;
      if (proxies.includes('snip')) out.snip = g.snip;
    }
  } finally {
    x.dispose();
  }
  for (const [k, v] of Object.entries(out)) {
    if (!Number.isFinite(v)) throw new NasError('invalid-input', `zero-cost proxy ${k} is ${v} for this model and batch`);
  }
  return out;
}

/** Builds the graph's model (initialised under `seed`), scores it, frees it. */
export function zeroCostOfGraph(graph: ModelGraph, batch: ProxyBatch, proxies: readonly ZeroCostProxy[], seed = 0): Record<ZeroCostProxy, number> {
  const model = buildModel(graph, seed);
  try {
    return zeroCostTfjs(model, graph, batch, proxies);
  } finally {
    model.dispose();
  }
}

/** grad_norm and snip from the native engine's cross-entropy gradients (training mode, as tfjs). */
export function torchGradientProxies(model: TorchModel, batch: ProxyBatch): { grad_norm: number; snip: number } {
  checkBatch(model.graph, batch);
  const weights = model.weights().map;
  for (const [k, w] of weights) {
    for (let i = 0; i < w.length; i++) if (!Number.isFinite(w[i])) throw new NasError('invalid-input', `zero-cost proxies: weight ${k} holds ${w[i]} at index ${i}; a proxy of a model with non-finite weights means nothing`);
  }
  const grads: MapWeights = model.gradients(batch);
  const out = gradientProxies(weights, grads.map);
  for (const [k, v] of Object.entries(out)) if (!Number.isFinite(v)) throw new NasError('invalid-input', `zero-cost proxy ${k} is ${v} for this model and batch`);
  return out;
}
