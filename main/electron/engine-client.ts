import type { CallResult, NasEventName } from '../../shared/ipc/contract.js';
import type { ClientMessage, MessagePortLike, ServerMessage } from '../../shared/ipc/messages.js';
import { toDisposable, type Disposable } from '../core/lifecycle.js';

/**
 * The Electron main process's end of the engine process: forwards contract calls (already
 * allow-listed by the IPC handlers) and relays the engine's events. Calls still pending when the
 * engine goes away resolve with an `internal` error instead of hanging.
 */
export class EngineClient implements Disposable {
  private seq = 0;
  private readonly pending = new Map<number, (r: CallResult) => void>();
  private readonly listeners = new Set<(event: NasEventName, payload: unknown) => void>();
  private readonly off: () => void;
  private closed = false;

  constructor(private readonly port: MessagePortLike<ServerMessage, ClientMessage>) {
    this.off = port.onMessage((m) => {
      if (m.type === 'result') {
        const done = this.pending.get(m.seq);
        this.pending.delete(m.seq);
        done?.(m.result);
      } else if (m.type === 'event') {
        for (const l of [...this.listeners]) l(m.event, m.payload);
      }
    });
  }

  call(channel: string, arg: unknown): Promise<CallResult> {
    if (this.closed) return Promise.resolve({ ok: false, error: { code: 'internal', message: 'the search engine is not running' } });
    return new Promise((resolve) => {
      const id = ++this.seq;
      this.pending.set(id, resolve);
      this.port.send({ type: 'call', seq: id, channel, arg });
    });
  }

  onEvent(listener: (event: NasEventName, payload: unknown) => void): Disposable {
    this.listeners.add(listener);
    return toDisposable(() => this.listeners.delete(listener));
  }

  /** The engine exited: fail what is pending. */
  engineGone(reason: string): void {
    this.closed = true;
    for (const done of this.pending.values()) done({ ok: false, error: { code: 'internal', message: `the search engine stopped: ${reason}` } });
    this.pending.clear();
  }

  get pendingCalls(): number {
    return this.pending.size;
  }

  dispose(): void {
    this.engineGone('closed');
    this.off();
    this.listeners.clear();
  }
}
