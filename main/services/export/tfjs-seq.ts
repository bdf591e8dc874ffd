import type { GraphNode } from '../../../shared/types/index.js';

/**
 * TensorFlow graph lowering of the sequence ops (issue #16) for the tfjs graph-model export, NHWC
 * with the batch first, so a sequence `[L, 1, C]` is `[N, L, 1, C]`:
 *
 * - Embedding: Reshape the float ids to `[N, L]` → Cast to int32 → GatherV2 on axis 0 of the
 *   `[vocab, units]` table → Reshape to `[N, L, 1, units]`.
 * - LayerNorm over the last axis: μ = Mean, c = Sub, σ = Sqrt(Mean(Square(c))), RealDiv by
 *   Maximum(σ, ε), Mul γ, AddV2 β (the contract's max(σ, ε)).
 * - Attention: q, k, v Reshape to `[N, L, heads, d]` → Transpose to `[N, heads, L, d]`;
 *   BatchMatMulV2(q, k, adj_y) · 1/√d → Softmax → BatchMatMulV2(p, v) → Transpose → Reshape `[N, L, 1, C]`.
 */
export interface TfjsLowering {
  /** Adds an op node; returns its name. */
  op(type: string, id: string, inputs: string[], attr?: Record<string, unknown>): string;
  constant(id: string, shape: number[], data: Float32Array | Int32Array): string;
}

const int32 = { type: 'DT_INT32' };

function reshape(t: TfjsLowering, id: string, x: string, shape: number[]): string {
  return t.op('Reshape', id, [x, t.constant(`${id}/shape`, [shape.length], Int32Array.from(shape))]);
}

export function tfjsEmbedding(t: TfjsLowering, node: GraphNode, x: string, table: Float32Array, vocab: number, units: number): string {
  const l = node.shape[0] as number;
  const flat = reshape(t, `${node.id}/ids_flat`, x, [-1, l]);
  const ids = t.op('Cast', `${node.id}/ids`, [flat], { SrcT: { type: 'DT_FLOAT' }, DstT: int32, Truncate: { b: false } });
  const rows = t.op('GatherV2', `${node.id}/rows`, [t.constant(`${node.id}/embeddings`, [vocab, units], table), ids, t.constant(`${node.id}/axis`, [], Int32Array.of(0))],
    { Tparams: { type: 'DT_FLOAT' }, Tindices: int32, Taxis: int32, batch_dims: { i: '0' } });
  return reshape(t, node.id, rows, [-1, l, 1, units]);
}

export function tfjsLayerNorm(t: TfjsLowering, node: GraphNode, x: string, gamma: Float32Array, beta: Float32Array, epsilon: number): string {
  const c = gamma.length;
  const keep = { keep_dims: { b: true } };
  const axis = t.constant(`${node.id}/axis`, [1], Int32Array.of(-1));
  const mean = t.op('Mean', `${node.id}/mean`, [x, axis], keep);
  const centred = t.op('Sub', `${node.id}/centred`, [x, mean]);
  const variance = t.op('Mean', `${node.id}/var`, [t.op('Square', `${node.id}/sq`, [centred]), axis], keep);
  const sigma = t.op('Maximum', `${node.id}/sigma_eps`, [t.op('Sqrt', `${node.id}/sigma`, [variance]), t.constant(`${node.id}/eps`, [], Float32Array.of(epsilon))]);
  const unit = t.op('RealDiv', `${node.id}/unit`, [centred, sigma]);
  const scaled = t.op('Mul', `${node.id}/scaled`, [unit, t.constant(`${node.id}/gamma`, [c], Float32Array.from(gamma))]);
  return t.op('AddV2', node.id, [scaled, t.constant(`${node.id}/beta`, [c], Float32Array.from(beta))]);
}

export function tfjsAttention(t: TfjsLowering, node: GraphNode, q: string, k: string, v: string, heads: number): string {
  const [l, , c] = node.shape as [number, number, number];
  const d = c / heads;
  const perm = t.constant(`${node.id}/perm`, [4], Int32Array.of(0, 2, 1, 3));
  const split = (x: string, name: string) => t.op('Transpose', `${node.id}/${name}_t`, [reshape(t, `${node.id}/${name}`, x, [-1, l, heads, d]), perm], { Tperm: int32 });
  const [qh, kh, vh] = [split(q, 'q'), split(k, 'k'), split(v, 'v')];
  const no = { b: false };
  const dots = t.op('BatchMatMulV2', `${node.id}/qk`, [qh, kh], { adj_x: no, adj_y: { b: true } });
  const scores = t.op('Mul', `${node.id}/scores`, [dots, t.constant(`${node.id}/inv_sqrt_d`, [], Float32Array.of(1 / Math.sqrt(d)))]);
  const probs = t.op('Softmax', `${node.id}/probs`, [scores]);
  const mixed = t.op('BatchMatMulV2', `${node.id}/pv`, [probs, vh], { adj_x: no, adj_y: no });
  const back = t.op('Transpose', `${node.id}/out_t`, [mixed, perm], { Tperm: int32 });
  return reshape(t, node.id, back, [-1, l, 1, c]);
}
