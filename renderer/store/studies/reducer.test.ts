import { describe, expect, it } from 'vitest';
import { item } from '../test-fixtures.js';
import { initialStudiesState, type StudiesState } from './initialState.js';
import { applyProgress, applyStatus, nextSort, toggleSelected } from './reducer.js';
import { studiesSelectors } from './selectors.js';

const state = (over: Partial<StudiesState>): StudiesState => ({ ...initialStudiesState, ...over });

describe('studies reducer', () => {
  it('applies a status event to the matching study only, and ignores unknown ids', () => {
    const list = [item('1', { status: 'created' }), item('2')];
    const next = applyStatus(list, { id: '1', status: 'running' });
    expect(next[0]).toMatchObject({ status: 'running', active: true });
    expect(next[1]).toBe(list[1]);
    expect(applyStatus(list, { id: '9', status: 'running' })).toBe(list);
    expect(applyStatus(next, { id: '1', status: 'failed', error: 'boom' })[0]).toMatchObject({ status: 'failed', active: false, error: 'boom' });
  });
  it('applies progress', () => {
    const p = { evals: 5, failed: 1, rejected: 0, costSeconds: 10, wallMs: 100 };
    expect(applyProgress([item('1')], { id: '1', progress: p, fraction: 0.05, etaMs: null, throughput: null })[0]).toMatchObject({ progress: p, fraction: 0.05 });
  });
  it('toggles compare selection in ticking order', () => {
    expect(toggleSelected(toggleSelected(toggleSelected([], '2'), '1'), '2')).toEqual(['1']);
  });
  it('flips the direction of the current sort column, starts others descending', () => {
    expect(nextSort({ key: 'id', dir: 'desc' }, 'id')).toEqual({ key: 'id', dir: 'asc' });
    expect(nextSort({ key: 'id', dir: 'asc' }, 'hypervolume')).toEqual({ key: 'hypervolume', dir: 'desc' });
    expect(nextSort({ key: 'id', dir: 'asc' }, 'name')).toEqual({ key: 'name', dir: 'asc' });
  });
});

describe('studies selectors', () => {
  const studies = [item('1', { name: 'Alpha', status: 'running', active: true }), item('2', { name: 'beta', hypervolume: null }), item('3', { name: 'Gamma', space: 'mobilenet' })];
  it('filters by text (name, space, strategy, #id) and by status', () => {
    expect(studiesSelectors.visible(state({ studies, query: 'mobile' })).map((s) => s.id)).toEqual(['3']);
    expect(studiesSelectors.visible(state({ studies, query: '#2' })).map((s) => s.id)).toEqual(['2']);
    expect(studiesSelectors.visible(state({ studies, statusFilter: 'running' })).map((s) => s.id)).toEqual(['1']);
  });
  it('sorts by any column, missing hypervolumes last when descending', () => {
    expect(studiesSelectors.visible(state({ studies })).map((s) => s.id)).toEqual(['3', '2', '1']);
    expect(studiesSelectors.visible(state({ studies, sort: { key: 'name', dir: 'asc' } })).map((s) => s.name)).toEqual(['Alpha', 'beta', 'Gamma']);
    expect(studiesSelectors.visible(state({ studies, sort: { key: 'hypervolume', dir: 'desc' } })).map((s) => s.id)).toEqual(['3', '1', '2']);
  });
  it('memoises the visible list while its inputs are unchanged', () => {
    const s = state({ studies });
    expect(studiesSelectors.visible(s)).toBe(studiesSelectors.visible({ ...s }));
  });
  it('allows comparing from two selected studies', () => {
    expect(studiesSelectors.canCompare(state({ studies, selected: ['1'] }))).toBe(false);
    expect(studiesSelectors.selectedStudies(state({ studies, selected: ['3', '1', '9'] })).map((s) => s.id)).toEqual(['3', '1']);
    expect(studiesSelectors.runningCount(state({ studies }))).toBe(1);
  });
});
