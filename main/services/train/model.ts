/**
 * Builds a tfjs-layers model from a model graph (shared/types/graph.ts), one layer per graph node
 * named by the node id (a GlobalAvgPool with keepDims adds a reshape layer `<id>.keepdims`), so
 * weights map back to nodes: `<id>/kernel`, `<id>/bias`, `<id>/gamma`, `<id>/beta`,
 * `<id>/moving_mean`, `<id>/moving_variance`, `<id>/depthwise_kernel`, `<id>/embeddings`
 * (Embedding, LayerNorm and Attention are Frontier layers: seq-layers.ts).
 * Initialisation is seeded per layer, so a graph and a seed give the same initial weights.
 */
import { NasError } from '../../../shared/errors.js';
import { GRAPH_INPUT, type GraphNode, type ModelGraph } from '../../../shared/types/index.js';
import { tf } from './backend.js';
import { AttentionLayer, EmbeddingLayer, LayerNormLayer } from './seq-layers.js';

type SymbolicTensor = tf.SymbolicTensor;

/** Outputs zeros shaped like its input (the `Zero` op). */
class ZeroLayer extends tf.layers.Layer {
  static readonly className = 'FrontierZero';
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs;
    return tf.zerosLike(x);
  }
  override getClassName(): string {
    return ZeroLayer.className;
  }
}
tf.serialization.registerClass(ZeroLayer);

/**
 * min(max(x, 0), 6) through the `Relu6` kernel (tfjs-layers' relu6 activation composes minimum and
 * relu, whose gradients go through slow comparison kernels on wasm).
 */
class Relu6Layer extends tf.layers.Layer {
  static readonly className = 'FrontierRelu6';
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.relu6(Array.isArray(inputs) ? (inputs[0] as tf.Tensor) : inputs);
  }
  override getClassName(): string {
    return Relu6Layer.className;
  }
}
tf.serialization.registerClass(Relu6Layer);

/** A tfjs name for a node id: tfjs allows letters, digits, `_`, `-`, `.`, `/`, `>`. */
export function layerName(id: string): string {
  return id.replace(/[^A-Za-z0-9_.\-/]/g, '_');
}

function layerFor(n: GraphNode, seed: number): tf.layers.Layer {
  const a = n.attrs;
  const name = layerName(n.id);
  const init = () => tf.initializers.heNormal({ seed });
  const dense = () => tf.initializers.glorotUniform({ seed });
  const k = a.kernel as number;
  const s = a.stride as number;
  const kernelSize: [number, number] = [k, a.kernelW ?? k];
  const strides: [number, number] = [s, a.strideW ?? s];
  switch (n.op) {
    case 'Conv2D':
      return tf.layers.conv2d({ name, filters: a.filters as number, kernelSize, strides, padding: 'same', useBias: a.useBias ?? false, kernelInitializer: init() });
    case 'DepthwiseConv2D':
      return tf.layers.depthwiseConv2d({ name, kernelSize, strides, padding: 'same', depthMultiplier: 1, useBias: a.useBias ?? false, depthwiseInitializer: init() });
    case 'Dense':
      return tf.layers.dense({ name, units: a.units as number, useBias: a.useBias ?? true, kernelInitializer: dense() });
    case 'BatchNorm':
      return tf.layers.batchNormalization({ name, axis: -1, epsilon: a.epsilon ?? 1e-3, momentum: a.momentum ?? 0.99 });
    case 'ReLU':
      return tf.layers.reLU({ name });
    case 'ReLU6':
      return new Relu6Layer({ name });
    case 'Sigmoid':
      return tf.layers.activation({ name, activation: 'sigmoid' });
    case 'Tanh':
      return tf.layers.activation({ name, activation: 'tanh' });
    case 'MaxPool':
      return tf.layers.maxPooling2d({ name, poolSize: kernelSize, strides, padding: 'same' });
    case 'AvgPool':
      return tf.layers.averagePooling2d({ name, poolSize: kernelSize, strides, padding: 'same' });
    case 'GlobalAvgPool':
      return tf.layers.globalAveragePooling2d({ name });
    case 'Add':
      return tf.layers.add({ name });
    case 'Mul':
      return tf.layers.multiply({ name });
    case 'Concat':
      return tf.layers.concatenate({ name, axis: -1 });
    case 'Reshape':
      return tf.layers.flatten({ name });
    case 'Zero':
      return new ZeroLayer({ name });
    case 'Embedding':
      return new EmbeddingLayer({ name, vocab: a.vocab as number, units: a.units as number, seed });
    case 'LayerNorm':
      return new LayerNormLayer({ name, epsilon: a.epsilon ?? 1e-6 });
    case 'Attention':
      return new AttentionLayer({ name, heads: a.heads as number });
    default:
      throw new NasError('internal', `graph node ${n.id}: ${n.op} is a layer op, not a graph primitive`);
  }
}

/** A seed per layer derived from the model seed and the node index (deterministic). */
function layerSeed(seed: number, i: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (i + 1), 0x85ebca6b) >>> 0;
  return (h ^ (h >>> 13)) % 2147483647;
}

/** The tfjs model of a graph (outputs logits). The caller owns it: `model.dispose()` frees its weights. */
export function buildModel(g: ModelGraph, seed = 0): tf.LayersModel {
  const input = tf.input({ shape: [...g.input], name: GRAPH_INPUT });
  const tensors = new Map<string, SymbolicTensor>([[GRAPH_INPUT, input]]);
  g.nodes.forEach((n, i) => {
    const ins = n.inputs.map((id) => {
      const t = tensors.get(id);
      if (!t) throw new NasError('internal', `graph node ${n.id} reads ${id} before it is computed`);
      return t;
    });
    let out = layerFor(n, layerSeed(seed, i)).apply(ins.length === 1 ? (ins[0] as SymbolicTensor) : ins) as SymbolicTensor;
    if (n.op === 'GlobalAvgPool' && n.attrs.keepDims) {
      out = tf.layers.reshape({ name: `${layerName(n.id)}.keepdims`, targetShape: [1, 1, n.shape[2] as number] }).apply(out) as SymbolicTensor;
    }
    const got = out.shape.slice(1);
    if (got.join() !== n.shape.join()) throw new NasError('internal', `graph node ${n.id}: tfjs computes [${got.join(', ')}], the graph says [${n.shape.join(', ')}]`);
    tensors.set(n.id, out);
  });
  return tf.model({ inputs: input, outputs: tensors.get(g.output) as SymbolicTensor });
}
