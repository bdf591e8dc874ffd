import { describe, expect, it } from 'vitest';
import type { TrialPoints } from '../../api/index.js';
import { initialLiveState, type LiveState } from './initialState.js';
import { architectureOf, filterProblem, trialMask, trialsCsv } from './filter.js';
import { liveSelectors } from './selectors.js';

const points = (): TrialPoints => ({
  numbers: [0, 1, 2, 3],
  states: [1, 1, 3, 1],
  finishedAt: [1, 1, 1, 1],
  metrics: { acc: [90, 80, null, 70], lat: [5, 2, null, 1] },
  dims: [{ name: 'op', choices: ['conv', 'skip, "x"'] }, { name: 'width', choices: ['8', '16'] }],
  decisions: [[0, 1, 0, 1], [1, 1, -1, 0]],
  interrupted: [2],
});

describe('trial filters', () => {
  it('filters by metric, decision and state (interrupted apart from failed), ANDed', () => {
    const p = points();
    const on = (m: Uint8Array | null) => (m ? [...m].flatMap((v, i) => (v ? [p.numbers[i]] : [])) : 'all');
    expect(on(trialMask(p, [], {}))).toBe('all');
    expect(on(trialMask(p, [{ column: 'acc', op: '>=', value: '80' }], {}))).toEqual([0, 1]);
    expect(on(trialMask(p, [{ column: 'd:op', op: '=', value: 'skip, "x"' }], {}))).toEqual([1, 3]);
    expect(on(trialMask(p, [{ column: 'd:op', op: '=', value: 'skip, "x"' }, { column: 'lat', op: '<', value: '2' }], {}))).toEqual([3]);
    expect(on(trialMask(p, [{ column: 'state', op: '=', value: 'interrupted' }], {}))).toEqual([2]);
    expect(on(trialMask(p, [{ column: 'state', op: '=', value: 'complete' }], {}))).toEqual([0, 1, 3]);
    // Brushes: a metric range and a decision's choice range.
    expect(on(trialMask(p, [], { lat: [1.5, 6] }))).toEqual([0, 1]);
    expect(on(trialMask(p, [], { 'd:width': [0.5, 1.5], lat: [0, 3] }))).toEqual([1]);
  });
  it('names what is wrong with a filter, and ignores it meanwhile', () => {
    const p = points();
    expect(filterProblem(p, { column: 'acc', op: '>', value: 'abc' })).toMatch(/not a number/);
    expect(filterProblem(p, { column: 'd:op', op: '<', value: 'conv' })).toMatch(/= or ≠/);
    expect(filterProblem(p, { column: 'd:op', op: '=', value: 'pool' })).toMatch(/not one of/);
    expect(filterProblem(p, { column: 'nope', op: '=', value: '1' })).toMatch(/no column/);
    expect(trialMask(p, [{ column: 'acc', op: '>', value: 'abc' }], {})).toBeNull();
  });
  it('writes the architecture from the decisions, inactive ones left out', () => {
    expect(architectureOf(points(), 1)).toBe('skip, "x" 16');
    expect(architectureOf(points(), 2)).toBe('conv');
  });
  it('exports the shown trials as RFC 4180 CSV, quoting where needed', () => {
    expect(trialsCsv(points(), [3, 2])).toBe('number,state,acc,lat,op,width\r\n3,complete,70,1,"skip, ""x""",8\r\n2,interrupted,,,conv,\r\n');
  });
  it('the table order and the scatter both follow the filters', () => {
    const s: LiveState = { ...initialLiveState, points: points(), axes: { x: 'lat', y: 'acc' }, filters: [{ column: 'acc', op: '<', value: '85' }] };
    expect([...liveSelectors.tableOrder(s)]).toEqual([3, 1]);
    expect([...liveSelectors.scatter(s)!.numbers]).toEqual([1, 3]);
    expect(liveSelectors.stateCounts({ ...s })).toMatchObject({ complete: 3, failed: 0, interrupted: 1 });
  });
});
