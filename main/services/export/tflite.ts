import * as flatbuffers from 'flatbuffers';
import { NasError } from '../../../shared/errors.js';
import { GRAPH_INPUT, type GraphNode, type ModelGraph } from '../../../shared/types/index.js';
import { inputShapeOf, type GraphWeights, type WeightKind } from './weights.js';

/**
 * Writes a model graph with its weights as a float32 TensorFlow Lite flatbuffer (schema version 3,
 * file identifier `TFL3`). Field slots follow tensorflow/lite/schema/schema.fbs exactly:
 * Model{version, operator_codes, subgraphs, description, buffers}; SubGraph{tensors, inputs,
 * outputs, operators, name}; Tensor{shape, type, buffer, name}; Operator{opcode_index, inputs,
 * outputs, builtin_options_type, builtin_options}; OperatorCode{deprecated_builtin_code (int8),
 * custom_code, version, builtin_code (int32)}; Buffer{data (16-byte aligned)}.
 *
 * Lowering: BatchNorm is folded into the conv/depthwise/dense before it (else MUL+ADD with per-channel
 * constants); ReLU/ReLU6 are fused into the op before them when it is their only consumer (else
 * RELU/RELU6 ops); GlobalAvgPool is MEAN over H and W; Zero is MUL by 0; the logits get a SOFTMAX
 * unless `softmax: false`. With `explicitPadding`, 'same' convolutions become PAD + VALID.
 */

/** BuiltinOperator codes (schema.fbs). */
export const BuiltinOp = {
  ADD: 0, AVERAGE_POOL_2D: 1, CONCATENATION: 2, CONV_2D: 3, DEPTHWISE_CONV_2D: 4, FULLY_CONNECTED: 9, LOGISTIC: 14,
  MAX_POOL_2D: 17, MUL: 18, RELU: 19, RELU6: 21, RESHAPE: 22, SOFTMAX: 25, TANH: 28, PAD: 34, MEAN: 40,
} as const;
type BuiltinOpName = keyof typeof BuiltinOp;

/** BuiltinOptions union type ids (1-based position in the union; 0 is NONE). */
const Options = {
  Conv2DOptions: 1, DepthwiseConv2DOptions: 2, Pool2DOptions: 5, FullyConnectedOptions: 8, SoftmaxOptions: 9,
  ConcatenationOptions: 10, AddOptions: 11, ReshapeOptions: 17, MulOptions: 21, PadOptions: 22, ReducerOptions: 27,
} as const;

const TensorType = { FLOAT32: 0, INT32: 2 } as const;
const Padding = { SAME: 0, VALID: 1 } as const;
const Act = { NONE: 0, RELU: 1, RELU6: 3 } as const;
type Activation = (typeof Act)[keyof typeof Act];

interface TensorRec {
  name: string;
  shape: number[];
  type: number;
  data?: Uint8Array;
}

interface OpRec {
  op: BuiltinOpName;
  inputs: number[];
  outputs: number[];
  /** Options by name, written in slot order by writeOptions. */
  opts: Record<string, number | number[] | boolean>;
  fused?: Activation;
  /** Kept while lowering so a following BatchNorm can be folded in. */
  weights?: {
    kernel: Float32Array;
    bias: Float32Array;
    /** Output channels. */
    out: number;
    /** TFLite shape of the kernel. */
    shape: number[];
    /** Where the output channel sits: outermost axis (CONV_2D, FULLY_CONNECTED) or innermost (DEPTHWISE_CONV_2D). */
    channelAxis: 'outer' | 'inner';
  };
}

export interface TfliteExportOptions {
  /** Append SOFTMAX to the logits (default true). */
  readonly softmax?: boolean;
  /** Lower 'same' convolutions to PAD + VALID (default false). */
  readonly explicitPadding?: boolean;
  readonly description?: string;
}

export interface TfliteModel {
  readonly bytes: Uint8Array;
  /** Builtin ops in the file, in execution order. */
  readonly ops: readonly BuiltinOpName[];
}

function f32(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

function i32(a: readonly number[]): Uint8Array {
  return new Uint8Array(Int32Array.from(a).buffer);
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

  tensorOf.set(GRAPH_INPUT, addTensor({ name: 'input', shape: [1, ...graph.input], type: TensorType.FLOAT32 }));

  const maybePad = (node: GraphNode, x: number, inShape: readonly number[]): { x: number; padding: number } => {
    const k = node.attrs.kernel ?? 1;
    const s = node.attrs.stride ?? 1;
    if (!o.explicitPadding) return { x, padding: Padding.SAME };
    const [h, w, c] = inShape as [number, number, number];
    const [pt, pb] = samePadding(h, k, s);
    const [pl, pr] = samePadding(w, k, s);
    if (pt + pb + pl + pr === 0) return { x, padding: Padding.VALID };
    const paddings = constant(`${node.id}/paddings`, [4, 2], [0, 0, pt, pb, pl, pr, 0, 0], TensorType.INT32);
    const padded = addTensor({ name: `${node.id}/pad`, shape: [1, h + pt + pb, w + pl + pr, c], type: TensorType.FLOAT32 });
    emit({ op: 'PAD', inputs: [x, paddings], outputs: [padded], opts: {} });
    return { x: padded, padding: Padding.VALID };
  };

  for (const node of graph.nodes) {
    const a = node.attrs;
    const inShape = node.inputs.length > 0 ? inputShapeOf(graph, node) : [];
    const cin = inShape[inShape.length - 1] as number;
    switch (node.op) {
      case 'Conv2D': {
        const k = a.kernel as number;
        const f = a.filters as number;
        const keras = weight(node, 'kernel', k * k * cin * f);
        // Keras [kh, kw, in, out] → TFLite [out, kh, kw, in]
        const kernel = new Float32Array(keras.length);
        for (let y = 0; y < k; y++) for (let x = 0; x < k; x++) for (let i = 0; i < cin; i++) for (let j = 0; j < f; j++) {
          kernel[((j * k + y) * k + x) * cin + i] = keras[((y * k + x) * cin + i) * f + j] as number;
        }
        const bias = a.useBias ? Float32Array.from(weight(node, 'bias', f)) : new Float32Array(f);
        const { x, padding } = maybePad(node, inT(node), inShape);
        const op: OpRec = { op: 'CONV_2D', inputs: [x, -1, -1], outputs: [out(node)], opts: { padding, stride: a.stride as number }, weights: { kernel, bias, out: f, shape: [f, k, k, cin], channelAxis: 'outer' } };
        tensorOf.set(node.id, emit(op));
        break;
      }
      case 'DepthwiseConv2D': {
        const k = a.kernel as number;
        const keras = weight(node, 'kernel', k * k * cin);
        // Keras [kh, kw, in, 1] → TFLite [1, kh, kw, in]: the same element order.
        const kernel = Float32Array.from(keras);
        const bias = a.useBias ? Float32Array.from(weight(node, 'bias', cin)) : new Float32Array(cin);
        const { x, padding } = maybePad(node, inT(node), inShape);
        const op: OpRec = { op: 'DEPTHWISE_CONV_2D', inputs: [x, -1, -1], outputs: [out(node)], opts: { padding, stride: a.stride as number }, weights: { kernel, bias, out: cin, shape: [1, k, k, cin], channelAxis: 'inner' } };
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
          opts: { padding: Padding.SAME, stride: a.stride as number, filter: a.kernel as number },
        }));
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

function serialize(tensors: readonly TensorRec[], ops: readonly OpRec[], input: number, output: number, description: string): Uint8Array {
  const b = new flatbuffers.Builder(1024 + tensors.reduce((n, t) => n + (t.data?.length ?? 0), 0));
  const intVector = (xs: readonly number[]): flatbuffers.Offset => {
    b.startVector(4, xs.length, 4);
    for (let i = xs.length - 1; i >= 0; i--) b.addInt32(xs[i] as number);
    return b.endVector();
  };
  const offsets = (xs: readonly flatbuffers.Offset[]): flatbuffers.Offset => {
    b.startVector(4, xs.length, 4);
    for (let i = xs.length - 1; i >= 0; i--) b.addOffset(xs[i] as flatbuffers.Offset);
    return b.endVector();
  };

  // Buffers: 0 is the empty sentinel; each constant tensor gets its own.
  const bufferOffsets: flatbuffers.Offset[] = [];
  const bufferOf: number[] = [];
  b.startObject(1);
  bufferOffsets.push(b.endObject());
  for (const t of tensors) {
    if (!t.data) {
      bufferOf.push(0);
      continue;
    }
    b.startVector(1, t.data.length, 16);
    for (let i = t.data.length - 1; i >= 0; i--) b.addInt8(t.data[i] as number);
    const data = b.endVector();
    b.startObject(1);
    b.addFieldOffset(0, data, 0);
    bufferOf.push(bufferOffsets.push(b.endObject()) - 1);
  }

  const tensorOffsets = tensors.map((t, i) => {
    const name = b.createString(t.name);
    const shape = intVector(t.shape);
    b.startObject(6);
    b.addFieldOffset(0, shape, 0);
    b.addFieldInt8(1, t.type, -1); // always written (FLOAT32 is 0, the default)
    b.addFieldInt32(2, bufferOf[i] as number, -1);
    b.addFieldOffset(3, name, 0);
    return b.endObject();
  });

  const codes: BuiltinOpName[] = [];
  for (const op of ops) if (!codes.includes(op.op)) codes.push(op.op);
  const codeOffsets = codes.map((c) => {
    b.startObject(4);
    b.addFieldInt8(0, Math.min(BuiltinOp[c], 127), -1);
    b.addFieldInt32(2, 1, 0);
    b.addFieldInt32(3, BuiltinOp[c], -1);
    return b.endObject();
  });

  const opOffsets = ops.map((op) => {
    const [type, options] = writeOptions(b, op, intVector);
    const inputs = intVector(op.inputs);
    const outputs = intVector(op.outputs);
    b.startObject(8);
    b.addFieldInt32(0, codes.indexOf(op.op), -1);
    b.addFieldOffset(1, inputs, 0);
    b.addFieldOffset(2, outputs, 0);
    if (type !== 0) {
      b.addFieldInt8(3, type, 0);
      b.addFieldOffset(4, options, 0);
    }
    return b.endObject();
  });

  const sgName = b.createString('main');
  const sgTensors = offsets(tensorOffsets);
  const sgInputs = intVector([input]);
  const sgOutputs = intVector([output]);
  const sgOps = offsets(opOffsets);
  b.startObject(5);
  b.addFieldOffset(0, sgTensors, 0);
  b.addFieldOffset(1, sgInputs, 0);
  b.addFieldOffset(2, sgOutputs, 0);
  b.addFieldOffset(3, sgOps, 0);
  b.addFieldOffset(4, sgName, 0);
  const subgraph = b.endObject();

  const desc = b.createString(description);
  const opCodes = offsets(codeOffsets);
  const subgraphs = offsets([subgraph]);
  const buffers = offsets(bufferOffsets);
  b.startObject(5);
  b.addFieldInt32(0, 3, -1);
  b.addFieldOffset(1, opCodes, 0);
  b.addFieldOffset(2, subgraphs, 0);
  b.addFieldOffset(3, desc, 0);
  b.addFieldOffset(4, buffers, 0);
  const model = b.endObject();
  b.finish(model, 'TFL3');
  return b.asUint8Array();
}

/** Writes an op's options table; returns [union type, offset]. Slots follow schema.fbs. */
function writeOptions(b: flatbuffers.Builder, op: OpRec, intVector: (xs: readonly number[]) => flatbuffers.Offset): [number, flatbuffers.Offset] {
  const o = op.opts;
  const fused = op.fused ?? Act.NONE;
  switch (op.op) {
    case 'CONV_2D':
      b.startObject(6);
      b.addFieldInt8(0, o['padding'] as number, -1);
      b.addFieldInt32(1, o['stride'] as number, -1);
      b.addFieldInt32(2, o['stride'] as number, -1);
      b.addFieldInt8(3, fused, -1);
      b.addFieldInt32(4, 1, -1);
      b.addFieldInt32(5, 1, -1);
      return [Options.Conv2DOptions, b.endObject()];
    case 'DEPTHWISE_CONV_2D':
      b.startObject(7);
      b.addFieldInt8(0, o['padding'] as number, -1);
      b.addFieldInt32(1, o['stride'] as number, -1);
      b.addFieldInt32(2, o['stride'] as number, -1);
      b.addFieldInt32(3, 1, -1); // depth_multiplier
      b.addFieldInt8(4, fused, -1);
      b.addFieldInt32(5, 1, -1);
      b.addFieldInt32(6, 1, -1);
      return [Options.DepthwiseConv2DOptions, b.endObject()];
    case 'AVERAGE_POOL_2D':
    case 'MAX_POOL_2D':
      b.startObject(6);
      b.addFieldInt8(0, o['padding'] as number, -1);
      b.addFieldInt32(1, o['stride'] as number, -1);
      b.addFieldInt32(2, o['stride'] as number, -1);
      b.addFieldInt32(3, o['filter'] as number, -1);
      b.addFieldInt32(4, o['filter'] as number, -1);
      b.addFieldInt8(5, fused, -1);
      return [Options.Pool2DOptions, b.endObject()];
    case 'FULLY_CONNECTED':
      b.startObject(2);
      b.addFieldInt8(0, fused, -1);
      b.addFieldInt8(1, 0, -1); // weights_format DEFAULT
      return [Options.FullyConnectedOptions, b.endObject()];
    case 'SOFTMAX':
      b.startObject(1);
      b.addFieldFloat32(0, o['beta'] as number, 0);
      return [Options.SoftmaxOptions, b.endObject()];
    case 'CONCATENATION':
      b.startObject(2);
      b.addFieldInt32(0, o['axis'] as number, -1);
      b.addFieldInt8(1, fused, -1);
      return [Options.ConcatenationOptions, b.endObject()];
    case 'ADD':
      b.startObject(1);
      b.addFieldInt8(0, fused, -1);
      return [Options.AddOptions, b.endObject()];
    case 'MUL':
      b.startObject(1);
      b.addFieldInt8(0, fused, -1);
      return [Options.MulOptions, b.endObject()];
    case 'RESHAPE': {
      const ns = intVector(o['newShape'] as number[]);
      b.startObject(1);
      b.addFieldOffset(0, ns, 0);
      return [Options.ReshapeOptions, b.endObject()];
    }
    case 'PAD':
      b.startObject(0);
      return [Options.PadOptions, b.endObject()];
    case 'MEAN':
      b.startObject(1);
      b.addFieldInt8(0, o['keepDims'] ? 1 : 0, -1);
      return [Options.ReducerOptions, b.endObject()];
    default:
      return [0, 0];
  }
}
