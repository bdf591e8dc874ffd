import { describe, expect, it } from 'vitest';
import { NasError } from '../../../shared/errors.js';
import type { ObjectiveSpec, Sample } from '../../../shared/types/index.js';
import { ToySpace } from '../../../test/fixtures/toy-space.js';
import { createStrategy } from '../strategies.js';
import { rankAndCrowding } from '../pareto.js';
import { Nsga2Strategy } from './nsga2.js';

const SPACE = new ToySpace(Array.from({ length: 6 }, (_, i) => ({ name: `d${i}`, choices: [0, 1, 2, 3, 4] })));
const TWO: ObjectiveSpec[] = [{ metric: 'a', direction: 'max' }, { metric: 'b', direction: 'min' }];
/** A two-objective problem with a wide front: a = sum of decisions, b = a penalised spread. */
const values = (s: Sample): number[] => {
  const a = s.reduce((x, v) => x + v, 0);
  const b = s.reduce((x, v, i) => x + v * (1 + (i % 3)), 0) + (s[0] === s[5] ? 0 : 3);
  return [a, b];
};
const ctx = (options: Record<string, unknown> = {}, seed = 1) => ({ space: SPACE, objectives: TWO, seed, options });
const popOf = (s: Nsga2Strategy) => (s.snapshot() as { population: { sample: number[]; vec: number[] }[] }).population;

function run(strategy: Nsga2Strategy, n: number, tellValues = values): Sample[] {
  const asked: Sample[] = [];
  for (let i = 0; i < n; i++) {
    const s = strategy.ask({ finished: i, pending: 0 });
    asked.push(s);
    strategy.tell({ sample: s, key: SPACE.freeze(s).key, state: 'complete', values: tellValues(s) });
  }
  return asked;
}

describe('nsga2', () => {
  it('rankAndCrowding: ranks are the non-dominated fronts, extremes of a front are infinitely crowded', () => {
    const { rank, crowd } = rankAndCrowding([[0, 3], [1, 1], [3, 0], [2, 2], [4, 4]]);
    expect(rank).toEqual([0, 0, 0, 1, 2]);
    expect(crowd[0]).toBe(Infinity);
    expect(crowd[2]).toBe(Infinity);
    expect(crowd[1]).toBeCloseTo(2, 12); // (3-0)/3 + (3-0)/3
  });

  it('environmental selection keeps the population at its size and drops a dominated member before any non-dominated one', () => {
    const s = new Nsga2Strategy(ctx({ population: 12 }));
    let removedDominated = 0;
    for (let i = 0; i < 300; i++) {
      const x = s.ask({ finished: i, pending: 0 });
      const v = values(x);
      const before = popOf(s).map((m) => m.vec);
      s.tell({ sample: x, key: SPACE.freeze(x).key, state: 'complete', values: v });
      const after = popOf(s).map((m) => m.vec);
      expect(after.length).toBe(Math.min(i + 1, 12));
      if (before.length < 12) continue;
      // Which of the 13 candidates left: the one in `all` not matched in `after` (multiset difference).
      const all = [...before, [-(v[0] as number), v[1] as number]];
      const left = all.map((m) => m.join());
      for (const m of after) left.splice(left.indexOf(m.join()), 1);
      expect(left.length).toBe(1);
      const { rank } = rankAndCrowding(all);
      const leftRank = rank[all.findIndex((m) => m.join() === left[0])] as number;
      expect(leftRank, `tell ${i}: removed ${left[0]} of rank ${leftRank}, max rank ${Math.max(...rank)}`).toBe(Math.max(...rank));
      if (leftRank > 0) removedDominated++;
    }
    expect(removedDominated).toBeGreaterThan(50);
  });

  it('the first `population` asks are random and distinct; later children are bred from population members', () => {
    const s = new Nsga2Strategy(ctx({ population: 10, crossover: 0, mutation: 0 }));
    const asked: Sample[] = [];
    const orphans: string[] = [];
    for (let i = 0; i < 200; i++) {
      const pop = popOf(s).map((m) => m.sample);
      const x = s.ask({ finished: i, pending: 0 });
      // Without crossover and extra mutation, every child is one step from a member.
      if (i >= 10 && !pop.some((p) => p.filter((v, k) => v !== x[k]).length === 1)) orphans.push(`ask ${i}: ${SPACE.freeze(x).key}`);
      asked.push(x);
      s.tell({ sample: x, key: SPACE.freeze(x).key, state: 'complete', values: values(x) });
    }
    expect(orphans).toEqual([]);
    expect(new Set(asked.slice(0, 10).map((a) => SPACE.freeze(a).key)).size).toBe(10);
  });

  it('does not repeat architectures while new ones are easy to breed', () => {
    const s = new Nsga2Strategy(ctx());
    const keys = run(s, 400).map((a) => SPACE.freeze(a).key);
    expect(new Set(keys).size).toBeGreaterThan(395);
  });

  it('prefers a lower rank in its tournaments: the population moves towards the front', () => {
    const s = new Nsga2Strategy(ctx({ population: 16 }, 3));
    run(s, 400);
    const pop = popOf(s);
    // The true front of this problem: every member should be near it (dominated by at most a few points).
    const { rank } = rankAndCrowding(pop.map((m) => m.vec));
    expect(rank.filter((r) => r === 0).length).toBeGreaterThanOrEqual(12);
    const sumA = pop.reduce((x, m) => x - (m.vec[0] as number), 0) / pop.length;
    const randomA = 2 * 6; // the mean of a under random sampling
    expect(Math.abs(sumA - randomA)).toBeGreaterThan(0.5); // it has moved, and along the front (spread below)
    const as = pop.map((m) => -(m.vec[0] as number));
    expect(Math.max(...as) - Math.min(...as)).toBeGreaterThanOrEqual(12);
  });

  const bad: [Record<string, unknown>, RegExp][] = [
    [{ population: 1 }, /'population'.*got 1/],
    [{ population: 3.5 }, /'population' must be a whole number/],
    [{ crossover: 2 }, /'crossover'.*\[0, 1\], got 2/],
    [{ mutation: 1 }, /'mutation'.*\[0, 0\.95\], got 1/],
    [{ mutation: 'lots' }, /'mutation'.*got lots/],
  ];
  for (const [options, msg] of bad) {
    it(`rejects ${JSON.stringify(options)} with a readable error`, () => {
      let err: unknown;
      try {
        createStrategy('nsga2', ctx(options));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(NasError);
      expect((err as NasError).message).toMatch(msg);
    });
  }
});
