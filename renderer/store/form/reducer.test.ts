import { describe, expect, it } from 'vitest';
import type { SpaceEntry } from '../../api/index.js';
import type { StrategyCatalog } from '../../../shared/strategy-info.js';
import { initialDraft, initialFormState, type FormState } from './initialState.js';
import { draftFromDefaults, issueFor, localIssues, switchSpace, toSpec, withStrategy } from './reducer.js';
import { formSelectors } from './selectors.js';

const spaces: SpaceEntry[] = [
  {
    id: 'nb201', title: 'NB201', count: '15625', metrics: [],
    defaults: { name: 'x', space: 'nb201', strategy: 'evolution', objectives: [], constraints: [], report: [], budget: { evals: 1 }, seed: 0, evaluator: { kind: 'table', tables: ['a'], knownTables: ['b'], cost: 'c*1' } },
  },
];

describe('form reducer', () => {
  it('accepts the default draft', () => {
    expect(localIssues(initialDraft)).toEqual([]);
  });
  it('names the field of each problem with a readable message', () => {
    const issues = localIssues({ ...initialDraft, name: ' ', budgetEvals: '2.5', seed: '-1', objectives: [{ metric: 'a', direction: 'max' }, { metric: 'a', direction: 'min' }] });
    expect(issues.map((i) => i.field)).toEqual(['name', 'objectives.1.metric', 'budget.evals', 'seed']);
    expect(issueFor(issues, 'budget')?.message).toMatch(/whole number/);
    expect(localIssues({ ...initialDraft, budgetEvals: '' })[0]).toMatchObject({ field: 'budget', message: expect.stringMatching(/at least one budget/) });
    expect(localIssues({ ...initialDraft, objectives: [] })[0]).toMatchObject({ field: 'objectives' });
    expect(localIssues({ ...initialDraft, constraints: [{ metric: 'lat', op: '<=', value: 'x' }] })[0]).toMatchObject({ field: 'constraints.0.value' });
  });
  it('builds the spec the draft stands for, with the space defaults evaluator and pace', () => {
    const spec = toSpec({ ...initialDraft, options: { population: '20', tournament: '', acquisition: 'ucb' }, budgetMinutes: '1.5', pace: '0.001', report: 'c10_test, c10_valid_12ep' }, spaces);
    expect(spec).toMatchObject({
      space: 'nb201',
      strategyOptions: { population: 20, acquisition: 'ucb' },
      budget: { evals: 500, wallMs: 90_000 },
      report: ['c10_test'],
      evaluator: { kind: 'table', tables: ['a'], knownTables: ['b'], cost: 'c*1', pace: 0.001 },
    });
    // a cost typed for a table search replaces the space's; empty keeps it
    expect(toSpec({ ...initialDraft, cost: ' c*2 ' }, spaces).evaluator).toMatchObject({ cost: 'c*2' });
    expect(toSpec({ ...initialDraft, cost: '' }, spaces).evaluator).toMatchObject({ cost: 'c*1' });
  });
});

describe('choosing a space', () => {
  const train: SpaceEntry = {
    id: 'mobilenet', title: 'MBConv', count: '1', metrics: ['val_accuracy', 'latency_ms', 'params', 'test_accuracy'].map((name) => ({ name, known: name === 'params' })),
    defaults: {
      name: 'mobilenet evolution', space: 'mobilenet', spaceOptions: { stages: [{ depths: [1, 2] }] }, strategy: 'evolution', strategyOptions: { population: 8, tournament: 3 },
      objectives: [{ metric: 'val_accuracy', direction: 'max' }, { metric: 'latency_ms', direction: 'min' }], constraints: [{ metric: 'params', op: '<=', value: 50000 }],
      report: ['test_accuracy', 'params'], budget: { wallMs: 270_000 }, seed: 0, evaluator: { kind: 'train', data: 'builtin:fashion-mnist', epochs: 2, workers: 2 }, concurrency: 2,
    },
  };
  it('fills the draft from the space ready spec, and the spec round-trips', () => {
    const d = draftFromDefaults({ ...initialDraft, pace: '0.01' }, train);
    expect(d).toMatchObject({ space: 'mobilenet', options: { population: '8', tournament: '3' }, budgetEvals: '', budgetMinutes: '4.5', report: 'test_accuracy, params', pace: '', data: 'builtin:fashion-mnist', epochs: '2', workers: '2' });
    expect(localIssues(d, null, true)).toEqual([]);
    expect(toSpec({ ...d, pace: '0.5' }, [train])).toEqual(train.defaults);
    expect(draftFromDefaults(initialDraft, { id: 'x', title: 'x', count: '1', metrics: [] })).toEqual({ ...initialDraft, space: 'x' });
  });
  it('a training search takes the data, epochs and workers as typed, with as many trials in flight as workers', () => {
    const d = draftFromDefaults(initialDraft, train);
    expect(toSpec({ ...d, data: ' /data/digits.csv ', epochs: '5', workers: '3' }, [train])).toMatchObject({ evaluator: { kind: 'train', data: '/data/digits.csv', epochs: 5, workers: 3 }, concurrency: 3 });
    expect(toSpec({ ...d, workers: '1' }, [train]).concurrency).toBeUndefined();
    expect(localIssues({ ...d, data: ' ', epochs: '0', workers: '1.5' }, null, true).map((i) => i.field)).toEqual(['evaluator.data', 'evaluator.epochs', 'evaluator.workers']);
    // not a training space: those fields are not checked
    expect(localIssues({ ...initialDraft, epochs: 'x' }, null, false)).toEqual([]);
  });
  it('keeps what the user changed on a change of space, and takes the rest from the new space', () => {
    const start = draftFromDefaults(initialDraft, spaces[0]);
    const untouched = switchSpace(start, start, train);
    expect(untouched).toEqual(draftFromDefaults(start, train));
    const typed = { ...start, name: 'mine', seed: '7', strategy: 'tpe', options: { gamma: '0.2' }, budgetEvals: '40' };
    const next = switchSpace(typed, start, train);
    expect(next).toMatchObject({ space: 'mobilenet', name: 'mine', seed: '7', strategy: 'tpe', options: { gamma: '0.2' }, budgetEvals: '40', budgetMinutes: '4.5', epochs: '2', workers: '2' });
    // the old space's objectives are not metrics of the new one: the new space's own
    expect(next.objectives.map((o) => o.metric)).toEqual(['val_accuracy', 'latency_ms']);
    // and back: the training fields typed on mobilenet are kept for later, the objectives are nb201's again
    const onTrain = { ...next, epochs: '4', workers: '1', data: '/d.csv' };
    const back = switchSpace(onTrain, draftFromDefaults(typed, train), spaces[0]);
    expect(back).toMatchObject({ space: 'nb201', name: 'mine', seed: '7', strategy: 'tpe', epochs: '4', workers: '1', data: '/d.csv', objectives: [] });
    expect(switchSpace(back, draftFromDefaults(back, spaces[0]), train)).toMatchObject({ epochs: '4', workers: '1', data: '/d.csv' });
  });
});

describe('form selectors', () => {
  const s = (over: Partial<FormState>): FormState => ({ ...initialFormState, spaces, ...over });
  it('shows local issues before server ones, and submits only with a positive server check', () => {
    expect(formSelectors.canSubmit(s({}))).toBe(false);
    expect(formSelectors.canSubmit(s({ serverCheck: { ok: true, issues: [], spaceCount: '15625' } }))).toBe(true);
    const server = { ok: false, issues: [{ field: 'objectives.0.metric', message: "no table has a column 'q'" }], spaceCount: '15625' };
    expect(formSelectors.issues(s({ serverCheck: server }))).toEqual(server.issues);
    expect(formSelectors.issues(s({ serverCheck: server, draft: { ...initialDraft, seed: 'x' } })).map((i) => i.field)).toEqual(['seed']);
    expect(formSelectors.spaceCount(s({}))).toBe('15625');
  });
  it('cannot start a space the workbench has no evaluator for', () => {
    const withMobilenet = [...spaces, { id: 'mobilenet', title: 'MBConv', count: '1', metrics: [] }];
    const ok = { ok: true, issues: [], spaceCount: '1' };
    expect(formSelectors.runnable(s({ spaces: withMobilenet }))).toBe(true);
    expect(formSelectors.runnable(s({ spaces: withMobilenet, draft: { ...initialDraft, space: 'mobilenet' } }))).toBe(false);
    expect(formSelectors.canSubmit(s({ spaces: withMobilenet, draft: { ...initialDraft, space: 'mobilenet' }, serverCheck: ok }))).toBe(false);
  });
});

describe('strategy options', () => {
  const catalog: StrategyCatalog = {
    strategies: [
      { name: 'evolution', title: 'Regularized evolution', summary: '', options: [{ name: 'population', meaning: 'members', default: '10', range: '≥ 2', kind: 'integer' }, { name: 'crossover', meaning: 'p', default: '0', range: '0..1', kind: 'number' }] },
      { name: 'bo', title: 'BO', summary: '', options: [{ name: 'acquisition', meaning: 'a', default: 'ei', range: 'its | ucb | ei', kind: 'choice', choices: ['its', 'ucb', 'ei'] }] },
    ],
    common: [{ name: 'zcFilter', meaning: 'k', default: 'off', range: '2..1000', kind: 'integer' }],
  };
  it('checks each option of the chosen strategy by its kind, naming the field', () => {
    const d = { ...initialDraft, options: { population: '2.5', crossover: 'x', zcFilter: '4' } };
    expect(localIssues(d, catalog)).toEqual([
      { field: 'strategyOptions.population', message: 'population must be a whole number (≥ 2).' },
      { field: 'strategyOptions.crossover', message: 'crossover must be a number (0..1).' },
    ]);
    expect(localIssues({ ...initialDraft, strategy: 'bo', options: { acquisition: 'pi' } }, catalog)[0]).toMatchObject({ field: 'strategyOptions.acquisition', message: 'acquisition must be one of its, ucb, ei.' });
    expect(localIssues({ ...initialDraft, options: { population: '', zcFilter: '8' } }, catalog)).toEqual([]);
  });
  it('another strategy drops the old one\'s options and keeps the zero-cost filter', () => {
    const d = withStrategy({ ...initialDraft, options: { population: '20', zcFilter: '8' } }, 'bo', catalog);
    expect(d).toMatchObject({ strategy: 'bo', options: { zcFilter: '8' } });
    expect(toSpec(d, spaces).strategyOptions).toEqual({ zcFilter: 8 });
  });
});
