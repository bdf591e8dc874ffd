import { Cancelled } from '../../shared/errors.js';
import { type Disposable, toDisposable } from './lifecycle.js';

export interface CancellationToken {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): Disposable;
}

export class CancellationTokenSource implements Disposable {
  private cancelled = false;
  private readonly listeners = new Set<() => void>();
  readonly token: CancellationToken;

  constructor() {
    const isCancelled = () => this.cancelled;
    const listeners = this.listeners;
    this.token = {
      get isCancellationRequested() {
        return isCancelled();
      },
      onCancellationRequested(listener) {
        if (isCancelled()) {
          listener();
          return toDisposable(() => undefined);
        }
        listeners.add(listener);
        return toDisposable(() => listeners.delete(listener));
      },
    };
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    const ls = [...this.listeners];
    this.listeners.clear();
    for (const l of ls) l();
  }

  dispose(): void {
    this.listeners.clear();
  }
}

export const CancellationToken = {
  None: { isCancellationRequested: false, onCancellationRequested: () => toDisposable(() => undefined) } as CancellationToken,
};

export function throwIfCancelled(token: CancellationToken): void {
  if (token.isCancellationRequested) throw new Cancelled();
}

/** setTimeout's longest wait; a longer one would fire at once (TimeoutOverflowWarning). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** Resolves after `ms` (any length: long waits are chained), or rejects with Cancelled as soon as the token fires. */
export function delay(ms: number, token: CancellationToken = CancellationToken.None): Promise<void> {
  return new Promise((resolve, reject) => {
    if (token.isCancellationRequested) return reject(new Cancelled());
    let timer: ReturnType<typeof setTimeout> | undefined;
    const sub = token.onCancellationRequested(() => {
      clearTimeout(timer);
      reject(new Cancelled());
    });
    let left = Number.isNaN(ms) ? 0 : Math.max(0, ms);
    const wait = () => {
      const step = Math.min(left, MAX_TIMEOUT_MS);
      left -= step;
      timer = setTimeout(() => {
        if (left > 0) return wait();
        sub.dispose();
        resolve();
      }, step);
    };
    wait();
  });
}
