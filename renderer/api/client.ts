/**
 * Builds a `NasBridge` (what the renderer calls `window.nas`) from the contract over any transport.
 * Errors come back as NasError with the code main gave. No DOM here: the browser transport lives
 * in ./browser.ts, the choice between Electron and browser in ./index.ts.
 */
import { NasError, type NasErrorData } from '../../shared/errors.js';
import { methodChannel, NAS_METHODS, type CallResult, type NasBridge, type NasEventName, type NasEvents } from '../../shared/ipc/contract.js';
import type { ClientMessage, MessagePortLike, ServerMessage } from '../../shared/ipc/messages.js';

export interface ClientTransport {
  call(channel: string, arg: unknown): Promise<CallResult>;
  /** Every event from main; returns an unsubscribe function. */
  subscribe(listener: (event: NasEventName, payload: unknown) => void): () => void;
}

export function createNasClient(transport: ClientTransport): NasBridge {
  const api: Record<string, Record<string, (arg?: unknown) => Promise<unknown>>> = {};
  for (const [ns, methods] of Object.entries(NAS_METHODS)) {
    const table: Record<string, (arg?: unknown) => Promise<unknown>> = {};
    for (const m of Object.keys(methods)) {
      const channel = methodChannel(ns, m);
      table[m] = async (arg?: unknown) => {
        const r = await transport.call(channel, arg);
        if (r.ok) return r.value;
        throw NasError.fromData(r.error);
      };
    }
    api[ns] = Object.freeze(table);
  }
  const listeners = new Map<NasEventName, Set<(p: unknown) => void>>();
  let unsubscribe: (() => void) | undefined;
  const on = <E extends NasEventName>(event: E, cb: (p: NasEvents[E]) => void): (() => void) => {
    if (!unsubscribe) {
      unsubscribe = transport.subscribe((e, p) => {
        for (const l of [...(listeners.get(e) ?? [])]) l(p);
      });
    }
    const set = listeners.get(event) ?? new Set();
    listeners.set(event, set);
    const l = cb as (p: unknown) => void;
    set.add(l);
    return () => {
      set.delete(l);
      if ([...listeners.values()].every((s) => s.size === 0) && unsubscribe) {
        unsubscribe();
        unsubscribe = undefined;
      }
    };
  };
  return Object.freeze({ ...api, on }) as unknown as NasBridge;
}

/** A transport over one duplex message channel (WebSocket, in-memory pair). */
export function messageTransport(port: MessagePortLike<ServerMessage, ClientMessage>): ClientTransport & { pendingCalls(): number } {
  let seq = 0;
  const pending = new Map<number, (r: CallResult) => void>();
  const eventListeners = new Set<(event: NasEventName, payload: unknown) => void>();
  port.onMessage((m) => {
    if (m.type === 'result') {
      const done = pending.get(m.seq);
      pending.delete(m.seq);
      done?.(m.result);
    } else if (m.type === 'event') {
      for (const l of [...eventListeners]) l(m.event, m.payload);
    }
  });
  return {
    call(channel, arg) {
      return new Promise((resolve) => {
        const id = ++seq;
        pending.set(id, resolve);
        port.send({ type: 'call', seq: id, channel, arg });
      });
    },
    subscribe(l) {
      eventListeners.add(l);
      return () => eventListeners.delete(l);
    },
    pendingCalls: () => pending.size,
  };
}

/**
 * Wraps a bridge whose calls reject with plain `{ code, message }` (the Electron preload: contextBridge
 * cannot carry Error objects) so that they reject with NasError, like every other transport.
 */
export function rebuildErrors(bridge: NasBridge): NasBridge {
  const out: Record<string, unknown> = {};
  for (const ns of Object.keys(NAS_METHODS)) {
    const src = (bridge as unknown as Record<string, Record<string, (arg?: unknown) => Promise<unknown>>>)[ns] ?? {};
    const table: Record<string, (arg?: unknown) => Promise<unknown>> = {};
    for (const m of Object.keys((NAS_METHODS as Record<string, Record<string, true>>)[ns] ?? {})) {
      table[m] = async (arg?: unknown) => {
        const fn = src[m];
        if (typeof fn !== 'function') throw new NasError('not-found', `the bridge has no method ${ns}.${m}`);
        try {
          return await fn(arg);
        } catch (e) {
          if (e instanceof NasError) throw e;
          if (isNasErrorData(e)) throw NasError.fromData(e);
          throw new NasError('internal', e instanceof Error ? e.message : String(e));
        }
      };
    }
    out[ns] = Object.freeze(table);
  }
  return Object.freeze({ ...out, on: bridge.on.bind(bridge) }) as unknown as NasBridge;
}

export function isNasErrorData(v: unknown): v is NasErrorData {
  return typeof v === 'object' && v !== null && typeof (v as NasErrorData).code === 'string' && typeof (v as NasErrorData).message === 'string';
}
