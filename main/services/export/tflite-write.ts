import * as flatbuffers from 'flatbuffers';

/**
 * The TensorFlow Lite flatbuffer writer behind exportTflite (tflite.ts): schema version 3, file
 * identifier `TFL3`. Field slots follow tensorflow/lite/schema/schema.fbs exactly:
 * Model{version, operator_codes, subgraphs, description, buffers}; SubGraph{tensors, inputs,
 * outputs, operators, name}; Tensor{shape, type, buffer, name}; Operator{opcode_index, inputs,
 * outputs, builtin_options_type, builtin_options}; OperatorCode{deprecated_builtin_code (int8),
 * custom_code, version, builtin_code (int32)}; Buffer{data (16-byte aligned)}.
 */

/** BuiltinOperator codes (schema.fbs). */
export const BuiltinOp = {
  ADD: 0, AVERAGE_POOL_2D: 1, CONCATENATION: 2, CONV_2D: 3, DEPTHWISE_CONV_2D: 4, FULLY_CONNECTED: 9, L2_NORMALIZATION: 11,
  LOGISTIC: 14, MAX_POOL_2D: 17, MUL: 18, RELU: 19, RELU6: 21, RESHAPE: 22, SOFTMAX: 25, TANH: 28, PAD: 34, GATHER: 36,
  MEAN: 40, SUB: 41, STRIDED_SLICE: 45, SPLIT: 49, CAST: 53,
} as const;
export type BuiltinOpName = keyof typeof BuiltinOp;

/** BuiltinOptions union type ids (1-based position in the union; 0 is NONE). */
export const Options = {
  Conv2DOptions: 1, DepthwiseConv2DOptions: 2, Pool2DOptions: 5, FullyConnectedOptions: 8, SoftmaxOptions: 9,
  ConcatenationOptions: 10, AddOptions: 11, L2NormOptions: 12, ReshapeOptions: 17, MulOptions: 21, PadOptions: 22,
  GatherOptions: 23, ReducerOptions: 27, SubOptions: 28, StridedSliceOptions: 32, SplitOptions: 35, CastOptions: 37,
} as const;

export const TensorType = { FLOAT32: 0, INT32: 2 } as const;
export const Padding = { SAME: 0, VALID: 1 } as const;
export const Act = { NONE: 0, RELU: 1, RELU6: 3 } as const;
export type Activation = (typeof Act)[keyof typeof Act];

export interface TensorRec {
  name: string;
  shape: number[];
  type: number;
  data?: Uint8Array;
}

export interface OpRec {
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

export function f32(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

export function i32(a: readonly number[]): Uint8Array {
  return new Uint8Array(Int32Array.from(a).buffer);
}

export function serialize(tensors: readonly TensorRec[], ops: readonly OpRec[], input: number, output: number, description: string): Uint8Array {
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
  // schema.fbs puts stride_w before stride_h (and filter_width before filter_height).
  const strideW = (o['strideW'] ?? o['stride']) as number;
  switch (op.op) {
    case 'CONV_2D':
      b.startObject(6);
      b.addFieldInt8(0, o['padding'] as number, -1);
      b.addFieldInt32(1, strideW, -1);
      b.addFieldInt32(2, o['stride'] as number, -1);
      b.addFieldInt8(3, fused, -1);
      b.addFieldInt32(4, 1, -1);
      b.addFieldInt32(5, 1, -1);
      return [Options.Conv2DOptions, b.endObject()];
    case 'DEPTHWISE_CONV_2D':
      b.startObject(7);
      b.addFieldInt8(0, o['padding'] as number, -1);
      b.addFieldInt32(1, strideW, -1);
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
      b.addFieldInt32(1, strideW, -1);
      b.addFieldInt32(2, o['stride'] as number, -1);
      b.addFieldInt32(3, (o['filterW'] ?? o['filter']) as number, -1);
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
    case 'SUB':
      b.startObject(1);
      b.addFieldInt8(0, fused, -1);
      return [Options.SubOptions, b.endObject()];
    case 'L2_NORMALIZATION':
      b.startObject(1);
      b.addFieldInt8(0, fused, -1);
      return [Options.L2NormOptions, b.endObject()];
    case 'GATHER':
      b.startObject(1);
      b.addFieldInt32(0, o['axis'] as number, -1);
      return [Options.GatherOptions, b.endObject()];
    case 'CAST':
      b.startObject(2);
      b.addFieldInt8(0, o['from'] as number, -1);
      b.addFieldInt8(1, o['to'] as number, -1);
      return [Options.CastOptions, b.endObject()];
    case 'SPLIT':
      b.startObject(1);
      b.addFieldInt32(0, o['numSplits'] as number, -1);
      return [Options.SplitOptions, b.endObject()];
    case 'STRIDED_SLICE':
      b.startObject(5);
      for (let i = 0; i < 5; i++) b.addFieldInt32(i, 0, -1); // begin, end, ellipsis, new_axis, shrink_axis masks
      return [Options.StridedSliceOptions, b.endObject()];
    default:
      return [0, 0];
  }
}
