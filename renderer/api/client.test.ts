import { describe, expect, it } from 'vitest';
import { NasError } from '../../shared/errors.js';
import type { CallResult, NasBridge } from '../../shared/ipc/contract.js';
import { createNasClient, rebuildErrors, type ClientTransport } from './client.js';

/** A mock host (Netron mock.Host style): answers calls from a table, pushes events on demand. */
function mockTransport(answers: Record<string, CallResult>) {
  const listeners = new Set<(e: never, p: unknown) => void>();
  const calls: [string, unknown][] = [];
  const t: ClientTransport = {
    async call(channel, arg) {
      calls.push([channel, arg]);
      return answers[channel] ?? { ok: false, error: { code: 'not-found', message: `unknown channel '${channel}'` } };
    },
    subscribe(l) {
      listeners.add(l as never);
      return () => listeners.delete(l as never);
    },
  };
  return { t, calls, emit: (event: string, payload: unknown) => listeners.forEach((l) => l(event as never, payload)), listeners };
}

describe('renderer api client', () => {
  it('calls the channel of each method with its one argument and unwraps the value', async () => {
    const m = mockTransport({ 'nas:study.list': { ok: true, value: [] }, 'nas:space.count': { ok: true, value: '15625' } });
    const nas = createNasClient(m.t);
    expect(await nas.study.list()).toEqual([]);
    expect(await nas.space.count({ space: 'nb201' })).toBe('15625');
    expect(m.calls).toEqual([['nas:study.list', undefined], ['nas:space.count', { space: 'nb201' }]]);
  });
  it('rejects with a NasError carrying the code from main', async () => {
    const nas = createNasClient(mockTransport({ 'nas:study.get': { ok: false, error: { code: 'not-found', message: 'no study with id 9' } } }).t);
    const e = await nas.study.get({ id: '9' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NasError);
    expect(e).toMatchObject({ code: 'not-found', message: 'no study with id 9' });
  });
  it('routes events to their listeners and unsubscribes from the transport when the last one leaves', () => {
    const m = mockTransport({});
    const nas = createNasClient(m.t);
    const got: unknown[] = [];
    const off1 = nas.on('onDidChangeStudyStatus', (e) => got.push(e.status));
    const off2 = nas.on('onDidUpdateTrial', () => got.push('trial'));
    m.emit('onDidChangeStudyStatus', { id: '1', status: 'running' });
    m.emit('onDidStudyProgress', {});
    expect(got).toEqual(['running']);
    off1();
    expect(m.listeners.size).toBe(1);
    off2();
    expect(m.listeners.size).toBe(0);
  });
  it('rebuilds NasError from the plain {code, message} an Electron preload rejects with', async () => {
    const preload = {
      study: { get: async () => Promise.reject({ code: 'not-found', message: 'no study with id 4' }), list: async () => [] },
      space: {},
      device: {},
      on: () => () => undefined,
    } as unknown as NasBridge;
    const nas = rebuildErrors(preload);
    expect(await nas.study.list()).toEqual([]);
    await expect(nas.study.get({ id: '4' })).rejects.toBeInstanceOf(NasError);
    await expect(nas.study.get({ id: '4' })).rejects.toMatchObject({ code: 'not-found' });
    await expect(nas.device.list()).rejects.toMatchObject({ code: 'not-found' });
  });
});
