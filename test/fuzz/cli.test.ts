/**
 * Property-based fuzzing of the command line, in process (`main(argv, io)`, the entry bin/frontier.js
 * calls): random argv for search (table-driven or the NAS-Bench-201 replay, with a small evaluation
 * budget, so a run takes milliseconds; training flags are parsed but not trained), space count, show,
 * pareto, export, resume and runs, from pools of valid and hostile values plus arbitrary tokens.
 * Invariant: an exit code (0, 1, 2 or 130), and on failure a `frontier: …` reason on one line (space
 * documents: one line per problem, each naming line and column); never an exception out of main, a
 * stack trace, or a hang. serve, devices and device are left out (they open sockets and talk to adb).
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../../main/cli/io.js';
import { main } from '../../main/cli/main.js';
import { ROOT, tempDir } from '../cli-helpers.js';
import { FUZZ_SEED, fuzzRuns, fuzzTimeout, HANG_MS, LEAK, report, tally, type Tally } from './inputs-fuzz.js';

const dir = tempDir('frontier-cli-fuzz-');
const db = join(dir, 'f.db');

function captureIO(): CliIO & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    out(t: string) {
      io.stdout += t;
    },
    err(t: string) {
      io.stderr += t;
    },
    isTTY: false,
    columns: 100,
    env: { ...process.env, FRONTIER_DB: db, FRONTIER_CLI: 'source' },
    cwd: dir,
  };
  return io;
}

beforeAll(async () => {
  const accuracy = readFileSync(join(ROOT, 'resources/nb201/accuracy.csv'), 'utf8').split('\n');
  writeFileSync(join(dir, 'nb.csv'), accuracy.slice(0, 60).join('\n') + '\n');
  writeFileSync(join(dir, 'dup.csv'), [...accuracy.slice(0, 4), accuracy[2]].join('\n') + '\n');
  writeFileSync(join(dir, 'nan.csv'), 'arch_str,acc\n' + accuracy.slice(1, 5).map((l, i) => `${l.split(',')[1]},${i === 2 ? 'NaN' : i}`).join('\n') + '\n');
  writeFileSync(join(dir, 'junk.csv'), 'not,a\ntable\n');
  writeFileSync(join(dir, 'lat.csv'), 'index,lat_ms\n' + Array.from({ length: 59 }, (_, i) => `${i},${(i % 7) + 1}`).join('\n') + '\n');
  copyFileSync(join(ROOT, 'resources/spaces/tiny-cnn.yaml'), join(dir, 'tiny.yaml'));
  copyFileSync(join(ROOT, 'resources/spaces/resnet-like.json'), join(dir, 'resnet.json'));
  writeFileSync(join(dir, 'bad.yaml'), 'name: x\nlayers:\n  - {name: a, op: Conv9, kernel: [3, 3]}\n  - {nme: b}\n');
  writeFileSync(join(dir, 'junk.db'), 'this is not sqlite '.repeat(50));
  mkdirSync(join(dir, 'adir'));
  // One finished study for show, pareto, export and resume.
  const io = captureIO();
  const code = await main(['search', '--space', 'nb201', '--budget-evals', '5', '--seed', '1'], io);
  if (code !== 0) throw new Error(`setup search failed: ${io.stderr}`);
});

// ------------------------------------------------------------------------------------------------
// Value pools: valid values, near misses and hostile ones.
// ------------------------------------------------------------------------------------------------

const junk = fc.oneof(
  fc.constantFrom('', ' ', '-', '--', '---', '-x', '--x', '--=', '=', '-5', '1e999', 'NaN', '\n', 'a\rb', '\u0000', '😀', '--help', '-h', '--version', 'x'.repeat(300)),
  fc.string({ maxLength: 12 }),
);
const number = fc.oneof(fc.constantFrom('0', '1', '2', '-1', '1.5', '1e3', '1e9', '1e999', 'Infinity', 'NaN', '0x10', '', ' 3', '3 ', '9007199254740993', '4294967296'), junk);
const small = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('1', '2', '3', '5') }, { weight: 1, arbitrary: number });
const pools: Record<string, fc.Arbitrary<string>> = {
  '--strategy': fc.oneof(fc.constantFrom('random', 'evolution', 'reinforce', 'local', 'genetic', 'toString', '__proto__', 'constructor', ''), junk),
  '--option': fc.oneof(
    fc.tuple(fc.constantFrom('population', 'populaton', 'tournament', 'crossover', 'lr', 'baselineDecay', 'entropy', 'window', '__proto__', 'constructor', ''), number).map(([k, v]) => `${k}=${v}`),
    junk,
  ),
  '--objective': fc.oneof(fc.constantFrom('c10_valid:max', 'c10_valid_12ep:max', 'hwnb_pixel3:min', 'c10_test:max', 'lat_ms:min', 'acc:max', 'top5:max', 'latency:emu:min', 'c10_valid', 'c10_valid:up', ':max', 'c10_valid:max:min'), junk),
  '--constraint': fc.oneof(fc.constantFrom('hwnb_pixel3 <= 5', 'c10_valid > 50', 'lat_ms < 3', 'params_c10 == 1', 'x <= y', '<= 5', 'c10_valid >> 5', 'c10_valid <= 1e999', 'c10_valid <= NaN'), junk),
  '--report': fc.oneof(fc.constantFrom('c10_test', 'c100_test', 'lat_ms', 'nope', 'index', 'arch_str'), junk),
  '--budget-seconds': number,
  '--budget-wall': fc.oneof(fc.constantFrom('90s', '10m', '1h30m', '1.5h', '0', '0s', '10 minutes', '5x', '1e999', 'ms', '99999999999999999999d'), junk),
  '--cost': fc.oneof(fc.constantFrom('train_time_200ep_c10valid*0.06', 'c10_valid', '3', '0', 'nope*2', '*', 'a*1e999'), junk),
  '--pace': fc.oneof(fc.constantFrom('0', '1e-9', '-1', '1e9', '3601', 'NaN', ''), junk),
  '--seed': number,
  '--concurrency': number,
  '--name': fc.oneof(fc.constantFrom('run', ''), junk),
  '--known-table': fc.constantFrom('lat.csv', 'nb.csv', 'nope.csv', 'adir', 'junk.csv', 'nan.csv', ''),
  '--backend': fc.oneof(fc.constantFrom('wasm', 'cpu', 'tensorflow', 'webgpu', 'cuda'), junk),
  '--workers': number,
  '--epochs': number,
  '--patience': number,
  '--max-train': number,
  '--val': number,
  '--batch-size': number,
  '--lr': number,
  '--latency-on': fc.oneof(fc.constantFrom('wasm,cpu', 'wasm,,cpu', 'gpu'), junk),
};
const booleans = ['--json', '--no-latency', '--augment'];

/** `--flag value` or `--flag=value`, and now and then the flag without its value. */
const flagPair = fc.constantFrom(...Object.keys(pools)).chain((f) =>
  fc.tuple(pools[f] as fc.Arbitrary<string>, fc.constantFrom('space', 'equals', 'space', 'bare')).map(([v, how]) => (how === 'space' ? [f, v] : how === 'equals' ? [`${f}=${v}`] : [f])),
);
const extra = fc.array(fc.oneof({ weight: 6, arbitrary: flagPair }, { weight: 1, arbitrary: fc.constantFrom(...booleans).map((b) => [b]) }, { weight: 1, arbitrary: junk.map((j) => [j]) }), { maxLength: 6 }).map((xs) => xs.flat());

/** Search argv whose evaluator is a table (never training): the nb201 replay or `--table`. */
const searchArgv = fc.tuple(
  fc.oneof(
    // The replay joins the full NAS-Bench-201 tables (~0.4 s a run): less often than small tables.
    { weight: 1, arbitrary: fc.constant(['--space', 'nb201']) },
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom('nb.csv', 'dup.csv', 'nan.csv', 'junk.csv', 'nope.csv', 'adir', 'lat.csv'), fc.option(fc.constantFrom('nb201', 'mobilenet', 'tiny.yaml', 'resnet.json', 'bad.yaml', 'nope.yaml', 'adir', 'x.json', 'resnet'))).map(([t, s]) => ['--table', t, ...(s ? ['--space', s] : [])]) },
  ),
  small,
  extra,
).map(([evaluator, evals, rest]) => ['search', ...evaluator, '--budget-evals', evals, ...rest]);

const id = fc.oneof(fc.constantFrom('1', '2', '999', '0', '-1', 'abc', '1e3', '01', ' 1'), junk);
const otherArgv = fc.oneof(
  fc.tuple(fc.constantFrom('nb201', 'mobilenet', 'tiny.yaml', 'resnet.json', 'bad.yaml', 'nope.yaml', 'adir', 'junk.csv', 'resnet', ''), fc.subarray(['--unique', '--json']), fc.option(junk)).map(([s, f, j]) => ['space', 'count', s, ...f, ...(j === null ? [] : [j])]),
  fc.tuple(fc.constantFrom('count', 'list', ''), junk).map(([v, j]) => ['space', v, j]),
  fc.tuple(fc.constantFrom('show', 'pareto', 'resume'), id, fc.subarray(['--json'])).map(([c, i, f]) => [c, i, ...f]),
  fc.tuple(id, fc.constantFrom('csv', 'json', 'xml', '', 'CSV'), fc.option(fc.constantFrom('out.csv', 'adir', 'nodir/x.csv', ''))).map(([i, f, o]) => ['export', i, '--format', f, ...(o === null ? [] : ['--out', o])]),
  fc.tuple(fc.constantFrom('runs', 'show', 'export', 'pareto'), fc.constantFrom('f.db', 'junk.db', 'adir', 'nodir/x.db')).map(([c, d]) => [c, ...(c === 'runs' ? [] : ['1']), '--db', d]),
  fc.constantFrom<string[]>(['runs'], ['runs', '--json'], ['--version'], ['help'], ['serach'], [], ['runs', 'extra']),
  // Not search: with no flags it trains for minutes (search is fuzzed above, with a budget).
  fc.tuple(fc.constantFrom('space', 'show', 'runs', 'export', 'pareto', 'resume'), fc.array(junk, { maxLength: 4 })).map(([c, j]) => [c, ...j]),
);

// ------------------------------------------------------------------------------------------------

const PROBLEM_LINE = /^(?:frontier: )?[^\s:][^:]*:\d+:\d+: \S/;

/** Runs one argv in process; a crash or an unreadable failure throws, so fast-check shrinks it. */
async function runOne(t: Tally, argv: string[]): Promise<void> {
  t.inputs++;
  const io = captureIO();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'hang'>((res) => (timer = setTimeout(() => res('hang'), HANG_MS * 3)));
  let code: number | 'hang';
  try {
    code = await Promise.race([main(argv, io), hang]);
  } catch (e) {
    t.crashes++;
    throw new Error(`main threw for ${JSON.stringify(argv)}: ${(e as Error).stack}`, { cause: e });
  } finally {
    clearTimeout(timer);
  }
  if (code === 'hang') {
    t.hangs++;
    throw new Error(`no answer after ${HANG_MS * 3} ms: ${JSON.stringify(argv)}`);
  }
  const show = () => `${JSON.stringify(argv)} → ${code}\n${io.stderr}`;
  if (LEAK.test(io.stderr) || LEAK.test(io.stdout)) {
    t.stackTraces++;
    throw new Error(`stack trace: ${show()}`);
  }
  if (![0, 1, 2, 130].includes(code)) {
    t.crashes++;
    throw new Error(`exit code: ${show()}`);
  }
  if (code === 0) {
    t.accepted++;
    return;
  }
  t.refused++;
  const lines = io.stderr.trimEnd().split('\n');
  const last = lines.at(-1) ?? '';
  if (code === 2) {
    // Nothing ran: the reason alone, on one line, or one line per problem of a space document.
    const ok = lines.length === 1 ? last.startsWith('frontier: ') : lines[0]?.startsWith('frontier: ') && lines.every((l) => PROBLEM_LINE.test(l)) && lines.length <= 22;
    if (!ok) {
      t.crashes++;
      throw new Error(`not a one-line reason: ${show()}`);
    }
  } else if (!io.stderr.split('\n').some((l) => l.startsWith('frontier: '))) {
    t.crashes++;
    throw new Error(`failure without a reason: ${show()}`);
  }
}

const tallies: Tally[] = [];
afterAll(() => tallies.forEach(report));

describe('fuzz: command line, in process', () => {
  const searchRuns = fuzzRuns(40);
  it(`frontier search with random flags (${searchRuns} command lines)`, async () => {
    const t = tally('CLI: search flags');
    tallies.push(t);
    await fc.assert(fc.asyncProperty(searchArgv, (argv) => runOne(t, argv)), { seed: FUZZ_SEED + 20, numRuns: searchRuns });
    expect(t.crashes + t.hangs + t.stackTraces, JSON.stringify(t)).toBe(0);
    expect(t.accepted, JSON.stringify(t)).toBeGreaterThan(0);
  }, fuzzTimeout(searchRuns, 500));

  const runs = fuzzRuns(300);
  it(`space count, show, pareto, export, resume, runs and unknown commands (${runs} command lines)`, async () => {
    const t = tally('CLI: other commands');
    tallies.push(t);
    await fc.assert(fc.asyncProperty(otherArgv, (argv) => runOne(t, argv)), { seed: FUZZ_SEED + 21, numRuns: runs });
    expect(t.crashes + t.hangs + t.stackTraces, JSON.stringify(t)).toBe(0);
    expect(t.accepted, JSON.stringify(t)).toBeGreaterThan(0);
  }, fuzzTimeout(runs, 200));
});
