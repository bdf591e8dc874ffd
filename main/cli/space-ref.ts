import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { errorMessage } from '../../shared/errors.js';
import type { StudySpec } from '../../shared/types/index.js';
import type { SearchSpace } from '../core/search-space.js';
import { createSpace } from '../core/spaces.js';
import { UsageError, type CliIO } from './io.js';

/**
 * A `--space` argument as a study stores it: a built-in name, or a .yaml/.json document whose text is
 * kept in the spec (so a stored study never depends on a file that may change).
 */
export function spaceRef(name: string, io: CliIO): Pick<StudySpec, 'space' | 'spaceOptions'> {
  if (!['.yaml', '.yml', '.json'].includes(extname(name).toLowerCase())) return { space: name };
  let document: string;
  try {
    document = readFileSync(resolve(io.cwd, name), 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read space file ${name}: ${errorMessage(e)}`);
  }
  return { space: 'custom', spaceOptions: { document, source: name } };
}

export function loadSpace(name: string, io: CliIO): SearchSpace {
  const ref = spaceRef(name, io);
  return createSpace(ref.space, ref.spaceOptions ?? {});
}
