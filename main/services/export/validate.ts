import { NasError } from '../../../shared/errors.js';
import { isLayerOpName, isOpName, PRIMITIVE_ONLY_OP_NAMES } from '../../../shared/ops.js';
import { GRAPH_INPUT, type GraphNode, type ModelGraph } from '../../../shared/types/index.js';

/** Graph primitives an exporter lowers (shared/types/graph.ts's table). */
export const EXPORTABLE_OPS = [
  'Conv2D', 'DepthwiseConv2D', 'Dense', 'BatchNorm', 'ReLU', 'ReLU6', 'Sigmoid', 'Tanh', 'MaxPool', 'AvgPool', 'GlobalAvgPool',
  'Add', 'Mul', 'Concat', 'Reshape', 'Zero', 'Embedding', 'LayerNorm', 'Attention',
] as const;

const ARITY: Record<string, [number, number]> = {
  Add: [2, 2], Mul: [2, 2], Concat: [2, Infinity], Attention: [3, 3],
};

const posInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;
const fmt = (s: readonly number[]) => `[${s.join(', ')}]`;

/**
 * Checks that `graph` is a well-formed model graph an exporter can lower, with one clear error
 * naming the node and the problem: unknown or composite ops (MBConv, SeparableConv2D, Identity are
 * layer ops that `buildGraph` lowers first), duplicate ids, inputs that are not the graph input or
 * an earlier node, a wrong number of inputs, missing or non-positive attributes, stated shapes that
 * differ from what the op computes, an output that is not `[classes]` logits.
 */
export function validateGraphForExport(graph: ModelGraph, format: string): void {
  const bad = (msg: string): never => {
    throw new NasError('invalid-input', `${format} export: ${msg}`);
  };
  if (!graph || typeof graph !== 'object') bad('the model graph is missing');
  if (!Array.isArray(graph.input) || graph.input.length !== 3 || !graph.input.every(posInt)) bad(`input shape must be [H, W, C] positive integers, got ${JSON.stringify(graph.input)}`);
  if (!posInt(graph.classes)) bad(`classes must be a positive integer, got ${JSON.stringify(graph.classes)}`);
  if (!Array.isArray(graph.nodes) || graph.nodes.length === 0) bad('the model graph has no nodes');
  const shapes = new Map<string, readonly number[]>([[GRAPH_INPUT, graph.input]]);
  for (const [index, n] of graph.nodes.entries()) {
    const where = `node ${index} (${JSON.stringify(n?.id)})`;
    if (typeof n?.id !== 'string' || n.id.length === 0) bad(`node ${index} has no id`);
    if (shapes.has(n.id)) bad(`${where}: duplicate id`);
    if (!isOpName(n.op)) bad(`${where}: unknown op ${JSON.stringify(n.op)}`);
    if (!(EXPORTABLE_OPS as readonly string[]).includes(n.op)) {
      bad(isLayerOpName(n.op) && !(PRIMITIVE_ONLY_OP_NAMES as readonly string[]).includes(n.op)
        ? `${where}: ${n.op} is a composite layer op, not a graph primitive (build the model graph with buildGraph, which lowers it)`
        : `${where}: op ${n.op} is not supported`);
    }
    if (!Array.isArray(n.inputs)) bad(`${where}: inputs must be a list of tensor ids`);
    const [lo, hi] = ARITY[n.op] ?? [1, 1];
    if (n.inputs.length < lo || n.inputs.length > hi) bad(`${where}: ${n.op} takes ${lo === hi ? lo : `${lo} or more`} input(s), got ${n.inputs.length}`);
    const ins = n.inputs.map((id) => {
      const s = shapes.get(id);
      if (!s) bad(`${where}: input ${JSON.stringify(id)} is neither the graph input nor an earlier node`);
      return s as readonly number[];
    });
    const expected = expectedShape(n, ins, (m) => bad(`${where}: ${m}`));
    if (!Array.isArray(n.shape) || fmt(n.shape) !== fmt(expected)) bad(`${where}: ${n.op} computes ${fmt(expected)}, the node says ${JSON.stringify(n.shape)}`);
    shapes.set(n.id, n.shape);
  }
  const out = shapes.get(graph.output);
  if (!out || graph.output === GRAPH_INPUT) bad(`output ${JSON.stringify(graph.output)} is not a node of the graph`);
  if (fmt(out as readonly number[]) !== fmt([graph.classes])) bad(`output ${graph.output} has shape ${fmt(out as readonly number[])}, expected [${graph.classes}] logits`);
}

function expectedShape(n: GraphNode, ins: readonly (readonly number[])[], bad: (m: string) => never): readonly number[] {
  const a = n.attrs ?? {};
  const x = ins[0] as readonly number[];
  const spatial = (): [number, number, number] => {
    if (x.length !== 3) bad(`${n.op} needs a feature map [H, W, C], got ${fmt(x)}`);
    return x as [number, number, number];
  };
  const need = (k: 'kernel' | 'stride' | 'filters' | 'units' | 'vocab' | 'heads'): number => {
    const v = a[k];
    if (!posInt(v)) bad(`${n.op} needs a positive integer ${k}, got ${JSON.stringify(v)}`);
    return v as number;
  };
  /** The stride along W (default: the stride), checked; and the kernel along W, checked. */
  const alongW = (): number => {
    const k = a.kernelW ?? need('kernel');
    if (!posInt(k)) bad(`${n.op} needs a positive integer kernelW, got ${JSON.stringify(a.kernelW)}`);
    const v = a.strideW ?? need('stride');
    if (!posInt(v)) bad(`${n.op} needs a positive integer strideW, got ${JSON.stringify(a.strideW)}`);
    return v;
  };
  const sequence = (): [number, number] => {
    if (x.length !== 3 || x[1] !== 1) bad(`${n.op} needs a sequence [L, 1, C], got ${fmt(x)}`);
    return [x[0] as number, x[2] as number];
  };
  switch (n.op) {
    case 'Conv2D': {
      const [h, w] = spatial();
      const s = need('stride');
      need('kernel');
      return [Math.ceil(h / s), Math.ceil(w / alongW()), need('filters')];
    }
    case 'DepthwiseConv2D':
    case 'MaxPool':
    case 'AvgPool': {
      const [h, w, c] = spatial();
      const s = need('stride');
      need('kernel');
      return [Math.ceil(h / s), Math.ceil(w / alongW()), c];
    }
    case 'Dense':
      if (x.length !== 1) bad(`Dense needs a vector input [C], got ${fmt(x)} (flatten or pool it first)`);
      return [need('units')];
    case 'GlobalAvgPool': {
      const c = spatial()[2];
      return a.keepDims ? [1, 1, c] : [c];
    }
    case 'Reshape':
      return [x.reduce((p, q) => p * q, 1)];
    case 'Add':
      if (fmt(x) !== fmt(ins[1] as readonly number[])) bad(`Add of shapes ${fmt(x)} and ${fmt(ins[1] as readonly number[])}`);
      return x;
    case 'Mul': {
      const y = ins[1] as readonly number[];
      const broadcast = x.length === 3 && y.length === 3 && y[0] === 1 && y[1] === 1 && y[2] === x[2];
      if (!broadcast && fmt(x) !== fmt(y)) bad(`Mul of shapes ${fmt(x)} and ${fmt(y)} (the second must match or be [1, 1, C])`);
      return x;
    }
    case 'Concat': {
      const lead = fmt(x.slice(0, -1));
      if (ins.some((s) => s.length !== x.length || fmt(s.slice(0, -1)) !== lead)) bad(`Concat of shapes ${ins.map(fmt).join(', ')} that differ before the last axis`);
      return [...x.slice(0, -1), ins.reduce((p, s) => p + (s[s.length - 1] as number), 0)];
    }
    case 'Embedding': {
      const [l, c] = sequence();
      if (c !== 1) bad(`Embedding needs token ids [L, 1, 1], got ${fmt(x)}`);
      need('vocab');
      return [l, 1, need('units')];
    }
    case 'LayerNorm':
      return x;
    case 'Attention': {
      const [, c] = sequence();
      if (ins.some((s) => fmt(s) !== fmt(x))) bad(`Attention needs q, k, v of one shape, got ${ins.map(fmt).join(', ')}`);
      const h = need('heads');
      if (c % h !== 0) bad(`Attention: ${h} heads do not divide ${c} channels`);
      return x;
    }
    default:
      return x;
  }
}
