import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { NasError } from '../../shared/errors.js';
import type { Architecture } from '../../shared/types/index.js';
import { CancellationToken } from './cancellation.js';
import { Rng } from './rng.js';
import { Nb201Space } from './spaces/nb201.js';
import { MobilenetSpace } from './spaces/mobilenet.js';
import { checkTableCoverage, joinTables, parseCost, parseCsv, TableEvaluator, tableCoverage, type CsvTable, type JoinedTable } from './table.js';

function errorOf(f: () => unknown): NasError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(NasError);
    return e as NasError;
  }
  throw new Error('expected an error');
}

const nb201 = (name: string): CsvTable =>
  parseCsv(readFileSync(new URL(`../../resources/nb201/${name}`, import.meta.url), 'utf8'), `resources/nb201/${name}`);

describe('parseCsv', () => {
  it('reads header and rows, trims cells, skips blank lines, handles CRLF and quotes', () => {
    const t = parseCsv('a, b ,c\r\n1,"x, y",3\r\n\r\n 4 ,"say ""hi""",\n\n', 'f.csv');
    expect(t.source).toBe('f.csv');
    expect(t.columns).toEqual(['a', 'b', 'c']);
    expect(t.rows).toEqual([['1', 'x, y', '3'], ['4', 'say "hi"', '']]);
  });

  it('a header alone is a table with no rows', () => {
    expect(parseCsv('index,arch_str\n', 't.csv').rows).toEqual([]);
  });

  it('errors name the file and line', () => {
    expect(errorOf(() => parseCsv('', 'e.csv')).message).toBe('e.csv: empty file or missing header line');
    expect(errorOf(() => parseCsv('\n1,2\n', 'e.csv')).message).toMatch(/^e\.csv: empty file or missing header line/);
    expect(errorOf(() => parseCsv(',,\n1,2,3', 'e.csv')).message).toMatch(/^e\.csv: /);
    expect(errorOf(() => parseCsv('a,b,a\n1,2,3', 'dup.csv')).message).toBe(`dup.csv:1: column 'a' appears twice`);
    // Line numbers count the blank lines that are skipped.
    const e = errorOf(() => parseCsv('a,b\n1,2\n\n3,4\n5\n', 'data/x.csv'));
    expect(e.code).toBe('invalid-input');
    expect(e.message).toBe('data/x.csv:5: expected 2 fields, found 1');
    expect(errorOf(() => parseCsv('a,b\r\n1,2,3\r\n', 'w.csv')).message).toBe('w.csv:2: expected 2 fields, found 3');
    // A comma inside quotes is not a separator.
    expect(errorOf(() => parseCsv('a,b\n"1,2"\n', 'q.csv')).message).toBe('q.csv:2: expected 2 fields, found 1');
  });
});

describe('joinTables', () => {
  const acc = parseCsv('index,arch_str,acc,note\n0,A,0.5,x\n1,B,0.75,y\n2,C,,z\n', 'acc.csv');
  const lat = parseCsv('index,lat,mem\n2,3.5,10\n0,1.25,20\n1,2,30\n', 'lat.csv');
  const byKey = parseCsv('arch_str,params\nB,7\nA,6\n', 'params.csv');

  it('joins on arch_str and on index (through a table that maps index to arch_str)', () => {
    const j = joinTables([acc, lat, byKey]);
    expect([...j.rows.keys()].sort()).toEqual(['A', 'B', 'C']);
    expect(j.rows.get('A')).toEqual({ acc: 0.5, lat: 1.25, mem: 20, params: 6 });
    expect(j.rows.get('B')).toEqual({ acc: 0.75, lat: 2, mem: 30, params: 7 });
    // An empty cell is NaN (not 0); C has no params row.
    const c = j.rows.get('C') as Record<string, number>;
    expect(Number.isNaN(c.acc)).toBe(true);
    expect(c).toMatchObject({ lat: 3.5, mem: 10 });
    expect('params' in c).toBe(false);
    // Only numeric columns are metrics, each with its table; key columns are not metrics.
    expect([...j.columns.entries()]).toEqual([['acc', 'acc.csv'], ['lat', 'lat.csv'], ['mem', 'lat.csv'], ['params', 'params.csv']]);
  });

  it('the order of the tables does not matter', () => {
    const a = joinTables([lat, acc, byKey]);
    const b = joinTables([acc, lat, byKey]);
    expect(new Map(a.rows)).toEqual(new Map(b.rows));
    expect(a.rows.size).toBe(3);
  });

  it('rejects a column that appears in two tables, naming both', () => {
    const other = parseCsv('index,mem\n0,1\n', 'other.csv');
    expect(errorOf(() => joinTables([acc, lat, other])).message).toBe(`column 'mem' appears in both lat.csv and other.csv`);
  });

  it('rejects a table with no key column', () => {
    const t = parseCsv('name,x\nA,1\n', 'nokey.csv');
    expect(errorOf(() => joinTables([acc, t])).message).toBe(`nokey.csv: needs an 'index' or 'arch_str' column to join on`);
  });

  it('an index with no arch_str in any table is an error naming file and line', () => {
    expect(errorOf(() => joinTables([lat])).message).toBe('lat.csv:2: index 2 has no arch_str in any table given');
    const gap = parseCsv('index,lat2\n0,1\n\n7,2\n', 'gap.csv');
    expect(errorOf(() => joinTables([acc, gap])).message).toBe('gap.csv:4: index 7 has no arch_str in any table given');
  });

  it('a column with text is not a metric; a column with numbers and blanks is', () => {
    const t = parseCsv('arch_str,mixed,blanky\nA,1,\nB,two,4\n', 'm.csv');
    const j = joinTables([t]);
    expect([...j.columns.keys()]).toEqual(['blanky']);
    expect(Number.isNaN(j.rows.get('A')?.blanky)).toBe(true);
    expect(j.rows.get('B')).toEqual({ blanky: 4 });
  });
});

describe('joinTables: rows that would be lost silently', () => {
  it('a key given twice in one table is an error naming both rows (a second row used to overwrite the first)', () => {
    const t = parseCsv('arch_str,acc\nA,0.5\nB,0.6\n\nA,999\n', 'dup.csv');
    const e = errorOf(() => joinTables([t]));
    expect(e.code).toBe('invalid-input');
    expect(e.message).toBe("dup.csv:5: arch_str 'A' is given again (first on line 2); one row per architecture");
    const byIndex = parseCsv('index,arch_str\n0,A\n1,B\n', 'map.csv');
    const lat = parseCsv('index,lat\n1,2\n0,1\n1,3\n', 'lat.csv');
    expect(errorOf(() => joinTables([byIndex, lat])).message).toBe("lat.csv:4: index 1 (arch_str 'B') is given again (first on line 2); one row per architecture");
    // The same key in different tables is the join itself.
    expect(joinTables([byIndex, parseCsv('arch_str,acc\nA,1\n', 'acc.csv'), parseCsv('index,lat\n0,1\n', 'l.csv')]).rows.get('A')).toEqual({ acc: 1, lat: 1 });
  });

  it('asking for a column that holds NaN (or any non-number) names the column and the row', () => {
    const t = parseCsv('arch_str,acc,lat\nA,0.5,1\nB,NaN,2\nC,0.7,inf\n', 'nan.csv');
    const j = joinTables([t]);
    expect([...j.columns.keys()]).toEqual([]);
    const e = errorOf(() => new TableEvaluator(j, { metrics: ['acc'], known: new Set() }));
    expect(e.message).toBe("nan.csv:3: column 'acc' holds 'NaN', which is not a number (leave the cell empty for a missing value)");
    expect(errorOf(() => new TableEvaluator(j, { metrics: ['x'], known: new Set(), cost: parseCost('lat*2') })).message).toMatch(/^no table has a column 'x'/);
    expect(errorOf(() => new TableEvaluator(j, { metrics: [], known: new Set(), cost: parseCost('lat*2') })).message)
      .toBe("nan.csv:4: column 'lat' holds 'inf', which is not a number (leave the cell empty for a missing value)");
  });
});

describe('wide tables', () => {
  it('checks a header of 5,000 columns for duplicates in linear work, and lists at most 30 columns in a message', () => {
    const header = Array.from({ length: 5000 }, (_, i) => `c${i}`);
    // Work counter, not a stopwatch: elements scanned by Array indexOf while parsing.
    let scanned = 0;
    const original = Array.prototype.indexOf;
    const indexOf = vi.spyOn(Array.prototype, 'indexOf').mockImplementation(function (this: unknown[], ...args: Parameters<typeof original>) {
      scanned += this.length;
      return original.apply(this, args);
    });
    let t: CsvTable;
    try {
      t = parseCsv(`arch_str,${header.join(',')}\nA,${header.map((_, i) => i).join(',')}\n`, 'wide.csv');
    } finally {
      indexOf.mockRestore();
    }
    expect(scanned).toBeLessThan(10 * 5000);
    expect(errorOf(() => parseCsv('a,b,c,b\n', 'd.csv')).message).toBe("d.csv:1: column 'b' appears twice");
    const e = errorOf(() => new TableEvaluator(joinTables([t]), { metrics: ['acc'], known: new Set() }));
    expect(e.message).toBe(`no table has a column 'acc' (columns: ${header.slice(0, 30).join(', ')}, … 4970 more)`);
  });
});

describe('messages stay on one line', () => {
  it('a control character in an expression, a cell or a key is escaped (found by fuzzing: a carriage return split the line)', () => {
    expect(errorOf(() => parseCost('a\rb')).message).toBe("cost 'a\\rb' must be COLUMN*FACTOR, COLUMN or a number of seconds");
    const j = joinTables([parseCsv('arch_str,acc\nA,1\nB,x\ry\n', 'cr.csv')]);
    expect(errorOf(() => new TableEvaluator(j, { metrics: ['acc'], known: new Set() })).message).toBe(
      "cr.csv:3: column 'acc' holds 'x\\ry', which is not a number (leave the cell empty for a missing value)",
    );
    expect(errorOf(() => joinTables([parseCsv('arch_str,acc\nA\u0007,1\nA\u0007,2\n', 'k.csv')])).message).toBe(
      "k.csv:3: arch_str 'A\\u0007' is given again (first on line 2); one row per architecture",
    );
  });
});

describe('tables against the space of the study', () => {
  const nb = new Nb201Space();
  const keys = (n: number) => Array.from({ length: n }, (_, i) => nb.freeze(nb.sample(new Rng(i))).key);

  it('a table of another space matches no architecture: refused, naming the first row and why', () => {
    const t = joinTables([parseCsv(`arch_str,acc\n${keys(3).map((k, i) => `${k},${i}`).join('\n')}\n`, 'nb.csv')]);
    expect(tableCoverage(t, new MobilenetSpace())).toMatchObject({ matched: 0, rows: expect.any(Number), firstMismatch: { source: 'nb.csv', line: 2 } });
    const e = errorOf(() => checkTableCoverage(t, new MobilenetSpace()));
    expect(e.code).toBe('invalid-input');
    expect(e.message).toMatch(/^none of the \d table rows is an architecture of space mobilenet \(nb\.csv:2: '\|.*' is not a mobilenet architecture: .*\); they are nb201 architectures: give --space nb201$/);
    const strangers = joinTables([parseCsv('arch_str,acc\nx,1\n', 's.csv')]);
    expect(errorOf(() => checkTableCoverage(strangers, new MobilenetSpace())).message).toMatch(/; give the space the table was made for with --space$/);
    expect(errorOf(() => checkTableCoverage(joinTables([parseCsv('arch_str,acc\n', 'e.csv')]), nb)).message).toMatch(/no rows/);
  });

  it('a table with some architectures of the space is accepted with a warning saying how many', () => {
    const ks = [...new Set(keys(40))];
    const t = joinTables([parseCsv(`arch_str,acc\n${ks.map((k, i) => `${k},${i}`).join('\n')}\nnot-a-cell,1\n`, 'some.csv')]);
    expect(tableCoverage(t, nb)).toMatchObject({ matched: ks.length, rows: ks.length + 1, spaceSize: 15625n });
    expect(checkTableCoverage(t, nb)).toBe(
      `the tables have ${ks.length} of the 15,625 architectures of space nb201 (${((100 * ks.length) / 15625).toFixed(1)}%): trials of the others fail; 1 row is not an architecture of it (some.csv:${ks.length + 2}: ${errorOf(() => nb.parse('not-a-cell')).message})`,
    );
  });

  it('the NAS-Bench-201 tables cover the whole nb201 space: no warning', () => {
    expect(checkTableCoverage(joinTables([nb201('accuracy.csv'), nb201('cost.csv'), nb201('latency.csv')]), nb)).toBeUndefined();
  });
});

describe('parseCost', () => {
  const good: [string, ReturnType<typeof parseCost>][] = [
    ['12', { factor: 12 }],
    [' 0.5 ', { factor: 0.5 }],
    ['1e3', { factor: 1000 }],
    ['0', { factor: 0 }],
    ['train_time_200ep_c10valid', { column: 'train_time_200ep_c10valid', factor: 1 }],
    ['train_time_200ep_c10valid*0.06', { column: 'train_time_200ep_c10valid', factor: 0.06 }],
    ['t * 2', { column: 't', factor: 2 }],
    ['latency:pixel3*2.5e-1', { column: 'latency:pixel3', factor: 0.25 }],
  ];
  for (const [text, want] of good) {
    it(`parses '${text}'`, () => expect(parseCost(text)).toEqual(want));
  }
  for (const bad of ['', '*2', 'col*', 'col*x', '2*col', 'col/2', '-5', 'col*-1', '1.2.3', '.', 'col*1.2.3', 'col*.']) {
    it(`rejects '${bad}' with a readable error`, () => {
      const e = errorOf(() => parseCost(bad));
      expect(e.code).toBe('invalid-input');
      expect(e.message).toBe(`cost '${bad}' must be COLUMN*FACTOR, COLUMN or a number of seconds`);
    });
  }
});

describe('TableEvaluator on the NAS-Bench-201 tables', () => {
  const space = new Nb201Space();
  let joined: JoinedTable;
  let archOf6111: Architecture;
  beforeAll(() => {
    const accuracy = nb201('accuracy.csv');
    joined = joinTables([accuracy, nb201('cost.csv'), nb201('latency.csv')]);
    const ai = accuracy.columns.indexOf('arch_str');
    const row = accuracy.rows.find((r) => r[0] === '6111') as readonly string[];
    archOf6111 = space.freeze(space.parse(row[ai] as string));
  });

  const opts = {
    metrics: ['c10_valid', 'c10_test', 'c10_valid_12ep', 'hwnb_pixel3', 'params_c10'],
    known: new Set(['hwnb_pixel3', 'params_c10']),
    cost: parseCost('train_time_200ep_c10valid*0.06'),
  };

  it('joins all 15,625 cells of the three tables', () => {
    expect(joined.rows.size).toBe(15625);
    expect(joined.columns.get('c10_valid')).toBe('resources/nb201/accuracy.csv');
    expect(joined.columns.get('hwnb_pixel3')).toBe('resources/nb201/latency.csv');
    expect(joined.columns.get('flops_c10')).toBe('resources/nb201/cost.csv');
  });

  it('arch 6111 (333132) gets its benchmark numbers', async () => {
    expect(space.opsCode(archOf6111.sample)).toBe('333132');
    const ev = new TableEvaluator(joined, opts);
    const r = await ev.evaluate(archOf6111, () => undefined, CancellationToken.None);
    expect(r.metrics.c10_valid).toBeCloseTo(91.6067, 4);
    expect(r.metrics.c10_test).toBeCloseTo(94.3733, 4);
    expect(r.metrics.c10_valid_12ep).toBeCloseTo(84.384, 6);
    expect(r.metrics.hwnb_pixel3).toBeCloseTo(23.5848, 6);
    expect(r.metrics.params_c10).toBeCloseTo(1.073466, 6);
    expect(Object.keys(r.metrics).sort()).toEqual([...opts.metrics].sort());
    expect(r.fidelity).toBe('table');
    expect(r.cost).toBeCloseTo(2879.7493 * 0.06, 6);
    expect(ev.estimateCost(archOf6111)).toBe(r.cost);
    // Known up front: only the metrics marked known.
    expect(ev.known(archOf6111)).toEqual({ hwnb_pixel3: r.metrics.hwnb_pixel3, params_c10: r.metrics.params_c10 });
  });

  it('the arch_str of row 6111 is the documented one', () => {
    expect(archOf6111.key).toBe('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|');
  });

  it('arch 6111 is the CIFAR-10 validation optimum of the table', () => {
    let best = -Infinity;
    let bestKey = '';
    for (const [k, m] of joined.rows) if ((m.c10_valid as number) > best) [best, bestKey] = [m.c10_valid as number, k];
    expect(bestKey).toBe(archOf6111.key);
  });

  it('an architecture that is not in the table throws not-found; known/estimateCost answer nothing', async () => {
    const ev = new TableEvaluator(joined, opts);
    const alien: Architecture = { space: 'nb201', key: '|none~0|+|none~0|none~1|+|none~0|none~1|bogus~2|', sample: [0, 0, 0, 0, 0, 0] };
    await expect(ev.evaluate(alien, () => undefined, CancellationToken.None)).rejects.toThrow(/is not in the table/);
    await expect(ev.evaluate(alien, () => undefined, CancellationToken.None)).rejects.toMatchObject({ code: 'not-found' });
    expect(ev.known(alien)).toEqual({});
    expect(ev.estimateCost(alien)).toBeUndefined();
  });

  it('constant and missing cost', () => {
    expect(new TableEvaluator(joined, { ...opts, cost: parseCost('7.5') }).estimateCost(archOf6111)).toBe(7.5);
    const { cost: _, ...noCost } = opts;
    expect(new TableEvaluator(joined, noCost).estimateCost(archOf6111)).toBe(0);
  });

  it('an unknown metric or cost column fails in the constructor, listing the columns', () => {
    const e = errorOf(() => new TableEvaluator(joined, { ...opts, metrics: ['c10_valid', 'c10_vaild'] }));
    expect(e.code).toBe('invalid-input');
    expect(e.message).toMatch(/^no table has a column 'c10_vaild' \(columns: /);
    for (const col of ['c10_valid', 'c100_test', 'params_c10', 'hwnb_pixel3', 'gold_6240']) expect(e.message).toContain(col);
    expect(errorOf(() => new TableEvaluator(joined, { ...opts, cost: parseCost('train_time*0.06') })).message)
      .toMatch(/no table has a column 'train_time'/);
  });
});
