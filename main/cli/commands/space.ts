import { Nb201Space } from '../../core/spaces/nb201.js';
import { quoteText } from '../../core/text.js';
import { flag, parse } from '../args.js';
import { loadSpace } from '../space-ref.js';
import { UsageError, type CliIO } from '../io.js';

export const SPACE_HELP = `Usage: frontier space count <space> [--unique] [--json]

Prints the exact number of architectures of a space: nb201, mobilenet, kws, or a .yaml/.json space
document (validated; errors name the line). --unique counts nb201 cells up to isomorphism.
`;

export async function spaceCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parse('space', argv, { unique: { type: 'boolean' }, json: { type: 'boolean' } }, 2);
  if (flag(p, 'help')) {
    io.out(SPACE_HELP);
    return 0;
  }
  if (p.positionals.length === 0) throw new UsageError("space: which subcommand? try 'frontier space count nb201' (see 'frontier space --help')");
  const [verb, name] = p.positionals;
  if (verb !== 'count') throw new UsageError(`space: unknown subcommand ${quoteText(verb ?? '')} (try 'frontier space count nb201')`);
  if (!name) throw new UsageError('space count: which space? nb201, mobilenet, kws or a space file');
  const space = loadSpace(name, io);
  const count = space.count();
  let unique: number | undefined;
  if (flag(p, 'unique')) {
    if (!(space instanceof Nb201Space)) throw new UsageError('space count --unique is available for nb201 only');
    unique = space.countUnique();
  }
  if (flag(p, 'json')) {
    io.out(JSON.stringify({ space: space.id, count: count.toString(), decisions: space.dims.length, ...(unique !== undefined ? { unique } : {}) }) + '\n');
  } else {
    io.out(`${count.toString()}\n`);
    if (unique !== undefined) io.err(`${unique} distinct up to isomorphism\n`);
  }
  return 0;
}
