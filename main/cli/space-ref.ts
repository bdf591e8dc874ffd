import { extname, resolve } from 'node:path';
import { errorMessage } from '../../shared/errors.js';
import type { StudySpec } from '../../shared/types/index.js';
import type { SearchSpace } from '../core/search-space.js';
import { createSpace } from '../core/spaces.js';
import { readUserText, USER_FILE_LIMITS } from '../services/user-file.js';
import { UsageError, type CliIO } from './io.js';

/**
 * A `--space` argument as a study stores it: a built-in name, or a .yaml/.json document whose text is
 * kept in the spec (so a stored study never depends on a file that may change).
 */
export function spaceRef(name: string, io: CliIO): Pick<StudySpec, 'space' | 'spaceOptions'> {
  if (!['.yaml', '.yml', '.json'].includes(extname(name).toLowerCase())) return { space: name };
  let document: string;
  try {
    document = readUserText(resolve(io.cwd, name), { what: 'space file', maxBytes: USER_FILE_LIMITS.spaceBytes });
  } catch (e) {
    throw new UsageError(errorMessage(e));
  }
  return { space: 'custom', spaceOptions: { document, source: name } };
}

export function loadSpace(name: string, io: CliIO): SearchSpace {
  const ref = spaceRef(name, io);
  return createSpace(ref.space, ref.spaceOptions ?? {});
}
