import { NasError } from '../../../shared/errors.js';
import type { Activation, OpName } from '../../../shared/ops.js';
import { GRAPH_INPUT, type GraphNode, type GraphNodeAttrs, type ModelGraph } from '../../../shared/types/index.js';

/** A tensor while building: its id and shape (batch left out). */
export interface Tensor {
  readonly id: string;
  readonly shape: readonly number[];
}

export const BN_EPSILON = 1e-3;
/** Short trainings (a few hundred steps) need the moving statistics to converge: 0.9, not Keras' 0.99. */
export const BN_MOMENTUM = 0.9;

/** LayerNorm's ε (shared/types/graph.ts: y = γ(x − μ)/max(σ, ε) + β). */
export const LN_EPSILON = 1e-6;

const outSize = (n: number, stride: number) => Math.ceil(n / stride);

/** Kernel and stride per axis: `kernelW`/`strideW` default to `kernel`/`stride`. */
export interface Window {
  readonly kernel: number;
  readonly stride: number;
  readonly kernelW?: number;
  readonly strideW?: number;
}

const posInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;

/** The window's attrs as stored (kernelW/strideW only when given) after checking them. */
function windowAttrs(what: string, a: Window): Window {
  for (const k of ['kernel', 'stride', 'kernelW', 'strideW'] as const) {
    const v = a[k];
    if ((k === 'kernel' || k === 'stride' || v !== undefined) && !posInt(v)) throw new NasError('invalid-input', `${what}: ${k} must be a positive integer, got ${String(v)}`);
  }
  return {
    kernel: a.kernel, stride: a.stride,
    ...(a.kernelW !== undefined ? { kernelW: a.kernelW } : {}),
    ...(a.strideW !== undefined ? { strideW: a.strideW } : {}),
  };
}

/** Output [H, W] of a 'same'-padded window over [h, w]. */
function windowOut(h: number, w: number, a: Window): [number, number] {
  return [outSize(h, a.stride), outSize(w, a.strideW ?? a.stride)];
}

/**
 * Appends primitive nodes with checked shapes. Ids are `<scope>/<name>`; `scope` is set by the
 * space-specific lowering (e.g. `s2.b1`), so an architecture always gets the same ids.
 */
export class GraphBuilder {
  private readonly nodes: GraphNode[] = [];
  private readonly ids = new Set<string>();
  readonly input: Tensor;

  constructor(readonly inputShape: readonly [number, number, number]) {
    if (!inputShape.every((d) => Number.isInteger(d) && d > 0)) {
      throw new NasError('invalid-input', `input shape must be three positive integers [H, W, C], got [${inputShape.join(', ')}]`);
    }
    this.input = { id: GRAPH_INPUT, shape: inputShape };
  }

  private add(id: string, op: OpName, inputs: readonly Tensor[], shape: readonly number[], attrs: GraphNodeAttrs = {}): Tensor {
    if (this.ids.has(id) || id === GRAPH_INPUT) throw new NasError('internal', `duplicate graph node id '${id}'`);
    this.ids.add(id);
    this.nodes.push({ id, op, attrs, inputs: inputs.map((t) => t.id), shape });
    return { id, shape };
  }

  private spatial(x: Tensor, what: string): [number, number, number] {
    if (x.shape.length !== 3) throw new NasError('invalid-input', `${what} needs a feature map [H, W, C], got [${x.shape.join(', ')}]`);
    return x.shape as [number, number, number];
  }

  conv(id: string, x: Tensor, a: Window & { filters: number; useBias: boolean }): Tensor {
    const [h, w] = this.spatial(x, `Conv2D ${id}`);
    if (!posInt(a.filters)) throw new NasError('invalid-input', `Conv2D ${id}: filters must be a positive integer, got ${String(a.filters)}`);
    const win = windowAttrs(`Conv2D ${id}`, a);
    return this.add(id, 'Conv2D', [x], [...windowOut(h, w, win), a.filters], { ...win, filters: a.filters, useBias: a.useBias });
  }

  depthwise(id: string, x: Tensor, a: Window & { useBias: boolean }): Tensor {
    const [h, w, c] = this.spatial(x, `DepthwiseConv2D ${id}`);
    const win = windowAttrs(`DepthwiseConv2D ${id}`, a);
    return this.add(id, 'DepthwiseConv2D', [x], [...windowOut(h, w, win), c], { ...win, useBias: a.useBias });
  }

  /** Token ids [L, 1, 1] (float) → [L, 1, units] rows of a [vocab, units] table. */
  embedding(id: string, x: Tensor, a: { vocab: number; units: number }): Tensor {
    const [l, w, c] = this.spatial(x, `Embedding ${id}`);
    if (w !== 1 || c !== 1) throw new NasError('invalid-input', `Embedding ${id} needs token ids [L, 1, 1], got [${x.shape.join(', ')}]`);
    if (!posInt(a.vocab) || !posInt(a.units)) throw new NasError('invalid-input', `Embedding ${id}: vocab and units must be positive integers, got ${String(a.vocab)} and ${String(a.units)}`);
    return this.add(id, 'Embedding', [x], [l, 1, a.units], { vocab: a.vocab, units: a.units });
  }

  /** Normalisation over the last axis, γ(x − μ)/max(σ, ε) + β with ε = LN_EPSILON. */
  layerNorm(id: string, x: Tensor): Tensor {
    return this.add(id, 'LayerNorm', [x], x.shape, { epsilon: LN_EPSILON });
  }

  /** Multi-head scaled dot-product attention of q, k, v, each [L, 1, C]; `heads` divides C. */
  attention(id: string, q: Tensor, k: Tensor, v: Tensor, a: { heads: number }): Tensor {
    const [l, w, c] = this.spatial(q, `Attention ${id}`);
    if (w !== 1) throw new NasError('invalid-input', `Attention ${id} needs sequences [L, 1, C], got q [${q.shape.join(', ')}]`);
    if (k.shape.join() !== q.shape.join() || v.shape.join() !== q.shape.join()) {
      throw new NasError('invalid-input', `Attention ${id}: q, k and v must have the same shape, got [${q.shape.join(', ')}], [${k.shape.join(', ')}], [${v.shape.join(', ')}]`);
    }
    if (!posInt(a.heads) || c % a.heads !== 0) throw new NasError('invalid-input', `Attention ${id}: heads (${String(a.heads)}) must be a positive integer dividing the ${c} channels`);
    return this.add(id, 'Attention', [q, k, v], [l, 1, c], { heads: a.heads });
  }

  dense(id: string, x: Tensor, a: { units: number; useBias: boolean }): Tensor {
    if (x.shape.length !== 1) throw new NasError('internal', `Dense ${id} needs a vector input`);
    return this.add(id, 'Dense', [x], [a.units], a);
  }

  batchNorm(id: string, x: Tensor): Tensor {
    return this.add(id, 'BatchNorm', [x], x.shape, { epsilon: BN_EPSILON, momentum: BN_MOMENTUM });
  }

  unary(id: string, op: 'ReLU' | 'ReLU6' | 'Sigmoid' | 'Tanh' | 'Zero', x: Tensor): Tensor {
    return this.add(id, op, [x], x.shape);
  }

  /** An activation: none for `linear`, swish lowered to x · sigmoid(x). */
  activation(id: string, x: Tensor, a: Activation): Tensor {
    switch (a) {
      case 'linear': return x;
      case 'relu': return this.unary(id, 'ReLU', x);
      case 'relu6': return this.unary(id, 'ReLU6', x);
      case 'sigmoid': return this.unary(id, 'Sigmoid', x);
      case 'tanh': return this.unary(id, 'Tanh', x);
      case 'swish': return this.mul(`${id}.mul`, x, this.unary(`${id}.sigmoid`, 'Sigmoid', x));
    }
  }

  pool(id: string, op: 'MaxPool' | 'AvgPool', x: Tensor, a: Window): Tensor {
    const [h, w, c] = this.spatial(x, `${op} ${id}`);
    const win = windowAttrs(`${op} ${id}`, a);
    return this.add(id, op, [x], [...windowOut(h, w, win), c], win);
  }

  globalAvgPool(id: string, x: Tensor, keepDims: boolean): Tensor {
    const c = this.spatial(x, `GlobalAvgPool ${id}`)[2];
    return this.add(id, 'GlobalAvgPool', [x], keepDims ? [1, 1, c] : [c], { keepDims });
  }

  flatten(id: string, x: Tensor): Tensor {
    if (x.shape.length === 1) return x;
    return this.add(id, 'Reshape', [x], [x.shape.reduce((a, b) => a * b, 1)]);
  }

  addTensors(id: string, a: Tensor, b: Tensor): Tensor {
    if (a.shape.join() !== b.shape.join()) throw new NasError('internal', `Add ${id}: shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] differ`);
    return this.add(id, 'Add', [a, b], a.shape);
  }

  /** The sum of several tensors as a chain of binary Adds (ids `<id>`, `<id>.2`, …). */
  sum(id: string, terms: readonly Tensor[]): Tensor {
    if (terms.length === 0) throw new NasError('internal', `sum ${id} of nothing`);
    let acc = terms[0] as Tensor;
    for (let i = 1; i < terms.length; i++) acc = this.addTensors(i === 1 ? id : `${id}.${i}`, acc, terms[i] as Tensor);
    return acc;
  }

  mul(id: string, a: Tensor, b: Tensor): Tensor {
    const broadcast = a.shape.length === 3 && b.shape.length === 3 && b.shape[0] === 1 && b.shape[1] === 1 && b.shape[2] === a.shape[2];
    if (!broadcast && a.shape.join() !== b.shape.join()) throw new NasError('internal', `Mul ${id}: shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}] do not broadcast`);
    return this.add(id, 'Mul', [a, b], a.shape);
  }

  concat(id: string, parts: readonly Tensor[]): Tensor {
    const first = parts[0] as Tensor;
    const lead = first.shape.slice(0, -1).join();
    if (parts.some((p) => p.shape.length !== first.shape.length || p.shape.slice(0, -1).join() !== lead)) {
      throw new NasError('internal', `Concat ${id}: shapes ${parts.map((p) => `[${p.shape.join(', ')}]`).join(', ')} differ before the last axis`);
    }
    const c = parts.reduce((acc, p) => acc + (p.shape[p.shape.length - 1] as number), 0);
    return this.add(id, 'Concat', parts, [...first.shape.slice(0, -1), c]);
  }

  /** Conv (no bias) → BatchNorm → activation: the usual conv unit. */
  convBn(id: string, x: Tensor, a: Window & { filters: number }, act: Activation): Tensor {
    const c = this.conv(`${id}.conv`, x, { ...a, useBias: false });
    return this.activation(`${id}.act`, this.batchNorm(`${id}.bn`, c), act);
  }

  /** The graph ending at `output` (the logits), without nodes that do not reach it. */
  finish(output: Tensor, classes: number): ModelGraph {
    if (output.shape.length !== 1 || output.shape[0] !== classes) {
      throw new NasError('internal', `graph output must be [${classes}] logits, got [${output.shape.join(', ')}]`);
    }
    if (output.id === GRAPH_INPUT) throw new NasError('invalid-input', 'the model has no layers');
    // Dead-code elimination: nodes that do not reach the output (e.g. an NB201 cell node whose
    // outgoing edges are all `none`) are dropped.
    const used = new Set<string>([output.id]);
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const n = this.nodes[i] as GraphNode;
      if (used.has(n.id)) for (const x of n.inputs) used.add(x);
    }
    return { input: this.inputShape, nodes: this.nodes.filter((n) => used.has(n.id)), output: output.id, classes };
  }
}

/** The classifier head: global average pooling when spatial, then Dense(classes) logits. */
export function classifier(b: GraphBuilder, x: Tensor, classes: number, id = 'head'): Tensor {
  const v = x.shape.length === 3 ? b.globalAvgPool(`${id}.pool`, x, false) : x;
  return b.dense(`${id}.logits`, v, { units: classes, useBias: true });
}
