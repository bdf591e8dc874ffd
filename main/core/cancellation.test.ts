import { describe, expect, it } from 'vitest';
import { Cancelled } from '../../shared/errors.js';
import { CancellationTokenSource, delay } from './cancellation.js';

describe('delay', () => {
  it('waits longer than setTimeout can (2^31 ms) instead of firing at once, and is cancellable', async () => {
    const cts = new CancellationTokenSource();
    let settled: 'resolved' | 'cancelled' | undefined;
    const p = delay(1e12, cts.token).then(
      () => (settled = 'resolved'),
      (e: unknown) => (settled = e instanceof Cancelled ? 'cancelled' : undefined),
    );
    // A plain setTimeout(1e12) overflows and fires after 1 ms.
    await new Promise((r) => setTimeout(r, 30));
    expect(settled).toBeUndefined();
    cts.cancel();
    await p;
    expect(settled).toBe('cancelled');
  });

  it('short and non-positive waits resolve', async () => {
    await delay(1);
    await delay(0);
    await delay(-5);
    await delay(Number.NaN);
  });
});
