import {
  eventChannel,
  isNasEvent,
  NAS_METHODS,
  methodChannel,
  type CallResult,
  type NasEventName,
} from '../../shared/ipc/contract.js';

/** The part of Electron's ipcRenderer the preload uses (structural, so it is testable without Electron). */
export interface IpcRendererLike {
  invoke(channel: string, arg: unknown): Promise<unknown>;
  on(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, payload: unknown) => void): unknown;
}

/**
 * What the preload exposes as `window.nas`: one function per contract method, allow-listed from
 * NAS_METHODS (nothing else can be invoked), and `on(event, cb)` for NAS_EVENTS only, returning an
 * unsubscribe function. A failed call rejects with the plain `{ code, message }` it got from main
 * (contextBridge would strip the properties of an Error); renderer/api rebuilds NasError from it.
 * Only plain functions and data: contextBridge copies it into the page's world.
 */
export function buildPreloadBridge(ipc: IpcRendererLike): Record<string, unknown> {
  const allowed = new Set<string>();
  const bridge: Record<string, unknown> = {};
  for (const [ns, methods] of Object.entries(NAS_METHODS)) {
    const table: Record<string, (arg?: unknown) => Promise<unknown>> = {};
    for (const m of Object.keys(methods)) {
      const channel = methodChannel(ns, m);
      allowed.add(channel);
      table[m] = async (arg?: unknown) => {
        if (!allowed.has(channel)) throw { code: 'invalid-input', message: `channel '${channel}' is not allowed` };
        const r = (await ipc.invoke(channel, arg)) as CallResult;
        if (r && r.ok === true) return r.value;
        throw r && r.ok === false ? { code: r.error.code, message: r.error.message } : { code: 'internal', message: `malformed reply on ${channel}` };
      };
    }
    bridge[ns] = Object.freeze(table);
  }
  bridge.on = (event: string, cb: (payload: unknown) => void): (() => void) => {
    if (typeof event !== 'string' || !isNasEvent(event)) throw new Error(`unknown event '${String(event)}'`);
    if (typeof cb !== 'function') throw new Error('on(event, listener) needs a function');
    const channel = eventChannel(event as NasEventName);
    const listener = (_e: unknown, payload: unknown) => cb(payload);
    ipc.on(channel, listener);
    return () => {
      ipc.removeListener(channel, listener);
    };
  };
  return Object.freeze(bridge);
}
