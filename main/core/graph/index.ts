import { NasError } from '../../../shared/errors.js';
import type { Architecture, ModelGraph } from '../../../shared/types/index.js';
import type { SearchSpace } from '../search-space.js';
import { CustomSpace } from '../spaces/custom.js';
import { KwsSpace } from '../spaces/kws.js';
import { MobilenetSpace } from '../spaces/mobilenet.js';
import { Nb201Space } from '../spaces/nb201.js';
import { ScaledSpace } from '../scaling/space.js';
import { TextSpace } from '../spaces/text.js';
import { customGraph } from './custom.js';
import { kwsGraph } from './kws.js';
import { mobilenetGraph, type MobilenetMacroOptions } from './mobilenet.js';
import { nb201Graph, type Nb201MacroOptions } from './nb201.js';
import { textGraph } from './text.js';

export { GraphBuilder, classifier, type Tensor } from './builder.js';
export { graphCost, type GraphCost } from './cost.js';
export { NB201_MACRO_DEFAULTS, type Nb201MacroOptions } from './nb201.js';
export type { MobilenetMacroOptions } from './mobilenet.js';

export interface GraphOptions {
  /** Input shape [H, W, C] of the data. */
  readonly input: readonly [number, number, number];
  readonly classes: number;
  /** NAS-Bench-201 macro skeleton (channels, cells per stage). */
  readonly nb201?: Partial<Nb201MacroOptions>;
  /** mobilenet macro skeleton (stem stride). */
  readonly mobilenet?: Partial<MobilenetMacroOptions>;
  /** Token vocabulary of text data (the text space's Embedding rows; see services/data/tokenizer.ts). */
  readonly vocab?: number;
}

/** Whether `buildGraph` can lower architectures of this space. */
export function canBuildGraph(space: SearchSpace): boolean {
  return space instanceof Nb201Space || space instanceof MobilenetSpace || space instanceof CustomSpace || space instanceof KwsSpace || space instanceof ScaledSpace || space instanceof TextSpace;
}

/** The model graph of an architecture of a built-in or user-defined space. Pure and deterministic. */
export function buildGraph(space: SearchSpace, arch: Architecture, o: GraphOptions): ModelGraph {
  if (!Number.isInteger(o.classes) || o.classes < 1) throw new NasError('invalid-input', `classes must be a positive integer, got ${o.classes}`);
  if (space instanceof Nb201Space) return nb201Graph(arch.sample, o.input, o.classes, o.nb201);
  if (space instanceof MobilenetSpace) return mobilenetGraph(space, arch.sample, o.input, o.classes, o.mobilenet);
  if (space instanceof CustomSpace) return customGraph(space, arch.sample, o.input, o.classes);
  // A scaled model's input is the data's shape times its resolution multiplier (the data is resized first).
  if (space instanceof ScaledSpace) return space.graph(arch.sample, o.input, o.classes, o.mobilenet);
  if (space instanceof KwsSpace) return kwsGraph(space, arch.sample, o.input, o.classes);
  if (space instanceof TextSpace) return textGraph(space, arch.sample, o.input, o.classes, o.vocab);
  throw new NasError('invalid-input', `no model builder for space ${space.id}`);
}
