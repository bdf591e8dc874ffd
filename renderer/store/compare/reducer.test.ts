import { describe, expect, it } from 'vitest';
import type { TrialRecord } from '../../../shared/types/index.js';
import { item } from '../test-fixtures.js';
import type { CompareEntry } from './initialState.js';
import { bestRows, commonReference, sharedObjectives } from './reducer.js';

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
});
