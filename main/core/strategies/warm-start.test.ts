import { describe, expect, it } from 'vitest';
import type { ObjectiveSpec, Sample, TrialRecord } from '../../../shared/types/index.js';
import { Rng } from '../rng.js';
import { Nb201Space } from '../spaces/nb201.js';
import { checkStrategyOptions, createStrategy } from '../strategies.js';
import type { Strategy } from '../strategy.js';
import { transferSet, warmStartKeys } from './warm-start.js';

const space = new Nb201Space();
const ONE: ObjectiveSpec[] = [{ metric: 'acc', direction: 'max' }];
const TWO: ObjectiveSpec[] = [{ metric: 'acc', direction: 'max' }, { metric: 'lat', direction: 'min' }];
// A deterministic stand-in for an evaluation: edges matching one best cell (acc, 6 at the optimum)
// and a weighted size (lat).
const BEST = [3, 3, 2, 0, 3, 1];
const acc = (s: Sample): number => s.reduce((a, v, i) => a + (v === BEST[i] ? 1 : 0), 0);
const lat = (s: Sample): number => s.reduce((a, v) => a + (v as number) * (v as number), 0);

function make(name: string, options: Record<string, unknown> = {}, objectives = ONE, seed = 3): Strategy {
  return createStrategy(name, { space, objectives, seed, options });
}

/** Asks and tells `n` trials in turn; returns the asked keys. */
function run(s: Strategy, n: number, objectives = ONE): string[] {
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    const sample = s.ask({ finished: i, pending: 0 });
    if (!sample) break;
    const key = space.freeze(sample).key;
    keys.push(key);
    s.tell({ sample, key, state: 'complete', values: objectives.length === 1 ? [acc(sample)] : [acc(sample), lat(sample)] });
  }
  return keys;
}

const seedKeys = (n: number, seed = 77): string[] => {
  const rng = new Rng(seed);
  const out: string[] = [];
  while (out.length < n) {
    const k = space.freeze(space.sample(rng)).key;
    if (!out.includes(k)) out.push(k);
  }
  return out;
};

describe('warm start (strategy option warmStart on any single-fidelity strategy)', () => {
  for (const name of ['random', 'evolution', 'nsga2', 'local', 'tpe', 'reinforce']) {
    it(`${name}: the first asks are the seeds in order, then exactly the strategy's own asks having been told them`, () => {
      const seeds = seedKeys(6);
      const opts: Record<string, unknown> = name === 'evolution' || name === 'nsga2' ? { population: 4 } : {};
      const warm = run(make(name, { ...opts, warmStart: seeds }), 20);
      expect(warm.slice(0, 6)).toEqual(seeds);
      // The reference: the plain strategy told the same six results, then asked.
      const ref = make(name, opts);
      seeds.forEach((key) => {
        const sample = space.parse(key);
        ref.tell({ sample, key, state: 'complete', values: [acc(sample)], warmStart: true });
      });
      const own: string[] = [];
      for (let i = 0; i < 14; i++) {
        const sample = ref.ask({ finished: 6 + i, pending: 0 }) as Sample;
        const key = space.freeze(sample).key;
        own.push(key);
        ref.tell({ sample, key, state: 'complete', values: [acc(sample)] });
      }
      expect(warm.slice(6)).toEqual(own);
      // And the seeds did change what it asks: without them the plain strategy asks otherwise.
      if (name !== 'random') expect(run(make(name, opts), 14)).not.toEqual(own);
    });
  }

  it('evolution and nsga2 count the seeds as initial members: with a population of seeds they mutate them at once', () => {
    const seeds = seedKeys(6);
    for (const [name, objectives] of [['evolution', ONE], ['nsga2', TWO]] as const) {
      const asked = run(make(name, { warmStart: seeds, population: 6, ...(name === 'nsga2' ? { crossover: 0, mutation: 0 } : {}) }, objectives), 12, objectives);
      expect(asked.slice(0, 6)).toEqual(seeds);
      for (const key of asked.slice(6)) {
        const fromSeed = seeds.some((sk) => space.neighbours(space.parse(sk)).some((n) => space.freeze(n).key === key));
        const fromChild = asked.slice(6, asked.indexOf(key)).some((ck) => space.neighbours(space.parse(ck)).some((n) => space.freeze(n).key === key));
        expect(fromSeed || fromChild, `${name}: ${key} is a mutation of the seeds or their children`).toBe(true);
      }
    }
  });

  it('evolution seeded with strong architectures finds a better one sooner than from cold', () => {
    const best = (keys: string[]) => Math.max(...keys.map((k) => acc(space.parse(k))));
    const strong = seedKeys(400, 5).sort((a, b) => acc(space.parse(b)) - acc(space.parse(a))).slice(0, 5);
    expect(best(strong)).toBeLessThan(6);
    // Evaluations until the optimum (acc 6) is asked, 300 when never; mean over 30 seeds.
    const reach = (keys: string[]) => {
      const i = keys.findIndex((k) => acc(space.parse(k)) >= 6);
      return i < 0 ? 300 : i + 1;
    };
    let warm = 0;
    let cold = 0;
    for (let seed = 0; seed < 30; seed++) {
      warm += reach(run(make('evolution', { warmStart: strong, population: 10 }, ONE, seed), 300)) / 30;
      cold += reach(run(make('evolution', { population: 10 }, ONE, seed), 300)) / 30;
    }
    expect(warm).toBeLessThan(0.8 * cold);
  });

  it('snapshot/restore mid-seeds and after them continues with exactly the same asks', () => {
    const seeds = seedKeys(5);
    const full = run(make('evolution', { warmStart: seeds, population: 4 }), 16);
    for (const cut of [0, 3, 5, 9]) {
      const a = make('evolution', { warmStart: seeds, population: 4 });
      const first = run(a, cut);
      const b = make('evolution', { warmStart: seeds, population: 4 });
      b.restore(JSON.parse(JSON.stringify(a.snapshot())));
      const rest: string[] = [];
      for (let i = cut; i < 16; i++) {
        const sample = b.ask({ finished: i, pending: 0 }) as Sample;
        const key = space.freeze(sample).key;
        rest.push(key);
        b.tell({ sample, key, state: 'complete', values: [acc(sample)] });
      }
      expect([...first, ...rest]).toEqual(full);
    }
  });

  it('repeated seeds are asked once; the name says it is warm-started', () => {
    const [a, b] = seedKeys(2);
    const s = make('random', { warmStart: [a, b, a] });
    expect(s.name).toBe('random+warm-start');
    expect(run(s, 3).slice(0, 2)).toEqual([a, b]);
    expect(run(make('random', { warmStart: JSON.stringify([a]) }), 1)).toEqual([a]);
  });

  it('refuses seeds from another space, malformed lists, multi-fidelity strategies and damaged snapshots with the reason', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };
    expect(err(() => make('evolution', { warmStart: ['mbconv|3|x'] }))).toMatch(/warm-start architecture 'mbconv\|3\|x' is not in the nb201 space/);
    expect(err(() => make('evolution', { warmStart: 'not json' }))).toMatch(/'warmStart' must be a list of architecture keys \(a JSON array of strings\), got not json/);
    expect(err(() => make('evolution', { warmStart: [1, 2] }))).toMatch(/must be a list of architecture keys/);
    expect(err(() => make('hyperband', { warmStart: seedKeys(1) }))).toMatch(/warm start is not available for hyperband/);
    expect(err(() => make('evolution', { warmStartFrom: ['abc'] }))).toMatch(/give warmStart too/);
    expect(err(() => make('evolution', { warmStart: seedKeys(2) }).restore({ inner: {} }))).toMatch(/warm-start snapshot is damaged/);
    expect(err(() => warmStartKeys(Array.from({ length: 1001 }, () => 'k')))).toMatch(/at most 1000/);
    expect(() => checkStrategyOptions('evolution', { warmStart: [], warmStartFrom: ['x'], population: 3 })).not.toThrow();
  });
});

describe('transferSet: what a past search hands on', () => {
  const trial = (number: number, key: string, metrics: Record<string, number>, state: TrialRecord['state'] = 'complete'): TrialRecord => ({
    studyId: 's', number, key, sample: [], state, metrics, fidelity: {}, cost: 0, startedAt: 0,
  });
  const trials = [
    trial(0, 'a', { acc: 0.9, lat: 5 }),
    trial(1, 'b', { acc: 0.8, lat: 2 }),
    trial(2, 'c', { acc: 0.7, lat: 3 }), // dominated by b
    trial(3, 'd', { acc: 0.95, lat: 9 }),
    trial(4, 'e', { acc: 0.99, lat: 1 }, 'failed'),
    trial(5, 'a', { acc: 0.9, lat: 5 }),
  ];
  it('several objectives: the Pareto set, best first objective first, each architecture once', () => {
    expect(transferSet(trials, TWO)).toEqual(['d', 'a', 'b']);
  });
  it('one objective: the top k distinct complete architectures', () => {
    expect(transferSet(trials, ONE, 2)).toEqual(['d', 'a']);
    expect(transferSet(trials, ONE, 10)).toEqual(['d', 'a', 'b', 'c']);
    expect(transferSet([], ONE)).toEqual([]);
  });
  it('with fidelities, only the highest fidelity counts', () => {
    const mf = [trial(0, 'x', { acc: 0.99, fidelity: 12 }), trial(1, 'y', { acc: 0.5, fidelity: 200 })];
    expect(transferSet(mf, ONE)).toEqual(['y']);
  });
});
