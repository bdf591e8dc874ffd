import { describe, expect, it } from 'vitest';
import type { StudySpec } from '../../../shared/types/index.js';
import { InMemoryStore } from '../in-memory-store.js';
import { Rng } from '../rng.js';
import { Nb201Space } from '../spaces/nb201.js';
import { checkStrategyOptions, createStrategy } from '../strategies.js';
import { MAX_PRIOR, priorForFit, priorFrom, readPrior, stratified } from './prior.js';

const space = new Nb201Space();
const keyOf = (s: readonly number[]) => space.freeze(s).key;

describe('predictor prior (option prior)', () => {
  it('reads [key, score] pairs (or their JSON), averages repeats and maps scores to rank quantiles', () => {
    const a = keyOf([0, 1, 2, 3, 4, 0]);
    const b = keyOf([1, 1, 1, 1, 1, 1]);
    const c = keyOf([4, 4, 4, 4, 4, 4]);
    const p = readPrior(JSON.stringify([[a, 0.9], [b, 0.1], [c, 0.5], [a, 0.3]]), space);
    expect(p.map((x) => x.key)).toEqual([a, b, c]);
    // a averages 0.6: best; then c 0.5; b 0.1 worst. Quantiles of ranks 3, 2, 1 of 3.
    expect(p.map((x) => Math.round(x.y * 1000) / 1000)).toEqual([0.967, -0.967, 0]);
    expect(p[0]!.sample).toEqual([0, 1, 2, 3, 4, 0]);
    expect(readPrior(undefined, space)).toEqual([]);
  });

  it('names what is wrong with a bad prior', () => {
    expect(() => readPrior('{oops', space)).toThrow(/^strategy option 'prior' must be a JSON list of \[architecture key, score\] pairs, got \{oops$/);
    expect(() => readPrior({}, space)).toThrow("strategy option 'prior' must be a list of [architecture key, score] pairs");
    expect(() => readPrior([['x', 'y']], space)).toThrow('strategy option \'prior\': entry 0 must be [architecture key, finite score], got ["x","y"]');
    expect(() => readPrior([[keyOf([0, 0, 0, 0, 0, 0]), 1], ['|nope~0|', 2]], space)).toThrow(/^strategy option 'prior': architecture '\|nope~0\|' is not in the nb201 space: /);
    expect(() => readPrior([[keyOf([0, 0, 0, 0, 0, 0]), Number.NaN]], space)).toThrow(/entry 0 must be \[architecture key, finite score\]/);
  });

  it('bananas and bo take it; other strategies and a stray priorFrom are refused with the reason', () => {
    const prior = [[keyOf([1, 2, 3, 4, 0, 1]), 1]];
    expect(() => checkStrategyOptions('bananas', { prior, priorFrom: ['1'] })).not.toThrow();
    expect(() => checkStrategyOptions('bo', { prior })).not.toThrow();
    expect(() => checkStrategyOptions('evolution', { prior })).toThrow("strategy option 'prior' warms up a predictor: only bananas and bo have one, not evolution");
    const ctx = (options: Record<string, unknown>) => ({ space, objectives: [{ metric: 'acc', direction: 'max' as const }], seed: 1, options });
    expect(() => createStrategy('bananas', ctx({ priorFrom: ['1'] }))).toThrow("strategy option 'priorFrom' only records where 'prior' came from: give prior too");
    expect(() => createStrategy('bo', ctx({ prior, transform: 'none' }))).toThrow("strategy option 'prior' needs transform rank");
  });

  it('spreads a subsample over the order and fades the share as own results come in', () => {
    expect(stratified([5, 1, 4, 2, 3], 3)).toEqual([0, 4, 1]);
    expect(stratified([5, 1], 9)).toEqual([0, 1]);
    const rng = new Rng(3);
    const prior = readPrior(Array.from({ length: 300 }, () => space.sample(rng)).map((s, i) => [keyOf(s), i]), space);
    expect(priorForFit(prior, new Set(), 0, 10)).toHaveLength(100);
    expect(priorForFit(prior, new Set(), 10, 10)).toHaveLength(50);
    expect(priorForFit(prior, new Set(), 90, 10)).toHaveLength(10);
    // The best and the worst of the prior are kept; what the search measured itself is left out.
    const best = prior.reduce((a, b) => (b.y > a.y ? b : a));
    expect(priorForFit(prior, new Set(), 10, 10).map((p) => p.key)).toContain(best.key);
    expect(priorForFit(prior, new Set([best.key]), 10, 10).map((p) => p.key)).not.toContain(best.key);
  });
});

describe('priorFrom (frontier search --predictor-warm-start)', () => {
  const spec = (over: Partial<StudySpec> = {}): StudySpec => ({
    name: 'past', space: 'nb201', strategy: 'random', objectives: [{ metric: 'err', direction: 'min' }], constraints: [], report: [],
    budget: { evals: 5 }, seed: 1, evaluator: { kind: 'table' }, ...over,
  });
  function study(store: InMemoryStore, s: StudySpec, rows: [readonly number[], number | undefined][]) {
    const { id } = store.createStudy(s, 0);
    const progress = { evals: 0, failed: 0, rejected: 0, costSeconds: 0, wallMs: 0 };
    rows.forEach(([sample, err], i) => {
      const n = store.createTrial(id, { key: keyOf(sample), sample }, i);
      store.finishTrial(id, n, err === undefined ? { state: 'failed', metrics: {}, fidelity: {}, cost: 1, finishedAt: i, error: 'x' } : { state: 'complete', metrics: { err }, fidelity: {}, cost: 1, finishedAt: i }, { progress, strategyState: null });
    });
    return id;
  }

  it('scores every complete trial by its study\'s first objective (min: lower is better), per study', () => {
    const store = new InMemoryStore();
    const a = study(store, spec(), [[[0, 0, 0, 0, 0, 0], 0.5], [[1, 1, 1, 1, 1, 1], 0.1], [[2, 2, 2, 2, 2, 2], undefined]]);
    const b = study(store, spec({ objectives: [{ metric: 'err', direction: 'max' }] }), [[[3, 3, 3, 3, 3, 3], 7], [[4, 4, 4, 4, 4, 4], 9]]);
    const r = priorFrom(store, [a, b], 'nb201');
    expect(r.priorFrom).toEqual([a, b]);
    const score = Object.fromEntries(r.prior);
    expect(Object.keys(score).sort()).toEqual([[0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1], [3, 3, 3, 3, 3, 3], [4, 4, 4, 4, 4, 4]].map(keyOf).sort());
    expect(score[keyOf([1, 1, 1, 1, 1, 1])]).toBeGreaterThan(score[keyOf([0, 0, 0, 0, 0, 0])]!);
    expect(score[keyOf([4, 4, 4, 4, 4, 4])]).toBeGreaterThan(score[keyOf([3, 3, 3, 3, 3, 3])]!);
    // What the option gives the strategy reads back.
    expect(readPrior(r.prior, space)).toHaveLength(4);
  });

  it('keeps at most MAX_PRIOR, spread over the scores', () => {
    const store = new InMemoryStore();
    const rng = new Rng(9);
    const seen = new Set<string>();
    const rows: [readonly number[], number][] = [];
    while (rows.length < MAX_PRIOR + 200) {
      const s = space.sample(rng);
      if (seen.has(keyOf(s))) continue;
      seen.add(keyOf(s));
      rows.push([s, rows.length]);
    }
    const r = priorFrom(store, [study(store, spec(), rows)], 'nb201');
    expect(r.prior).toHaveLength(MAX_PRIOR);
    const scores = r.prior.map((p) => p[1]);
    expect(Math.max(...scores)).toBeGreaterThan(3);
    expect(Math.min(...scores)).toBeLessThan(-3);
  });

  it('refuses an unknown study, another space and a study without complete trials', () => {
    const store = new InMemoryStore();
    const mob = study(store, spec({ space: 'mobilenet' }), []);
    const empty = study(store, spec(), [[[0, 0, 0, 0, 0, 0], undefined]]);
    expect(() => priorFrom(store, ['42'], 'nb201')).toThrow("predictor warm-up: no study with id 42 (see 'frontier runs')");
    expect(() => priorFrom(store, [mob], 'nb201')).toThrow(`predictor warm-up: study ${mob} searched the mobilenet space, this search the nb201 space; its results cannot train this search's predictor`);
    expect(() => priorFrom(store, [empty], 'nb201')).toThrow(`predictor warm-up: study ${empty} has no complete trials to learn from`);
    expect(() => priorFrom(store, [], 'nb201')).toThrow('a predictor warm-up needs at least one study id');
  });
});
