import { describe, expect, it } from 'vitest';
import type { TrialRecord } from '../../../shared/types/index.js';
import { item } from '../test-fixtures.js';
import type { CompareEntry } from './initialState.js';
import { alignCurves, bestRows, commonReference, objectiveGroups, progressCurve, seedKey, sharedObjectives, stepAt } from './reducer.js';

const t = (number: number, acc: number): TrialRecord => ({ studyId: '1', number, key: '', sample: [], state: 'complete', metrics: { acc, lat: 1 }, fidelity: {}, cost: 0, startedAt: 0 });
const entry = (id: string, acc: number | null, objectives = [{ metric: 'acc', direction: 'max' as const }, { metric: 'lat', direction: 'min' as const }]): CompareEntry => {
  const base = item(id, { objectives });
  return {
    detail: { ...base, record: {} as never, etaMs: null, throughput: null },
    summary: { front: acc === null ? [] : [t(7, acc)], best: acc === null ? {} : { acc: t(7, acc) }, hypervolume: null, reference: null, complete: 1 },
    history: { evals: [], best: {}, hypervolume: [] },
  };
};

describe('compare reducer', () => {
  it('compares only objectives shared with the same direction', () => {
    expect(sharedObjectives([entry('1', 1), entry('2', 2, [{ metric: 'acc', direction: 'max' }, { metric: 'lat', direction: 'max' }])]).map((o) => o.metric)).toEqual(['acc']);
  });
  it('shares one hypervolume reference only between studies with the same objectives', () => {
    const a = [{ metric: 'acc', direction: 'max' as const }, { metric: 'lat', direction: 'min' as const }];
    expect(commonReference([a, a], [[-10, 5], [-20, 3]])).toEqual([-10, 5]);
    expect(commonReference([a, [a[1]!, a[0]!]], [[-10, 5], [5, -10]])).toBeNull();
    expect(commonReference([a, a], [[-10, 5], null])).toBeNull();
  });
  it('ranks studies by their best first objective, studies without one last', () => {
    const { rows } = bestRows([entry('1', 80), entry('2', null), entry('3', 90)]);
    expect(rows.map((r) => r.id)).toEqual(['3', '1', '2']);
    expect(rows[0]!.best.acc).toEqual({ value: 90, trial: 7 });
  });
  it('shows the Searches list hypervolume, and the shared-reference one apart', () => {
    const e = { ...entry('1', 80), reference: [-10, 5], history: { evals: [1], best: {}, hypervolume: [42] } };
    const row = bestRows([{ ...e, detail: { ...e.detail, hypervolume: 29.38 } }]).rows[0]!;
    expect(row.hypervolume).toBe(29.38);
    expect(row.sharedHypervolume).toBe(42);
    expect(bestRows([{ ...e, reference: null, detail: { ...e.detail, hypervolume: 29.38 } }]).rows[0]!.sharedHypervolume).toBeNull();
  });
  it('never puts searches with different objectives on one chart', () => {
    const one = [{ metric: 'acc', direction: 'max' as const }];
    const groups = objectiveGroups([entry('1', 1), entry('2', 2, one), entry('3', 3)]);
    expect(groups.map((g) => g.entries.map((e) => e.detail.id))).toEqual([['1', '3'], ['2']]);
  });
  it('draws best-so-far for one objective, hypervolume for two, along any x', () => {
    const h = { evals: [1, 2], best: { acc: [5, 7] }, hypervolume: [null, null], cost: [10, 30], wallMs: [500, 2500] };
    const single = { ...entry('1', 1, [{ metric: 'acc', direction: 'max' }]), history: h };
    expect(progressCurve(single, 'evals')).toEqual({ xs: [1, 2], ys: [5, 7] });
    expect(progressCurve(single, 'cost').xs).toEqual([10, 30]);
    expect(progressCurve(single, 'wall').xs).toEqual([0.5, 2.5]);
    expect(progressCurve({ ...entry('2', 1), history: { ...h, hypervolume: [1, 2] } }, 'evals').ys).toEqual([1, 2]);
  });
  it('groups searches that differ only by name and seed', () => {
    const withSpec = (id: string, spec: Record<string, unknown>) => {
      const e = entry(id, 1);
      return { ...e, detail: { ...e.detail, record: { spec } as never } };
    };
    const a = withSpec('1', { name: 'a', seed: 1, strategy: 'evolution', budget: { evals: 10 } });
    const b = withSpec('2', { budget: { evals: 10 }, strategy: 'evolution', seed: 2, name: 'b' });
    const c = withSpec('3', { name: 'c', seed: 1, strategy: 'random', budget: { evals: 10 } });
    expect(seedKey(a)).toBe(seedKey(b));
    expect(seedKey(a)).not.toBe(seedKey(c));
  });
  it('aligns step curves and gives mean ± sample std where every curve has a value', () => {
    expect(stepAt([1, 3], [10, 30], 0)).toBeNull();
    expect(stepAt([1, 3], [10, 30], 2)).toBe(10);
    const r = alignCurves([{ xs: [1, 3], ys: [10, 30] }, { xs: [2, 3], ys: [20, 40] }]);
    expect(r.xs).toEqual([1, 2, 3]);
    expect(r.mean).toEqual([null, 15, 35]);
    expect(r.hi[1]! - r.mean[1]!).toBeCloseTo(Math.SQRT2 * 5, 9);
    expect(r.lo[2]!).toBeCloseTo(35 - Math.SQRT2 * 5, 9);
    // A curve that ended is not carried on.
    expect(alignCurves([{ xs: [1, 2], ys: [1, 2] }, { xs: [1, 5], ys: [3, 4] }]).mean).toEqual([2, 2.5, null]);
  });
});
