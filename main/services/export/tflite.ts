import { NasError } from '../../../shared/errors.js';
import { GRAPH_INPUT, type GraphNode, type ModelGraph } from '../../../shared/types/index.js';
import { inputShapeOf, type GraphWeights, type WeightKind } from './weights.js';

import { lowerAttention, lowerEmbedding, lowerLayerNorm, type TfliteLowering } from './tflite-seq.js';
import { Act, f32, i32, Padding, serialize, TensorType, type BuiltinOpName, type OpRec, type TensorRec } from './tflite-write.js';

export { BuiltinOp } from './tflite-write.js';

/**
 * Writes a model graph with its weights as a float32 TensorFlow Lite flatbuffer (tflite-write.ts).
 *
 * Lowering: BatchNorm is folded into the conv/depthwise/dense before it (else MUL+ADD with per-channel
 * constants); ReLU/ReLU6 are fused into the op before them when it is their only consumer (else
 * RELU/RELU6 ops); GlobalAvgPool is MEAN over H and W; Zero is MUL by 0; the logits get a SOFTMAX
 * unless `softmax: false`. With `explicitPadding`, 'same' convolutions become PAD + VALID.
 * Kernels and strides may differ along H and W (`kernelW`, `strideW`). Embedding, LayerNorm and
 * Attention: see tflite-seq.ts.
 */

export interface TfliteExportOptions {
  /** Append SOFTMAX to the logits (default true). */
  readonly softmax?: boolean;
  /** Lower 'same' convolutions to PAD + VALID (default false). */
  readonly explicitPadding?: boolean;
  readonly description?: string;
  /**
   * Start the model at this node's output: the file's input is that tensor (`[1, ...shape]`) and
   * the nodes up to it are left out (every later node must read only it or later nodes). For
   * checking the part of a text model after its Embedding in a runtime without GATHER (Arm NN 20.08).
   */
  readonly inputAt?: string;
}

export interface TfliteModel {
  readonly bytes: Uint8Array;
  /** Builtin ops in the file, in execution order. */
  readonly ops: readonly BuiltinOpName[];
}

/** `same` padding amounts (TensorFlow convention: the extra row/column at the bottom/right). */
export function samePadding(size: number, kernel: number, stride: number): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

export function exportTflite(graph: ModelGraph, weights: GraphWeights, o: TfliteExportOptions = {}): TfliteModel {
  const tensors: TensorRec[] = [];
  const ops: OpRec[] = [];
  const tensorOf = new Map<string, number>();
  const producer = new Map<number, OpRec>();
  const consumers = new Map<string, number>();
  for (const n of graph.nodes) for (const i of n.inputs) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  consumers.set(graph.output, (consumers.get(graph.output) ?? 0) + 1);

  const addTensor = (t: TensorRec): number => tensors.push(t) - 1;
  const constant = (name: string, shape: number[], data: Float32Array | number[], type: number = TensorType.FLOAT32): number =>
    addTensor({ name, shape, type, data: type === TensorType.INT32 ? i32(data as number[]) : f32(data as Float32Array) });
  const emit = (op: OpRec): number => {
    ops.push(op);
    for (const out of op.outputs) producer.set(out, op);
    return op.outputs[0] as number;
  };
  const weight = (node: GraphNode, kind: WeightKind, n: number): Float32Array => {
    const w = weights.get(node.id, kind);
    if (!w) throw new NasError('invalid-input', `no ${kind} weights for node ${node.id}`);
    if (w.length !== n) throw new NasError('invalid-input', `${node.id}/${kind}: expected ${n} values, got ${w.length}`);
    return w;
  };
  const inT = (node: GraphNode, i = 0): number => {
    const id = node.inputs[i] as string;
    const t = tensorOf.get(id);
    if (t === undefined) throw new NasError('internal', `node ${node.id}: input ${id} was not lowered`);
    return t;
  };
  const out = (node: GraphNode): number => addTensor({ name: node.id, shape: [1, ...node.shape], type: TensorType.FLOAT32 });
  const lowering: TfliteLowering = {
    tensor: (name, shape, type = TensorType.FLOAT32) => addTensor({ name, shape, type }),
    constant,
    emit: (op, inputs, outputs, opts = {}) => emit({ op, inputs, outputs: typeof outputs === 'number' ? [outputs] : outputs, opts }),
  };

  let nodes = graph.nodes;
  if (o.inputAt === undefined) {
    tensorOf.set(GRAPH_INPUT, addTensor({ name: 'input', shape: [1, ...graph.input], type: TensorType.FLOAT32 }));
  } else {
    const at = nodes.findIndex((n) => n.id === o.inputAt);
    const start = nodes[at];
    if (!start) throw new NasError('invalid-input', `TFLite export: inputAt ${o.inputAt} is not a node of the graph`);
    nodes = nodes.slice(at + 1);
    const left = new Set([GRAPH_INPUT, ...graph.nodes.slice(0, at).map((n) => n.id)]);
    const reader = nodes.find((n) => n.inputs.some((i) => left.has(i)));
    if (reader) throw new NasError('invalid-input', `TFLite export: node ${reader.id} reads a tensor before ${start.id}, so the model cannot start at ${start.id}`);
    tensorOf.set(start.id, addTensor({ name: 'input', shape: [1, ...start.shape], type: TensorType.FLOAT32 }));
    consumers.set(start.id, (consumers.get(start.id) ?? 0) + 1); // never fold into the input
  }

  const maybePad = (node: GraphNode, x: number, inShape: readonly number[]): { x: number; padding: number } => {
    const k = node.attrs.kernel ?? 1;
    const s = node.attrs.stride ?? 1;
    if (!o.explicitPadding) return { x, padding: Padding.SAME };
    const [h, w, c] = inShape as [number, number, number];
    const [pt, pb] = samePadding(h, k, s);
    const [pl, pr] = samePadding(w, node.attrs.kernelW ?? k, node.attrs.strideW ?? s);
    if (pt + pb + pl + pr === 0) return { x, padding: Padding.VALID };
    const paddings = constant(`${node.id}/paddings`, [4, 2], [0, 0, pt, pb, pl, pr, 0, 0], TensorType.INT32);
    const padded = addTensor({ name: `${node.id}/pad`, shape: [1, h + pt + pb, w + pl + pr, c], type: TensorType.FLOAT32 });
    emit({ op: 'PAD', inputs: [x, paddings], outputs: [padded], opts: {} });
    return { x: padded, padding: Padding.VALID };
  };

  for (const node of nodes) {
    const a = node.attrs;
    const kh = a.kernel ?? 1;
    const kw = a.kernelW ?? kh;
    const strides = { stride: a.stride ?? 1, strideW: a.strideW ?? a.stride ?? 1 };
    const inShape = node.inputs.length > 0 ? inputShapeOf(graph, node) : [];
    const cin = inShape[inShape.length - 1] as number;
    switch (node.op) {
      case 'Conv2D': {
        const f = a.filters as number;
        const keras = weight(node, 'kernel', kh * kw * cin * f);
        // Keras [kh, kw, in, out] → TFLite [out, kh, kw, in]
        const kernel = new Float32Array(keras.length);
        for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < cin; i++) for (let j = 0; j < f; j++) {
          kernel[((j * kh + y) * kw + x) * cin + i] = keras[((y * kw + x) * cin + i) * f + j] as number;
        }
        const bias = a.useBias ? Float32Array.from(weight(node, 'bias', f)) : new Float32Array(f);
        const { x, padding } = maybePad(node, inT(node), inShape);
        const op: OpRec = { op: 'CONV_2D', inputs: [x, -1, -1], outputs: [out(node)], opts: { padding, ...strides }, weights: { kernel, bias, out: f, shape: [f, kh, kw, cin], channelAxis: 'outer' } };
        tensorOf.set(node.id, emit(op));
        break;
      }
      case 'DepthwiseConv2D': {
        const keras = weight(node, 'kernel', kh * kw * cin);
        // Keras [kh, kw, in, 1] → TFLite [1, kh, kw, in]: the same element order.
        const kernel = Float32Array.from(keras);
        const bias = a.useBias ? Float32Array.from(weight(node, 'bias', cin)) : new Float32Array(cin);
        const { x, padding } = maybePad(node, inT(node), inShape);
        const op: OpRec = { op: 'DEPTHWISE_CONV_2D', inputs: [x, -1, -1], outputs: [out(node)], opts: { padding, ...strides }, weights: { kernel, bias, out: cin, shape: [1, kh, kw, cin], channelAxis: 'inner' } };
        tensorOf.set(node.id, emit(op));
        break;
      }
      case 'Dense': {
        const u = a.units as number;
        const keras = weight(node, 'kernel', cin * u);
        const kernel = new Float32Array(keras.length); // [in, units] → [units, in]
        for (let i = 0; i < cin; i++) for (let j = 0; j < u; j++) kernel[j * cin + i] = keras[i * u + j] as number;
        const bias = a.useBias ? Float32Array.from(weight(node, 'bias', u)) : new Float32Array(u);
        const op: OpRec = { op: 'FULLY_CONNECTED', inputs: [inT(node), -1, -1], outputs: [out(node)], opts: {}, weights: { kernel, bias, out: u, shape: [u, cin], channelAxis: 'outer' } };
        tensorOf.set(node.id, emit(op));
        break;
      }
      case 'BatchNorm': {
        const eps = a.epsilon ?? 1e-3;
        const gamma = weight(node, 'gamma', cin);
        const beta = weight(node, 'beta', cin);
        const mean = weight(node, 'movingMean', cin);
        const variance = weight(node, 'movingVariance', cin);
        const scale = new Float32Array(cin);
        const shift = new Float32Array(cin);
        for (let c = 0; c < cin; c++) {
          scale[c] = (gamma[c] as number) / Math.sqrt((variance[c] as number) + eps);
          shift[c] = (beta[c] as number) - (mean[c] as number) * (scale[c] as number);
        }
        const x = inT(node);
        const prev = producer.get(x);
        const sole = consumers.get(node.inputs[0] as string) === 1;
        if (prev?.weights && sole && (prev.fused ?? Act.NONE) === Act.NONE) {
          const w = prev.weights;
          for (let j = 0; j < w.out; j++) {
            const s = scale[j] as number;
            const per = w.kernel.length / w.out;
            if (w.channelAxis === 'inner') for (let p = j; p < w.kernel.length; p += w.out) w.kernel[p] = (w.kernel[p] as number) * s;
            else for (let p = j * per; p < (j + 1) * per; p++) w.kernel[p] = (w.kernel[p] as number) * s;
            w.bias[j] = (w.bias[j] as number) * s + (shift[j] as number);
          }
          tensorOf.set(node.id, x);
          // The folded tensor now carries the BatchNorm's output: keep the graph's name for it.
          (tensors[x] as TensorRec).name = node.id;
        } else {
          const bshape = inShape.length === 3 ? [1, 1, 1, cin] : [1, cin];
          const mid = addTensor({ name: `${node.id}/scaled`, shape: [1, ...node.shape], type: TensorType.FLOAT32 });
          emit({ op: 'MUL', inputs: [x, constant(`${node.id}/scale`, bshape, scale)], outputs: [mid], opts: {} });
          tensorOf.set(node.id, emit({ op: 'ADD', inputs: [mid, constant(`${node.id}/shift`, bshape, shift)], outputs: [out(node)], opts: {} }));
        }
        break;
      }
      case 'ReLU':
      case 'ReLU6': {
        const act = node.op === 'ReLU' ? Act.RELU : Act.RELU6;
        const x = inT(node);
        const prev = producer.get(x);
        const sole = consumers.get(node.inputs[0] as string) === 1 && node.inputs[0] !== GRAPH_INPUT;
        if (prev && sole && (prev.fused ?? Act.NONE) === Act.NONE && ['CONV_2D', 'DEPTHWISE_CONV_2D', 'FULLY_CONNECTED', 'ADD', 'MUL', 'CONCATENATION'].includes(prev.op)) {
          prev.fused = act;
          tensorOf.set(node.id, x);
          (tensors[x] as TensorRec).name = node.id;
        } else {
          tensorOf.set(node.id, emit({ op: node.op === 'ReLU' ? 'RELU' : 'RELU6', inputs: [x], outputs: [out(node)], opts: {} }));
        }
        break;
      }
      case 'Sigmoid':
        tensorOf.set(node.id, emit({ op: 'LOGISTIC', inputs: [inT(node)], outputs: [out(node)], opts: {} }));
        break;
      case 'Tanh':
        tensorOf.set(node.id, emit({ op: 'TANH', inputs: [inT(node)], outputs: [out(node)], opts: {} }));
        break;
      case 'MaxPool':
      case 'AvgPool':
        tensorOf.set(node.id, emit({
          op: node.op === 'MaxPool' ? 'MAX_POOL_2D' : 'AVERAGE_POOL_2D', inputs: [inT(node)], outputs: [out(node)],
          opts: { padding: Padding.SAME, ...strides, filter: kh, filterW: kw },
        }));
        break;
      case 'Embedding': {
        const vocab = a.vocab as number;
        const units = a.units as number;
        tensorOf.set(node.id, lowerEmbedding(lowering, node, inT(node), weight(node, 'embeddings', vocab * units), vocab, units));
        break;
      }
      case 'LayerNorm':
        tensorOf.set(node.id, lowerLayerNorm(lowering, node, inT(node), weight(node, 'gamma', cin), weight(node, 'beta', cin)));
        break;
      case 'Attention':
        tensorOf.set(node.id, lowerAttention(lowering, node, inT(node, 0), inT(node, 1), inT(node, 2), a.heads ?? 1));
        break;
      case 'GlobalAvgPool':
        tensorOf.set(node.id, emit({
          op: 'MEAN', inputs: [inT(node), constant(`${node.id}/axes`, [2], [1, 2], TensorType.INT32)], outputs: [out(node)],
          opts: { keepDims: a.keepDims ?? false },
        }));
        break;
      case 'Add':
        tensorOf.set(node.id, emit({ op: 'ADD', inputs: [inT(node, 0), inT(node, 1)], outputs: [out(node)], opts: {} }));
        break;
      case 'Mul':
        tensorOf.set(node.id, emit({ op: 'MUL', inputs: [inT(node, 0), inT(node, 1)], outputs: [out(node)], opts: {} }));
        break;
      case 'Concat':
        tensorOf.set(node.id, emit({ op: 'CONCATENATION', inputs: node.inputs.map((_, i) => inT(node, i)), outputs: [out(node)], opts: { axis: node.shape.length } }));
        break;
      case 'Reshape': {
        const shape = [1, ...node.shape];
        tensorOf.set(node.id, emit({ op: 'RESHAPE', inputs: [inT(node), constant(`${node.id}/shape`, [shape.length], shape, TensorType.INT32)], outputs: [out(node)], opts: { newShape: shape } }));
        break;
      }
      case 'Zero': {
        const zshape = node.shape.length === 3 ? [1, 1, 1, 1] : [1, 1];
        tensorOf.set(node.id, emit({ op: 'MUL', inputs: [inT(node), constant(`${node.id}/zero`, zshape, new Float32Array(1))], outputs: [out(node)], opts: {} }));
        break;
      }
      default:
        throw new NasError('invalid-input', `TFLite export: op ${node.op} (node ${node.id}) is not supported`);
    }
  }

  let output = tensorOf.get(graph.output);
  if (output === undefined) throw new NasError('internal', `graph output ${graph.output} was not lowered`);
  if (o.softmax ?? true) {
    output = emit({ op: 'SOFTMAX', inputs: [output], outputs: [addTensor({ name: 'probabilities', shape: [1, graph.classes], type: TensorType.FLOAT32 })], opts: { beta: 1 } });
  }

  // Weights and biases of conv/dense ops become constant tensors now that folding is done.
  for (const op of ops) {
    if (!op.weights) continue;
    const w = op.weights;
    const name = tensors[op.outputs[0] as number]?.name ?? 'op';
    op.inputs[1] = constant(`${name}/weights`, w.shape, w.kernel);
    op.inputs[2] = constant(`${name}/bias`, [w.out], w.bias);
  }
  return { bytes: serialize(tensors, ops, 0, output, o.description ?? 'Frontier export'), ops: ops.map((x) => x.op) };
}

