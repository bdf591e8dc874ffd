/** Ctrl-C and one progress line per epoch for the one-shot searches (frontier darts, enas). */
import { CancellationTokenSource } from '../../core/cancellation.js';
import { formatDuration } from '../args.js';
import type { CliIO } from '../io.js';

/** Ctrl-C cancels the run (darts and nb201 enas keep the last finished epoch's checkpoint, see onStopped in one-shot.ts); a second one quits. */
export function interruptible<T>(io: CliIO, what: string, f: (cts: CancellationTokenSource) => Promise<T>): Promise<T> {
  const cts = new CancellationTokenSource();
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) process.exit(130);
    io.err(`\nstopping ${what}… (Ctrl-C again to quit now)\n`);
    cts.cancel();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  return f(cts).finally(() => {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    cts.dispose();
  });
}

/** One progress line per epoch (stderr): percentage, ETA and what the epoch changed. */
export function progress(io: CliIO, label: string, epochs: number): (epoch: number, detail: string, from?: number) => void {
  const start = Date.now();
  return (epoch, detail, from = 0) => {
    const elapsed = Date.now() - start;
    const eta = (elapsed / Math.max(1, epoch - from)) * (epochs - epoch);
    const width = 20;
    const fill = Math.round((epoch / epochs) * width);
    io.err(`${label} ${'█'.repeat(fill)}${'░'.repeat(width - fill)} ${String(Math.floor((epoch / epochs) * 100)).padStart(3)}%  epoch ${epoch}/${epochs}  ${detail}  ETA ${formatDuration(eta)}\n`);
  };
}
