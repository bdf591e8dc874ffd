import path, { extname, resolve } from 'node:path';
import { errorMessage } from '../../shared/errors.js';
import type { StudySpec } from '../../shared/types/index.js';
import type { SearchSpace } from '../core/search-space.js';
import { createSpace } from '../core/spaces.js';
import type { BlockDef, BlockLibrary } from '../core/spaces/blocks.js';
import { checkSpaceDocument } from '../core/spaces/space-schema.js';
import { loadBlockLibrary } from '../services/blocks.js';
import { readUserText, USER_FILE_LIMITS } from '../services/user-file.js';
import { dbPath } from './common.js';
import { UsageError, type CliIO } from './io.js';

/**
 * A `--space` argument as a study stores it: a built-in name, or a .yaml/.json document whose text is
 * kept in the spec (so a stored study never depends on a file that may change), with the saved blocks
 * it includes. `db`: the --db given, if any (saved blocks are read from beside the database).
 */
export function spaceRef(name: string, io: CliIO, db?: string): Pick<StudySpec, 'space' | 'spaceOptions'> {
  if (!['.yaml', '.yml', '.json'].includes(extname(name).toLowerCase())) return { space: name };
  let document: string;
  try {
    document = readUserText(resolve(io.cwd, name), { what: 'space file', maxBytes: USER_FILE_LIMITS.spaceBytes });
  } catch (e) {
    throw new UsageError(errorMessage(e));
  }
  return { space: 'custom', spaceOptions: { document, source: name, ...usedBlocks(document, name, io, db) } };
}

/**
 * The saved blocks (spaces/blocks.ts) a document includes, from the library beside the database, to
 * keep with the study; an unknown one is an error naming it (with its line).
 */
function usedBlocks(document: string, source: string, io: CliIO, db: string | undefined): { blocks?: BlockLibrary } {
  if (!/\bblock\s*["']?\s*:/.test(document)) return {};
  const { library } = loadBlockLibrary(path.dirname(dbPath(io, db)));
  const used = checkSpaceDocument(document, source, library).blocks ?? {};
  const names = Object.keys(used);
  return names.length ? { blocks: Object.fromEntries(names.map((n) => [n, library[n] as BlockDef])) } : {};
}

export function loadSpace(name: string, io: CliIO): SearchSpace {
  const ref = spaceRef(name, io);
  return createSpace(ref.space, ref.spaceOptions ?? {});
}
