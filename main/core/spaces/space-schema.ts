import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type YAMLMap } from 'yaml';
import { NasError } from '../../../shared/errors.js';
import {
  ACTIVATIONS, CONNECTIONS, LAYER_OP_NAMES, OP_PARAM_NAMES, OP_PARAM_TYPES, OP_PARAMS,
  type Connection, type OpName, type OpParam,
} from '../../../shared/ops.js';
import type { Choice } from '../../../shared/types/index.js';
import { quoteText } from '../text.js';
import type { BlockLayer, BlockLibrary } from './blocks.js';

/**
 * The schema checker for search-space documents (format: see custom.ts). It walks the YAML node tree
 * (JSON is YAML, so one parser serves both) and collects every problem with its line and column;
 * `checkSpaceDocument` throws them all as one NasError('invalid-space'), one per line, in document order.
 */

/** A document value: a scalar is fixed (one value, not a decision), a list is a decision. */
export interface Field<T extends Choice> {
  readonly values: readonly T[];
  readonly choice: boolean;
}

export interface LayerSpec {
  readonly name: string;
  readonly op: Field<OpName>;
  /** How many times the layer is stacked (fixed 1 when absent). */
  readonly repeat: Field<number>;
  readonly connection: Field<Connection>;
  /** The params given in the document; each applies to the ops (of `op`) that accept it. */
  readonly params: { readonly [P in OpParam]?: Field<Choice> };
  /** A layer that includes saved blocks (`block: NAME` or a list): their layers replace `op`, params and connection. */
  readonly block?: Field<string>;
}

export interface SpaceSpec {
  readonly name: string;
  readonly title?: string;
  /** Height, width, channels. */
  readonly input?: readonly [number, number, number];
  readonly layers: readonly LayerSpec[];
  /** The layers of each saved block the document includes, by name. */
  readonly blocks?: Readonly<Record<string, readonly BlockLayer[]>>;
}

/** One problem of a document; line and col are 1-based. */
export interface SpaceProblem {
  readonly line: number;
  readonly col: number;
  readonly path: string;
  readonly message: string;
}

export const MAX_REPEAT = 64;
/** The largest document read (characters): a million leaves room for 100,000-choice lists. */
export const MAX_DOCUMENT_CHARS = 1_000_000;
/** Problems listed in one error; the rest are counted. */
export const MAX_PROBLEMS_SHOWN = 20;
const SPACE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const LAYER_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const TOP_FIELDS = ['name', 'title', 'input', 'connections', 'layers'] as const;
const LAYER_FIELDS = ['name', 'op', 'repeat', 'connection', ...OP_PARAM_NAMES, 'block'] as const;

export function formatProblem(source: string, p: SpaceProblem): string {
  return `${source}:${p.line}:${p.col}: ${p.path}: ${p.message}`;
}

/** Parses and checks a document: either a spec or every problem found (never both). */
export function validateSpaceDocument(text: string, blocks: BlockLibrary = {}): { spec?: SpaceSpec; problems: SpaceProblem[] } {
  if (text.length > MAX_DOCUMENT_CHARS) {
    const message = `the document has ${text.length.toLocaleString('en-US')} characters; a space document may have at most ${MAX_DOCUMENT_CHARS.toLocaleString('en-US')}`;
    return { problems: [{ line: 1, col: 1, path: '(root)', message }] };
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: false });
  const problems: (SpaceProblem & { offset: number })[] = [];
  const at = (offset: number, path: string, message: string) => problems.push({ ...lc.linePos(offset), offset, path, message });
  for (const e of doc.errors) at(e.pos[0], 'syntax error', e.message);
  const spec = problems.length === 0 ? new Walker(doc, lc, at, blocks).root() : undefined;
  if (!spec && problems.length === 0) at(0, '(root)', 'not a valid space document');
  problems.sort((a, b) => a.offset - b.offset);
  return problems.length ? { problems: problems.map(({ line, col, path, message }) => ({ line, col, path, message })) } : { spec, problems: [] };
}

/** The checked spec of a document; throws NasError('invalid-space') listing every problem. */
export function checkSpaceDocument(text: string, source: string, blocks: BlockLibrary = {}): SpaceSpec {
  const { spec, problems } = validateSpaceDocument(text, blocks);
  if (!spec) {
    const shown = problems.slice(0, MAX_PROBLEMS_SHOWN).map((p) => formatProblem(source, p));
    const more = problems.length - shown.length;
    const next = problems[MAX_PROBLEMS_SHOWN];
    const rest = next ? [`${source}:${next.line}:${next.col}: … and ${more} more problem${more === 1 ? '' : 's'} from here on`] : [];
    throw new NasError('invalid-space', [...shown, ...rest].join('\n'));
  }
  return spec;
}

type YNode = unknown;
type Check<T> = (n: YNode) => { value: T } | { error: string };

function scalar(n: YNode): unknown {
  return isScalar(n) ? n.value : undefined;
}

/** A string of the document inside a message, on one line. */
const quote = (v: string) => quoteText(v);

/** `path.key`, or `path['odd key']` for a key that is not a plain name. */
function child(path: string, key: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path || '(root)'}[${quote(key)}]`;
}

function describe(n: YNode): string {
  if (isAlias(n)) return `alias *${quote(n.source).slice(1, -1)} with no anchor before it`;
  if (isSeq(n)) return 'a list';
  if (isMap(n)) return 'a mapping';
  const v = scalar(n);
  if (v === null || v === undefined) return 'nothing';
  return typeof v === 'string' ? `string ${quote(v)}` : String(v);
}

function show(v: Choice): string {
  return typeof v === 'string' ? quote(v) : String(v);
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] as number;
}

/** The nearest candidate within a third of the word's length (case differences are free). */
function suggest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = c.toLowerCase() === word.toLowerCase() ? 0 : distance(word, c);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best;
}

function hint(word: string, candidates: readonly string[]): string {
  const near = suggest(word, candidates);
  return near ? `did you mean '${near}'?` : `expected one of ${candidates.join(', ')}`;
}

const positiveInt = (max = Number.MAX_SAFE_INTEGER): Check<number> => (n) => {
  const v = scalar(n);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) return { error: `expected a positive integer, got ${describe(n)}` };
  return v > max ? { error: `expected at most ${max}, got ${v}` } : { value: v };
};

const positiveNumber: Check<number> = (n) => {
  const v = scalar(n);
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? { value: v } : { error: `expected a positive number, got ${describe(n)}` };
};

const boolean: Check<boolean> = (n) => {
  const v = scalar(n);
  return typeof v === 'boolean' ? { value: v } : { error: `expected true or false, got ${describe(n)}` };
};

const oneOf = <T extends string>(values: readonly T[], what: string): Check<T> => (n) => {
  const v = scalar(n);
  if (typeof v !== 'string') return { error: `expected ${what} (one of ${values.join(', ')}), got ${describe(n)}` };
  return (values as readonly string[]).includes(v) ? { value: v as T } : { error: `unknown ${what} ${quote(v)} (${hint(v, values)})` };
};

const PARAM_CHECKS: Record<OpParam, Check<Choice>> = Object.fromEntries(
  OP_PARAM_NAMES.map((p) => {
    const t = OP_PARAM_TYPES[p];
    const check = t === 'positive-int' ? positiveInt() : t === 'positive-number' ? positiveNumber : t === 'boolean' ? boolean : oneOf(ACTIVATIONS, 'activation');
    return [p, check];
  }),
) as Record<OpParam, Check<Choice>>;

interface Entry {
  readonly key: YNode;
  readonly value: YNode;
}

class Walker {
  private readonly layerNames = new Map<string, number>();

  constructor(
    private readonly doc: Document,
    private readonly lc: LineCounter,
    private readonly at: (offset: number, path: string, message: string) => void,
    private readonly blocks: BlockLibrary = {},
  ) {}

  /** The included blocks' layers, by name. */
  private readonly used: Record<string, readonly BlockLayer[]> = {};

  /** A saved block's name; unknown ones are named with the saved ones (or how to save one). */
  private readonly blockCheck: Check<string> = (n) => {
    const v = scalar(n);
    if (typeof v !== 'string') return { error: `expected a saved block's name, got ${describe(n)}` };
    const def = Object.hasOwn(this.blocks, v) ? this.blocks[v] : undefined;
    if (!def) {
      const names = Object.keys(this.blocks).sort();
      return { error: `unknown block ${quote(v)} (${names.length ? `${suggest(v, names) ? `did you mean '${suggest(v, names)}'? ` : ''}saved blocks: ${names.join(', ')}` : "no blocks are saved: 'frontier blocks save <study> --trial N --name NAME' saves one"})` };
    }
    this.used[v] = def.layers;
    return { value: v };
  };

  /** Anchored nodes by name, in document order (collected once, see `res`). */
  private anchors: Map<string, { start: number; node: YNode }[]> | undefined;

  /**
   * An alias's node: the last node anchored with its name before it. yaml's `Alias.resolve` walks the
   * whole document per call, so a document of n aliases took O(n²) (3,000 aliases: 21 s).
   */
  private res(n: YNode): YNode {
    if (!isAlias(n)) return n;
    if (!this.anchors) {
      const anchors = new Map<string, { start: number; node: YNode }[]>();
      visit(this.doc, {
        Node: (_key, node) => {
          if (isAlias(node) || !node.anchor) return;
          const list = anchors.get(node.anchor) ?? [];
          list.push({ start: this.offset(node), node });
          anchors.set(node.anchor, list);
        },
      });
      this.anchors = anchors;
    }
    // Binary search: the last anchor (document order, so sorted by start) before the alias.
    const list = this.anchors.get(n.source) ?? [];
    const at = this.offset(n);
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((list[mid] as { start: number }).start < at) lo = mid + 1;
      else hi = mid;
    }
    // An alias with no anchor before it stays an alias: `describe` names it.
    return lo > 0 ? (list[lo - 1] as { node: YNode }).node : n;
  }

  private offset(n: YNode): number {
    const r = (n as { range?: readonly number[] } | null | undefined)?.range;
    return r?.[0] ?? 0;
  }

  private report(n: YNode, path: string, message: string): void {
    this.at(this.offset(n), path, message);
  }

  /** The fields of a mapping, reporting non-string, duplicate and unknown names. */
  private entries(map: YAMLMap, path: string, allowed: readonly string[]): Map<string, Entry> {
    const out = new Map<string, Entry>();
    const lines = new Map<string, number>();
    for (const pair of map.items) {
      const key = scalar(this.res(pair.key));
      const where = (k: string) => child(path, k);
      if (typeof key !== 'string') this.report(pair.key, path || '(root)', `field names must be strings, got ${describe(pair.key)}`);
      else if (lines.has(key)) this.report(pair.key, where(key), `duplicate field (first given on line ${lines.get(key)})`);
      else if (!allowed.includes(key)) this.report(pair.key, where(key), `unknown field ${quote(key)} (${hint(key, allowed)})`);
      else out.set(key, { key: pair.key, value: pair.value ?? pair.key });
      if (typeof key === 'string' && !lines.has(key)) lines.set(key, this.lc.linePos(this.offset(pair.key)).line);
    }
    return out;
  }

  private required(map: YAMLMap, fields: Map<string, Entry>, path: string, names: readonly string[]): boolean {
    let ok = true;
    for (const n of names) {
      if (fields.has(n)) continue;
      this.report(map, path ? `${path}.${n}` : n, 'required field is missing');
      ok = false;
    }
    return ok;
  }

  /** A scalar (fixed) or a non-empty list of distinct values (a choice). */
  private field<T extends Choice>(raw: YNode, path: string, check: Check<T>): Field<T> | undefined {
    const n = this.res(raw);
    if (!isSeq(n)) {
      const r = check(n);
      if ('error' in r) return void this.report(raw, path, r.error);
      return { values: [r.value], choice: false };
    }
    if (n.items.length === 0) return void this.report(raw, path, 'empty choice list (give at least one value)');
    const values: T[] = [];
    // A Set, not values.includes: a list of 100,000 choices is checked in linear time.
    const seen = new Set<Choice>();
    let ok = true;
    n.items.forEach((item, i) => {
      const r = check(this.res(item));
      if ('error' in r) this.report(item, `${path}[${i}]`, r.error);
      else if (seen.has(r.value)) this.report(item, `${path}[${i}]`, `duplicate choice ${show(r.value)}`);
      else {
        seen.add(r.value);
        return void values.push(r.value);
      }
      ok = false;
    });
    return ok ? { values, choice: true } : undefined;
  }

  private name(raw: YNode, path: string, pattern: RegExp, rule: string): string | undefined {
    const v = scalar(this.res(raw));
    if (typeof v !== 'string') return void this.report(raw, path, `expected a name, got ${describe(this.res(raw))}`);
    if (!pattern.test(v)) return void this.report(raw, path, `invalid name ${quote(v)} (${rule})`);
    return v;
  }

  root(): SpaceSpec | undefined {
    const root = this.res(this.doc.contents);
    if (!isMap(root)) return void this.report(root, '(root)', `expected a mapping with fields name and layers, got ${describe(root)}`);
    const f = this.entries(root, '', TOP_FIELDS);
    this.required(root, f, '', ['name', 'layers']);
    const get = (k: string) => f.get(k)?.value;
    const name = f.has('name') ? this.name(get('name'), 'name', SPACE_NAME, "letters, digits, '_', '-' and '.'") : undefined;
    let title: string | undefined;
    if (f.has('title')) {
      const t = scalar(this.res(get('title')));
      if (typeof t === 'string') title = t;
      else this.report(get('title'), 'title', `expected a string, got ${describe(this.res(get('title')))}`);
    }
    const input = f.has('input') ? this.input(get('input')) : undefined;
    const connections = f.has('connections')
      ? this.field(get('connections'), 'connections', oneOf(CONNECTIONS, 'connection'))
      : { values: ['sequential' as const], choice: false };
    const layers = f.has('layers') ? this.layers(get('layers'), connections) : undefined;
    if (name === undefined || !layers || !connections) return undefined;
    const blocks = Object.keys(this.used).length ? { blocks: { ...this.used } } : {};
    return { name, ...(title !== undefined && { title }), ...(input && { input }), layers, ...blocks };
  }

  private input(raw: YNode): [number, number, number] | undefined {
    const n = this.res(raw);
    if (!isSeq(n) || n.items.length !== 3) {
      const got = isSeq(n) ? `${n.items.length} values` : describe(n);
      return void this.report(raw, 'input', `expected [height, width, channels], got ${got}`);
    }
    const out: number[] = [];
    n.items.forEach((item, i) => {
      const r = positiveInt()(this.res(item));
      if ('error' in r) this.report(item, `input[${i}]`, r.error);
      else out.push(r.value);
    });
    return out.length === 3 ? (out as [number, number, number]) : undefined;
  }

  private layers(raw: YNode, connections: Field<Connection> | undefined): LayerSpec[] | undefined {
    const n = this.res(raw);
    if (!isSeq(n)) return void this.report(raw, 'layers', `expected a list of layers, got ${describe(n)}`);
    if (n.items.length === 0) return void this.report(raw, 'layers', 'a space needs at least one layer');
    const out = n.items.map((item, i) => this.layer(item, i, connections));
    return out.every((l): l is LayerSpec => l !== undefined) ? out : undefined;
  }

  private layer(raw: YNode, index: number, connections: Field<Connection> | undefined): LayerSpec | undefined {
    const path = `layers[${index}]`;
    const map = this.res(raw);
    if (!isMap(map)) return void this.report(raw, path, `expected a layer (a mapping with name and op), got ${describe(map)}`);
    const f = this.entries(map, path, LAYER_FIELDS);
    if (f.has('block')) return this.blockLayer(map, f, path, index);
    let ok = this.required(map, f, path, ['name', 'op']);
    const e = (k: string) => f.get(k) as Entry;
    let name: string | undefined;
    if (f.has('name')) {
      name = this.name(e('name').value, `${path}.name`, LAYER_NAME, "a letter or '_', then letters, digits, '_' and '-'");
      const first = name === undefined ? undefined : this.layerNames.get(name);
      if (first !== undefined) this.report(e('name').value, `${path}.name`, `duplicate layer name '${name}' (first used by layers[${first}])`);
      else if (name !== undefined) this.layerNames.set(name, index);
      ok &&= name !== undefined && first === undefined;
    }
    const op = f.has('op') ? this.field(e('op').value, `${path}.op`, oneOf(LAYER_OP_NAMES, 'op')) : undefined;
    const repeat = f.has('repeat') ? this.field(e('repeat').value, `${path}.repeat`, positiveInt(MAX_REPEAT)) : { values: [1], choice: false };
    const connection = f.has('connection') ? this.field(e('connection').value, `${path}.connection`, oneOf(CONNECTIONS, 'connection')) : connections;
    const params: { [P in OpParam]?: Field<Choice> } = {};
    for (const p of OP_PARAM_NAMES) {
      if (!f.has(p)) continue;
      if (op && !op.values.some((o) => OP_PARAMS[o].includes(p))) {
        ok = false;
        const takes = (o: OpName) => (OP_PARAMS[o].length ? `it accepts ${OP_PARAMS[o].join(', ')}` : 'it accepts no params');
        const only = op.values[0] as OpName;
        this.report(e(p).key, `${path}.${p}`, op.values.length === 1
          ? `op ${only} does not accept '${p}' (${takes(only)})`
          : `none of the ops ${op.values.join(', ')} accepts '${p}'`);
        continue;
      }
      const v = this.field(e(p).value, `${path}.${p}`, PARAM_CHECKS[p]);
      if (v) params[p] = v;
      else ok = false;
    }
    if (!ok || name === undefined || !op || !repeat || !connection) return undefined;
    return { name, op, repeat, connection, params };
  }

  private layerName(f: Map<string, Entry>, path: string, index: number): string | undefined {
    const e = f.get('name') as Entry;
    const name = this.name(e.value, `${path}.name`, LAYER_NAME, "a letter or '_', then letters, digits, '_' and '-'");
    const first = name === undefined ? undefined : this.layerNames.get(name);
    if (first !== undefined) this.report(e.value, `${path}.name`, `duplicate layer name '${name}' (first used by layers[${first}])`);
    else if (name !== undefined) this.layerNames.set(name, index);
    return first === undefined ? name : undefined;
  }

  /** `{ name, block: NAME | [NAMES], repeat? }`: saved blocks, whose layers are fixed. */
  private blockLayer(map: YAMLMap, f: Map<string, Entry>, path: string, index: number): LayerSpec | undefined {
    let ok = this.required(map, f, path, ['name']);
    for (const [k, e] of f) {
      if (k === 'name' || k === 'block' || k === 'repeat') continue;
      this.report(e.key, `${path}.${k}`, `a block layer takes only name, block and repeat (the saved block fixes its layers' ${k === 'op' ? 'ops' : k})`);
      ok = false;
    }
    const name = f.has('name') ? this.layerName(f, path, index) : undefined;
    const block = this.field((f.get('block') as Entry).value, `${path}.block`, this.blockCheck);
    const repeat = f.has('repeat') ? this.field((f.get('repeat') as Entry).value, `${path}.repeat`, positiveInt(MAX_REPEAT)) : { values: [1], choice: false };
    if (!ok || name === undefined || !block || !repeat) return undefined;
    const first = this.used[block.values[0] as string]?.[0];
    return { name, op: { values: [first?.op ?? 'Identity'], choice: false }, repeat, connection: { values: ['sequential'], choice: false }, params: {}, block };
  }
}
