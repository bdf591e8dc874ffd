import * as tf from '@tensorflow/tfjs';
import { GRAPH_INPUT, type ModelGraph } from '../../shared/types/index.js';
import type { GraphWeights, WeightKind } from '../../main/services/export/weights.js';
import { weightShapes } from '../../main/services/export/weights.js';

/**
 * Runs a model graph with tfjs ops (CPU backend), following the graph IR's semantics literally:
 * 'same' padding, unfused BatchNorm with moving statistics, AvgPool excluding padding, kernels and
 * strides per axis (kernelW, strideW), Embedding as a gather, LayerNorm as γ(x − μ)/max(σ, ε) + β,
 * Attention as per-head matrix products. The reference the exports are compared against.
 */
export async function runGraphTfjs(graph: ModelGraph, weights: GraphWeights, input: Float32Array, o: { softmax?: boolean } = {}): Promise<Float32Array> {
  await tf.setBackend('cpu');
  return tf.tidy(() => {
    const w = (id: string, kind: WeightKind, shape: number[]) => {
      const v = weights.get(id, kind);
      if (!v) throw new Error(`missing ${id}/${kind}`);
      return tf.tensor(v, shape);
    };
    const values = new Map<string, tf.Tensor>([[GRAPH_INPUT, tf.tensor(input, [1, ...graph.input])]]);
    for (const node of graph.nodes) {
      const x = values.get(node.inputs[0] as string) as tf.Tensor;
      const shapes = new Map(weightShapes(graph, node));
      const a = node.attrs;
      const s: [number, number] = [a.stride ?? 1, a.strideW ?? a.stride ?? 1];
      const k: [number, number] = [a.kernel ?? 1, a.kernelW ?? a.kernel ?? 1];
      let y: tf.Tensor;
      switch (node.op) {
        case 'Conv2D':
          y = tf.conv2d(x as tf.Tensor4D, w(node.id, 'kernel', [...k, x.shape[3] as number, a.filters as number]) as tf.Tensor4D, s, 'same');
          if (a.useBias) y = tf.add(y, w(node.id, 'bias', shapes.get('bias') as number[]));
          break;
        case 'DepthwiseConv2D':
          y = tf.depthwiseConv2d(x as tf.Tensor4D, w(node.id, 'kernel', [...k, x.shape[3] as number, 1]) as tf.Tensor4D, s, 'same');
          if (a.useBias) y = tf.add(y, w(node.id, 'bias', shapes.get('bias') as number[]));
          break;
        case 'Dense':
          y = tf.matMul(x as tf.Tensor2D, w(node.id, 'kernel', shapes.get('kernel') as number[]) as tf.Tensor2D);
          if (a.useBias) y = tf.add(y, w(node.id, 'bias', shapes.get('bias') as number[]));
          break;
        case 'BatchNorm': {
          const c = shapes.get('gamma') as number[];
          y = tf.batchNorm(x, w(node.id, 'movingMean', c), w(node.id, 'movingVariance', c), w(node.id, 'beta', c), w(node.id, 'gamma', c), a.epsilon ?? 1e-3);
          break;
        }
        case 'ReLU': y = tf.relu(x); break;
        case 'ReLU6': y = tf.relu6(x); break;
        case 'Sigmoid': y = tf.sigmoid(x); break;
        case 'Tanh': y = tf.tanh(x); break;
        case 'MaxPool': y = tf.maxPool(x as tf.Tensor4D, k, s, 'same'); break;
        case 'AvgPool': y = tf.avgPool(x as tf.Tensor4D, k, s, 'same'); break;
        case 'GlobalAvgPool': y = tf.mean(x, [1, 2], a.keepDims ?? false); break;
        case 'Add': y = tf.add(x, values.get(node.inputs[1] as string) as tf.Tensor); break;
        case 'Mul': y = tf.mul(x, values.get(node.inputs[1] as string) as tf.Tensor); break;
        case 'Concat': y = tf.concat(node.inputs.map((i) => values.get(i) as tf.Tensor), -1); break;
        case 'Reshape': y = tf.reshape(x, [1, ...node.shape]); break;
        case 'Zero': y = tf.zerosLike(x); break;
        case 'Embedding': {
          const [l] = node.shape as [number, number, number];
          const ids = tf.cast(tf.reshape(x, [l]), 'int32');
          y = tf.reshape(tf.gather(w(node.id, 'embeddings', [a.vocab as number, a.units as number]), ids), [1, ...node.shape]);
          break;
        }
        case 'LayerNorm': {
          const c = node.shape[node.shape.length - 1] as number;
          const centred = tf.sub(x, tf.mean(x, -1, true));
          const sigma = tf.maximum(tf.sqrt(tf.mean(tf.square(centred), -1, true)), a.epsilon ?? 1e-6);
          y = tf.add(tf.mul(tf.div(centred, sigma), w(node.id, 'gamma', [c])), w(node.id, 'beta', [c]));
          break;
        }
        case 'Attention': {
          const [l, , c] = node.shape as [number, number, number];
          const h = a.heads ?? 1;
          const d = c / h;
          const heads = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [l, h, d]), [1, 0, 2]) as tf.Tensor3D;
          const [q, kk, v] = node.inputs.map((i) => heads(values.get(i) as tf.Tensor)) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
          const p = tf.softmax(tf.div(tf.matMul(q, kk, false, true), Math.sqrt(d)));
          y = tf.reshape(tf.transpose(tf.matMul(p, v), [1, 0, 2]), [1, l, 1, c]);
          break;
        }
        default: throw new Error(`tfjs reference: op ${node.op} not handled`);
      }
      values.set(node.id, y);
    }
    let out = values.get(graph.output) as tf.Tensor;
    if (o.softmax ?? false) out = tf.softmax(out);
    return out.dataSync() as Float32Array;
  });
}
