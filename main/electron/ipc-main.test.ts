import { describe, expect, it } from 'vitest';
import { nasChannels, type CallResult } from '../../shared/ipc/contract.js';
import { InMemoryStore } from '../core/in-memory-store.js';
import { createNasHost } from '../ipc/index.js';
import { registerIpcHandlers, type IpcMainLike } from './ipc-main.js';

const APP = 'file:///opt/Frontier/resources/app.asar/out/renderer/index.html';

function fakeIpcMain() {
  const handlers = new Map<string, (event: { senderFrame?: { url: string } | null }, arg: unknown) => unknown>();
  const ipc: IpcMainLike = {
    handle: (channel, h) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, h);
    },
    removeHandler: (channel) => void handlers.delete(channel),
  };
  return { ipc, handlers };
}

describe('IPC handlers in the main process', () => {
  it('handles every contract channel (invoke/handle only), validating arguments in main', async () => {
    const host = createNasHost(new InMemoryStore());
    const { ipc, handlers } = fakeIpcMain();
    const sent: [string, unknown][] = [];
    const reg = registerIpcHandlers(ipc, host.server, (url) => url === APP, (c, p) => sent.push([c, p]));
    expect([...handlers.keys()].sort()).toEqual(nasChannels().sort());

    const call = (channel: string, arg: unknown, url = APP) => handlers.get(channel)?.({ senderFrame: { url } }, arg) as Promise<CallResult>;
    expect(await call('nas:study.list', undefined)).toEqual({ ok: true, value: [] });
    const bad = await call('nas:study.create', { spec: { name: 3 } });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error.code).toBe('invalid-input');

    host.server.emit('onDidChangeStudyStatus', { id: '7', status: 'stopped' });
    expect(sent).toEqual([['nas:onDidChangeStudyStatus', { id: '7', status: 'stopped' }]]);

    reg.dispose();
    expect(handlers.size).toBe(0);
    host.server.emit('onDidChangeStudyStatus', { id: '7', status: 'running' });
    expect(sent).toHaveLength(1);
    await host.shutdown();
  });

  it('refuses calls from frames that are not the app page', async () => {
    const host = createNasHost(new InMemoryStore());
    const { ipc, handlers } = fakeIpcMain();
    registerIpcHandlers(ipc, host.server, (url) => url === APP, () => undefined);
    for (const url of ['https://evil.example/', 'file:///tmp/other.html', '']) {
      const r = (await handlers.get('nas:study.list')?.({ senderFrame: url ? { url } : null }, undefined)) as CallResult;
      expect(r.ok, url).toBe(false);
      expect(!r.ok && r.error.message).toMatch(/not allowed/);
    }
    await host.shutdown();
  });
});
