import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { NasError } from '../../../shared/errors.js';
import { sampleProblems } from '../../../test/fixtures/space-checks.js';
import { Rng } from '../rng.js';
import { enumerate, equivalenceKey } from '../search-space.js';
import { isNb201Dense, NB201_OPS, Nb201Space, nb201ArchStr, parseNb201ArchStr, sampleNb201Dense } from './nb201.js';

interface Row {
  readonly index: number;
  readonly archStr: string;
  readonly ops: string;
  readonly isoId: number;
}

/** The benchmark's own table (index, arch_str, ops, iso_id), read independently of table.ts. */
function readAccuracyTable(): Row[] {
  const text = readFileSync(new URL('../../../resources/nb201/accuracy.csv', import.meta.url), 'utf8');
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines[0] as string).split(',');
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`accuracy.csv has no column ${name}`);
    return i;
  };
  const [ii, ai, oi, si] = [col('index'), col('arch_str'), col('ops'), col('iso_id')];
  return lines.slice(1).map((l) => {
    const c = l.split(',');
    return { index: Number(c[ii]), archStr: c[ai] as string, ops: c[oi] as string, isoId: Number(c[si]) };
  });
}

describe('Nb201Space', () => {
  const space = new Nb201Space();
  let rows: Row[];
  beforeAll(() => {
    rows = readAccuracyTable();
  });

  it('has 6 edges of 5 ops: 15,625 cells, by count() and by enumeration', () => {
    expect(space.dims.length).toBe(6);
    expect(space.dims.every((d) => d.choices.length === 5 && !d.activeIf)).toBe(true);
    expect(space.count()).toBe(15625n);
    expect(enumerate(space).length).toBe(15625);
  });

  it('has 6,466 cells up to isomorphism', () => {
    expect(space.countUnique()).toBe(6466);
  });

  it('freezes every cell to the arch_str of the benchmark table, with the ops code of that row', () => {
    expect(rows.length).toBe(15625);
    const problems: string[] = [];
    const codes = new Set<string>();
    for (const r of rows) {
      const s = space.parse(r.archStr);
      if (s.join('') !== r.ops) problems.push(`row ${r.index}: parse gives ${s.join('')}, ops column ${r.ops}`);
      if (space.opsCode(s) !== r.ops) problems.push(`row ${r.index}: opsCode ${space.opsCode(s)}`);
      if (space.freeze(s).key !== r.archStr) problems.push(`row ${r.index}: key ${space.freeze(s).key}`);
      codes.add(r.ops);
    }
    expect(problems).toEqual([]);
    expect(codes.size).toBe(15625);
  });

  it('the known optimum, arch 6111, is 333132', () => {
    const r = rows.find((x) => x.index === 6111) as Row;
    expect(r.ops).toBe('333132');
    expect(space.freeze([3, 3, 3, 1, 3, 2]).key).toBe(r.archStr);
    expect(r.archStr).toBe('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|');
  });

  it('isomorphismKey groups cells exactly as the iso_id column does', () => {
    // Same key ⇔ same iso_id, checked through maps both ways (no O(n²) pairs).
    const isoOfKey = new Map<string, number>();
    const keyOfIso = new Map<number, string>();
    const problems: string[] = [];
    for (const r of rows) {
      const k = space.isomorphismKey(space.parse(r.archStr));
      const iso = isoOfKey.get(k);
      if (iso === undefined) isoOfKey.set(k, r.isoId);
      else if (iso !== r.isoId) problems.push(`row ${r.index} (iso ${r.isoId}) shares key ${k} with iso ${iso}`);
      const key = keyOfIso.get(r.isoId);
      if (key === undefined) keyOfIso.set(r.isoId, k);
      else if (key !== k) problems.push(`row ${r.index}: iso ${r.isoId} has keys ${key} and ${k}`);
      if (problems.length > 20) break;
    }
    expect(problems).toEqual([]);
    expect(isoOfKey.size).toBe(6466);
    expect(keyOfIso.size).toBe(6466);
  });

  it('isomorphismKey: hand-checked equivalences', () => {
    const iso = (code: string) => space.isomorphismKey([...code].map(Number));
    // Order of edges 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2; 0 none, 1 skip, 2 conv1x1, 3 conv3x3, 4 pool.
    // A cell whose output only receives `none` edges is one class, whatever the other edges do.
    expect(iso('343000')).toBe(iso('000000'));
    expect(iso('444000')).toBe(iso('000000'));
    // An op applied to a node that is exactly zero is zero (node 1 = none of the input).
    expect(iso('003030')).toBe(iso('000000'));
    // A skip passes its input through: (1<-0 skip, 3<-1 conv) computes 3<-0 conv.
    expect(iso('100030')).toBe(iso('000300'));
    // The terms summed into a node are unordered: conv on 3<-0 + pool on 3<-1 (node 1 = input) and the mirror.
    expect(iso('100340')).toBe(iso('100430'));
    // Different ops are different functions.
    expect(iso('000300')).not.toBe(iso('000000'));
    expect(iso('000300')).not.toBe(iso('000200'));
    expect(iso('100030')).not.toBe(iso('100020'));
  });

  it('equivalenceKey (what strategies dedupe by) is the isomorphism key; a space without one falls back to the key', async () => {
    const eq = (code: string) => equivalenceKey(space, [...code].map(Number));
    expect(eq('100030')).toBe(eq('000300'));
    expect(eq('343000')).toBe(eq('000000'));
    expect(eq('100340')).toBe(eq('100430'));
    expect(eq('000300')).not.toBe(eq('000200'));
    expect(eq('333333')).not.toBe(eq('333332'));
    for (const s of [[3, 3, 3, 1, 3, 2], [0, 4, 1, 2, 0, 3]]) expect(equivalenceKey(space, s)).toBe(space.isomorphismKey(s));
    const { MobilenetSpace } = await import('./mobilenet.js');
    const m = new MobilenetSpace();
    const s = m.sample(new Rng(3));
    expect(equivalenceKey(m, s)).toBe(m.freeze(s).key);
  });

  it('sampleNb201Dense draws uniformly among the 729 cells with a skip or a convolution on every edge', () => {
    const rng = new Rng(5);
    const counts = new Map<string, number>();
    for (let i = 0; i < 729 * 20; i++) {
      const s = sampleNb201Dense(rng);
      expect(space.validate(s)).toBeUndefined();
      expect(isNb201Dense(s)).toBe(true);
      counts.set(s.join(''), (counts.get(s.join('')) ?? 0) + 1);
    }
    expect(counts.size).toBe(729);
    // 20 expected per cell; a uniform draw stays well within 2..45.
    expect(Math.min(...counts.values())).toBeGreaterThan(2);
    expect(Math.max(...counts.values())).toBeLessThan(45);
    expect(enumerate(space).filter((s) => isNb201Dense(s)).length).toBe(729);
    expect(isNb201Dense([1, 2, 3, 1, 2, 3])).toBe(true);
    expect(isNb201Dense([1, 2, 3, 1, 2, 0])).toBe(false);
    expect(isNb201Dense([4, 2, 3, 1, 2, 3])).toBe(false);
  });

  it('parse(freeze(s).key) round-trips for all 15,625 cells', () => {
    const all = enumerate(space);
    const bad = all.filter((s) => space.parse(space.freeze(s).key).join('') !== s.join(''));
    expect(bad).toEqual([]);
    expect(new Set(all.map((s) => nb201ArchStr(s))).size).toBe(15625);
  });

  it('mutate, neighbours and features follow the protocol on every 11th cell', () => {
    const rng = new Rng(2020);
    const all = enumerate(space);
    const problems = all.filter((_, i) => i % 11 === 0).flatMap((s) => sampleProblems(space, s, rng));
    expect(problems).toEqual([]);
    expect(space.neighbours([0, 0, 0, 0, 0, 0]).length).toBe(24);
    expect(space.features([0, 1, 2, 3, 4, 0]).length).toBe(30);
  });

  const badKeys: [string, RegExp][] = [
    ['', /expected 3 nodes/],
    ['|none~0|+|none~0|none~1|', /expected 3 nodes/],
    ['|none~0|+|none~0|none~1|+|none~0|none~1|none~2|+|none~0|', /expected 3 nodes/],
    ['none~0|+|none~0|none~1|+|none~0|none~1|none~2|', /node 1 must be enclosed/],
    ['|none~0|+|none~0|+|none~0|none~1|none~2|', /node 2 needs 2 edges, has 1/],
    ['|conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|', /unknown op 'conv_3x3'.*nor_conv_3x3/],
    ['|none~1|+|none~0|none~1|+|none~0|none~1|none~2|', /must come from node 0/],
    ['|none~0|+|none~1|none~0|+|none~0|none~1|none~2|', /must come from node 0/],
    ['|none|+|none~0|none~1|+|none~0|none~1|none~2|', /must come from node 0/],
    ['|none~0~1|+|none~0|none~1|+|none~0|none~1|none~2|', /none~0~1/],
    ['|none~0|+|none~0|none~1|+|none~0|none~1|none~02|', /must come from node 2/],
  ];
  for (const [key, msg] of badKeys) {
    it(`parse rejects '${key}' with a readable NasError`, () => {
      let err: unknown;
      try {
        space.parse(key);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(NasError);
      expect((err as NasError).code).toBe('invalid-sample');
      expect((err as NasError).message).toContain(`'${key}' is not a NAS-Bench-201 cell`);
      expect((err as NasError).message).toMatch(msg);
    });
  }

  it('parse accepts surrounding whitespace and the op names of the benchmark', () => {
    const key = nb201ArchStr([4, 3, 2, 1, 0, 4]);
    expect(parseNb201ArchStr(`  ${key}\n`)).toEqual([4, 3, 2, 1, 0, 4]);
    expect(key).toBe('|avg_pool_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|skip_connect~0|none~1|avg_pool_3x3~2|');
    expect([...NB201_OPS]).toEqual(['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3']);
  });

  it('freeze rejects invalid samples', () => {
    expect(() => space.freeze([0, 0, 0, 0, 0])).toThrow(/has 6 decisions/);
    expect(() => space.freeze([0, 0, 0, 0, 0, 5])).toThrow(/edge3<-2/);
    expect(() => space.isomorphismKey([0, 0, 0, 0, 0, 5])).toThrow(NasError);
  });
});
