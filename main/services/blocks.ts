/**
 * The block library on disk: one JSON file per saved block in `<data folder>/blocks/` (beside the
 * database), written atomically (a temporary file renamed into place), so a crash never leaves half
 * a block and two processes saving different blocks never clash.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { errorMessage, NasError } from '../../shared/errors.js';
import { blockNameProblem, checkBlockDef, type BlockDef, type BlockLibrary } from '../core/spaces/blocks.js';

export function blocksDir(dataDir: string): string {
  return path.join(dataDir, 'blocks');
}

export interface LoadedLibrary {
  readonly library: BlockLibrary;
  /** Files that could not be read as blocks, with the reason. */
  readonly damaged: readonly { readonly file: string; readonly error: string }[];
}

/** Every saved block (none when the folder does not exist); unreadable files are listed apart. */
export function loadBlockLibrary(dataDir: string): LoadedLibrary {
  const dir = blocksDir(dataDir);
  if (!existsSync(dir)) return { library: {}, damaged: [] };
  const library: Record<string, BlockDef> = {};
  const damaged: { file: string; error: string }[] = [];
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const file = path.join(dir, name);
    try {
      const def = checkBlockDef(JSON.parse(readFileSync(file, 'utf8')), file);
      if (`${def.name}.json` !== name) throw new Error(`${file}: the block inside is named '${def.name}'`);
      library[def.name] = def;
    } catch (e) {
      damaged.push({ file, error: errorMessage(e) });
    }
  }
  return { library, damaged };
}

/** Saves a block; an existing one of the same name is replaced only with `replace`. Returns the file. */
export function saveBlock(dataDir: string, def: BlockDef, o: { replace?: boolean } = {}): string {
  const problem = blockNameProblem(def.name);
  if (problem) throw new NasError('invalid-input', problem);
  checkBlockDef(def, `block '${def.name}'`);
  const dir = blocksDir(dataDir);
  const file = path.join(dir, `${def.name}.json`);
  if (existsSync(file) && !o.replace) throw new NasError('invalid-input', `a block named '${def.name}' is already saved (${file}): choose another name, or give --force to replace it`);
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(def, null, 2) + '\n');
    renameSync(tmp, file);
  } catch (e) {
    throw new NasError('invalid-input', `cannot save block '${def.name}' in ${dir}: ${errorMessage(e)}`);
  }
  return file;
}
