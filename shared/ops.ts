/**
 * The op vocabulary shared by search spaces, the trainer, the exporter and latency tables (which are
 * keyed by `(opName, deviceId)`), in the style of tfjs `kernel_names.ts`. Pure data: no imports.
 */

export const Conv2D = 'Conv2D';
export const DepthwiseConv2D = 'DepthwiseConv2D';
/** Depthwise-separable convolution: a depthwise conv followed by a 1×1 pointwise conv. */
export const SeparableConv2D = 'SeparableConv2D';
/** Inverted residual (MobileNetV2): 1×1 expand, depthwise conv, optional squeeze-excite, 1×1 project. */
export const MBConv = 'MBConv';
export const MaxPool = 'MaxPool';
export const AvgPool = 'AvgPool';
export const GlobalAvgPool = 'GlobalAvgPool';
/** Passes its input through (a skip). */
export const Identity = 'Identity';
/** Outputs zeros of its input's shape (cuts an edge, as in NAS-Bench-201). */
export const Zero = 'Zero';
export const Dense = 'Dense';
export const BatchNorm = 'BatchNorm';
export const ReLU = 'ReLU';
export const ReLU6 = 'ReLU6';

// Primitive ops of a model graph (shared/types/graph.ts): composite layers lower into these, and the
// exporter maps each to one TFLite builtin. They are not search-space layer ops.
/** Elementwise sum of two inputs of the same shape. */
export const Add = 'Add';
/** Elementwise product of two inputs; the second may be [1, 1, C] against an [H, W, C] first (broadcast). */
export const Mul = 'Mul';
/** Concatenation along the last (channel) axis. */
export const Concat = 'Concat';
/** Logistic sigmoid 1 / (1 + e^-x). */
export const Sigmoid = 'Sigmoid';
export const Tanh = 'Tanh';
/** Row-major flatten of [H, W, C] into [H·W·C]. */
export const Reshape = 'Reshape';
/** Token-id lookup: [L, 1, 1] float ids → [L, 1, units] rows of a [vocab, units] table. */
export const Embedding = 'Embedding';
/** Normalisation over the last axis: γ(x − μ)/max(σ, ε) + β. */
export const LayerNorm = 'LayerNorm';
/** Multi-head scaled dot-product attention of q, k, v [L, 1, C] (no weights, no mask). */
export const Attention = 'Attention';

/** Ops a search-space layer may use (custom spaces validate against these). */
export const LAYER_OP_NAMES = [
  Conv2D, DepthwiseConv2D, SeparableConv2D, MBConv, MaxPool, AvgPool, GlobalAvgPool,
  Identity, Zero, Dense, BatchNorm, ReLU, ReLU6,
] as const;
export type LayerOpName = (typeof LAYER_OP_NAMES)[number];

/** Primitive graph ops that are not layer ops. */
export const PRIMITIVE_ONLY_OP_NAMES = [Add, Mul, Concat, Sigmoid, Tanh, Reshape, Embedding, LayerNorm, Attention] as const;

/** The whole vocabulary: layer ops and graph primitives. Latency tables are keyed by these names. */
export const OP_NAMES = [...LAYER_OP_NAMES, ...PRIMITIVE_ONLY_OP_NAMES] as const;
export type OpName = (typeof OP_NAMES)[number];

export function isOpName(s: unknown): s is OpName {
  return typeof s === 'string' && (OP_NAMES as readonly string[]).includes(s);
}

export function isLayerOpName(s: unknown): s is LayerOpName {
  return typeof s === 'string' && (LAYER_OP_NAMES as readonly string[]).includes(s);
}

/** Every op parameter, in canonical order (the order used in keys and dimension lists). */
export const OP_PARAM_NAMES = ['kernel', 'filters', 'stride', 'expansion', 'se', 'units', 'activation'] as const;
export type OpParam = (typeof OP_PARAM_NAMES)[number];

export const ACTIVATIONS = ['linear', 'relu', 'relu6', 'swish', 'sigmoid', 'tanh'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

/** The kind of value each parameter takes. */
export const OP_PARAM_TYPES: Record<OpParam, 'positive-int' | 'positive-number' | 'boolean' | 'activation'> = {
  kernel: 'positive-int',
  filters: 'positive-int',
  stride: 'positive-int',
  expansion: 'positive-number',
  se: 'boolean',
  units: 'positive-int',
  activation: 'activation',
};

/** Concrete parameters of one op instance; omitted ones take the model builder's defaults. */
export interface OpAttrs {
  readonly kernel?: number;
  readonly filters?: number;
  readonly stride?: number;
  /** Expansion ratio of an MBConv's hidden layer. */
  readonly expansion?: number;
  /** Squeeze-and-excitation in an MBConv. */
  readonly se?: boolean;
  readonly units?: number;
  readonly activation?: Activation;
}

/** Which parameters each op accepts (in canonical order). */
export const OP_PARAMS: Record<OpName, readonly OpParam[]> = {
  Conv2D: ['kernel', 'filters', 'stride', 'activation'],
  DepthwiseConv2D: ['kernel', 'stride', 'activation'],
  SeparableConv2D: ['kernel', 'filters', 'stride', 'activation'],
  MBConv: ['kernel', 'filters', 'stride', 'expansion', 'se'],
  MaxPool: ['kernel', 'stride'],
  AvgPool: ['kernel', 'stride'],
  GlobalAvgPool: [],
  Identity: [],
  Zero: [],
  Dense: ['units', 'activation'],
  BatchNorm: [],
  ReLU: [],
  ReLU6: [],
  // Graph primitives: not usable as layers, so they take no layer params.
  Add: [],
  Mul: [],
  Concat: [],
  Sigmoid: [],
  Tanh: [],
  Reshape: [],
  Embedding: [],
  LayerNorm: [],
  Attention: [],
};

/**
 * How a layer's output combines with its input x:
 * `sequential` y = op(x); `skip` y = x + op(x) (residual; the builder projects x when shapes differ);
 * `dense` y = concat(x, op(x)) along channels (DenseNet style).
 */
export const CONNECTIONS = ['sequential', 'skip', 'dense'] as const;
export type Connection = (typeof CONNECTIONS)[number];
