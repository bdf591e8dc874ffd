import { describe, expect, it } from 'vitest';
import { Rng } from './rng.js';

const draw = (r: Rng, n: number): number[] => Array.from({ length: n }, () => r.nextU32());

/** Pearson's chi-square statistic of observed counts against equal expected counts. */
function chiSquare(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const e = total / counts.length;
  return counts.reduce((a, c) => a + ((c - e) * (c - e)) / e, 0);
}

/**
 * Upper bound for chi-square with `df` degrees of freedom at p ≈ 1e-4 (Wilson–Hilferty with
 * z = 3.72): a correct generator passes it with a fixed seed; a biased one fails by far.
 */
function chiBound(df: number): number {
  const z = 3.72;
  const t = 1 - 2 / (9 * df) + z * Math.sqrt(2 / (9 * df));
  return df * t * t * t;
}

describe('Rng', () => {
  it('is deterministic under its seed', () => {
    expect(draw(new Rng(42), 100)).toEqual(draw(new Rng(42), 100));
    expect(draw(new Rng(0), 100)).toEqual(draw(new Rng(0), 100));
    const a = new Rng(7);
    const b = new Rng(7);
    expect([a.next(), a.int(10), a.pick(['x', 'y', 'z']), a.sample([1, 2, 3, 4, 5], 3), a.normal(), a.weighted([1, 2, 3])])
      .toEqual([b.next(), b.int(10), b.pick(['x', 'y', 'z']), b.sample([1, 2, 3, 4, 5], 3), b.normal(), b.weighted([1, 2, 3])]);
  });

  it('gives different sequences for different seeds (including neighbouring seeds)', () => {
    const seeds = [0, 1, 2, 3, 42, 43, 1000, 0x7fffffff, 0xffffffff];
    const firsts = new Set<string>();
    for (const s of seeds) firsts.add(draw(new Rng(s), 4).join(','));
    expect(firsts.size).toBe(seeds.length);
    // Neighbouring seeds must not give shifted copies of one sequence.
    const a = draw(new Rng(1), 50);
    const b = draw(new Rng(2), 50);
    const shared = a.filter((v) => b.includes(v));
    expect(shared.length).toBe(0);
  });

  it('continues identically from state(), and state() is a copy', () => {
    const r = new Rng(123);
    draw(r, 37);
    r.int(17);
    r.normal();
    const st = r.state();
    const frozen = JSON.parse(JSON.stringify(st)) as [number, number, number, number];
    const expected = draw(r, 200);
    // The saved state does not move with the generator.
    expect(st).toEqual(frozen);
    expect(draw(new Rng(st), 200)).toEqual(expected);
    expect(draw(new Rng(frozen), 200)).toEqual(expected);
    // A restored generator's own state round-trips too.
    const r2 = new Rng(frozen);
    r2.next();
    const st2 = r2.state();
    expect(new Rng(st2).nextU32()).toBe(r2.nextU32());
  });

  it('outputs are unsigned 32-bit integers and state words are 32-bit', () => {
    const r = new Rng(99);
    let bad = 0;
    for (let i = 0; i < 1000; i++) {
      const v = r.nextU32();
      if (!(Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) bad++;
    }
    expect(bad).toBe(0);
    // State words are 32-bit integers (signed or unsigned); either reading is the same generator.
    const st = r.state();
    for (const w of st) expect(Number.isInteger(w) && Math.abs(w) <= 0xffffffff).toBe(true);
    const unsigned = st.map((w) => w >>> 0) as unknown as [number, number, number, number];
    expect(draw(new Rng(unsigned), 20)).toEqual(draw(new Rng(st), 20));
  });

  it('next() is in [0, 1)', () => {
    const r = new Rng(5);
    let lo = 1;
    let hi = 0;
    let bad = 0;
    for (let i = 0; i < 20000; i++) {
      const v = r.next();
      if (!(v >= 0 && v < 1)) bad++;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(bad).toBe(0);
    expect(lo).toBeLessThan(0.001);
    expect(hi).toBeGreaterThan(0.999);
  });

  it('int(n) stays in [0, n) and hits every value, for small and large n', () => {
    const r = new Rng(11);
    for (const n of [1, 2, 3, 7, 10, 97]) {
      const seen = new Set<number>();
      let bad = 0;
      for (let i = 0; i < 50 * n; i++) {
        const v = r.int(n);
        if (!(Number.isInteger(v) && v >= 0 && v < n)) bad++;
        seen.add(v);
      }
      expect(bad).toBe(0);
      expect(seen.size).toBe(n);
    }
    let bad = 0;
    for (let i = 0; i < 1000; i++) {
      const v = r.int(2 ** 32);
      if (!(Number.isInteger(v) && v >= 0 && v < 2 ** 32)) bad++;
    }
    expect(bad).toBe(0);
    expect(new Rng(3).int(1)).toBe(0);
  });

  it('int rejects n < 1 and NaN with a readable error', () => {
    const r = new Rng(1);
    expect(() => r.int(0)).toThrow(/n >= 1/);
    expect(() => r.int(-3)).toThrow(RangeError);
    expect(() => r.int(NaN)).toThrow(/NaN/);
  });

  it('int is roughly uniform (chi-square, fixed seeds)', () => {
    for (const [seed, n] of [[1, 10], [2, 6], [3, 37]] as const) {
      const r = new Rng(seed);
      const counts = new Array<number>(n).fill(0);
      for (let i = 0; i < 2000 * n; i++) counts[r.int(n)]!++;
      expect(chiSquare(counts), `int(${n}) seed ${seed}`).toBeLessThan(chiBound(n - 1));
    }
  });

  it('the bits of nextU32 are balanced (low bits included)', () => {
    const r = new Rng(2024);
    const ones = new Array<number>(32).fill(0);
    const N = 20000;
    for (let i = 0; i < N; i++) {
      const v = r.nextU32();
      for (let b = 0; b < 32; b++) if ((v >>> b) & 1) ones[b]!++;
    }
    // Binomial(N, 1/2): sd ≈ 71; 5 sd.
    for (const c of ones) expect(Math.abs(c - N / 2)).toBeLessThan(360);
    // Pairs of consecutive values are uncorrelated (4×4 grid of quarters).
    const grid = new Array<number>(16).fill(0);
    for (let i = 0; i < 32000; i++) grid[Math.floor(r.next() * 4) * 4 + Math.floor(r.next() * 4)]!++;
    expect(chiSquare(grid)).toBeLessThan(chiBound(15));
  });

  it('pick returns members, uniformly, and rejects an empty list', () => {
    const r = new Rng(8);
    const items = ['a', 'b', 'c', 'd', 'e'];
    const counts = new Map(items.map((x) => [x, 0]));
    for (let i = 0; i < 10000; i++) {
      const v = r.pick(items);
      counts.set(v, (counts.get(v) ?? NaN) + 1);
    }
    expect(counts.size).toBe(items.length);
    for (const c of counts.values()) expect(Number.isNaN(c)).toBe(false);
    expect(chiSquare([...counts.values()])).toBeLessThan(chiBound(4));
    expect(() => r.pick([])).toThrow(/empty/);
  });

  it('sample gives k distinct members, clamps k, leaves the input alone', () => {
    const r = new Rng(9);
    const items = [10, 20, 30, 40, 50, 60, 70];
    const copy = items.slice();
    for (let k = 0; k <= 9; k++) {
      const s = r.sample(items, k);
      expect(s.length).toBe(Math.min(k, items.length));
      expect(new Set(s).size).toBe(s.length);
      for (const v of s) expect(items).toContain(v);
    }
    expect(items).toEqual(copy);
    expect(r.sample([], 3)).toEqual([]);
    const sh = r.shuffle(items);
    expect(sh.slice().sort((a, b) => a - b)).toEqual(items);
  });

  it('sample and shuffle are uniform over positions', () => {
    const r = new Rng(10);
    const n = 6;
    const items = Array.from({ length: n }, (_, i) => i);
    // counts[item][position] over shuffles: every item equally likely at every position.
    const counts = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    const firstOfSample = new Array<number>(n).fill(0);
    for (let t = 0; t < 12000; t++) {
      r.shuffle(items).forEach((v, pos) => counts[v]![pos]!++);
      firstOfSample[r.sample(items, 2)[1] as number]!++;
    }
    for (const row of counts) expect(chiSquare(row)).toBeLessThan(chiBound(n - 1));
    expect(chiSquare(firstOfSample)).toBeLessThan(chiBound(n - 1));
    // All 3! orders of a 3-list appear about equally often.
    const orders = new Map<string, number>();
    for (let t = 0; t < 6000; t++) {
      const k = r.shuffle(['x', 'y', 'z']).join('');
      orders.set(k, (orders.get(k) ?? 0) + 1);
    }
    expect(orders.size).toBe(6);
    expect(chiSquare([...orders.values()])).toBeLessThan(chiBound(5));
  });

  it('normal() has mean 0 and variance 1', () => {
    const r = new Rng(12);
    const N = 40000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < N; i++) {
      const v = r.normal();
      s += v;
      s2 += v * v;
    }
    const mean = s / N;
    const variance = s2 / N - mean * mean;
    expect(Number.isFinite(s) && Number.isFinite(s2)).toBe(true);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.04);
  });

  it('weighted follows the weights and never picks a zero weight', () => {
    const r = new Rng(13);
    const w = [0, 1, 0, 3, 6, 0];
    const counts = new Array<number>(w.length).fill(0);
    const N = 20000;
    for (let i = 0; i < N; i++) counts[r.weighted(w)]!++;
    expect(counts[0]).toBe(0);
    expect(counts[2]).toBe(0);
    expect(counts[5]).toBe(0);
    // Chi-square over the non-zero weights against their expected shares.
    const total = 10;
    let chi = 0;
    for (const i of [1, 3, 4]) {
      const e = (N * (w[i] as number)) / total;
      chi += ((counts[i] as number) - e) ** 2 / e;
    }
    expect(chi).toBeLessThan(chiBound(2));
    expect(new Rng(1).weighted([0, 0, 5])).toBe(2);
  });
});
