/**
 * The reusable block library (issue #15): the concrete layers of a past search's trial (all of them,
 * or some of its layers), saved by name, that a space document includes with a layer
 * `{ name: body, block: NAME }` (fixed) or `{ name: body, block: [A, B] }` (a decision between saved
 * blocks). A study keeps the blocks its document uses in `spaceOptions.blocks`, so it never depends
 * on a library that may change; services/blocks.ts keeps the library on disk.
 */
import { NasError } from '../../../shared/errors.js';
import { ACTIVATIONS, CONNECTIONS, OP_PARAM_TYPES, OP_PARAMS, isLayerOpName, type Connection, type OpAttrs, type OpName, type OpParam } from '../../../shared/ops.js';
import type { Sample } from '../../../shared/types/index.js';
import { MOBILENET_STEM } from '../graph/mobilenet.js';
import type { SearchSpace } from '../search-space.js';
import { quoteText } from '../text.js';
import { CustomSpace } from './custom.js';
import { MobilenetSpace } from './mobilenet.js';

export const BLOCK_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/** One fixed layer of a block. */
export interface BlockLayer {
  readonly op: OpName;
  readonly params: OpAttrs;
  readonly connection: Connection;
}

export interface BlockDef {
  readonly name: string;
  readonly layers: readonly BlockLayer[];
  /** Where it came from (study, trial, architecture, layers taken, metrics), for `frontier blocks list`. */
  readonly source?: Readonly<Record<string, unknown>>;
  readonly createdAt?: number;
}

/** Saved blocks by name. */
export type BlockLibrary = Readonly<Record<string, BlockDef>>;

/** Why a block name is not acceptable, or undefined. */
export function blockNameProblem(name: string): string | undefined {
  return BLOCK_NAME.test(name) ? undefined : `invalid block name ${quoteText(name)} (a letter or '_', then up to 63 letters, digits, '_' and '-')`;
}

/**
 * A block of a trial: its concrete layers, or only those of the layers named in `only` (in the space's
 * order; throws naming an unknown one). A space document's layers (inactive copies left out), or a
 * mobilenet network's: `stem` (3×3 Conv2D, ReLU6, stride `stemStride`) and stages `s1` … as MBConv
 * layers, so a document including the whole block builds the mobilenet trial's graph.
 */
export function blockFromTrial(space: SearchSpace, sample: Sample, only?: readonly string[], o: { stemStride?: number } = {}): BlockLayer[] {
  let all: { layer: string; block: BlockLayer }[];
  let names: string[];
  if (space instanceof CustomSpace) {
    names = space.spec.layers.map((l) => l.name);
    all = space.layers(sample).map((l) => ({ layer: l.layer, block: { op: l.op, params: { ...l.params }, connection: l.connection } }));
  } else if (space instanceof MobilenetSpace) {
    const stages = space.stages(sample);
    names = ['stem', ...stages.map((_, i) => `s${i + 1}`)];
    all = [
      { layer: 'stem', block: { op: 'Conv2D', params: { kernel: 3, stride: o.stemStride ?? 1, filters: MOBILENET_STEM, activation: 'relu6' }, connection: 'sequential' } },
      ...stages.flatMap((st, i) =>
        st.blocks.map((b, j) => ({
          layer: `s${i + 1}`,
          block: { op: 'MBConv' as const, params: { kernel: b.kernel, stride: j === 0 ? st.stride : 1, filters: st.channels, expansion: b.expansion, se: b.se }, connection: 'sequential' as const },
        })),
      ),
    ];
  } else {
    throw new NasError('invalid-input', `blocks are saved from searches of a space document or of mobilenet, whose layers a document can include; the ${space.id} space has no such layers`);
  }
  for (const n of only ?? []) {
    if (!names.includes(n)) throw new NasError('invalid-input', `the ${space.id} space has no layer '${n}' (its layers: ${names.join(', ')})`);
  }
  const layers = all.filter((l) => !only || only.includes(l.layer)).map((l) => l.block);
  if (layers.length === 0) throw new NasError('invalid-input', `the chosen layers of this architecture are all inactive: nothing to save`);
  return layers;
}

function paramProblem(p: OpParam, v: unknown): string | undefined {
  switch (OP_PARAM_TYPES[p]) {
    case 'positive-int':
      return typeof v === 'number' && Number.isInteger(v) && v >= 1 ? undefined : `${p} must be a positive integer, got ${JSON.stringify(v)}`;
    case 'positive-number':
      return typeof v === 'number' && Number.isFinite(v) && v > 0 ? undefined : `${p} must be a positive number, got ${JSON.stringify(v)}`;
    case 'boolean':
      return typeof v === 'boolean' ? undefined : `${p} must be true or false, got ${JSON.stringify(v)}`;
    case 'activation':
      return (ACTIVATIONS as readonly unknown[]).includes(v) ? undefined : `${p} must be one of ${ACTIVATIONS.join(', ')}, got ${JSON.stringify(v)}`;
  }
}

/** A block read from a file or a stored study, checked; throws NasError('invalid-space') naming the problem. */
export function checkBlockDef(raw: unknown, where: string): BlockDef {
  const bad = (why: string) => new NasError('invalid-space', `${where}: ${why}`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('expected a block (an object with name and layers)');
  const r = raw as Record<string, unknown>;
  if (typeof r.name !== 'string' || blockNameProblem(r.name)) throw bad(typeof r.name === 'string' ? (blockNameProblem(r.name) as string) : 'the block has no name');
  if (!Array.isArray(r.layers) || r.layers.length === 0) throw bad('a block needs a non-empty list of layers');
  const layers = r.layers.map((l: unknown, i: number): BlockLayer => {
    const at = `layer ${i + 1}`;
    if (typeof l !== 'object' || l === null) throw bad(`${at} is not an object`);
    const { op, params, connection } = l as Record<string, unknown>;
    if (!isLayerOpName(op)) throw bad(`${at}: unknown op ${JSON.stringify(op)}`);
    if (!(CONNECTIONS as readonly unknown[]).includes(connection)) throw bad(`${at}: connection must be one of ${CONNECTIONS.join(', ')}, got ${JSON.stringify(connection)}`);
    if (typeof params !== 'object' || params === null || Array.isArray(params)) throw bad(`${at}: params must be an object`);
    for (const [k, v] of Object.entries(params)) {
      if (!(OP_PARAMS[op] as readonly string[]).includes(k)) throw bad(`${at}: op ${op} does not accept '${k}'`);
      const p = paramProblem(k as OpParam, v);
      if (p) throw bad(`${at}: ${p}`);
    }
    return { op, params: { ...(params as OpAttrs) }, connection: connection as Connection };
  });
  return {
    name: r.name, layers,
    ...(r.source && typeof r.source === 'object' ? { source: r.source as Record<string, unknown> } : {}),
    ...(typeof r.createdAt === 'number' ? { createdAt: r.createdAt } : {}),
  };
}

/** A library as stored in a study's spaceOptions.blocks (or anything else), checked block by block. */
export function readBlockLibrary(raw: unknown, where = 'spaceOptions.blocks'): BlockLibrary {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new NasError('invalid-space', `${where} must map block names to blocks`);
  const out: Record<string, BlockDef> = {};
  for (const [name, def] of Object.entries(raw)) {
    const b = checkBlockDef(def, `${where}.${name}`);
    if (b.name !== name) throw new NasError('invalid-space', `${where}.${name}: the block is named '${b.name}'`);
    out[name] = b;
  }
  return out;
}

/** `Conv2D(k3,f32)@skip` lines of a block, for listings. */
export function describeBlock(b: BlockDef): string {
  return b.layers
    .map((l) => {
      const ps = Object.entries(l.params).map(([k, v]) => (v === true ? k : `${k}=${String(v)}`));
      return `${l.op}${ps.length ? `(${ps.join(', ')})` : ''}${l.connection !== 'sequential' ? `@${l.connection}` : ''}`;
    })
    .join(' > ');
}
