import type { GraphNode, ModelGraph } from '../../../shared/types/index.js';
import { GRAPH_INPUT } from '../../../shared/types/index.js';

/**
 * Weights of a model graph, by node id and kind, in Keras/tfjs layouts:
 * Conv2D `kernel` [kh, kw, in, filters]; DepthwiseConv2D `kernel` [kh, kw, in, 1]; Dense `kernel`
 * [in, units]; `bias` [out]; BatchNorm `gamma`, `beta`, `movingMean`, `movingVariance` [C];
 * Embedding `embeddings` [vocab, units]; LayerNorm `gamma`, `beta` [C] (shared/types/graph.ts).
 */
export type WeightKind = 'kernel' | 'bias' | 'gamma' | 'beta' | 'movingMean' | 'movingVariance' | 'embeddings';

export interface GraphWeights {
  get(nodeId: string, kind: WeightKind): Float32Array | undefined;
}

/** Weights kept in a map keyed `<nodeId>/<kind>`. */
export class MapWeights implements GraphWeights {
  constructor(readonly map: ReadonlyMap<string, Float32Array>) {}
  get(nodeId: string, kind: WeightKind): Float32Array | undefined {
    return this.map.get(`${nodeId}/${kind}`);
  }
}

/** Shape of the tensor a node reads (its first input). */
export function inputShapeOf(graph: ModelGraph, node: GraphNode, index = 0): readonly number[] {
  const id = node.inputs[index];
  if (id === GRAPH_INPUT) return graph.input;
  const n = graph.nodes.find((x) => x.id === id);
  if (!n) throw new Error(`node ${node.id}: unknown input ${String(id)}`);
  return n.shape;
}

/** The weight kinds a node has, with their Keras shapes. */
export function weightShapes(graph: ModelGraph, node: GraphNode): [WeightKind, number[]][] {
  const inShape = inputShapeOf(graph, node);
  const cin = inShape[inShape.length - 1] as number;
  const k = node.attrs.kernel ?? 1;
  const kw = node.attrs.kernelW ?? k;
  switch (node.op) {
    case 'Conv2D':
      return [['kernel', [k, kw, cin, node.attrs.filters as number]], ...(node.attrs.useBias ? [['bias', [node.attrs.filters as number]] as [WeightKind, number[]]] : [])];
    case 'DepthwiseConv2D':
      return [['kernel', [k, kw, cin, 1]], ...(node.attrs.useBias ? [['bias', [cin]] as [WeightKind, number[]]] : [])];
    case 'Embedding':
      return [['embeddings', [node.attrs.vocab as number, node.attrs.units as number]]];
    case 'LayerNorm':
      return [['gamma', [cin]], ['beta', [cin]]];
    case 'Dense':
      return [['kernel', [cin, node.attrs.units as number]], ...(node.attrs.useBias ? [['bias', [node.attrs.units as number]] as [WeightKind, number[]]] : [])];
    case 'BatchNorm':
      return (['gamma', 'beta', 'movingMean', 'movingVariance'] as const).map((w) => [w, [cin]]);
    default:
      return [];
  }
}

/** mulberry32: small, fast, seedable. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random weights for every node (He-uniform kernels, small biases, BatchNorm statistics away from
 * the identity so folding is exercised, LayerNorm γ near 1, embeddings uniform(−0.5, 0.5)): for latency
 * micro-models and untrained candidates.
 */
export function randomWeights(graph: ModelGraph, seed = 0): MapWeights {
  const r = rng(seed);
  const map = new Map<string, Float32Array>();
  for (const node of graph.nodes) {
    for (const [kind, shape] of weightShapes(graph, node)) {
      const n = shape.reduce((a, b) => a * b, 1);
      const a = new Float32Array(n);
      const fanIn = kind === 'kernel' ? (node.op === 'DepthwiseConv2D' ? (shape[0] as number) * (shape[1] as number) : n / (shape[shape.length - 1] as number)) : 1;
      const limit = Math.sqrt(6 / fanIn);
      for (let i = 0; i < n; i++) {
        const u = r() * 2 - 1;
        a[i] =
          kind === 'kernel' ? u * limit
          : kind === 'embeddings' ? u * 0.5
          : kind === 'bias' || kind === 'beta' || kind === 'movingMean' ? u * 0.1
          : kind === 'gamma' ? 1 + u * 0.2
          : 0.5 + r(); // movingVariance in [0.5, 1.5)
      }
      map.set(`${node.id}/${kind}`, a);
    }
  }
  return new MapWeights(map);
}
