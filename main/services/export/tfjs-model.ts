import { NasError } from '../../../shared/errors.js';
import { GRAPH_INPUT, type GraphNode, type ModelGraph } from '../../../shared/types/index.js';
import { lowerSeqOp, type SeqOpLowering } from './seq-ops.js';
import { tfjsAttention, tfjsEmbedding, tfjsLayerNorm, type TfjsLowering } from './tfjs-seq.js';
import { validateGraphForExport } from './validate.js';
import { weightShapes, type GraphWeights, type WeightKind } from './weights.js';

/**
 * Writes a model graph with its weights as a TensorFlow.js graph model: `model.json` (format
 * `graph-model`: a TensorFlow GraphDef in JSON, a weights manifest and a signature) and one binary
 * weights file, which `tf.loadGraphModel` reads in Node and in the browser without any Frontier
 * code (no custom layers). Input `input` float32 [N, H, W, C] (NHWC, as tfjs takes images), output
 * `probabilities` [N, classes] (Softmax) or, with `softmax: false`, `logits`.
 *
 * Lowering to TensorFlow ops: Conv2D / DepthwiseConv2dNative with padding SAME (the graph IR's
 * padding is TensorFlow's), MatMul, BiasAdd; BatchNorm folded into the conv/dense before it when it
 * is that op's only reader, else Mul + AddV2 with per-channel constants; Relu, Relu6, Sigmoid, Tanh,
 * MaxPool, AvgPool, Mean over H and W (keep_dims for squeeze-excite), AddV2, Mul, ConcatV2 on the
 * last axis, Reshape to [-1, H·W·C], ZerosLike. Kernels and strides may differ along H and W
 * (kernelW, strideW). Embedding, LayerNorm and Attention: see tfjs-seq.ts.
 */
export interface TfjsExportOptions {
  /** Append a Softmax to the logits (default true). */
  readonly softmax?: boolean;
  /** Name of the weights file next to model.json (default `weights.bin`). */
  readonly weightsFile?: string;
  /** Extra entries for model.json's `userDefinedMetadata` (e.g. study and trial). */
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface TfjsModelFiles {
  /** The parsed model.json. */
  readonly modelJson: TfjsModelJson;
  readonly weights: Uint8Array;
  readonly weightsFile: string;
  /** TensorFlow op types in execution order (constants and the input left out). */
  readonly ops: readonly string[];
}

interface AttrValue {
  type?: string;
  s?: string;
  i?: string;
  b?: boolean;
  list?: { i: string[] };
  shape?: { dim: { size: string }[] };
  tensor?: { dtype: string; tensorShape: { dim?: { size: string }[] } };
}

interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, AttrValue>;
}

export interface TfjsModelJson {
  format: 'graph-model';
  generatedBy: string;
  convertedBy: string;
  modelTopology: { node: TfNode[]; library: Record<string, never>; versions: { producer: number } };
  weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: 'float32' | 'int32' }[] }[];
  signature: { inputs: Record<string, TensorInfo>; outputs: Record<string, TensorInfo> };
  userDefinedMetadata?: Record<string, string>;
}

interface TensorInfo {
  name: string;
  dtype: 'DT_FLOAT';
  tensorShape: { dim: { size: string }[] };
}

interface Foldable {
  kernel: Float32Array;
  bias: Float32Array;
  out: number;
}

const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');
const T = { type: 'DT_FLOAT' };
const shapeAttr = (dims: readonly number[]) => ({ dim: dims.map((d) => ({ size: String(d) })) });

export function exportTfjs(graph: ModelGraph, weights: GraphWeights, o: TfjsExportOptions = {}): TfjsModelFiles {
  validateGraphForExport(graph, 'TensorFlow.js');
  const nodes: TfNode[] = [];
  const consts: { name: string; shape: number[]; dtype: 'float32' | 'int32'; data: Float32Array | Int32Array }[] = [];
  /** Convs and dense layers whose kernel/bias constants are written after folding. */
  const pending: { node: TfNode; bias: TfNode; w: Foldable; shape: number[] }[] = [];
  const foldable = new Map<string, (typeof pending)[number]>();
  const tensorOf = new Map<string, string>();
  const readers = new Map<string, number>();
  for (const n of graph.nodes) for (const i of n.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
  const shapeOf = new Map<string, readonly number[]>([[GRAPH_INPUT, graph.input]]);
  for (const n of graph.nodes) shapeOf.set(n.id, n.shape);
  const names = new Set<string>();
  const unique = (base: string): string => {
    let name = base.replace(/[^A-Za-z0-9_.\-/]/g, '_');
    const stem = name;
    for (let i = 2; names.has(name); i++) name = `${stem}_${i}`;
    names.add(name);
    return name;
  };
  const op = (type: string, id: string, input: string[], attr: Record<string, AttrValue> = {}): TfNode => {
    const index: Record<string, AttrValue> = type === 'ConcatV2' || type === 'Mean' ? { Tidx: { type: 'DT_INT32' } } : type === 'Reshape' ? { Tshape: { type: 'DT_INT32' } } : {};
    const n: TfNode = { name: unique(id), op: type, input, attr: { T, ...index, ...attr } };
    nodes.push(n);
    return n;
  };
  const constant = (id: string, shape: number[], data: Float32Array | Int32Array): string => {
    const dtype = data instanceof Int32Array ? 'int32' : 'float32';
    const name = unique(id);
    nodes.push({ name, op: 'Const', attr: { value: { tensor: { dtype: dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT', tensorShape: shapeAttr(shape) } }, dtype: { type: dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT' } } });
    consts.push({ name, shape, dtype, data });
    return name;
  };
  const weight = (node: GraphNode, kind: WeightKind): Float32Array => {
    const shape = new Map(weightShapes(graph, node)).get(kind) as number[];
    const n = shape.reduce((a, b) => a * b, 1);
    const w = weights.get(node.id, kind);
    if (!w) throw new NasError('invalid-input', `TensorFlow.js export: no ${kind} weights for node ${node.id}`);
    if (w.length !== n) throw new NasError('invalid-input', `TensorFlow.js export: ${node.id}/${kind} has ${w.length} values, expected ${n} [${shape.join(', ')}]`);
    return w;
  };
  const inT = (node: GraphNode, i = 0): string => tensorOf.get(node.inputs[i] as string) as string;
  const ints = (xs: number[]): AttrValue => ({ list: { i: xs.map(String) } });
  const same = { s: b64('SAME') };
  const nhwc = { s: b64('NHWC') };
  /** A conv or matmul followed by BiasAdd; kernel and bias constants come once folding is done. */
  const withBias = (node: GraphNode, type: string, attr: Record<string, AttrValue>, w: Foldable, shape: number[]): string => {
    const main = op(type, `${node.id}/${type}`, [inT(node), ''], attr);
    const bias = op('BiasAdd', node.id, [main.name, ''], { data_format: nhwc });
    const rec = { node: main, bias, w, shape };
    pending.push(rec);
    foldable.set(bias.name, rec);
    return bias.name;
  };

  const lowering: TfjsLowering = {
    op: (type, id, input, attr) => op(type, id, input, attr as Record<string, AttrValue> | undefined).name,
    constant: (id, shape, data) => constant(id, shape, data),
  };
  const seq: SeqOpLowering = {
    embedding: (...args) => tfjsEmbedding(lowering, ...args),
    layerNorm: (...args) => tfjsLayerNorm(lowering, ...args),
    attention: (...args) => tfjsAttention(lowering, ...args),
  };

  const input = unique('input');
  nodes.push({ name: input, op: 'Placeholder', attr: { dtype: T, shape: { shape: shapeAttr([-1, ...graph.input]) } } });
  tensorOf.set(GRAPH_INPUT, input);

  for (const node of graph.nodes) {
    const a = node.attrs;
    const shape = shapeOf.get(node.inputs[0] as string) as readonly number[];
    const cin = shape[shape.length - 1] as number;
    const s = a.stride ?? 1;
    const k = a.kernel ?? 1;
    const sw = a.strideW ?? s;
    const kw = a.kernelW ?? k;
    let out: string;
    switch (node.op) {
      case 'Conv2D': {
        const f = a.filters as number;
        const w = { kernel: Float32Array.from(weight(node, 'kernel')), bias: a.useBias ? Float32Array.from(weight(node, 'bias')) : new Float32Array(f), out: f };
        out = withBias(node, 'Conv2D', { strides: ints([1, s, sw, 1]), padding: same, data_format: nhwc, dilations: ints([1, 1, 1, 1]) }, w, [k, kw, cin, f]);
        break;
      }
      case 'DepthwiseConv2D': {
        const w = { kernel: Float32Array.from(weight(node, 'kernel')), bias: a.useBias ? Float32Array.from(weight(node, 'bias')) : new Float32Array(cin), out: cin };
        out = withBias(node, 'DepthwiseConv2dNative', { strides: ints([1, s, sw, 1]), padding: same, data_format: nhwc, dilations: ints([1, 1, 1, 1]) }, w, [k, kw, cin, 1]);
        break;
      }
      case 'Dense': {
        const u = a.units as number;
        const w = { kernel: Float32Array.from(weight(node, 'kernel')), bias: a.useBias ? Float32Array.from(weight(node, 'bias')) : new Float32Array(u), out: u };
        out = withBias(node, 'MatMul', { transpose_a: { b: false }, transpose_b: { b: false } }, w, [cin, u]);
        break;
      }
      case 'BatchNorm': {
        const eps = a.epsilon ?? 1e-3;
        const gamma = weight(node, 'gamma');
        const beta = weight(node, 'beta');
        const mean = weight(node, 'movingMean');
        const variance = weight(node, 'movingVariance');
        const scale = new Float32Array(cin);
        const shift = new Float32Array(cin);
        for (let c = 0; c < cin; c++) {
          scale[c] = (gamma[c] as number) / Math.sqrt((variance[c] as number) + eps);
          shift[c] = (beta[c] as number) - (mean[c] as number) * (scale[c] as number);
        }
        const x = inT(node);
        const prev = foldable.get(x);
        if (prev && readers.get(node.inputs[0] as string) === 1) {
          // Output channels are the innermost axis of every TensorFlow kernel layout.
          const w = prev.w;
          for (let p = 0; p < w.kernel.length; p++) w.kernel[p] = (w.kernel[p] as number) * (scale[p % w.out] as number);
          for (let j = 0; j < w.out; j++) w.bias[j] = (w.bias[j] as number) * (scale[j] as number) + (shift[j] as number);
          out = x;
        } else {
          const m = op('Mul', `${node.id}/scale`, [x, constant(`${node.id}/scale_value`, [cin], scale)]);
          out = op('AddV2', node.id, [m.name, constant(`${node.id}/shift_value`, [cin], shift)]).name;
        }
        break;
      }
      case 'ReLU': out = op('Relu', node.id, [inT(node)]).name; break;
      case 'ReLU6': out = op('Relu6', node.id, [inT(node)]).name; break;
      case 'Sigmoid': out = op('Sigmoid', node.id, [inT(node)]).name; break;
      case 'Tanh': out = op('Tanh', node.id, [inT(node)]).name; break;
      case 'MaxPool':
      case 'AvgPool':
        out = op(node.op, node.id, [inT(node)], { ksize: ints([1, k, kw, 1]), strides: ints([1, s, sw, 1]), padding: same, data_format: nhwc }).name;
        break;
      case 'Embedding':
      case 'LayerNorm':
      case 'Attention':
        out = lowerSeqOp(node, seq, inT, weight) as string;
        break;
      case 'GlobalAvgPool':
        out = op('Mean', node.id, [inT(node), constant(`${node.id}/axes`, [2], Int32Array.of(1, 2))], { keep_dims: { b: a.keepDims ?? false } }).name;
        break;
      case 'Add': out = op('AddV2', node.id, [inT(node, 0), inT(node, 1)]).name; break;
      case 'Mul': out = op('Mul', node.id, [inT(node, 0), inT(node, 1)]).name; break;
      case 'Concat':
        out = op('ConcatV2', node.id, [...node.inputs.map((_, i) => inT(node, i)), constant(`${node.id}/axis`, [], Int32Array.of(-1))], { N: { i: String(node.inputs.length) } }).name;
        break;
      case 'Reshape':
        out = op('Reshape', node.id, [inT(node), constant(`${node.id}/shape`, [2], Int32Array.of(-1, node.shape[0] as number))]).name;
        break;
      case 'Zero': out = op('ZerosLike', node.id, [inT(node)]).name; break;
      default:
        throw new NasError('invalid-input', `TensorFlow.js export: op ${node.op} (node ${node.id}) is not supported`);
    }
    tensorOf.set(node.id, out);
  }

  for (const p of pending) {
    (p.node.input as string[])[1] = constant(`${p.bias.name}/kernel`, p.shape, p.w.kernel);
    (p.bias.input as string[])[1] = constant(`${p.bias.name}/bias`, [p.w.out], p.w.bias);
  }
  const softmax = o.softmax ?? true;
  const outName = unique(softmax ? 'probabilities' : 'logits');
  nodes.push({ name: outName, op: softmax ? 'Softmax' : 'Identity', input: [tensorOf.get(graph.output) as string], attr: { T } });

  const total = consts.reduce((n, c) => n + c.data.byteLength, 0);
  const bin = new Uint8Array(total);
  let at = 0;
  for (const c of consts) {
    bin.set(new Uint8Array(c.data.buffer, c.data.byteOffset, c.data.byteLength), at);
    at += c.data.byteLength;
  }
  const weightsFile = o.weightsFile ?? 'weights.bin';
  const info = (name: string, dims: number[]): TensorInfo => ({ name: `${name}:0`, dtype: 'DT_FLOAT', tensorShape: shapeAttr(dims) });
  const modelJson: TfjsModelJson = {
    format: 'graph-model',
    generatedBy: 'frontier',
    convertedBy: 'frontier 0.1.0',
    modelTopology: { node: nodes, library: {}, versions: { producer: 1 } },
    weightsManifest: [{ paths: [weightsFile], weights: consts.map((c) => ({ name: c.name, shape: c.shape, dtype: c.dtype })) }],
    signature: { inputs: { input: info(input, [-1, ...graph.input]) }, outputs: { [outName]: info(outName, [-1, graph.classes]) } },
    ...(o.metadata ? { userDefinedMetadata: { ...o.metadata } } : {}),
  };
  const ops = nodes.filter((n) => n.op !== 'Const' && n.op !== 'Placeholder').map((n) => n.op);
  return { modelJson, weights: bin, weightsFile, ops };
}
