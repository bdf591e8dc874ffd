import { describe, expect, it } from 'vitest';
import { NasError } from '../../../shared/errors.js';
import type { Architecture, ObjectiveSpec, Sample } from '../../../shared/types/index.js';
import { ToySpace } from '../../../test/fixtures/toy-space.js';
import { checkStrategyOptions, createStrategy } from '../strategies.js';
import type { Strategy } from '../strategy.js';
import type { Screen } from './zc-filter.js';

const TOY = new ToySpace([
  { name: 'a', choices: [0, 1, 2, 3, 4, 5, 6, 7] },
  { name: 'b', choices: [0, 1, 2, 3, 4, 5, 6, 7] },
  { name: 'c', choices: [0, 1, 2, 3, 4, 5, 6, 7] },
]);
const ONE: ObjectiveSpec[] = [{ metric: 'v', direction: 'max' }];
const total = (s: Sample) => s.reduce((x, y) => x + y, 0);
/** The screen scores by the sum of the choices; calls are counted. */
function countingScreen(): { screen: Screen; calls: string[] } {
  const calls: string[] = [];
  return { calls, screen: (a: Architecture, proxy: string) => (calls.push(`${proxy}:${a.key}`), total(a.sample)) };
}
const make = (name: string, options: Record<string, unknown>, screen?: Screen, seed = 1): Strategy =>
  createStrategy(name, { space: TOY, objectives: ONE, seed, options, ...(screen ? { screen } : {}) });

/** Asks `n` trials one at a time, each told complete with value = total. */
function run(s: Strategy, n: number): Sample[] {
  const out: Sample[] = [];
  for (let i = 0; i < n; i++) {
    const x = s.ask({ finished: i, pending: 0 }) as Sample;
    out.push(x.slice());
    s.tell({ sample: x, key: TOY.freeze(x).key, state: 'complete', values: [total(x)] });
  }
  return out;
}

describe('zero-cost filter (options zcFilter, zcProxy on any strategy)', () => {
  it('returns the best-scored of k samples that the same unfiltered random search would have asked', () => {
    const { screen, calls } = countingScreen();
    const filtered = run(make('random', { zcFilter: 4, zcProxy: 'naswot' }, screen), 10);
    const plain = run(make('random', {}), 40);
    for (let i = 0; i < 10; i++) {
      const group = plain.slice(4 * i, 4 * i + 4);
      const best = group.reduce((b, x) => (total(x) > total(b) ? x : b));
      expect(filtered[i]).toEqual(best);
    }
    // one screen call per distinct architecture drawn (scores are cached by key)
    expect(calls).toHaveLength(new Set(plain.map((x) => TOY.freeze(x).key)).size);
    expect(calls.every((c) => c.startsWith('naswot:'))).toBe(true);
  });

  it('reaches good architectures sooner than the strategy alone when the proxy is informative (evolution)', () => {
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const bestAfter = (s: Strategy) => Math.max(...run(s, 4).map(total));
    const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
    const filtered = mean(seeds.map((seed) => bestAfter(make('evolution', { zcFilter: 8, population: 5 }, countingScreen().screen, seed))));
    const plain = mean(seeds.map((seed) => bestAfter(make('evolution', { population: 5 }, undefined, seed))));
    expect(filtered).toBeGreaterThan(plain + 2);
  });

  it('is deterministic, and a snapshot restores into a fresh instance that continues identically', () => {
    const a = make('evolution', { zcFilter: 3, population: 4 }, countingScreen().screen);
    run(a, 6);
    const snap = JSON.parse(JSON.stringify(a.snapshot())) as unknown;
    const b = make('evolution', { zcFilter: 3, population: 4 }, countingScreen().screen);
    b.restore(snap);
    expect(run(b, 8)).toEqual(run(a, 8));
    expect(run(make('evolution', { zcFilter: 3, population: 4 }, countingScreen().screen), 14)).toEqual(run(make('evolution', { zcFilter: 3, population: 4 }, countingScreen().screen), 14));
  });

  it('passes over candidates the screen cannot score, and the strategy name says it is filtered', () => {
    const screen: Screen = (a) => {
      if ((a.sample[0] as number) % 2 === 1) throw new Error('cannot score');
      return total(a.sample);
    };
    const s = make('random', { zcFilter: 6 }, screen);
    expect(s.name).toBe('random+zc-filter');
    expect(run(s, 20).filter((x) => (x[0] as number) % 2 === 1).length).toBeLessThan(3);
  });

  it('refuses bad options and a study without a screen, with readable errors', () => {
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(NasError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(err(() => make('random', { zcFilter: 1 }))).toMatch(/'zcFilter' must be a whole number of candidates per ask in \[2, 1000\], got 1/);
    expect(err(() => make('random', { zcFilter: 'x' }))).toMatch(/got x/);
    expect(err(() => make('random', { zcFilter: 4, zcProxy: 'zen' }))).toMatch(/'zcProxy' must be one of synflow, naswot, snip, grad_norm, params, flops, got 'zen'/);
    expect(err(() => make('random', { zcProxy: 'snip' }))).toMatch(/zcFilter/);
    expect(err(() => make('random', { zcFilter: 4 }).ask({ finished: 0, pending: 0 }))).toMatch(/needs an evaluator that builds the models/);
    // every strategy takes the two options; typos are still caught
    expect(() => checkStrategyOptions('local', { zcFilter: '4', zcProxy: 'snip' })).not.toThrow();
    expect(err(() => checkStrategyOptions('evolution', { zcFiltr: '4' }))).toMatch(/unknown strategy option 'zcFiltr'/);
  });
});
