import type { GraphNode } from '../../../shared/types/index.js';
import { TensorType, type BuiltinOpName } from './tflite-write.js';

/**
 * TFLite lowering of the sequence ops (Embedding, LayerNorm, Attention; issue #16), using only
 * builtins that Debian's Arm NN 20.08 TFLite parser also reads, except GATHER and CAST, which it
 * lacks and an embedding lookup needs. In particular no BATCH_MATMUL and no RSQRT:
 *
 * - Embedding `[L, 1, 1]` float ids → CAST to int32 (truncation; ids are whole numbers) → RESHAPE to
 *   `[1, L, 1]` → GATHER rows of the `[vocab, units]` table on axis 0 → `[1, L, 1, units]`.
 * - LayerNorm over C: MEAN over the last axis (kept) → SUB → L2_NORMALIZATION (x / max(‖x‖, tiny))
 *   → MUL by the constant √C·γ → ADD β. Since ‖x − μ‖ = √C·σ this is γ(x − μ)/σ + β; where σ is
 *   below the runtime's own floor (TFLite: ‖x − μ‖ < 1e-6) it differs from the contract's max(σ, ε).
 * - Attention, per head h (channels [h·d, (h+1)·d), split off with SPLIT along C): scores_ij =
 *   mean_c(q_ic·k_jc)·√d = q_i·k_j/√d from a broadcast MUL of q `[1, L, 1, d]` by k reshaped to
 *   `[1, 1, L, d]` and a MEAN over the last axis; SOFTMAX over j (on `[L, L]`); out_i = L·mean_j(p_ij v_j)
 *   from a broadcast MUL of p `[1, L, L, 1]` by v `[1, 1, L, d]` and a MEAN over axis 2; the heads
 *   are concatenated along C.
 */
export interface TfliteLowering {
  /** A new float32 activation tensor. */
  tensor(name: string, shape: number[], type?: number): number;
  constant(name: string, shape: number[], data: Float32Array | number[], type?: number): number;
  /** Appends an op; returns its (first) output. */
  emit(op: BuiltinOpName, inputs: number[], outputs: number | number[], opts?: Record<string, number | number[] | boolean>): number;
}

export function lowerEmbedding(t: TfliteLowering, node: GraphNode, x: number, table: Float32Array, vocab: number, units: number): number {
  const l = node.shape[0] as number;
  const ids = t.emit('CAST', [x], t.tensor(`${node.id}/ids`, [1, l, 1, 1], TensorType.INT32), { from: TensorType.FLOAT32, to: TensorType.INT32 });
  const shape = [1, l, 1];
  const flat = t.emit('RESHAPE', [ids, t.constant(`${node.id}/ids_shape`, [3], shape, TensorType.INT32)], t.tensor(`${node.id}/ids_flat`, shape, TensorType.INT32), { newShape: shape });
  const params = t.constant(`${node.id}/embeddings`, [vocab, units], table);
  return t.emit('GATHER', [params, flat], t.tensor(node.id, [1, ...node.shape]), { axis: 0 });
}

export function lowerLayerNorm(t: TfliteLowering, node: GraphNode, x: number, gamma: Float32Array, beta: Float32Array): number {
  const shape = [1, ...node.shape];
  const c = shape[shape.length - 1] as number;
  const lead = shape.slice(0, -1);
  const cshape = [...shape.map(() => 1).slice(0, -1), c];
  const axis = t.constant(`${node.id}/axis`, [1], [shape.length - 1], TensorType.INT32);
  const mean = t.emit('MEAN', [x, axis], t.tensor(`${node.id}/mean`, [...lead, 1]), { keepDims: true });
  const centred = t.emit('SUB', [x, mean], t.tensor(`${node.id}/centred`, shape));
  const unit = t.emit('L2_NORMALIZATION', [centred], t.tensor(`${node.id}/unit`, shape));
  const scale = Float32Array.from(gamma, (g) => g * Math.sqrt(c));
  const scaled = t.emit('MUL', [unit, t.constant(`${node.id}/scale`, cshape, scale)], t.tensor(`${node.id}/scaled`, shape));
  return t.emit('ADD', [scaled, t.constant(`${node.id}/beta`, cshape, Float32Array.from(beta))], t.tensor(node.id, shape));
}

/** Splits `[1, L, 1, C]` into `heads` tensors `[1, L, 1, d]` along C (no op for one head). */
function splitHeads(t: TfliteLowering, id: string, x: number, l: number, c: number, heads: number): number[] {
  if (heads === 1) return [x];
  const d = c / heads;
  const outs = Array.from({ length: heads }, (_, h) => t.tensor(`${id}/h${h}`, [1, l, 1, d]));
  t.emit('SPLIT', [t.constant(`${id}/split_axis`, [], [3], TensorType.INT32), x], outs, { numSplits: heads });
  return outs;
}

export function lowerAttention(t: TfliteLowering, node: GraphNode, q: number, k: number, v: number, heads: number): number {
  const [l, , c] = node.shape as [number, number, number];
  const d = c / heads;
  const qs = splitHeads(t, `${node.id}/q`, q, l, c, heads);
  const ks = splitHeads(t, `${node.id}/k`, k, l, c, heads);
  const vs = splitHeads(t, `${node.id}/v`, v, l, c, heads);
  const i32 = (name: string, xs: number[]) => t.constant(`${node.id}/${name}`, [xs.length], xs, TensorType.INT32);
  const rowShape = [1, 1, l, d];
  const lastAxis = i32('axis3', [3]);
  const jAxis = i32('axis2', [2]);
  const scale = t.constant(`${node.id}/sqrt_d`, [1, 1, 1, 1], Float32Array.of(Math.sqrt(d)));
  const times = t.constant(`${node.id}/length`, [1, 1, 1, 1], Float32Array.of(l));
  const outs = qs.map((qh, h) => {
    const p = `${node.id}/h${h}`;
    const kr = t.emit('RESHAPE', [ks[h] as number, i32(`h${h}_k_shape`, rowShape)], t.tensor(`${p}/k_rows`, rowShape), { newShape: rowShape });
    const prod = t.emit('MUL', [qh, kr], t.tensor(`${p}/qk`, [1, l, l, d]));
    const mean = t.emit('MEAN', [prod, lastAxis], t.tensor(`${p}/qk_mean`, [1, l, l, 1]), { keepDims: true });
    const scores = t.emit('MUL', [mean, scale], t.tensor(`${p}/scores`, [1, l, l, 1]));
    const flat = t.emit('RESHAPE', [scores, i32(`h${h}_scores_shape`, [l, l])], t.tensor(`${p}/scores_2d`, [l, l]), { newShape: [l, l] });
    const probs = t.emit('SOFTMAX', [flat], t.tensor(`${p}/probs`, [l, l]), { beta: 1 });
    const pShape = [1, l, l, 1];
    const p4 = t.emit('RESHAPE', [probs, i32(`h${h}_probs_shape`, pShape)], t.tensor(`${p}/probs_4d`, pShape), { newShape: pShape });
    const vr = t.emit('RESHAPE', [vs[h] as number, i32(`h${h}_v_shape`, rowShape)], t.tensor(`${p}/v_rows`, rowShape), { newShape: rowShape });
    const pv = t.emit('MUL', [p4, vr], t.tensor(`${p}/pv`, [1, l, l, d]));
    const avg = t.emit('MEAN', [pv, jAxis], t.tensor(`${p}/pv_mean`, [1, l, 1, d]), { keepDims: true });
    return t.emit('MUL', [avg, times], t.tensor(heads === 1 ? node.id : `${p}/out`, [1, l, 1, d]));
  });
  if (heads === 1) return outs[0] as number;
  return t.emit('CONCATENATION', outs, t.tensor(node.id, [1, l, 1, c]), { axis: 3 });
}
