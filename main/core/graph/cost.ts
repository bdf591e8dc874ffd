import { GRAPH_INPUT, type GraphNode, type ModelGraph } from '../../../shared/types/index.js';

/**
 * Analytic costs of a model graph, computed from the graph alone (no framework, no weights), so
 * constraints can reject a candidate before it is trained.
 */
export interface GraphCost {
  /** Every weight of the trained model: conv/dense kernels and biases, BatchNorm γ, β and moving mean/variance. */
  readonly params: number;
  /** Weights updated by training (params less the BatchNorm moving statistics). */
  readonly trainableParams: number;
  /**
   * Multiply-adds of one batch-1 forward pass, counting one multiply-add once (the NAS-Bench-201 /
   * MobileNet convention): Conv2D Ho·Wo·Cout·k·kW·Cin, DepthwiseConv2D Ho·Wo·C·k·kW, Dense in·units,
   * Attention 2·L²·C (the q·kᵀ scores and the p·v sum over all heads).
   * Elementwise ops, BatchNorm, LayerNorm, softmax, Embedding lookups, pooling and biases are not counted.
   */
  readonly flops: number;
  /**
   * Peak bytes of float32 activations alive at once in a batch-1 forward pass that runs the nodes in
   * graph order and frees each tensor after its last consumer (the graph input included).
   */
  readonly peakActivationBytes: number;
  /** Bytes of the float32 weights (4 · params). */
  readonly modelBytes: number;
}

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Kernel area k·kW of a conv or pool (kernelW defaults to kernel). */
export function kernelArea(n: GraphNode): number {
  const k = (n.attrs.kernel ?? 1) as number;
  return k * ((n.attrs.kernelW ?? k) as number);
}

/** Parameter count of one node: [all, trainable]. */
export function nodeParams(n: GraphNode, inShape: readonly number[]): [number, number] {
  const cin = inShape[inShape.length - 1] as number;
  const a = n.attrs;
  switch (n.op) {
    case 'Conv2D': {
      const f = a.filters as number;
      const p = kernelArea(n) * cin * f + (a.useBias ? f : 0);
      return [p, p];
    }
    case 'DepthwiseConv2D': {
      const p = kernelArea(n) * cin + (a.useBias ? cin : 0);
      return [p, p];
    }
    case 'Embedding': {
      const p = (a.vocab as number) * (a.units as number);
      return [p, p];
    }
    case 'LayerNorm':
      return [2 * cin, 2 * cin];
    case 'Dense': {
      const u = a.units as number;
      const p = cin * u + (a.useBias ? u : 0);
      return [p, p];
    }
    case 'BatchNorm':
      return [4 * cin, 2 * cin];
    default:
      return [0, 0];
  }
}

/** Multiply-adds of one node (see `GraphCost.flops`). */
export function nodeFlops(n: GraphNode, inShape: readonly number[]): number {
  const cin = inShape[inShape.length - 1] as number;
  switch (n.op) {
    case 'Conv2D':
      return numel(n.shape) * kernelArea(n) * cin;
    case 'DepthwiseConv2D':
      return numel(n.shape) * kernelArea(n);
    case 'Attention': {
      const l = (inShape[0] as number) * (inShape[1] as number);
      return 2 * l * l * cin;
    }
    case 'Dense':
      return cin * (n.attrs.units as number);
    default:
      return 0;
  }
}

export function graphCost(g: ModelGraph): GraphCost {
  const shapes = new Map<string, readonly number[]>([[GRAPH_INPUT, g.input]]);
  const lastUse = new Map<string, number>([[GRAPH_INPUT, -1]]);
  g.nodes.forEach((n, i) => {
    for (const x of n.inputs) lastUse.set(x, i);
    lastUse.set(n.id, Math.max(lastUse.get(n.id) ?? i, i));
  });
  lastUse.set(g.output, g.nodes.length);
  let params = 0;
  let trainable = 0;
  let flops = 0;
  let live = numel(g.input);
  let peak = live;
  const alive = new Set<string>([GRAPH_INPUT]);
  g.nodes.forEach((n, i) => {
    const inShape = shapes.get(n.inputs[0] as string) as readonly number[];
    const [p, t] = nodeParams(n, inShape);
    params += p;
    trainable += t;
    flops += nodeFlops(n, inShape);
    shapes.set(n.id, n.shape);
    alive.add(n.id);
    live += numel(n.shape);
    peak = Math.max(peak, live);
    for (const id of [...alive]) {
      if ((lastUse.get(id) as number) <= i) {
        alive.delete(id);
        live -= numel(shapes.get(id) as readonly number[]);
      }
    }
  });
  return { params, trainableParams: trainable, flops, peakActivationBytes: 4 * peak, modelBytes: 4 * params };
}

/** The cost metrics as study metrics (names used by objectives and constraints). */
export function costMetrics(c: GraphCost): Record<string, number> {
  return { params: c.params, flops: c.flops, peak_activation_bytes: c.peakActivationBytes, model_bytes: c.modelBytes };
}

/** Names of the analytic cost metrics. */
export const COST_METRICS = ['params', 'flops', 'peak_activation_bytes', 'model_bytes'] as const;
