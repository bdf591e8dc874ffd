import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NasError } from '../../../shared/errors.js';
import { setNas, type NasBridge, type SpecValidation } from '../../api/index.js';
import type { StudySpec } from '../../../shared/types/index.js';
import { useNas } from '../index.js';
import { formSelectors } from './selectors.js';
import { initialFormState } from './initialState.js';

function mockHost(verdict: SpecValidation, create: () => Promise<string> = async () => '12') {
  const calls: [string, unknown][] = [];
  const bridge = {
    study: {
      validate: async (a: { spec: StudySpec }) => (calls.push(['validate', a.spec]), verdict),
      create: async (a: unknown) => (calls.push(['create', a]), create()),
      start: async (a: unknown) => void calls.push(['start', a]),
      list: async () => [],
    },
    space: { list: async () => [{ id: 'nb201', title: 'NB201', count: '15625', metrics: [], defaults: { evaluator: { kind: 'table', tables: ['t'], knownTables: [] } } }] },
    on: () => () => undefined,
  } as unknown as NasBridge;
  return { bridge, calls };
}

const OK: SpecValidation = { ok: true, issues: [], spaceCount: '15625' };

describe('form slice actions', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    useNas.setState({ ...initialFormState });
  });
  afterEach(() => vi.useRealTimers());

  it('checks the draft with main after typing stops, and only a locally valid draft', async () => {
    const host = mockHost(OK);
    setNas(host.bridge);
    await useNas.getState().loadSpaces();
    useNas.getState().editDraft({ budgetEvals: '1' });
    useNas.getState().editDraft({ budgetEvals: '12' });
    await vi.advanceTimersByTimeAsync(300);
    expect(host.calls.filter(([m]) => m === 'validate')).toHaveLength(1);
    expect(formSelectors.canSubmit(useNas.getState())).toBe(true);
    useNas.getState().editDraft({ seed: 'x' });
    await vi.advanceTimersByTimeAsync(300);
    expect(host.calls.filter(([m]) => m === 'validate')).toHaveLength(1);
    expect(formSelectors.issues(useNas.getState())[0]).toMatchObject({ field: 'seed' });
  });

  it('creates then starts the search, with the space defaults evaluator', async () => {
    const host = mockHost(OK);
    setNas(host.bridge);
    await useNas.getState().loadSpaces();
    expect(await useNas.getState().submitDraft()).toBe('12');
    const created = host.calls.find(([m]) => m === 'create')?.[1] as { spec: StudySpec };
    expect(created.spec).toMatchObject({ space: 'nb201', budget: { evals: 500 }, evaluator: { kind: 'table', tables: ['t'] } });
    expect(host.calls.at(-1)).toEqual(['start', { id: '12' }]);
  });

  it('does not create anything when main finds an issue, and shows main errors', async () => {
    const bad: SpecValidation = { ok: false, issues: [{ field: 'objectives.0.metric', message: "no table has a column 'q'" }], spaceCount: '15625' };
    let host = mockHost(bad);
    setNas(host.bridge);
    await useNas.getState().loadSpaces();
    expect(await useNas.getState().submitDraft()).toBeNull();
    expect(host.calls.some(([m]) => m === 'create')).toBe(false);
    expect(formSelectors.issues(useNas.getState())).toEqual(bad.issues);
    host = mockHost(OK, async () => Promise.reject(new NasError('store-io', 'disk full')));
    setNas(host.bridge);
    expect(await useNas.getState().submitDraft()).toBeNull();
    expect(useNas.getState().submitError).toEqual({ field: '', message: 'disk full' });
  });
});
