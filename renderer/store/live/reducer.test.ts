import { describe, expect, it } from 'vitest';
import type { TrialPoints } from '../../api/index.js';
import type { TrialRecord } from '../../../shared/types/index.js';
import { initialLiveState, type LiveState } from './initialState.js';
import { defaultAxes, mergeTrials } from './reducer.js';
import { formatEta, liveSelectors, scatterData } from './selectors.js';

const trial = (number: number, metrics: Record<string, number>, state: TrialRecord['state'] = 'complete'): TrialRecord => ({
  studyId: '1', number, key: `k${number}`, sample: [], state, metrics, fidelity: {}, cost: 0, startedAt: 0, finishedAt: 1,
});

const empty = (): TrialPoints => ({ numbers: [], states: [], finishedAt: [], metrics: { acc: [], lat: [] } });

describe('live reducer', () => {
  it('inserts trials in number order and replaces a known trial (running → complete)', () => {
    let p = mergeTrials(empty(), [trial(2, { acc: 1 }), trial(0, { acc: 3, lat: 1 }), trial(1, {}, 'running')]);
    expect(p.numbers).toEqual([0, 1, 2]);
    expect(p.states).toEqual([1, 0, 1]);
    expect(p.metrics.lat).toEqual([1, null, null]);
    const before = p;
    p = mergeTrials(p, [trial(1, { acc: 2, lat: 5 })]);
    expect(p.numbers).toEqual([0, 1, 2]);
    expect(p.metrics.acc).toEqual([3, 2, 1]);
    expect(before.metrics.acc).toEqual([3, null, 1]);
  });
  it('chooses the two objectives as default axes (x = second, y = first)', () => {
    expect(defaultAxes([{ metric: 'acc', direction: 'max' }, { metric: 'lat', direction: 'min' }], ['acc', 'lat', 'test'])).toEqual({ x: 'lat', y: 'acc' });
    expect(defaultAxes([{ metric: 'acc', direction: 'max' }], ['acc', 'test'])).toEqual({ x: 'test', y: 'acc' });
  });
});

describe('live selectors', () => {
  it('marks the 2-D Pareto front with the objectives directions, only complete trials', () => {
    const p = mergeTrials(empty(), [
      trial(0, { acc: 90, lat: 10 }),
      trial(1, { acc: 80, lat: 5 }),
      trial(2, { acc: 85, lat: 12 }), // dominated by 0
      trial(3, { acc: 95, lat: 20 }),
      trial(4, { acc: 99, lat: 1 }, 'failed'),
      trial(5, { acc: 80, lat: 5 }), // duplicate of a front point: on the front too
    ]);
    const d = scatterData(p, 'lat', 'acc', 'min', 'max');
    const on = [...d.numbers].filter((_, k) => d.front[k] === 1).sort();
    expect(on).toEqual([0, 1, 3, 5]);
    expect(d.numbers).toHaveLength(5);
    expect([...d.frontOrder].map((k) => d.numbers[k])).toEqual([1, 0, 3]);
    const flipped = scatterData(p, 'lat', 'acc', 'max', 'max');
    expect([...flipped.numbers].filter((_, k) => flipped.front[k] === 1)).toEqual([3]);
  });
  it('sorts the table by any column with missing values last, memoised', () => {
    const p = mergeTrials(empty(), [trial(0, { acc: 2 }), trial(1, {}), trial(2, { acc: 3 })]);
    const s: LiveState = { ...initialLiveState, points: p, tableSort: { key: 'acc', dir: 'desc' } };
    expect([...liveSelectors.tableOrder(s)]).toEqual([2, 0, 1]);
    expect(liveSelectors.tableOrder({ ...s })).toBe(liveSelectors.tableOrder(s));
    expect([...liveSelectors.tableOrder({ ...s, tableSort: { key: 'number', dir: 'desc' } })]).toEqual([2, 1, 0]);
  });
  it('formats an ETA', () => {
    expect(formatEta(null)).toBe('—');
    expect(formatEta(45_000)).toBe('45s');
    expect(formatEta(3_725_000)).toBe('1h02m');
  });
});
