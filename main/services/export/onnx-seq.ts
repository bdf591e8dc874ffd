import type { GraphNode } from '../../../shared/types/index.js';
import { OnnxType, type OnnxAttr, type OnnxTensor } from './onnx-proto.js';

/**
 * ONNX lowering of the sequence ops (issue #16) in the exporter's NCHW layout, where a sequence
 * `[L, 1, C]` is `[N, C, L, 1]`; opset 10 and 13 alike (no LayerNormalization, which is opset 17):
 *
 * - Embedding: Reshape the float ids `[N, 1, L, 1]` to `[N, L]` → Cast to int64 → Gather on axis 0
 *   of the `[vocab, units]` table → `[N, L, units]` → Transpose → Reshape to `[N, units, L, 1]`.
 * - LayerNorm over C (axis 1) from primitives: μ = ReduceMean, c = x − μ, σ = Sqrt(ReduceMean(c·c)),
 *   y = c / Max(σ, ε) · γ + β (exactly the contract's max(σ, ε)).
 * - Attention: q, k, v Reshape to `[N, heads, d, L]`; scores = MatMul(qᵀ `[N, h, L, d]`, k) / √d;
 *   Softmax on the last axis; MatMul(p, vᵀ) → `[N, h, L, d]` → Transpose → Reshape `[N, C, L, 1]`.
 */
export interface OnnxLowering {
  constant(name: string, dims: number[], data: Float32Array | number[], type?: OnnxTensor['type']): string;
  emit(opType: string, id: string, inputs: string[], attrs?: Record<string, OnnxAttr>): string;
}

const ints = (value: number[]): OnnxAttr => ({ kind: 'ints', value });
const int = (value: number): OnnxAttr => ({ kind: 'int', value });

function shape(t: OnnxLowering, name: string, dims: number[]): string {
  return t.constant(name, [dims.length], dims, OnnxType.INT64);
}

export function onnxEmbedding(t: OnnxLowering, node: GraphNode, x: string, table: Float32Array, vocab: number, units: number): string {
  const l = node.shape[0] as number;
  const flat = t.emit('Reshape', `${node.id}.ids_flat`, [x, shape(t, `${node.id}.ids_shape`, [0, l])]);
  const ids = t.emit('Cast', `${node.id}.ids`, [flat], { to: int(OnnxType.INT64) });
  const rows = t.emit('Gather', `${node.id}.rows`, [t.constant(`${node.id}.embeddings`, [vocab, units], table), ids], { axis: int(0) });
  const cl = t.emit('Transpose', `${node.id}.channels`, [rows], { perm: ints([0, 2, 1]) });
  return t.emit('Reshape', node.id, [cl, shape(t, `${node.id}.shape`, [0, units, l, 1])]);
}

export function onnxLayerNorm(t: OnnxLowering, node: GraphNode, x: string, gamma: Float32Array, beta: Float32Array, epsilon: number): string {
  const c = gamma.length;
  const mean = t.emit('ReduceMean', `${node.id}.mean`, [x], { axes: ints([1]), keepdims: int(1) });
  const centred = t.emit('Sub', `${node.id}.centred`, [x, mean]);
  const sq = t.emit('Mul', `${node.id}.sq`, [centred, centred]);
  const variance = t.emit('ReduceMean', `${node.id}.var`, [sq], { axes: ints([1]), keepdims: int(1) });
  const sigma = t.emit('Sqrt', `${node.id}.sigma`, [variance]);
  const floor = t.emit('Max', `${node.id}.sigma_eps`, [sigma, t.constant(`${node.id}.eps`, [], Float32Array.of(epsilon))]);
  const unit = t.emit('Div', `${node.id}.unit`, [centred, floor]);
  const scaled = t.emit('Mul', `${node.id}.scaled`, [unit, t.constant(`${node.id}.gamma`, [1, c, 1, 1], Float32Array.from(gamma))]);
  return t.emit('Add', node.id, [scaled, t.constant(`${node.id}.beta`, [1, c, 1, 1], Float32Array.from(beta))]);
}

export function onnxAttention(t: OnnxLowering, node: GraphNode, q: string, k: string, v: string, heads: number): string {
  const [l, , c] = node.shape as [number, number, number];
  const d = c / heads;
  const split = shape(t, `${node.id}.heads_shape`, [0, heads, d, l]);
  const qh = t.emit('Transpose', `${node.id}.q_t`, [t.emit('Reshape', `${node.id}.q`, [q, split])], { perm: ints([0, 1, 3, 2]) });
  const kh = t.emit('Reshape', `${node.id}.k`, [k, split]);
  const vh = t.emit('Transpose', `${node.id}.v_t`, [t.emit('Reshape', `${node.id}.v`, [v, split])], { perm: ints([0, 1, 3, 2]) });
  const dots = t.emit('MatMul', `${node.id}.qk`, [qh, kh]);
  const scores = t.emit('Mul', `${node.id}.scores`, [dots, t.constant(`${node.id}.inv_sqrt_d`, [], Float32Array.of(1 / Math.sqrt(d)))]);
  const probs = t.emit('Softmax', `${node.id}.probs`, [scores], { axis: int(3) }); // the last axis of [N, h, L, L] (opset 10's 2-D coercion gives the same)
  const mixed = t.emit('MatMul', `${node.id}.pv`, [probs, vh]);
  const back = t.emit('Transpose', `${node.id}.out_t`, [mixed], { perm: ints([0, 1, 3, 2]) });
  return t.emit('Reshape', node.id, [back, shape(t, `${node.id}.shape`, [0, c, l, 1])]);
}
