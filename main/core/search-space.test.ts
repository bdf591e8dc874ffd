import { describe, expect, it } from 'vitest';
import { NasError } from '../../shared/errors.js';
import type { Dimension } from '../../shared/types/index.js';
import { gatedToySpace, ToySpace } from '../../test/fixtures/toy-space.js';
import {
  activeDistance,
  canonicalProblems,
  featureProblems,
  neighbourhoodProblems,
  sampleProblems,
} from '../../test/fixtures/space-checks.js';
import { Rng } from './rng.js';
import { enumerate } from './search-space.js';

const ops = (n: number) => Array.from({ length: n }, (_, i) => `op${i}`);

/** Small spaces covering the shapes of gating the DP must handle. */
const SPACES: Record<string, () => ToySpace> = {
  ungated: () => new ToySpace([
    { name: 'a', choices: ops(3) },
    { name: 'b', choices: ops(1) },
    { name: 'c', choices: ops(4) },
  ]),
  gated: gatedToySpace,
  // Gate values that are not 1..n: 0 switches everything off, gaps between values, gte beyond the max.
  sparseGate: () => new ToySpace([
    { name: 'n', choices: [0, 2, 5] },
    { name: 'x1', choices: ops(2), activeIf: { dim: 'n', gte: 1 } },
    { name: 'x2', choices: ops(3), activeIf: { dim: 'n', gte: 2 } },
    { name: 'x3', choices: ops(2), activeIf: { dim: 'n', gte: 3 } },
    { name: 'x9', choices: ops(5), activeIf: { dim: 'n', gte: 9 } },
    { name: 'y', choices: ops(2) },
  ]),
  // Two gates, gated dimensions interleaved and listed before their gate, single-choice gated dims.
  twoGates: () => new ToySpace([
    { name: 'p1', choices: ops(2), activeIf: { dim: 'g2', gte: 1 } },
    { name: 'q1', choices: ops(3), activeIf: { dim: 'g1', gte: 1 } },
    { name: 'g1', choices: [1, 2] },
    { name: 'q2', choices: ops(1), activeIf: { dim: 'g1', gte: 2 } },
    { name: 'p2', choices: ops(3), activeIf: { dim: 'g2', gte: 2 } },
    { name: 'g2', choices: [3, 1, 2] },
    { name: 'free', choices: ops(2) },
    { name: 'p3', choices: ops(2), activeIf: { dim: 'g2', gte: 3 } },
  ]),
  // A gate whose every value activates everything, and a gate nothing depends on.
  trivialGates: () => new ToySpace([
    { name: 'g', choices: [4, 5] },
    { name: 'h', choices: [1, 2, 3] },
    { name: 'x', choices: ops(3), activeIf: { dim: 'g', gte: 1 } },
    { name: 'y', choices: ops(2), activeIf: { dim: 'g', gte: 4 } },
  ]),
};

/**
 * Size computed independently of `count()`: the number of distinct canonical samples, computed by
 * grouping per gate (each gate and its dimensions are independent of the rest).
 */
function closedForm(dims: readonly Dimension[]): bigint {
  const gates = new Set(dims.filter((d) => d.activeIf).map((d) => (d.activeIf as { dim: string }).dim));
  let total = 1n;
  for (const d of dims) if (!d.activeIf && !gates.has(d.name)) total *= BigInt(d.choices.length);
  for (const g of gates) {
    const gate = dims.find((d) => d.name === g) as Dimension;
    let sum = 0n;
    for (const v of gate.choices as number[]) {
      sum += dims
        .filter((d) => d.activeIf?.dim === g && v >= d.activeIf.gte)
        .reduce((p, d) => p * BigInt(d.choices.length), 1n);
    }
    total *= sum;
  }
  return total;
}

describe('DimensionalSpace construction', () => {
  const bad: [string, Dimension[], RegExp][] = [
    ['duplicate names', [{ name: 'a', choices: [1] }, { name: 'a', choices: [2] }], /duplicate dimension name 'a'/],
    ['no choices', [{ name: 'a', choices: [] }], /'a' has no choices/],
    ['unknown gate', [{ name: 'a', choices: [1], activeIf: { dim: 'zz', gte: 1 } }], /'a' is gated by unknown 'zz'/],
    ['gated gate', [
      { name: 'g', choices: [1, 2] },
      { name: 'h', choices: [1, 2], activeIf: { dim: 'g', gte: 2 } },
      { name: 'x', choices: [1], activeIf: { dim: 'h', gte: 2 } },
    ], /gate 'h' of 'x' is itself gated/],
    ['non-numeric gate', [{ name: 'g', choices: ['one', 'two'] }, { name: 'x', choices: [1], activeIf: { dim: 'g', gte: 1 } }], /gate 'g' must have numeric choices/],
  ];
  for (const [what, dims, msg] of bad) {
    it(`rejects ${what} with a readable invalid-space error`, () => {
      let err: unknown;
      try {
        new ToySpace(dims);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(NasError);
      expect((err as NasError).code).toBe('invalid-space');
      expect((err as NasError).message).toMatch(msg);
    });
  }

  it('looks dimensions up by name', () => {
    const s = gatedToySpace();
    expect(s.dimIndex('b2')).toBe(3);
    expect(() => s.dimIndex('nope')).toThrow(/no dimension 'nope'/);
  });
});

describe('DimensionalSpace.count()', () => {
  for (const [name, make] of Object.entries(SPACES)) {
    it(`${name}: equals the brute-force enumeration and an independent closed form`, () => {
      const space = make();
      const all = enumerate(space);
      expect(space.count()).toBe(BigInt(all.length));
      expect(space.count()).toBe(closedForm(space.dims));
      // enumerate() itself lists distinct canonical samples with distinct keys.
      const problems = all.flatMap((s) => canonicalProblems(space, s));
      expect(problems).toEqual([]);
      expect(new Set(all.map((s) => space.freeze(s).key)).size).toBe(all.length);
    });
  }

  it('hand-computed sizes', () => {
    expect(SPACES.ungated!().count()).toBe(12n);
    expect(gatedToySpace().count()).toBe(756n); // 3·3·(4 + 16 + 64)
    // n=0: 1, n=2: 2·3, n=5: 2·3·2 → 19; times y=2.
    expect(SPACES.sparseGate!().count()).toBe(38n);
  });
});

describe('DimensionalSpace gating', () => {
  it('activeIf compares the gate value (not its index) with gte', () => {
    const s = SPACES.sparseGate!();
    // n = choices[1] = 2: x1, x2 active; x3 (gte 3), x9 (gte 9) inactive.
    const v = [1, 1, 2, 1, 4, 1];
    expect([0, 1, 2, 3, 4, 5].map((i) => s.isActive(v, i))).toEqual([true, true, true, false, false, true]);
    expect(s.canonical(v)).toEqual([1, 1, 2, 0, 0, 1]);
    expect(s.canonical([0, 1, 2, 1, 4, 1])).toEqual([0, 0, 0, 0, 0, 1]);
    expect(s.canonical([2, 1, 2, 1, 4, 1])).toEqual([2, 1, 2, 1, 0, 1]);
    // The gate order of choices is by value, not index.
    const t = SPACES.twoGates!();
    const g2 = t.dimIndex('g2');
    const p3 = t.dimIndex('p3');
    const x = t.canonical([1, 2, 1, 0, 2, 0, 1, 1]); // g2 = 3
    expect(t.isActive(x, p3)).toBe(true);
    x[g2] = 1; // g2 = 1
    expect(t.isActive(x, p3)).toBe(false);
    expect(t.isActive(x, t.dimIndex('p1'))).toBe(true);
  });

  it('inactive decisions do not change the key', () => {
    const s = gatedToySpace();
    expect(s.freeze([0, 1, 2, 3, 3, 0]).key).toBe(s.freeze([0, 1, 2, 0, 0, 0]).key);
    expect(s.freeze([1, 1, 2, 3, 3, 0]).key).not.toBe(s.freeze([1, 1, 2, 0, 3, 0]).key);
  });
});

describe('DimensionalSpace.validate()', () => {
  const s = gatedToySpace();
  const cases: [unknown, RegExp][] = [
    [[0, 0, 0, 0, 0], /has 6 decisions, got 5/],
    [[0, 0, 0, 0, 0, 0, 0], /has 6 decisions, got 7/],
    ['000000', /has 6 decisions, got string/],
    [[0, 3, 0, 0, 0, 0], /'width' must be a choice index in 0\.\.2, got 3/],
    [[0, 0, -1, 0, 0, 0], /'b1' must be a choice index in 0\.\.3, got -1/],
    [[0, 0, 0, 1.5, 0, 0], /'b2' .* got 1\.5/],
    [[0, 0, 0, 0, 0, NaN], /'act' .* got NaN/],
    [[0, 0, 0, 0, '1', 0], /'b3' .* got 1/],
  ];
  for (const [sample, msg] of cases) {
    it(`rejects ${JSON.stringify(sample)}`, () => {
      const e = s.validate(sample as number[]);
      expect(e).toBeInstanceOf(NasError);
      expect(e?.code).toBe('invalid-sample');
      expect(e?.message).toMatch(msg);
      expect(() => s.freeze(sample as number[])).toThrow(NasError);
      expect(() => s.mutate(sample as number[], new Rng(1))).toThrow(NasError);
      expect(() => s.neighbours(sample as number[])).toThrow(NasError);
    });
  }
  it('accepts every canonical sample', () => {
    expect(enumerate(s).filter((x) => s.validate(x) !== undefined)).toEqual([]);
  });
});

describe('DimensionalSpace sample / mutate / neighbours / features', () => {
  for (const [name, make] of Object.entries(SPACES)) {
    it(`${name}: every architecture passes the protocol checks`, () => {
      const space = make();
      const rng = new Rng(17);
      const problems = enumerate(space).flatMap((s) => sampleProblems(space, s, rng));
      expect(problems).toEqual([]);
    });
  }

  it('neighbours also work from a non-canonical (but valid) sample, treating inactive decisions as absent', () => {
    const space = gatedToySpace();
    const raw = [0, 1, 2, 3, 1, 2]; // depth 1: b2, b3 are junk
    const canon = space.canonical(raw);
    const keys = (xs: readonly (readonly number[])[]) => xs.map((x) => space.freeze(x).key).sort();
    expect(keys(space.neighbours(raw))).toEqual(keys(space.neighbours(canon)));
    expect(neighbourhoodProblems(space, canon)).toEqual([]);
    const m = space.mutate(raw, new Rng(3));
    expect(canonicalProblems(space, m)).toEqual([]);
    expect(activeDistance(space, canon, m)).toBe(1);
  });

  it('sample() is canonical and reaches every architecture of a small space', () => {
    const space = gatedToySpace();
    const rng = new Rng(5);
    const seen = new Set<string>();
    const problems: string[] = [];
    for (let i = 0; i < 20000; i++) {
      const s = space.sample(rng);
      if (i < 2000) problems.push(...canonicalProblems(space, s));
      seen.add(space.freeze(s).key);
    }
    expect(problems).toEqual([]);
    expect(seen.size).toBe(756);
  });

  it('mutate() reaches exactly the neighbours, each with some probability', () => {
    for (const make of [gatedToySpace, SPACES.twoGates!, SPACES.sparseGate!]) {
      const space = make();
      const rng = new Rng(99);
      for (const s of enumerate(space).filter((_, i) => i % 7 === 0)) {
        const ns = new Set(space.neighbours(s).map((n) => space.freeze(n).key));
        const got = new Set<string>();
        for (let t = 0; t < 40 * ns.size; t++) got.add(space.freeze(space.mutate(s, rng)).key);
        expect([...got].filter((k) => !ns.has(k))).toEqual([]);
        expect(got.size).toBe(ns.size);
      }
    }
  });

  it('mutate() of a space with no choice left returns the sample unchanged', () => {
    const space = new ToySpace([{ name: 'a', choices: ['only'] }, { name: 'b', choices: [1] }]);
    expect(space.mutate([0, 0], new Rng(1))).toEqual([0, 0]);
    expect(space.neighbours([0, 0])).toEqual([]);
    expect(space.count()).toBe(1n);
  });

  it('features are a fixed-length one-hot code that tells architectures apart', () => {
    for (const make of Object.values(SPACES)) {
      const space = make();
      const all = enumerate(space);
      expect(all.flatMap((s) => featureProblems(space, s))).toEqual([]);
      expect(new Set(all.map((s) => space.features(s).join(''))).size).toBe(all.length);
    }
    // Hand-checked: depth 2 (index 1), width 0, b1 = c, b2 = a, b3 inactive, act = gelu.
    expect(gatedToySpace().features([1, 0, 2, 0, 3, 1])).toEqual([
      0, 1, 0, /* width */ 1, 0, 0, /* b1 */ 0, 0, 1, 0, /* b2 */ 1, 0, 0, 0, /* b3 */ 0, 0, 0, 0, /* act */ 0, 1, 0,
    ]);
  });
});
