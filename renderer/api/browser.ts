/**
 * Browser mode (`frontier serve`): a transport on fetch (calls) and a WebSocket (events), so the
 * renderer runs unchanged in a plain browser tab. Everything goes to the page's own origin.
 */
import { isNasEvent, type CallResult, type NasEventName } from '../../shared/ipc/contract.js';
import type { ClientTransport } from './client.js';
import { isNasErrorData } from './client.js';

export function httpTransport(origin: string, token: string): ClientTransport {
  const listeners = new Set<(event: NasEventName, payload: unknown) => void>();
  let socket: WebSocket | undefined;
  let retry = 500;
  const connect = () => {
    const url = new URL('/events', origin);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('token', token);
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => (retry = 500);
    ws.onmessage = (m) => {
      let msg: { type?: string; event?: string; payload?: unknown };
      try {
        msg = JSON.parse(String(m.data)) as typeof msg;
      } catch {
        return;
      }
      if (msg.type === 'event' && typeof msg.event === 'string' && isNasEvent(msg.event)) {
        for (const l of [...listeners]) l(msg.event, msg.payload);
      }
    };
    ws.onclose = () => {
      if (socket !== ws || listeners.size === 0) return;
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10_000);
    };
  };
  return {
    async call(channel, arg) {
      let res: Response;
      try {
        res = await fetch(new URL(`/rpc/${encodeURIComponent(channel)}`, origin), {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-frontier-token': token },
          body: JSON.stringify(arg ?? null),
        });
      } catch (e) {
        return { ok: false, error: { code: 'internal', message: `the Frontier server cannot be reached (${String(e)})` } };
      }
      const body = (await res.json().catch(() => undefined)) as CallResult | undefined;
      if (body && typeof body === 'object' && 'ok' in body) {
        if (body.ok || isNasErrorData(body.error)) return body;
      }
      return { ok: false, error: { code: 'internal', message: `the server answered ${res.status} ${res.statusText}` } };
    },
    subscribe(l) {
      listeners.add(l);
      if (!socket) connect();
      return () => {
        listeners.delete(l);
        if (listeners.size === 0 && socket) {
          const s = socket;
          socket = undefined;
          s.close();
        }
      };
    },
  };
}
