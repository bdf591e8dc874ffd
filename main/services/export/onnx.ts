import { NasError } from '../../../shared/errors.js';
import { GRAPH_INPUT, type GraphNode, type ModelGraph } from '../../../shared/types/index.js';
import { samePadding } from './tflite.js';
import { onnxAttention, onnxEmbedding, onnxLayerNorm, type OnnxLowering } from './onnx-seq.js';
import { lowerSeqOp, type SeqOpLowering } from './seq-ops.js';
import { encodeOnnxModel, OnnxType, type OnnxAttr, type OnnxNode, type OnnxTensor } from './onnx-proto.js';
import { validateGraphForExport } from './validate.js';
import { weightShapes, type GraphWeights, type WeightKind } from './weights.js';

/**
 * Writes a model graph (shared/types/graph.ts) with its weights as an ONNX model (opset 13, IR
 * version 7; or opset 10, IR version 5), serialised by our own protobuf writer (onnx-proto.ts).
 *
 * The model computes in NCHW, ONNX's convention. Its input is `input`, float32 `[N, C, H, W]`
 * (`inputLayout: 'nchw'`, the default, as PyTorch users feed it) or `[N, H, W, C]`
 * (`inputLayout: 'nhwc'`, the layout tfjs and TFLite take; a Transpose comes first). The batch size
 * N is symbolic. The output is `probabilities` `[N, classes]` (a Softmax on the logits) or, with
 * `softmax: false`, `logits`.
 *
 * Lowering, op by op: Conv2D → Conv (explicit pads reproducing TensorFlow's 'same': the extra
 * row/column at the bottom/right); DepthwiseConv2D → Conv with group = channels; Dense → Gemm;
 * BatchNorm folded into the Conv/Gemm before it when it is that op's only reader (else
 * BatchNormalization); ReLU → Relu; ReLU6 → Clip(0, 6); Sigmoid, Tanh; MaxPool → MaxPool,
 * AvgPool → AveragePool (count_include_pad = 0, as 'same' pooling excludes the padding);
 * GlobalAvgPool → GlobalAveragePool (+ Flatten without keepDims); Add, Mul (the squeeze-excite
 * [1, 1, C] gate broadcasts as [N, C, 1, 1]); Concat along channels (axis 1); Reshape (row-major
 * flatten of [H, W, C]) → Transpose to NHWC then Flatten, so the Dense after it sees the same order
 * as in tfjs; Zero → Mul by 0. Kernels, strides and pads may differ along H and W (kernelW,
 * strideW). Embedding, LayerNorm and Attention: see onnx-seq.ts.
 */
export interface OnnxExportOptions {
  /** Append a Softmax to the logits (default true). */
  readonly softmax?: boolean;
  /** Layout of the model input (default 'nchw'). */
  readonly inputLayout?: 'nchw' | 'nhwc';
  /**
   * Opset (default 13). 10 writes ReLU6 as Clip with min/max attributes (Clip-6) for older
   * runtimes, e.g. OpenCV 4.6's dnn, which reject Clip-11's min/max inputs; every other op is the
   * same in both.
   */
  readonly opset?: 10 | 13;
  /** ModelProto.doc_string. */
  readonly description?: string;
  /** ModelProto.metadata_props (e.g. study and trial). */
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface OnnxExport {
  readonly bytes: Uint8Array;
  /** ONNX op types in execution order. */
  readonly ops: readonly string[];
  readonly inputName: string;
  readonly outputName: string;
  /** Input shape with the batch size as 1, in the input layout. */
  readonly inputShape: readonly number[];
}

export const ONNX_OPSET = 13;

/** [kernel along H, along W] and [stride along H, along W] of a conv or pool node. */
export const kernelOf = (n: GraphNode): [number, number] => [n.attrs.kernel ?? 1, n.attrs.kernelW ?? n.attrs.kernel ?? 1];
export const stridesOf = (n: GraphNode): [number, number] => [n.attrs.stride ?? 1, n.attrs.strideW ?? n.attrs.stride ?? 1];

interface FoldableWeights {
  kernel: Float32Array;
  bias: Float32Array;
  out: number;
  /** Output channels on the outermost axis: Conv W [out, …], Gemm B [out, in] (transB). */
  dims: number[];
}

interface NodeRec extends OnnxNode {
  inputs: string[];
  outputs: string[];
  weights?: FoldableWeights;
}

export function exportOnnx(graph: ModelGraph, weights: GraphWeights, o: OnnxExportOptions = {}): OnnxExport {
  validateGraphForExport(graph, 'ONNX');
  const layout = o.inputLayout ?? 'nchw';
  const opset = o.opset ?? ONNX_OPSET;
  if (opset !== 10 && opset !== 13) throw new NasError('invalid-input', `ONNX export: opset must be 10 or 13, got ${String(opset)}`);
  const nodes: NodeRec[] = [];
  const initializers: OnnxTensor[] = [];
  const tensorOf = new Map<string, string>();
  const producer = new Map<string, NodeRec>();
  const readers = new Map<string, number>();
  for (const n of graph.nodes) for (const i of n.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
  readers.set(graph.output, (readers.get(graph.output) ?? 0) + 1);
  const shapeOf = new Map<string, readonly number[]>([[GRAPH_INPUT, graph.input]]);
  for (const n of graph.nodes) shapeOf.set(n.id, n.shape);

  const names = new Set<string>();
  const unique = (base: string): string => {
    let name = base;
    for (let i = 2; names.has(name); i++) name = `${base}_${i}`;
    names.add(name);
    return name;
  };
  const constant = (name: string, dims: number[], data: Float32Array | number[], type: OnnxTensor['type'] = OnnxType.FLOAT): string => {
    const n = unique(name);
    initializers.push({ name: n, dims, type, data });
    return n;
  };
  const emit = (opType: string, id: string, inputs: string[], attrs?: Record<string, OnnxAttr>, w?: FoldableWeights): string => {
    const out = unique(id);
    const rec: NodeRec = { opType, name: out, inputs, outputs: [out], ...(attrs ? { attrs } : {}), ...(w ? { weights: w } : {}) };
    nodes.push(rec);
    producer.set(out, rec);
    return out;
  };
  const weight = (node: GraphNode, kind: WeightKind): Float32Array => {
    const shape = new Map(weightShapes(graph, node)).get(kind) as number[];
    const n = shape.reduce((a, b) => a * b, 1);
    const w = weights.get(node.id, kind);
    if (!w) throw new NasError('invalid-input', `ONNX export: no ${kind} weights for node ${node.id}`);
    if (w.length !== n) throw new NasError('invalid-input', `ONNX export: ${node.id}/${kind} has ${w.length} values, expected ${n} [${shape.join(', ')}]`);
    return w;
  };
  const inT = (node: GraphNode, i = 0): string => tensorOf.get(node.inputs[i] as string) as string;
  const inShape = (node: GraphNode, i = 0): readonly number[] => shapeOf.get(node.inputs[i] as string) as readonly number[];
  const ints = (value: number[]): OnnxAttr => ({ kind: 'ints', value });
  const int = (value: number): OnnxAttr => ({ kind: 'int', value });
  /** ONNX pads [top, left, bottom, right] for TensorFlow 'same'. */
  const pads = (node: GraphNode): number[] => {
    const [h, w] = inShape(node) as [number, number, number];
    const [kh, kw] = kernelOf(node);
    const [sh, sw] = stridesOf(node);
    const [pt, pb] = samePadding(h, kh, sh);
    const [pl, pr] = samePadding(w, kw, sw);
    return [pt, pl, pb, pr];
  };
  const lowering: OnnxLowering = { constant, emit: (opType, id, inputs, attrs) => emit(opType, id, inputs, attrs) };
  const seq: SeqOpLowering = {
    embedding: (...args) => onnxEmbedding(lowering, ...args),
    layerNorm: (...args) => onnxLayerNorm(lowering, ...args),
    attention: (...args) => onnxAttention(lowering, ...args),
  };

  const input = unique('input');
  const inputShape = layout === 'nchw' ? [1, graph.input[2], graph.input[0], graph.input[1]] : [1, ...graph.input];
  tensorOf.set(GRAPH_INPUT, layout === 'nchw' ? input : emit('Transpose', 'input.nchw', [input], { perm: ints([0, 3, 1, 2]) }));

  let clip: [string, string] | undefined;
  for (const node of graph.nodes) {
    const a = node.attrs;
    const shape = inShape(node);
    const cin = shape[shape.length - 1] as number;
    let out: string;
    switch (node.op) {
      case 'Conv2D': {
        const [kh, kw] = kernelOf(node);
        const f = a.filters as number;
        const keras = weight(node, 'kernel');
        // Keras [kh, kw, in, out] → ONNX [out, in, kh, kw]
        const kernel = new Float32Array(keras.length);
        for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < cin; i++) for (let j = 0; j < f; j++) {
          kernel[((j * cin + i) * kh + y) * kw + x] = keras[((y * kw + x) * cin + i) * f + j] as number;
        }
        const bias = a.useBias ? Float32Array.from(weight(node, 'bias')) : new Float32Array(f);
        out = emit('Conv', node.id, [inT(node), '', ''], { kernel_shape: ints([kh, kw]), strides: ints(stridesOf(node)), pads: ints(pads(node)), dilations: ints([1, 1]), group: int(1) },
          { kernel, bias, out: f, dims: [f, cin, kh, kw]});
        break;
      }
      case 'DepthwiseConv2D': {
        const [kh, kw] = kernelOf(node);
        const keras = weight(node, 'kernel');
        // Keras [kh, kw, C, 1] → ONNX [C, 1, kh, kw]
        const kernel = new Float32Array(keras.length);
        for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < cin; i++) kernel[(i * kh + y) * kw + x] = keras[(y * kw + x) * cin + i] as number;
        const bias = a.useBias ? Float32Array.from(weight(node, 'bias')) : new Float32Array(cin);
        out = emit('Conv', node.id, [inT(node), '', ''], { kernel_shape: ints([kh, kw]), strides: ints(stridesOf(node)), pads: ints(pads(node)), dilations: ints([1, 1]), group: int(cin) },
          { kernel, bias, out: cin, dims: [cin, 1, kh, kw]});
        break;
      }
      case 'Dense': {
        const u = a.units as number;
        // Keras [in, units] → Gemm B [units, in] with transB (PyTorch's Linear layout, which every runtime takes)
        const keras = weight(node, 'kernel');
        const kernel = new Float32Array(keras.length);
        for (let i = 0; i < cin; i++) for (let j = 0; j < u; j++) kernel[j * cin + i] = keras[i * u + j] as number;
        const bias = a.useBias ? Float32Array.from(weight(node, 'bias')) : new Float32Array(u);
        out = emit('Gemm', node.id, [inT(node), '', ''], { alpha: { kind: 'float', value: 1 }, beta: { kind: 'float', value: 1 }, transA: int(0), transB: int(1) },
          { kernel, bias, out: u, dims: [u, cin]});
        break;
      }
      case 'BatchNorm': {
        const eps = a.epsilon ?? 1e-3;
        const gamma = weight(node, 'gamma');
        const beta = weight(node, 'beta');
        const mean = weight(node, 'movingMean');
        const variance = weight(node, 'movingVariance');
        const x = inT(node);
        const prev = producer.get(x);
        if (prev?.weights && readers.get(node.inputs[0] as string) === 1) {
          const w = prev.weights;
          const per = w.kernel.length / w.out;
          for (let j = 0; j < w.out; j++) {
            const s = (gamma[j] as number) / Math.sqrt((variance[j] as number) + eps);
            for (let p = j * per; p < (j + 1) * per; p++) w.kernel[p] = (w.kernel[p] as number) * s;
            w.bias[j] = ((w.bias[j] as number) - (mean[j] as number)) * s + (beta[j] as number);
          }
          out = x;
        } else {
          out = emit('BatchNormalization', node.id, [
            x, constant(`${node.id}.gamma`, [cin], Float32Array.from(gamma)), constant(`${node.id}.beta`, [cin], Float32Array.from(beta)),
            constant(`${node.id}.mean`, [cin], Float32Array.from(mean)), constant(`${node.id}.var`, [cin], Float32Array.from(variance)),
          ], { epsilon: { kind: 'float', value: eps } });
        }
        break;
      }
      case 'ReLU':
        out = emit('Relu', node.id, [inT(node)]);
        break;
      case 'ReLU6':
        if (opset < 11) {
          out = emit('Clip', node.id, [inT(node)], { min: { kind: 'float', value: 0 }, max: { kind: 'float', value: 6 } });
        } else {
          clip ??= [constant('relu6.min', [], Float32Array.of(0)), constant('relu6.max', [], Float32Array.of(6))];
          out = emit('Clip', node.id, [inT(node), clip[0], clip[1]]);
        }
        break;
      case 'Sigmoid':
        out = emit('Sigmoid', node.id, [inT(node)]);
        break;
      case 'Tanh':
        out = emit('Tanh', node.id, [inT(node)]);
        break;
      case 'MaxPool':
      case 'AvgPool': {
        const kernel_shape = ints(kernelOf(node));
        const strides = ints(stridesOf(node));
        out = node.op === 'MaxPool'
          ? emit('MaxPool', node.id, [inT(node)], { kernel_shape, strides, pads: ints(pads(node)) })
          : emit('AveragePool', node.id, [inT(node)], { kernel_shape, strides, pads: ints(pads(node)), count_include_pad: int(0) });
        break;
      }
      case 'Embedding':
      case 'LayerNorm':
      case 'Attention':
        out = lowerSeqOp(node, seq, inT, weight) as string;
        break;
      case 'GlobalAvgPool': {
        const p = emit('GlobalAveragePool', a.keepDims ? node.id : `${node.id}.keepdims`, [inT(node)]);
        out = a.keepDims ? p : emit('Flatten', node.id, [p], { axis: int(1) });
        break;
      }
      case 'Add':
        out = emit('Add', node.id, [inT(node, 0), inT(node, 1)]);
        break;
      case 'Mul':
        out = emit('Mul', node.id, [inT(node, 0), inT(node, 1)]);
        break;
      case 'Concat':
        out = emit('Concat', node.id, node.inputs.map((_, i) => inT(node, i)), { axis: int(1) });
        break;
      case 'Reshape': {
        const x = shape.length === 3 ? emit('Transpose', `${node.id}.nhwc`, [inT(node)], { perm: ints([0, 2, 3, 1]) }) : inT(node);
        out = emit('Flatten', node.id, [x], { axis: int(1) });
        break;
      }
      case 'Zero':
        out = emit('Mul', node.id, [inT(node), constant(`${node.id}.zero`, [], new Float32Array(1))]);
        break;
      default:
        throw new NasError('invalid-input', `ONNX export: op ${node.op} (node ${node.id}) is not supported`);
    }
    tensorOf.set(node.id, out);
  }

  // Conv and Gemm weights become initializers now that BatchNorms are folded into them.
  for (const n of nodes) {
    if (!n.weights) continue;
    n.inputs[1] = constant(`${n.name}.weight`, n.weights.dims, n.weights.kernel);
    n.inputs[2] = constant(`${n.name}.bias`, [n.weights.out], n.weights.bias);
  }

  let output = tensorOf.get(graph.output) as string;
  const softmax = o.softmax ?? true;
  const outName = softmax ? 'probabilities' : 'logits';
  if (softmax) output = emit('Softmax', outName, [output], { axis: int(1) });
  else if (names.has(outName) || output === input) output = emit('Identity', outName, [output]);
  else {
    // Rename the logits tensor (and its readers' references) to a stable output name.
    const from = output;
    for (const n of nodes) {
      if (n.outputs[0] === from) n.outputs = [outName];
      n.inputs.forEach((x, i) => { if (x === from) n.inputs[i] = outName; });
    }
    output = outName;
  }

  const bytes = encodeOnnxModel({
    opset,
    producer: 'frontier',
    producerVersion: '0.1.0',
    ...(o.description ? { docString: o.description } : {}),
    graphName: 'frontier',
    nodes: nodes.map(({ opType, name, inputs, outputs, attrs }) => ({ opType, name, inputs, outputs, ...(attrs ? { attrs } : {}) })),
    initializers,
    inputs: [{ name: input, shape: layout === 'nchw' ? ['N', graph.input[2], graph.input[0], graph.input[1]] : ['N', ...graph.input] }],
    outputs: [{ name: output, shape: ['N', graph.classes] }],
    ...(o.metadata ? { metadata: o.metadata } : {}),
  });
  return { bytes, ops: nodes.map((n) => n.opType), inputName: input, outputName: output, inputShape };
}
