import { errorMessage, NasError, type NasErrorData } from '../../shared/errors.js';
import {
  methodChannel,
  parseChannel,
  type CallResult,
  type NasApi,
  type NasEventName,
  type NasEvents,
  type NasNamespace,
} from '../../shared/ipc/contract.js';
import type { ClientMessage, MessagePortLike, ServerMessage } from '../../shared/ipc/messages.js';
import { check, type Schema } from '../../shared/ipc/schema.js';
import { toDisposable, type Disposable } from '../core/lifecycle.js';

/** One argument schema per method of a namespace. */
export type ServiceSchemas<N extends NasNamespace> = { readonly [M in keyof NasApi[N]]: Schema };

export type EventListener = <E extends NasEventName>(event: E, payload: NasEvents[E]) => void;

/**
 * The main side of the contract, independent of any transport (VS Code ProxyChannel.fromService):
 * services are registered one line each; transports call `call(channel, arg)` and forward `onEvent`.
 * `call` never throws: it validates the argument against the method's schema, runs the method, and
 * turns any error into `{ code, message }` (an unexpected error becomes `internal`).
 */
export class NasServer implements Disposable {
  private readonly handlers = new Map<string, { schema: Schema; fn: (arg: unknown) => Promise<unknown> }>();
  private readonly listeners = new Set<EventListener>();

  registerService<N extends NasNamespace>(ns: N, impl: NasApi[N], schemas: ServiceSchemas<N>): void {
    for (const [method, schema] of Object.entries(schemas) as [string, Schema][]) {
      const fn = (impl as unknown as Record<string, (arg: unknown) => Promise<unknown>>)[method];
      if (typeof fn !== 'function') throw new Error(`service ${ns} has no method ${method}`);
      this.handlers.set(methodChannel(ns, method), { schema, fn: (arg) => fn.call(impl, arg) });
    }
  }

  /** Channels with a handler (a transport may expose exactly these). */
  channels(): string[] {
    return [...this.handlers.keys()];
  }

  async call(channel: string, arg: unknown): Promise<CallResult> {
    const handler = parseChannel(channel) ? this.handlers.get(channel) : undefined;
    if (!handler) return { ok: false, error: { code: 'not-found', message: `unknown channel '${channel}'` } };
    let problem: string | undefined;
    try {
      problem = check(handler.schema, arg);
    } catch {
      // A hostile value (e.g. an object whose toString is not a function) can break a schema's message.
      problem = 'argument has an unexpected form';
    }
    if (problem) return { ok: false, error: { code: 'invalid-input', message: problem } };
    try {
      const value = await handler.fn(arg ?? undefined);
      return { ok: true, value: value === undefined ? null : value };
    } catch (e) {
      return { ok: false, error: toErrorData(e) };
    }
  }

  emit<E extends NasEventName>(event: E, payload: NasEvents[E]): void {
    for (const l of [...this.listeners]) l(event, payload);
  }

  onEvent(listener: EventListener): Disposable {
    this.listeners.add(listener);
    return toDisposable(() => this.listeners.delete(listener));
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  dispose(): void {
    this.listeners.clear();
    this.handlers.clear();
  }
}

export function toErrorData(e: unknown): NasErrorData {
  if (e instanceof NasError) return e.toData();
  return { code: 'internal', message: errorMessage(e) };
}

/**
 * Serves the contract over one duplex message channel (WebSocket, in-memory pair): answers `call`
 * messages and forwards every event. Disposing detaches it (the port is left to its owner).
 */
export function serveMessages(server: NasServer, port: MessagePortLike<ClientMessage, ServerMessage>, opts: { calls?: boolean } = {}): Disposable {
  const offMessage = port.onMessage((m) => {
    if (opts.calls === false || typeof m !== 'object' || m === null || m.type !== 'call') return;
    const seq = typeof m.seq === 'number' ? m.seq : -1;
    const channel = typeof m.channel === 'string' ? m.channel : '';
    void server
      .call(channel, m.arg)
      .then((result) => port.send({ type: 'result', seq, result }))
      .catch(() => {
        /* the port closed under us: nothing to answer */
      });
  });
  const events = server.onEvent((event, payload) => port.send({ type: 'event', event, payload } as ServerMessage));
  return toDisposable(() => {
    offMessage();
    events.dispose();
  });
}
