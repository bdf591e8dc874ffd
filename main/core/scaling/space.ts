import { NasError } from '../../../shared/errors.js';
import type { Architecture, Dimension, ModelGraph, Sample } from '../../../shared/types/index.js';
import type { MobilenetMacroOptions } from '../graph/mobilenet.js';
import { DimensionalSpace } from '../search-space.js';
import { readBlockLibrary } from '../spaces/blocks.js';
import { CustomSpace, parseSpaceDocument } from '../spaces/custom.js';
import { MobilenetSpace, type MobilenetOptions } from '../spaces/mobilenet.js';
import { MULTIPLIER_MAX, MULTIPLIER_MIN, MULTIPLIER_STEP, type Multipliers } from './compound.js';
import { scaledCustomGraph } from './custom-scaled.js';
import { scaledMobilenetGraph } from './mobilenet-scaled.js';

/** The spaces whose architectures can be scaled (a space document scales in width and resolution only). */
export type ScalableSpace = 'mobilenet' | 'custom';

/** Options of a `scaled` space: the one architecture it scales, and the channel rounding. */
export interface ScaledSpaceOptions {
  readonly base: { readonly space: ScalableSpace; readonly spaceOptions?: Readonly<Record<string, unknown>>; readonly key: string };
  /** Channels are rounded to multiples of this (EfficientNet: 8; 4 for small networks). */
  readonly divisor?: number;
}

const MULTIPLIERS: readonly number[] = Array.from({ length: Math.round((MULTIPLIER_MAX - MULTIPLIER_MIN) / MULTIPLIER_STEP) + 1 }, (_, i) => Number((MULTIPLIER_MIN + i * MULTIPLIER_STEP).toFixed(2)));

/** The input shape [H, W, C] of data resized by resolution multiplier r: ⌊H·r⌉ × ⌊W·r⌉ (at least 1). */
export function scaledInput(input: readonly [number, number, number], r: number): [number, number, number] {
  return [Math.max(1, Math.round(input[0] * r)), Math.max(1, Math.round(input[1] * r)), input[2]];
}

/** The base space of a scaling (as the space registry builds it: a document with its saved blocks). */
function baseSpace(space: string, options: Readonly<Record<string, unknown>>): MobilenetSpace | CustomSpace {
  if (space === 'mobilenet') return new MobilenetSpace(options as Partial<MobilenetOptions>);
  const { document, source, blocks } = options as { document?: unknown; source?: unknown; blocks?: unknown };
  if (typeof document !== 'string') throw new NasError('invalid-space', 'a scaled space of a space document needs the document text');
  return parseSpaceDocument(document, typeof source === 'string' ? source : 'space', readBlockLibrary(blocks));
}

/**
 * Compound scalings of one architecture (the base, a mobilenet or space-document trial): three decisions, the depth,
 * width and resolution multipliers (0.25..4 by 0.01). A study of this space holds the scaled models
 * of `frontier scale`. Key: the base key, then ` @d<depth>,w<width>,r<resolution>`, e.g.
 * `w1:k3e6/w0.5:k5e3 @d1.2,w1.1,r1.15`. Its model graphs take inputs of the data's shape times r
 * (see `graph`): the data is resized to that before training. A space document's architecture has
 * no stages to deepen: its depth multiplier must stay 1.
 */
export class ScaledSpace extends DimensionalSpace {
  readonly id = 'scaled';
  readonly title: string;
  readonly base: MobilenetSpace | CustomSpace;
  readonly baseSample: Sample;
  readonly baseKey: string;
  readonly divisor: number;

  constructor(options: Readonly<Record<string, unknown>>) {
    const o = options as Partial<ScaledSpaceOptions>;
    const b = o.base;
    if (!b || typeof b !== 'object' || typeof b.key !== 'string') throw new NasError('invalid-space', 'a scaled space needs its base architecture (base: { space, spaceOptions, key })');
    if (b.space !== 'mobilenet' && b.space !== 'custom') throw new NasError('invalid-space', `compound scaling needs a mobilenet or space-document architecture, not one of space ${String(b.space)}`);
    const divisor = o.divisor ?? 8;
    if (!Number.isInteger(divisor) || divisor < 1 || divisor > 64) throw new NasError('invalid-space', `scaled space: divisor must be an integer in 1..64, got ${String(divisor)}`);
    const dims: Dimension[] = ['depth', 'width', 'resolution'].map((name) => ({ name, choices: MULTIPLIERS }));
    super(dims);
    this.base = baseSpace(b.space, b.spaceOptions ?? {});
    this.baseSample = this.base.parse(b.key);
    this.baseKey = this.base.freeze(this.baseSample).key;
    this.divisor = divisor;
    this.title = `compound scalings of ${this.baseKey}`;
  }

  /** The multipliers of a sample. */
  multipliers(s: Sample): Multipliers {
    this.assertValid(s);
    return { depth: this.value(s, 0) as number, width: this.value(s, 1) as number, resolution: this.value(s, 2) as number };
  }

  /** The sample of the given multipliers (each must be one of the choices: 0.25..4 by 0.01). */
  sampleOf(m: Multipliers): Sample {
    return [m.depth, m.width, m.resolution].map((v, i) => {
      const c = MULTIPLIERS.findIndex((x) => Math.abs(x - v) < 1e-9);
      if (c < 0) throw new NasError('invalid-sample', `${(this.dims[i] as Dimension).name} multiplier ${v} is not one of 0.25..4 by 0.01`);
      return c;
    });
  }

  freeze(s: Sample): Architecture {
    const m = this.multipliers(s);
    return { space: this.id, key: `${this.baseKey} @d${m.depth},w${m.width},r${m.resolution}`, sample: this.canonical(s) };
  }

  parse(key: string): Sample {
    const m = /^(.*) @d([0-9.]+),w([0-9.]+),r([0-9.]+)$/.exec(key.trim());
    if (!m) throw new NasError('invalid-sample', `'${key}' is not a scaled architecture: expected '<base key> @d<depth>,w<width>,r<resolution>'`);
    const base = this.base.freeze(this.base.parse(m[1] as string)).key;
    if (base !== this.baseKey) throw new NasError('invalid-sample', `'${key}' scales ${base}, this space scales ${this.baseKey}`);
    return this.sampleOf({ depth: Number(m[2]), width: Number(m[3]), resolution: Number(m[4]) });
  }

  /** The scaled model for data of shape `input` (resized by the resolution multiplier first). */
  graph(s: Sample, input: readonly [number, number, number], classes: number, macro: Partial<MobilenetMacroOptions> = {}): ModelGraph {
    const m = this.multipliers(s);
    const sized = scaledInput(input, m.resolution);
    if (this.base instanceof MobilenetSpace) return scaledMobilenetGraph(this.base, this.baseSample, sized, classes, { depth: m.depth, width: m.width, divisor: this.divisor }, macro);
    if (m.depth !== 1) throw new NasError('invalid-sample', `${this.baseKey} is an architecture of a space document, which scales in width and resolution only: its depth multiplier must be 1, got ${m.depth}`);
    return scaledCustomGraph(this.base, this.baseSample, sized, classes, m.width, this.divisor);
  }
}
