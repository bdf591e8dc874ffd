import { invalidInput, NasError } from '../../shared/errors.js';
import type { SearchSpace } from './search-space.js';
import { readBlockLibrary } from './spaces/blocks.js';
import { parseSpaceDocument } from './spaces/custom.js';
import { ImportedSpace } from './spaces/imported.js';
import { KwsSpace, type KwsOptions } from './spaces/kws.js';
import { MobilenetSpace, type MobilenetOptions } from './spaces/mobilenet.js';
import { Nb201Space } from './spaces/nb201.js';
import { ScaledSpace } from './scaling/space.js';
import { TextSpace, type TextSpaceOptions } from './spaces/text.js';

export type SpaceFactory = (options: Readonly<Record<string, unknown>>) => SearchSpace;

/**
 * Every search space, registered in one explicit table. `custom` takes the document itself
 * (`{ document, source }`), so a stored study never depends on a file that may change.
 */
export const SPACES = {
  nb201: () => new Nb201Space(),
  mobilenet: (options) => new MobilenetSpace(options as Partial<MobilenetOptions>),
  // Keyword spotting over speech features [T, F, 1] (spaces/kws.ts).
  kws: (options) => new KwsSpace(options as Partial<KwsOptions>),
  // Text encoders over token ids [L, 1, 1] (spaces/text.ts).
  text: (options) => new TextSpace(options as Partial<TextSpaceOptions>),
  custom: (options) => {
    const { document, source, blocks } = options as { document?: unknown; source?: unknown; blocks?: unknown };
    if (typeof document !== 'string') throw new NasError('invalid-space', 'a custom space needs its document text');
    // The saved blocks the document includes travel with it (spaces/blocks.ts).
    return parseSpaceDocument(document, typeof source === 'string' ? source : 'space', readBlockLibrary(blocks));
  },
  // Trials imported from another tool (an Optuna study): its parameters, the values seen (spaces/imported.ts).
  imported: (options) => new ImportedSpace(options),
  // Compound scalings (depth, width, resolution) of one mobilenet architecture: `frontier scale` (scaling/space.ts).
  scaled: (options) => new ScaledSpace(options),
} satisfies Record<string, SpaceFactory>;

export function createSpace(name: string, options: Readonly<Record<string, unknown>> = {}): SearchSpace {
  const factory = (SPACES as Record<string, SpaceFactory>)[name];
  if (!factory) throw invalidInput(`unknown search space '${name}' (choose one of nb201, mobilenet, kws, text, or a .yaml/.json space file)`);
  return factory(options);
}
