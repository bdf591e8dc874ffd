/**
 * User-defined search spaces, read from a YAML or JSON document (JSON is YAML: one parser reads both).
 *
 * ```yaml
 * name: tiny-cnn                 # required: letters, digits, _ - .
 * title: A tiny CNN              # optional
 * input: [28, 28, 1]             # optional: height, width, channels
 * connections: sequential        # optional default for every layer: sequential | skip | dense, or a list
 * layers:                        # required, in order
 *   - name: stem                 # required, unique: a letter or _, then letters, digits, _ -
 *     op: Conv2D                 # required: an op of shared/ops.ts
 *     kernel: 3                  # a scalar is fixed ...
 *     filters: [16, 24]          # ... a list is a choice (a Dimension named `stem.filters`)
 *   - name: body
 *     repeat: [1, 2, 3]          # optional (default 1): the layer is stacked 1, 2 or 3 times
 *     op: [Conv2D, SeparableConv2D, MBConv, Identity]
 *     kernel: [3, 5]             # params apply to the ops (of `op`) that accept them (OP_PARAMS)
 *     filters: [32, 64]
 *     connection: [sequential, skip]   # per-layer override of `connections`
 *   - name: head
 *     op: GlobalAvgPool
 * ```
 *
 * Saved blocks (`frontier blocks save`, spaces/blocks.ts): a layer `{ name: body, block: resblock }`
 * includes a saved block's fixed layers (named body.1, body.2 …); `block: [resblock, wide]` is a
 * decision `body.block` between saved blocks; `repeat` works as for any layer. Key: `body:[resblock]`.
 *
 * Params: kernel, filters, stride, units (positive integers), expansion (a positive number), se (true or
 * false), activation (linear, relu, relu6, swish, sigmoid, tanh); omitted ones take the model builder's
 * defaults. Connections combine a layer's output with its input x (see `CONNECTIONS`): `sequential`
 * op(x), `skip` x + op(x), `dense` concat(x, op(x)).
 *
 * Dimensions: every list-valued field is a decision. A repeated layer (`repeat` given and not 1) has
 * one set of decisions per copy, named `body.1.op`, `body.2.kernel` … (1-based), gated by the
 * `body.repeat` decision when `repeat` is a list: copies beyond the chosen count are inactive. A param
 * decision is also inactive when the chosen op does not accept the param.
 *
 * Key: layers joined by `|`, each `name:` then its copies joined by `>`, each `Op(params)@connection`:
 * params in canonical order as k<kernel> f<filters> s<stride> e<expansion> se u<units> <activation>
 * (`se` only when true), `@connection` only when it is a choice or not sequential, e.g.
 * `stem:Conv2D(k3,f16)|body:Conv2D(k3,f32)@skip>Identity@sequential|head:GlobalAvgPool`.
 */
import { NasError } from '../../../shared/errors.js';
import {
  ACTIVATIONS, OP_PARAM_NAMES, OP_PARAM_TYPES, OP_PARAMS, isOpName,
  type Connection, type OpAttrs, type OpName, type OpParam,
} from '../../../shared/ops.js';
import type { Architecture, Choice, Dimension, Sample } from '../../../shared/types/index.js';
import { DimensionalSpace } from '../search-space.js';
import type { BlockLibrary } from './blocks.js';
import { checkSpaceDocument, type Field, type LayerSpec, type SpaceSpec } from './space-schema.js';

export type { Field, LayerSpec, SpaceSpec } from './space-schema.js';

/** One concrete layer of an architecture, for model builders and cost models. */
export interface CustomLayer {
  /** `stem`, or `body.2` for the second copy of a repeated layer. */
  readonly name: string;
  readonly layer: string;
  readonly op: OpName;
  readonly params: OpAttrs;
  readonly connection: Connection;
}

/** One copy of a layer: the dimension index of each decision it owns (undefined: fixed). */
interface Copy {
  readonly prefix: string;
  /** The block decision of a block layer's copy. */
  readonly block?: number;
  readonly op?: number;
  readonly connection?: number;
  readonly params: { [P in OpParam]?: number };
}

interface Layout {
  readonly spec: LayerSpec;
  readonly gate?: number;
  readonly copies: readonly Copy[];
}

const ABBR: Partial<Record<OpParam, string>> = { kernel: 'k', filters: 'f', stride: 's', expansion: 'e', units: 'u' };
const BY_ABBR = new Map(Object.entries(ABBR).map(([p, a]) => [a, p as OpParam]));

function build(spec: SpaceSpec) {
  const dims: Dimension[] = [];
  const cond: ({ op: number; param: OpParam } | undefined)[] = [];
  const push = (d: Dimension, c?: { op: number; param: OpParam }) => (cond.push(c), dims.push(d) - 1);
  const layout: Layout[] = spec.layers.map((l) => {
    const gate = l.repeat.choice ? push({ name: `${l.name}.repeat`, choices: l.repeat.values }) : undefined;
    const repeated = l.repeat.choice || l.repeat.values[0] !== 1;
    const copies: Copy[] = [];
    for (let i = 1; i <= Math.max(...l.repeat.values); i++) {
      const prefix = repeated ? `${l.name}.${i}` : l.name;
      const activeIf = gate === undefined ? undefined : { dim: `${l.name}.repeat`, gte: i };
      const dim = (field: string, choices: readonly Choice[], c?: { op: number; param: OpParam }) =>
        push({ name: `${prefix}.${field}`, choices, ...(activeIf && { activeIf }) }, c);
      if (l.block) {
        copies.push({ prefix, params: {}, ...(l.block.choice ? { block: dim('block', l.block.values) } : {}) });
        continue;
      }
      const op = l.op.choice ? dim('op', l.op.values) : undefined;
      const params: Copy['params'] = {};
      for (const p of OP_PARAM_NAMES) {
        const f = l.params[p];
        if (f?.choice) params[p] = dim(p, f.values, op === undefined ? undefined : { op, param: p });
      }
      const connection = l.connection.choice ? dim('connection', l.connection.values) : undefined;
      copies.push({ prefix, params, ...(op !== undefined && { op }), ...(connection !== undefined && { connection }) });
    }
    return { spec: l, copies, ...(gate !== undefined && { gate }) };
  });
  return { dims, cond, layout };
}

/** A search space defined by a document; build one with `parseSpaceDocument` (or from a checked spec). */
export class CustomSpace extends DimensionalSpace {
  readonly id: string;
  readonly title: string;
  readonly spec: SpaceSpec;
  private readonly layout: readonly Layout[];
  /** Per dimension: the op decision that must accept `param` for it to be active. */
  private readonly cond: readonly ({ op: number; param: OpParam } | undefined)[];

  constructor(spec: SpaceSpec) {
    const b = build(spec);
    super(b.dims);
    this.id = `custom:${spec.name}`;
    this.title = spec.title ?? spec.name;
    this.spec = spec;
    this.layout = b.layout;
    this.cond = b.cond;
  }

  override isActive(s: Sample, i: number): boolean {
    if (!super.isActive(s, i)) return false;
    const c = this.cond[i];
    return !c || OP_PARAMS[this.value(s, c.op) as OpName].includes(c.param);
  }

  /** Exact size: per layer, the sum over repeat counts of the product of its copies' sizes. */
  override count(): bigint {
    const size = (d: number | undefined) => BigInt(d === undefined ? 1 : (this.dims[d] as Dimension).choices.length);
    let total = 1n;
    for (const l of this.layout) {
      const copySize = l.copies.map((c) => {
        if (l.spec.block) return BigInt(l.spec.block.values.length);
        const ops = c.op === undefined ? [l.spec.op.values[0] as OpName] : l.spec.op.values;
        let sum = 0n;
        for (const op of ops) sum += OP_PARAMS[op].reduce((acc, p) => acc * size(c.params[p]), 1n);
        return sum * size(c.connection);
      });
      let sum = 0n;
      for (const r of l.spec.repeat.values) sum += copySize.slice(0, r).reduce((a, b) => a * b, 1n);
      total *= sum;
    }
    return total;
  }

  private pick<T extends Choice>(s: Sample, dim: number | undefined, f: Field<T>): T {
    return (dim === undefined ? f.values[0] : this.value(s, dim)) as T;
  }

  /** The concrete layers of a sample, in order (inactive copies left out). */
  layers(s: Sample): CustomLayer[] {
    this.assertValid(s);
    return this.layout.flatMap((l) => {
      const n = this.pick(s, l.gate, l.spec.repeat);
      return l.copies.slice(0, n).flatMap((c) => {
        if (l.spec.block) {
          // A saved block's fixed layers, named after the copy: body.1, body.2 … (body.2.1 … when repeated).
          const block = this.pick(s, c.block, l.spec.block);
          return (this.spec.blocks?.[block] ?? []).map((b, j) => ({ name: `${c.prefix}.${j + 1}`, layer: l.spec.name, op: b.op, params: { ...b.params }, connection: b.connection }));
        }
        const op = this.pick(s, c.op, l.spec.op);
        const params: Record<string, Choice> = {};
        for (const p of OP_PARAMS[op]) {
          const f = l.spec.params[p];
          if (f) params[p] = this.pick(s, c.params[p], f);
        }
        return [{ name: c.prefix, layer: l.spec.name, op, params: params as OpAttrs, connection: this.pick(s, c.connection, l.spec.connection) }];
      });
    });
  }

  freeze(s: Sample): Architecture {
    const c = this.canonical(s);
    // Grouped once by layer (a filter per layer was quadratic: 20,000 layers took seconds).
    const byLayer = new Map<string, CustomLayer[]>();
    for (const x of this.layers(c)) {
      const list = byLayer.get(x.layer);
      if (list) list.push(x);
      else byLayer.set(x.layer, [x]);
    }
    const key = this.layout
      .map((l) => {
        // A block layer's copies are the saved blocks' names: `body:[resblock]>[resblock]`.
        if (l.spec.block) {
          const n = this.pick(c, l.gate, l.spec.repeat);
          return `${l.spec.name}:${l.copies.slice(0, n).map((x) => `[${this.pick(c, x.block, l.spec.block as Field<string>)}]`).join('>')}`;
        }
        const showConn = l.spec.connection.choice || l.spec.connection.values[0] !== 'sequential';
        const copies = (byLayer.get(l.spec.name) ?? []).map((x) => {
          const tokens = OP_PARAM_NAMES.flatMap((p) => {
            const v = x.params[p];
            if (v === undefined || v === false) return [];
            return [v === true ? p : p === 'activation' ? String(v) : `${ABBR[p]}${v}`];
          });
          return `${x.op}${tokens.length ? `(${tokens.join(',')})` : ''}${showConn ? `@${x.connection}` : ''}`;
        });
        return `${l.spec.name}:${copies.join('>')}`;
      })
      .join('|');
    return { space: this.id, key, sample: c };
  }

  parse(key: string): Sample {
    const bad = (why: string) => new NasError('invalid-sample', `'${key}' is not a ${this.id} architecture: ${why}`);
    const s = this.dims.map(() => 0);
    const choose = <T extends Choice>(f: Field<T>, dim: number | undefined, v: Choice, what: string) => {
      const show = (x: Choice) => (typeof x === 'string' ? `'${x}'` : String(x));
      if (dim === undefined) {
        if (f.values[0] !== v) throw bad(`${what} ${show(v)} is not allowed (fixed to ${show(f.values[0] as T)})`);
        return;
      }
      const i = f.values.indexOf(v as T);
      if (i < 0) throw bad(`${what} ${show(v)} is not allowed (choices: ${f.values.join(', ')})`);
      s[dim] = i;
    };
    const parts = key.trim().split('|');
    if (parts.length !== this.layout.length) throw bad(`expected ${this.layout.length} layers separated by |, got ${parts.length}`);
    parts.forEach((part, li) => {
      const l = this.layout[li] as Layout;
      const name = l.spec.name;
      if (!part.startsWith(`${name}:`)) throw bad(`layer ${li + 1} must start with '${name}:', got '${part}'`);
      const copies = part.slice(name.length + 1).split('>');
      choose(l.spec.repeat, l.gate, copies.length, `layer '${name}' repeat`);
      copies.forEach((text, j) => {
        const block = l.spec.block;
        if (!block) return this.parseCopy(text, l.spec, l.copies[j] as Copy, choose, bad);
        const m = /^\[([^\]]+)\]$/.exec(text);
        if (!m) throw bad(`'${text}' in ${(l.copies[j] as Copy).prefix} must be a saved block's name in brackets, e.g. [${block.values[0]}]`);
        choose(block, (l.copies[j] as Copy).block, m[1] as string, `${(l.copies[j] as Copy).prefix} block`);
      });
    });
    return this.canonical(s);
  }

  private parseCopy(
    text: string,
    spec: LayerSpec,
    copy: Copy,
    choose: (f: Field<Choice>, dim: number | undefined, v: Choice, what: string) => void,
    bad: (why: string) => NasError,
  ): void {
    const m = /^([A-Za-z0-9]+)(?:\(([^()]*)\))?(?:@([a-z]+))?$/.exec(text);
    if (!m) throw bad(`'${text}' must look like Op(params)@connection`);
    const op = m[1] as string;
    if (!isOpName(op)) throw bad(`unknown op '${op}' in ${copy.prefix}`);
    choose(spec.op, copy.op, op, `${copy.prefix} op`);
    choose(spec.connection, copy.connection, m[3] ?? 'sequential', `${copy.prefix} connection`);
    const given = new Map<OpParam, Choice>();
    for (const t of m[2] ? m[2].split(',') : []) {
      const am = /^([a-z])(.+)$/.exec(t);
      const p = t === 'se' ? 'se' : (ACTIVATIONS as readonly string[]).includes(t) ? 'activation' : am ? BY_ABBR.get(am[1] as string) : undefined;
      if (!p || !OP_PARAMS[op].includes(p) || !spec.params[p]) throw bad(`unexpected '${t}' in ${copy.prefix} (${op} here takes no such param)`);
      if (given.has(p)) throw bad(`${p} given twice in ${copy.prefix}`);
      given.set(p, p === 'se' ? true : p === 'activation' ? t : Number((am as RegExpExecArray)[2]));
    }
    for (const p of OP_PARAMS[op]) {
      const f = spec.params[p];
      if (!f) continue;
      const v = given.get(p) ?? (OP_PARAM_TYPES[p] === 'boolean' ? false : undefined);
      if (v === undefined) throw bad(`${copy.prefix} is missing its ${p}`);
      choose(f, copy.params[p], v, `${copy.prefix} ${p}`);
    }
  }
}

/** Reads a space document (YAML or JSON); `source` names it in error messages; `blocks`: the saved blocks it may include. */
export function parseSpaceDocument(text: string, source: string, blocks: BlockLibrary = {}): CustomSpace {
  return new CustomSpace(checkSpaceDocument(text, source, blocks));
}
