import { eventChannel, nasChannels, type CallResult, type NasEventName } from '../../shared/ipc/contract.js';
import { DisposableStore, toDisposable, type Disposable } from '../core/lifecycle.js';

/** The part of Electron's ipcMain used here (structural, testable without Electron). */
export interface IpcMainLike {
  handle(channel: string, handler: (event: { senderFrame?: { url: string } | null }, arg: unknown) => unknown): void;
  removeHandler(channel: string): void;
}

export interface EngineLike {
  call(channel: string, arg: unknown): Promise<CallResult>;
  onEvent(listener: (event: NasEventName, payload: unknown) => void): Disposable;
}

/**
 * One `ipcMain.handle` per contract channel (never `sendSync`), each forwarding to the engine,
 * which validates the argument. Calls from frames that are not the app's own page are refused.
 * Events go to every window through `send(channel, payload)`.
 */
export function registerIpcHandlers(
  ipcMain: IpcMainLike,
  engine: EngineLike,
  isTrustedFrame: (url: string) => boolean,
  send: (channel: string, payload: unknown) => void,
): Disposable {
  const store = new DisposableStore();
  for (const channel of nasChannels()) {
    ipcMain.handle(channel, (event, arg) => {
      const url = event.senderFrame?.url ?? '';
      if (!isTrustedFrame(url)) {
        return { ok: false, error: { code: 'invalid-input', message: `calls from ${url || 'an unknown frame'} are not allowed` } } satisfies CallResult;
      }
      return engine.call(channel, arg);
    });
    store.add(toDisposable(() => ipcMain.removeHandler(channel)));
  }
  store.add(engine.onEvent((event, payload) => send(eventChannel(event), payload)));
  return store;
}
