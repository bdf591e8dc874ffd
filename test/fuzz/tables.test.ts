/**
 * Property-based fuzzing of CSV tables (`--table`, `--known-table`) and cost expressions (`--cost`):
 * random tables from a grammar (key columns, numbers, NaN, blanks, quotes, wrong field counts,
 * duplicate keys, keys of the space and strangers), random edits of the NAS-Bench-201 table, and
 * arbitrary text, each parsed, joined, turned into a TableEvaluator and checked against the nb201
 * space. Invariant: a result, or a NasError with a one-line message naming the file (and line), the
 * column or the expression; never another exception, never a hang.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { NasError } from '../../shared/errors.js';
import { CancellationToken } from '../../main/core/cancellation.js';
import { Rng } from '../../main/core/rng.js';
import { Nb201Space } from '../../main/core/spaces/nb201.js';
import { checkTableCoverage, joinTables, parseCost, parseCsv, TableEvaluator } from '../../main/core/table.js';
import { classify, FUZZ_SEED, fuzzRuns, fuzzTimeout, report, tally, type Tally } from './inputs-fuzz.js';

const space = new Nb201Space();
const KEYS = Array.from({ length: 8 }, (_, i) => space.freeze(space.sample(new Rng(i))).key);
const NB201_HEAD = readFileSync(new URL('../../resources/nb201/accuracy.csv', import.meta.url), 'utf8').split('\n').slice(0, 25).join('\n');

/** One line, and it says where: the file, a column or the expression. */
function readable(e: NasError): string | undefined {
  if (/[\n\r\u2028\u2029]/.test(e.message)) return 'more than one line';
  if (e.message.length > 2000) return `${e.message.length} characters`;
  if (!/fuzz\d?\.csv|column '|cost '|architecture|table/.test(e.message)) return 'names neither file, column nor expression';
  return undefined;
}

const column = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('index', 'arch_str', 'acc', 'lat', 'cost', 'params') },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'a b', '"q"', 'x""y', 'acc ', '\t') },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);
const cell = fc.oneof(
  { weight: 5, arbitrary: fc.double({ noNaN: false }).map(String) },
  { weight: 3, arbitrary: fc.integer({ min: -5, max: 30 }).map(String) },
  { weight: 3, arbitrary: fc.constantFrom(...KEYS) },
  { weight: 2, arbitrary: fc.constantFrom('NaN', 'nan', 'inf', '-Infinity', '', ' ', '1e999', '0x1F', '1,5', '"1,5"', '"a ""b"""', '"open', 'n/a', '|none~0|') },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);
/** A table from the grammar: a header and rows of cells, sometimes with the wrong number of fields. */
const table = fc.tuple(fc.uniqueArray(column, { minLength: 1, maxLength: 5 }), fc.nat({ max: 25 }), fc.constantFrom('\n', '\r\n'), fc.boolean())
  .chain(([header, n, eol, ragged]) => fc.tuple(
    fc.constant(header),
    fc.array(fc.array(cell, ragged ? { minLength: 0, maxLength: header.length + 1 } : { minLength: header.length, maxLength: header.length }), { minLength: n, maxLength: n }),
    fc.constant(eol),
    fc.array(fc.nat({ max: 30 }), { maxLength: 2 }),
  ))
  .map(([header, rows, eol, blanks]) => {
    const lines = [header.join(','), ...rows.map((r) => r.join(','))];
    for (const b of blanks) lines.splice(1 + (b % lines.length), 0, '');
    return lines.join(eol) + eol;
  });

/** The NAS-Bench-201 table's first rows with a few random edits. */
const edited = fc.array(fc.record({ at: fc.nat(), cut: fc.nat({ max: 20 }), insert: fc.oneof(fc.constantFrom(',', '\n', '"', 'NaN', '', '\r', KEYS[0] as string), fc.string({ maxLength: 5 })) }), { minLength: 1, maxLength: 4 })
  .map((edits) => edits.reduce((text, e) => {
    const at = e.at % (text.length + 1);
    return text.slice(0, at) + e.insert + text.slice(at + e.cut);
  }, NB201_HEAD));

/** A well-formed table of nb201 keys (so that many inputs get through to the evaluator and the coverage check). */
const clean = fc.tuple(
  fc.uniqueArray(fc.constantFrom(...KEYS), { minLength: 1, maxLength: KEYS.length }),
  fc.boolean(),
  fc.array(fc.oneof(fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(String), fc.constant('')), { minLength: 2 * KEYS.length, maxLength: 2 * KEYS.length }),
).map(([keys, withIndex, cells]) => [
  withIndex ? 'index,arch_str,acc,lat' : 'arch_str,acc,lat',
  ...keys.map((k, i) => `${withIndex ? `${i},` : ''}${k},${cells[2 * i]},${cells[2 * i + 1]}`),
].join('\n') + '\n');

const text = fc.oneof({ weight: 6, arbitrary: table }, { weight: 3, arbitrary: edited }, { weight: 1, arbitrary: fc.string({ maxLength: 120 }) });
const cost = fc.oneof(fc.constantFrom('acc*2', 'lat', 'cost*0.5', '3', '0', 'train_time_200ep_c10valid*0.06', 'bad*', '*2', '1.2.3', 'a*1e999', ''), fc.string({ maxLength: 10 }));
const metricName = fc.oneof(column, fc.constantFrom('c10_valid', 'c10_valid_12ep', 'nope'));

const tallies: Tally[] = [];
afterAll(() => tallies.forEach(report));

describe('fuzz: CSV tables and cost expressions', () => {
  const runs = fuzzRuns(400);

  it(`tables parsed, joined, evaluated and checked against the space (${runs} pairs of tables)`, async () => {
    const t = tally('CSV tables');
    tallies.push(t);
    const wildCase = fc.tuple(text, fc.option(text), fc.uniqueArray(metricName, { maxLength: 3 }), fc.option(cost));
    const cleanCase = fc.tuple(clean, fc.constant(null), fc.uniqueArray(fc.constantFrom('acc', 'lat'), { maxLength: 2 }), fc.option(fc.constantFrom('acc*2', 'lat', '3', '0.5')));
    await fc.assert(fc.asyncProperty(fc.oneof(wildCase, cleanCase), async ([a, b, metrics, c]) => {
      const r = classify(t, () => {
        const tables = [parseCsv(a, 'fuzz.csv'), ...(b === null ? [] : [parseCsv(b, 'fuzz2.csv')])];
        const joined = joinTables(tables);
        const ev = new TableEvaluator(joined, { metrics, known: new Set(metrics.slice(0, 1)), ...(c === null ? {} : { cost: parseCost(c) }) });
        checkTableCoverage(joined, space);
        return { ev, joined };
      }, readable);
      if (r instanceof NasError) return;
      // Every architecture in the table answers; others are not-found.
      for (const key of [...r.joined.rows.keys()].slice(0, 3)) {
        let arch;
        try {
          arch = space.freeze(space.parse(key));
        } catch {
          continue;
        }
        r.ev.known(arch);
        r.ev.estimateCost(arch);
        if (arch.key === key) await r.ev.evaluate(arch, () => undefined, CancellationToken.None);
      }
    }), { seed: FUZZ_SEED + 10, numRuns: runs });
    expect(t.crashes + t.hangs + t.stackTraces, JSON.stringify(t)).toBe(0);
    expect(t.accepted, JSON.stringify(t)).toBeGreaterThan(runs / 20);
    expect(t.refused, JSON.stringify(t)).toBeGreaterThan(runs / 20);
  }, fuzzTimeout(runs));

  it('pathological tables: wide, long, blank, huge cells, every key twice', () => {
    const t = tally('CSV tables: pathological');
    tallies.push(t);
    const cols = (n: number) => Array.from({ length: n }, (_, i) => `c${i}`);
    const docs: [string, string][] = [
      ['50,000 columns', `arch_str,${cols(50_000).join(',')}\n${KEYS[0]},${cols(50_000).map((_, i) => i).join(',')}\n`],
      ['50,000 columns, no key', `${cols(50_000).join(',')}\n`],
      ['200,000 rows', `arch_str,acc\n${Array.from({ length: 200_000 }, (_, i) => `k${i},${i}`).join('\n')}\n`],
      ['200,000 rows by index', `index,arch_str,acc\n${Array.from({ length: 200_000 }, (_, i) => `${i},${KEYS[i % KEYS.length]}${i},${i}`).join('\n')}\n`],
      ['1,000,000 blank lines', `arch_str,acc\n${'\n'.repeat(1_000_000)}`],
      ['a 1 MB quoted cell', `arch_str,acc\n"${'x'.repeat(1_000_000)}",1\n`],
      ['a 1 MB header name', `arch_str,${'y'.repeat(1_000_000)}\n${KEYS[0]},1\n`],
      ['every key twice', `arch_str,acc\n${[...KEYS, ...KEYS].map((k, i) => `${k},${i}`).join('\n')}\n`],
      ['100,000 duplicate columns', `arch_str,${Array(100_000).fill('acc').join(',')}\n`],
    ];
    for (const [, text] of docs) {
      classify(t, () => {
        const j = joinTables([parseCsv(text, 'fuzz.csv')]);
        new TableEvaluator(j, { metrics: ['acc'], known: new Set(), cost: parseCost('acc*2') });
        return checkTableCoverage(j, space);
      }, readable);
    }
    expect(t.crashes + t.hangs + t.stackTraces, JSON.stringify(t)).toBe(0);
  }, 300_000);

  it(`cost expressions (${runs} strings)`, () => {
    const t = tally('cost expressions');
    tallies.push(t);
    fc.assert(fc.property(fc.oneof(cost, fc.string({ maxLength: 30 }), fc.stringMatching(/^[a-z_]{0,4}\s*\*?\s*[0-9.e+-]{0,8}$/)), (c) => {
      const r = classify(t, () => parseCost(c), readable);
      if (!(r instanceof NasError) && !Number.isFinite(r.factor)) throw new Error(`cost '${c}' has factor ${r.factor}`);
    }), { seed: FUZZ_SEED + 11, numRuns: runs });
    expect(t.crashes + t.hangs + t.stackTraces, JSON.stringify(t)).toBe(0);
  }, fuzzTimeout(runs));
});
