import path from 'node:path';
import { blockFromTrial, blockNameProblem, describeBlock, type BlockDef } from '../../core/spaces/blocks.js';
import { CustomSpace } from '../../core/spaces/custom.js';
import { MobilenetSpace } from '../../core/spaces/mobilenet.js';
import { createSpace } from '../../core/spaces.js';
import { loadBlockLibrary, saveBlock } from '../../services/blocks.js';
import { flag, parse, str } from '../args.js';
import { DB_OPTION, dbPath, openStore, requireStudy } from '../common.js';
import { date, table } from '../format.js';
import { UsageError, type CliIO } from '../io.js';

export const BLOCKS_HELP = `Usage: frontier blocks save <study> --trial N --name NAME [--layers L1,L2] [--force] [--db PATH]
       frontier blocks list [--json] [--db PATH]

The reusable block library: the layers of a good architecture of a past search (of a space
document, or of mobilenet: its stem and stages s1, s2 … as MBConv layers), saved by name, for
space documents to include:

  layers:
    - name: body
      block: NAME          # the saved block's layers, fixed
    - name: cell
      block: [NAME, OTHER] # a decision between saved blocks

A search keeps the blocks its document includes, so later changes to the library do not change it.
Blocks are files in the blocks/ folder beside the database.

save options:
  --trial N           the trial whose architecture is saved (a complete one; see 'frontier show')
  --name NAME         the block's name (a letter or '_', then letters, digits, '_' and '-')
  --layers L1,L2      only these layers (a document's layer names; mobilenet: stem, s1, s2 …;
                      default: all of them)
  --force             replace a saved block of the same name
`;

function dataDir(io: CliIO, db: string | undefined): string {
  return path.dirname(dbPath(io, db));
}

export async function blocksCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parse('blocks', argv, { ...DB_OPTION, trial: { type: 'string' }, name: { type: 'string' }, layers: { type: 'string' }, force: { type: 'boolean' }, json: { type: 'boolean' } }, 2);
  if (flag(p, 'help')) {
    io.out(BLOCKS_HELP);
    return 0;
  }
  const [verb, study] = p.positionals;
  if (verb === 'list') return list(io, str(p, 'db'), flag(p, 'json'));
  if (verb !== 'save') throw new UsageError(verb ? `blocks: unknown subcommand '${verb}' (save or list)` : "blocks: which subcommand? save or list (see 'frontier blocks --help')");
  const trialText = str(p, 'trial');
  if (trialText === undefined) throw new UsageError('blocks save: give --trial N (the trial whose architecture is saved)');
  if (!/^\d{1,9}$/.test(trialText)) throw new UsageError(`blocks save: --trial must be a trial number, got '${trialText}'`);
  const name = str(p, 'name');
  if (!name) throw new UsageError('blocks save: give --name NAME');
  const bad = blockNameProblem(name);
  if (bad) throw new UsageError(`blocks save: ${bad}`);
  const only = str(p, 'layers')?.split(',').map((s) => s.trim()).filter(Boolean);
  const store = openStore(io, str(p, 'db'), { readonly: true });
  try {
    const rec = requireStudy(store, study, 'blocks save');
    const space = createSpace(rec.spec.space, rec.spec.spaceOptions ?? {});
    if (!(space instanceof CustomSpace) && !(space instanceof MobilenetSpace)) throw new UsageError(`blocks save: study ${rec.id} searched the ${space.id} space; blocks are saved from searches of a space document (.yaml/.json) or of mobilenet, whose layers another document can include`);
    const trial = store.getTrial(rec.id, Number(trialText));
    if (!trial) throw new UsageError(`blocks save: study ${rec.id} has no trial ${trialText}`);
    if (trial.state !== 'complete') throw new UsageError(`blocks save: trial ${trialText} of study ${rec.id} is ${trial.state}: only complete trials' blocks are saved`);
    // A mobilenet search's stem stride (its evaluator's macro setting) is part of its network.
    const stemStride = (rec.spec.evaluator as { mobilenet?: { stemStride?: number } }).mobilenet?.stemStride;
    const def: BlockDef = {
      name,
      layers: blockFromTrial(space, trial.sample, only, { stemStride }),
      source: { study: rec.id, studyName: rec.spec.name, trial: trial.number, space: space.id, architecture: trial.key, layers: only ?? 'all', metrics: trial.metrics },
      createdAt: Date.now(),
    };
    const file = saveBlock(dataDir(io, str(p, 'db')), def, { replace: flag(p, 'force') });
    io.out(`saved block ${name} (${def.layers.length} layer${def.layers.length === 1 ? '' : 's'}: ${describeBlock(def)}) from trial ${trial.number} of study ${rec.id} to ${file}\n`);
    return 0;
  } finally {
    store.close();
  }
}

function list(io: CliIO, db: string | undefined, json: boolean): number {
  const { library, damaged } = loadBlockLibrary(dataDir(io, db));
  const blocks = Object.values(library);
  if (json) {
    io.out(JSON.stringify({ blocks, damaged }, null, 2) + '\n');
    return 0;
  }
  for (const d of damaged) io.err(`frontier: warning: ${d.error}\n`);
  if (blocks.length === 0) {
    io.out("no saved blocks ('frontier blocks save <study> --trial N --name NAME' saves one)\n");
    return 0;
  }
  const src = (b: BlockDef) => (b.source ? `study ${String(b.source.study)} trial ${String(b.source.trial)}` : '');
  io.out(table(['name', 'layers', 'from', 'saved', 'block'], blocks.map((b) => [b.name, String(b.layers.length), src(b), date(b.createdAt), describeBlock(b)])));
  return 0;
}
