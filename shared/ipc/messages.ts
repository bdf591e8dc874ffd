/**
 * A message protocol for transports that carry the contract over one duplex channel (a WebSocket,
 * a MessagePort, the in-memory pair of the tests). Electron IPC does not need it: it has invoke/send.
 */
import type { CallResult, NasEventName, NasEvents } from './contract.js';

export type ClientMessage = { readonly type: 'call'; readonly seq: number; readonly channel: string; readonly arg: unknown };
export type ServerMessage =
  | { readonly type: 'result'; readonly seq: number; readonly result: CallResult }
  | EventMessage;
export type EventMessage = { [E in NasEventName]: { readonly type: 'event'; readonly event: E; readonly payload: NasEvents[E] } }[NasEventName];

/** One end of a duplex message channel. */
export interface MessagePortLike<In, Out> {
  send(message: Out): void;
  onMessage(listener: (message: In) => void): () => void;
  close(): void;
}

/**
 * Two connected ends (VS Code `createProtocolPair` style). Messages are delivered asynchronously and
 * go through JSON, as over a real wire: anything that would not survive a transport fails here too.
 */
export function createMessagePair(): {
  client: MessagePortLike<ServerMessage, ClientMessage>;
  server: MessagePortLike<ClientMessage, ServerMessage>;
  /** Messages sent and not yet delivered, listeners attached: for leak checks. */
  readonly stats: () => { pending: number; listeners: number };
} {
  const listeners = { client: new Set<(m: ServerMessage) => void>(), server: new Set<(m: ClientMessage) => void>() };
  let pending = 0;
  let closed = false;
  const deliver = <T>(to: Set<(m: T) => void>, message: unknown) => {
    if (closed) return;
    const wire = JSON.stringify(message);
    pending++;
    queueMicrotask(() => {
      pending--;
      if (closed) return;
      const copy = JSON.parse(wire) as T;
      for (const l of [...to]) l(copy);
    });
  };
  const end = <In, Out>(mine: Set<(m: In) => void>, theirs: Set<(m: Out) => void>): MessagePortLike<In, Out> => ({
    send: (m) => deliver(theirs, m),
    onMessage(l) {
      mine.add(l);
      return () => mine.delete(l);
    },
    close() {
      closed = true;
      listeners.client.clear();
      listeners.server.clear();
    },
  });
  return {
    client: end(listeners.client, listeners.server),
    server: end(listeners.server, listeners.client),
    stats: () => ({ pending, listeners: listeners.client.size + listeners.server.size }),
  };
}
