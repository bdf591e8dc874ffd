import type { GraphNode } from '../../../shared/types/index.js';
import type { WeightKind } from './weights.js';

/** One export format's lowering of the sequence ops (issue #16), over its tensor names (onnx-seq.ts, tfjs-seq.ts). */
export interface SeqOpLowering {
  embedding(node: GraphNode, x: string, table: Float32Array, vocab: number, units: number): string;
  layerNorm(node: GraphNode, x: string, gamma: Float32Array, beta: Float32Array, epsilon: number): string;
  attention(node: GraphNode, q: string, k: string, v: string, heads: number): string;
}

/**
 * Lowers an Embedding, LayerNorm or Attention node with `seq`: its inputs from `input`, its weights
 * from `weight` (embeddings; gamma then beta), its attributes with the graph IR's defaults (LayerNorm
 * ε 1e-6, one attention head). Undefined for any other op.
 */
export function lowerSeqOp(
  node: GraphNode,
  seq: SeqOpLowering,
  input: (node: GraphNode, i?: number) => string,
  weight: (node: GraphNode, kind: WeightKind) => Float32Array,
): string | undefined {
  const a = node.attrs;
  switch (node.op) {
    case 'Embedding':
      return seq.embedding(node, input(node), weight(node, 'embeddings'), a.vocab as number, a.units as number);
    case 'LayerNorm':
      return seq.layerNorm(node, input(node), weight(node, 'gamma'), weight(node, 'beta'), a.epsilon ?? 1e-6);
    case 'Attention':
      return seq.attention(node, input(node, 0), input(node, 1), input(node, 2), a.heads ?? 1);
    default:
      return undefined;
  }
}
