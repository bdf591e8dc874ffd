import { Cancelled } from '../../shared/errors.js';
import { type Disposable, toDisposable } from './lifecycle.js';

export interface CancellationToken {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): Disposable;
}

export class CancellationTokenSource implements Disposable {
  private cancelled = false;
  private listeners = new Set<() => void>();
  readonly token: CancellationToken;

  constructor() {
    const self = this;
    this.token = {
      get isCancellationRequested() {
        return self.cancelled;
      },
      onCancellationRequested(listener) {
        if (self.cancelled) {
          listener();
          return toDisposable(() => undefined);
        }
        self.listeners.add(listener);
        return toDisposable(() => self.listeners.delete(listener));
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
