import type { OpName } from '../ops.js';

/**
 * A model as a graph of primitive ops: the one representation the trainer (tfjs), the cost model,
 * the latency profiler and the exporter (TFLite) share. Pure data, JSON-serialisable.
 *
 * Semantics (everything explicit, nothing left to a framework default):
 * - Tensors are NHWC with the batch dimension left out of `shape`: `[H, W, C]` for feature maps,
 *   `[C]` for vectors. Data type float32.
 * - `GRAPH_INPUT` (`'input'`) is the id of the graph input, of shape `ModelGraph.input`; it is not a node.
 * - `nodes` are in topological order: every id in `inputs` is `GRAPH_INPUT` or an earlier node.
 * - `output` is the node producing the logits `[classes]` (no softmax; an exporter may append one).
 * - Convolutions and pools use TensorFlow `'same'` padding (out = ceil(in / stride), the extra
 *   padding row/column at the bottom/right), dilation 1.
 * - No activation is fused: activations are their own nodes (ReLU, ReLU6, Sigmoid, Tanh; swish is
 *   lowered to Sigmoid then Mul). BatchNorm is its own node (inference: y = γ(x−μ)/√(σ²+ε)+β, ε in
 *   attrs) so training can use batch statistics; an exporter folds it into the preceding conv.
 * - Identity edges and `Zero` edges of a sum are removed while lowering; a `Zero` node appears only
 *   where a whole tensor is zero (e.g. an NB201 cell whose output has no non-zero path).
 *
 * Ops and attrs (see `GraphNodeAttrs`). `kW`/`sW` are `kernelW`/`strideW` (absent: `kernel`/`stride`);
 * 'same' padding is per axis. Weights are named `<node id>/<kind>` in Keras layouts:
 * | op              | inputs | attrs                                  | output shape | weights |
 * |-----------------|--------|----------------------------------------|--------------|---------|
 * | Conv2D          | 1      | kernel, kernelW, stride, strideW, filters, useBias | [ceil(H/s), ceil(W/sW), filters] | kernel [k, kW, C, filters], bias [filters] |
 * | DepthwiseConv2D | 1      | kernel, kernelW, stride, strideW, useBias (multiplier 1) | [ceil(H/s), ceil(W/sW), C] | kernel [k, kW, C, 1], bias [C] |
 * | Dense           | 1 ([C])| units, useBias                         | [units] | kernel [C, units], bias [units] |
 * | BatchNorm       | 1      | epsilon, momentum (over the last axis) | same | gamma, beta, movingMean, movingVariance [C] |
 * | ReLU, ReLU6, Sigmoid, Tanh | 1 |                                   | same | |
 * | MaxPool, AvgPool| 1      | kernel, kernelW, stride, strideW (AvgPool excludes padding from the mean) | [ceil(H/s), ceil(W/sW), C] | |
 * | GlobalAvgPool   | 1      | keepDims                               | [1, 1, C] if keepDims else [C] | |
 * | Add             | 2      |                                        | same as inputs | |
 * | Mul             | 2      | (second may be [1, 1, C], broadcast)   | shape of the first | |
 * | Concat          | ≥ 2    | (axis: last)                           | channels summed | |
 * | Reshape         | 1      | (row-major flatten)                    | [H·W·C] | |
 * | Zero            | 1      |                                        | same (all zeros) | |
 * | Embedding       | 1 ([L, 1, 1] float ids) | vocab, units (ids rounded to int, must be in 0..vocab−1) | [L, 1, units] | embeddings [vocab, units] (init uniform ±0.05) |
 * | LayerNorm       | 1      | epsilon (default 1e-6); over the last axis: y = γ(x − μ)/max(σ, ε) + β, σ = sqrt(mean((x − μ)²)) | same | gamma [C] (ones), beta [C] (zeros) |
 * | Attention       | 3 (q, k, v, each [L, 1, C]) | heads (divides C); head h on channels [h·d, (h+1)·d), d = C/heads: softmax_j(q_i·k_j/√d), Σ_j p_ij v_j; heads concatenated | [L, 1, C] | |
 */
export interface ModelGraph {
  /** Input shape [H, W, C]. */
  readonly input: readonly [number, number, number];
  readonly nodes: readonly GraphNode[];
  /** Id of the node whose output is the logits, shape [classes]. */
  readonly output: string;
  readonly classes: number;
}

export interface GraphNode {
  /** Unique, stable across builds of the same architecture; also the weight-name prefix. */
  readonly id: string;
  readonly op: OpName;
  readonly attrs: GraphNodeAttrs;
  /** Ids of the input tensors, in order. */
  readonly inputs: readonly string[];
  /** Output shape without the batch dimension. */
  readonly shape: readonly number[];
}

export interface GraphNodeAttrs {
  /** Kernel size along H (and along W unless `kernelW` is given). */
  readonly kernel?: number;
  /** Kernel size along W (default `kernel`), e.g. the feature count F for a 1-D conv over time on [T, F, 1]. */
  readonly kernelW?: number;
  /** Stride along H (and along W unless `strideW` is given). */
  readonly stride?: number;
  /** Stride along W (default `stride`). */
  readonly strideW?: number;
  readonly filters?: number;
  /** Dense output units; Embedding vector width. */
  readonly units?: number;
  /** Embedding table rows (token ids 0..vocab−1). */
  readonly vocab?: number;
  /** Attention heads (divides the channel count). */
  readonly heads?: number;
  /** Whether a conv/dense has a bias (false when a BatchNorm follows). */
  readonly useBias?: boolean;
  /** BatchNorm / LayerNorm epsilon. */
  readonly epsilon?: number;
  /** BatchNorm moving-average momentum (Keras convention: new = m·old + (1−m)·batch). */
  readonly momentum?: number;
  /** GlobalAvgPool: keep [1, 1, C] (for squeeze-excite) instead of [C]. */
  readonly keepDims?: boolean;
}

/** The id by which nodes refer to the graph input. */
export const GRAPH_INPUT = 'input';
