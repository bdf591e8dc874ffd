import { beforeEach, describe, expect, it } from 'vitest';
import { NasError } from '../../../shared/errors.js';
import { setNas, type NasBridge, type OneShotRunInfo, type OneShotStartRequest } from '../../api/index.js';
import { useNas } from '../index.js';
import { initialOneShotFormState } from './initialState.js';

const DARTS: OneShotRunInfo = {
  kind: 'darts', title: 'DARTS on the NB201 cell', summary: '', data: 'builtin:fashion-mnist', suggested: {},
  settings: [{ name: 'epochs', meaning: '', default: '10', range: '1..10000', kind: 'integer' }],
};

function mockHost(start: (r: OneShotStartRequest) => Promise<string>, list: () => Promise<OneShotRunInfo[]> = async () => [DARTS]) {
  const calls: OneShotStartRequest[] = [];
  const bridge = {
    oneShot: { list, start: async (r: OneShotStartRequest) => (calls.push(r), start(r)) },
    study: { list: async () => [] },
    on: () => () => undefined,
  } as unknown as NasBridge;
  return { bridge, calls };
}

describe('one-shot form actions', () => {
  beforeEach(() => useNas.setState({ ...initialOneShotFormState }));

  it("starts the chosen run with what was typed; main's refusal lands under the setting it names", async () => {
    const host = mockHost(async (r) => {
      if (r.settings.epochs === '0') throw new NasError('invalid-input', "epochs must be a whole number in 1..10000, got '0'");
      return '7';
    });
    setNas(host.bridge);
    await useNas.getState().loadOneShotRuns();
    useNas.getState().editOneShot({ run: 'darts', name: 'mine', settings: { epochs: '0' } });
    expect(await useNas.getState().submitOneShot()).toBeNull();
    expect(useNas.getState().oneShotIssue).toEqual({ field: 'epochs', message: "epochs must be a whole number in 1..10000, got '0'" });
    useNas.getState().editOneShot({ settings: { epochs: '3' } });
    expect(useNas.getState().oneShotIssue).toBeNull();
    expect(await useNas.getState().submitOneShot()).toBe('7');
    expect(host.calls.at(-1)).toEqual({ kind: 'darts', name: 'mine', settings: { epochs: '3' } });
    expect(useNas.getState().oneShotSubmitting).toBe(false);
  });

  it('a kind of run chosen starts from its own suggested settings', async () => {
    const supernet: OneShotRunInfo = { ...DARTS, kind: 'supernet', suggested: { steps: '300' } };
    setNas(mockHost(async () => '1', async () => [DARTS, supernet]).bridge);
    await useNas.getState().loadOneShotRuns();
    useNas.getState().editOneShot({ run: 'darts', settings: { epochs: '3' } });
    useNas.getState().editOneShot({ run: 'supernet' });
    expect(useNas.getState().oneShotDraft.settings).toEqual({ steps: '300' });
    useNas.getState().editOneShot({ run: 'darts' });
    expect(useNas.getState().oneShotDraft.settings).toEqual({});
  });

  it('says so when main cannot list the runs', async () => {
    setNas(mockHost(async () => '1', async () => Promise.reject(new NasError('internal', 'boom'))).bridge);
    await useNas.getState().loadOneShotRuns();
    expect(useNas.getState().oneShotRuns).toBeNull();
    expect(useNas.getState().oneShotIssue?.message).toBe('cannot list the one-shot runs: boom');
  });
});
