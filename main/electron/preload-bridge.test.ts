import { afterEach, describe, expect, it } from 'vitest';
import { NAS_EVENTS, NAS_METHODS, eventChannel } from '../../shared/ipc/contract.js';
import { InMemoryStore } from '../core/in-memory-store.js';
import { createNasHost, type NasHost } from '../ipc/index.js';
import { buildPreloadBridge, type IpcRendererLike } from './preload-bridge.js';

/** ipcRenderer's shape over the real main-side server, as Electron's invoke/handle would carry it. */
function ipcOver(host: NasHost): IpcRendererLike & { invoked: string[]; listeners: Map<string, Set<(e: unknown, p: unknown) => void>> } {
  const listeners = new Map<string, Set<(e: unknown, p: unknown) => void>>();
  const invoked: string[] = [];
  host.server.onEvent((event, payload) => {
    for (const l of listeners.get(eventChannel(event)) ?? []) l({}, structuredClone(payload));
  });
  return {
    invoked,
    listeners,
    invoke: async (channel, arg) => {
      invoked.push(channel);
      return structuredClone(await host.server.call(channel, structuredClone(arg)));
    },
    on: (channel, l) => listeners.set(channel, (listeners.get(channel) ?? new Set()).add(l)),
    removeListener: (channel, l) => listeners.get(channel)?.delete(l),
  };
}

describe('preload bridge (window.nas)', () => {
  let host: NasHost | undefined;
  afterEach(async () => {
    await host?.shutdown();
  });

  it('exposes exactly the contract methods, frozen, and nothing that can reach other channels', () => {
    host = createNasHost(new InMemoryStore());
    const bridge = buildPreloadBridge(ipcOver(host));
    expect(Object.keys(bridge).sort()).toEqual([...Object.keys(NAS_METHODS), 'on'].sort());
    for (const [ns, methods] of Object.entries(NAS_METHODS)) {
      expect(Object.keys(bridge[ns] as object).sort()).toEqual(Object.keys(methods).sort());
      expect(Object.isFrozen(bridge[ns])).toBe(true);
    }
    expect(Object.isFrozen(bridge)).toBe(true);
    expect(JSON.stringify(Object.keys(bridge))).not.toMatch(/invoke|send|ipc/);
  });

  it('calls go through the contract channel and resolve to the value', async () => {
    host = createNasHost(new InMemoryStore());
    const ipc = ipcOver(host);
    const nas = buildPreloadBridge(ipc) as { study: { list(): Promise<unknown[]> }; space: { count(a: unknown): Promise<string> } };
    expect(await nas.study.list()).toEqual([]);
    expect(await nas.space.count({ space: 'nb201' })).toBe('15625');
    expect(ipc.invoked).toEqual(['nas:study.list', 'nas:space.count']);
  });

  it('errors cross as plain {code, message}, validated in main', async () => {
    host = createNasHost(new InMemoryStore());
    const nas = buildPreloadBridge(ipcOver(host)) as { study: { get(a: unknown): Promise<unknown> } };
    await expect(nas.study.get({ id: 42 })).rejects.toEqual({ code: 'invalid-input', message: expect.stringMatching(/id/) });
    const err = await nas.study.get({ id: '999' }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(Error);
    expect(err).toMatchObject({ code: 'not-found' });
  });

  it('events: only contract events, with an unsubscribe function', async () => {
    host = createNasHost(new InMemoryStore());
    const ipc = ipcOver(host);
    const nas = buildPreloadBridge(ipc) as { on(e: string, cb: (p: unknown) => void): () => void };
    expect(() => nas.on('nas:study.list', () => undefined)).toThrow(/unknown event/);
    expect(() => nas.on('constructor', () => undefined)).toThrow(/unknown event/);
    const got: unknown[] = [];
    const off = nas.on('onDidChangeStudyStatus', (p) => got.push(p));
    host.server.emit('onDidChangeStudyStatus', { id: '1', status: 'running' });
    expect(got).toEqual([{ id: '1', status: 'running' }]);
    off();
    host.server.emit('onDidChangeStudyStatus', { id: '1', status: 'complete' });
    expect(got).toHaveLength(1);
    expect(ipc.listeners.get(eventChannel('onDidChangeStudyStatus'))?.size).toBe(0);
    expect(Object.keys(NAS_EVENTS)).toContain('onDidChangeStudyStatus');
  });
});
