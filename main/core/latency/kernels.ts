import type { OpName } from '../../../shared/ops.js';
import { GRAPH_INPUT, type GraphNode, type GraphNodeAttrs, type ModelGraph } from '../../../shared/types/index.js';

/**
 * The unit of a latency lookup table: one op as it runs on the phone after TFLite export — a
 * primary op with the BatchNorm folded into it and the ReLU/ReLU6 fused into it (the same rules as
 * the exporter in main/services/export/tflite.ts). Keyed like tfjs keys kernels: `(op, config)`,
 * with the table per device.
 */
export interface Kernel {
  /** Primary op (shared/ops.ts vocabulary). */
  readonly op: OpName;
  /** Configuration key: input shapes and the attributes that change the work done. */
  readonly key: string;
  readonly inputs: readonly (readonly number[])[];
  readonly output: readonly number[];
  readonly attrs: GraphNodeAttrs;
  /** A BatchNorm folded into the op (gives it a bias). */
  readonly bn: boolean;
  readonly act?: 'ReLU' | 'ReLU6';
  /** Graph nodes this kernel covers. */
  readonly nodes: readonly string[];
}

const FOLDS_BN: readonly OpName[] = ['Conv2D', 'DepthwiseConv2D', 'Dense'];
// LayerNorm's lowering ends in ADD and Attention's in MUL or CONCATENATION, which take a fused activation.
const FUSES_ACT: readonly OpName[] = ['Conv2D', 'DepthwiseConv2D', 'Dense', 'Add', 'Mul', 'Concat', 'BatchNorm', 'Zero', 'LayerNorm', 'Attention'];

export function kernelKey(k: Omit<Kernel, 'key' | 'nodes'>): string {
  const a = k.attrs;
  const parts = [`in=${k.inputs.map((s) => s.join('x')).join('+')}`];
  if (a.kernel !== undefined) parts.push(`k=${a.kernel}`);
  // Along W only where it differs, so the keys of square kernels (existing tables) stay as they were.
  if (a.kernelW !== undefined && a.kernelW !== a.kernel) parts.push(`kw=${a.kernelW}`);
  if (a.stride !== undefined) parts.push(`s=${a.stride}`);
  if (a.strideW !== undefined && a.strideW !== a.stride) parts.push(`sw=${a.strideW}`);
  if (a.filters !== undefined) parts.push(`f=${a.filters}`);
  if (a.vocab !== undefined) parts.push(`v=${a.vocab}`);
  if (a.units !== undefined) parts.push(`u=${a.units}`);
  if (a.heads !== undefined) parts.push(`h=${a.heads}`);
  if (FOLDS_BN.includes(k.op)) parts.push(`bias=${a.useBias || k.bn ? 1 : 0}`);
  if (a.keepDims !== undefined) parts.push(`kd=${a.keepDims ? 1 : 0}`);
  parts.push(`act=${k.act ?? 'none'}`);
  return parts.join('|');
}

/** Splits a graph into the kernels it runs as. Every node belongs to exactly one kernel. */
export function latencyKernels(graph: ModelGraph): Kernel[] {
  const shapeOf = new Map<string, readonly number[]>([[GRAPH_INPUT, graph.input]]);
  for (const n of graph.nodes) shapeOf.set(n.id, n.shape);
  const consumers = new Map<string, number>();
  for (const n of graph.nodes) for (const i of n.inputs) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  consumers.set(graph.output, (consumers.get(graph.output) ?? 0) + 1);

  type Draft = { op: OpName; inputs: (readonly number[])[]; output: readonly number[]; attrs: GraphNodeAttrs; bn: boolean; act?: 'ReLU' | 'ReLU6'; nodes: string[] };
  const drafts: Draft[] = [];
  const kernelOf = new Map<string, Draft>();
  for (const n of graph.nodes) {
    const src = n.inputs[0] as string;
    const prev = src !== GRAPH_INPUT ? kernelOf.get(src) : undefined;
    const sole = consumers.get(src) === 1;
    if (n.op === 'BatchNorm' && prev && sole && FOLDS_BN.includes(prev.op) && !prev.bn && !prev.act) {
      prev.bn = true;
      prev.output = n.shape;
      prev.nodes.push(n.id);
      kernelOf.set(n.id, prev);
      continue;
    }
    if ((n.op === 'ReLU' || n.op === 'ReLU6') && prev && sole && FUSES_ACT.includes(prev.op) && !prev.act) {
      prev.act = n.op;
      prev.nodes.push(n.id);
      kernelOf.set(n.id, prev);
      continue;
    }
    const d: Draft = { op: n.op, inputs: n.inputs.map((i) => shapeOf.get(i) as readonly number[]), output: n.shape, attrs: keyAttrs(n), bn: false, nodes: [n.id] };
    drafts.push(d);
    kernelOf.set(n.id, d);
  }
  return drafts.map((d) => ({ ...d, key: kernelKey(d) }));
}

function keyAttrs(n: GraphNode): GraphNodeAttrs {
  const a = n.attrs;
  switch (n.op) {
    case 'Conv2D': return { kernel: a.kernel, ...alongW(a), stride: a.stride, filters: a.filters, useBias: a.useBias ?? false } as GraphNodeAttrs;
    case 'DepthwiseConv2D': return { kernel: a.kernel, ...alongW(a), stride: a.stride, useBias: a.useBias ?? false } as GraphNodeAttrs;
    case 'Dense': return { units: a.units, useBias: a.useBias ?? false } as GraphNodeAttrs;
    case 'MaxPool':
    case 'AvgPool': return { kernel: a.kernel, ...alongW(a), stride: a.stride } as GraphNodeAttrs;
    case 'GlobalAvgPool': return { keepDims: a.keepDims ?? false };
    case 'Embedding': return { vocab: a.vocab, units: a.units } as GraphNodeAttrs;
    case 'LayerNorm': return { epsilon: a.epsilon ?? 1e-6 };
    case 'Attention': return { heads: a.heads ?? 1 };
    default: return {};
  }
}

/** kernelW/strideW where the node has them (absent: square, as before). */
function alongW(a: GraphNodeAttrs): GraphNodeAttrs {
  return { ...(a.kernelW !== undefined ? { kernelW: a.kernelW } : {}), ...(a.strideW !== undefined ? { strideW: a.strideW } : {}) };
}

/** Distinct kernels (by op and key) over many graphs, in first-seen order, with how often each occurs. */
export function distinctKernels(graphs: Iterable<ModelGraph>): { kernel: Kernel; count: number }[] {
  const seen = new Map<string, { kernel: Kernel; count: number }>();
  for (const g of graphs) {
    for (const k of latencyKernels(g)) {
      const id = `${k.op}|${k.key}`;
      const e = seen.get(id);
      if (e) e.count++;
      else seen.set(id, { kernel: k, count: 1 });
    }
  }
  return [...seen.values()];
}

/**
 * A graph that runs one kernel (for measuring it alone). Its input is the kernel's first input
 * (vectors enter as [1, 1, C] and are reshaped). Approximations, all small next to the convolutions:
 * binary ops read the input twice; a broadcast Mul gets its [1, 1, C] operand from a GlobalAvgPool
 * of the input; a Concat of unequal parts concatenates copies of the first part; Attention attends
 * the input to itself (q = k = v). An Embedding's micro-model gets whatever ids the benchmark feeds
 * (TFLite's benchmark_model feeds small random floats, which cast to id 0): the same work per token.
 */
export function kernelGraph(k: Kernel): ModelGraph {
  const first = k.inputs[0] as readonly number[];
  const spatial = first.length === 3;
  const input = (spatial ? first : [1, 1, first[0] as number]) as [number, number, number];
  const nodes: GraphNode[] = [];
  let x = GRAPH_INPUT;
  if (!spatial) {
    nodes.push({ id: 'flat', op: 'Reshape', attrs: {}, inputs: [x], shape: first });
    x = 'flat';
  }
  const attrs: GraphNodeAttrs = k.attrs;
  let inputs: string[] = [x];
  let output = k.output;
  if (k.op === 'Add') inputs = [x, x];
  if (k.op === 'Attention') inputs = [x, x, x];
  if (k.op === 'Mul') {
    const second = k.inputs[1] as readonly number[];
    if (second.join() === first.join()) inputs = [x, x];
    else {
      nodes.push({ id: 'gate', op: 'GlobalAvgPool', attrs: { keepDims: true }, inputs: [x], shape: [1, 1, first[2] as number] });
      inputs = [x, 'gate'];
    }
  }
  if (k.op === 'Concat') {
    inputs = k.inputs.map(() => x);
    output = [...first.slice(0, -1), (first[first.length - 1] as number) * k.inputs.length];
  }
  nodes.push({ id: 'op', op: k.op, attrs: { ...attrs, ...(k.op === 'BatchNorm' ? { epsilon: 1e-3 } : {}) }, inputs, shape: output });
  let last = 'op';
  if (k.bn) {
    nodes.push({ id: 'bn', op: 'BatchNorm', attrs: { epsilon: 1e-3 }, inputs: [last], shape: output });
    last = 'bn';
  }
  if (k.act) {
    nodes.push({ id: 'act', op: k.act, attrs: {}, inputs: [last], shape: output });
    last = 'act';
  }
  return { input, nodes, output: last, classes: output[output.length - 1] as number };
}
