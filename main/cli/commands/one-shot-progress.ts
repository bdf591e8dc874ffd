/** Ctrl-C and one progress line per epoch for the one-shot searches (frontier darts, enas). */
import { CancellationTokenSource } from '../../core/cancellation.js';
import { formatDuration } from '../args.js';
import type { CliIO } from '../io.js';

/** Ctrl-C handling from the moment it is armed: the first cancels `cts`, a second quits. */
export interface Interrupt {
  readonly cts: CancellationTokenSource;
  dispose(): void;
}

/**
 * Arms Ctrl-C (and SIGTERM) now. A command arms it before it stores its run's study: without a
 * listener a signal kills the process outright, leaving the study 'running'; armed, a Ctrl-C that
 * comes before the run starts cancels it as soon as it does.
 */
export function armInterrupt(io: CliIO, what: string): Interrupt {
  const cts = new CancellationTokenSource();
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) process.exit(130);
    io.err(`\nstopping ${what}… (Ctrl-C again to quit now)\n`);
    cts.cancel();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  return {
    cts,
    dispose: () => {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
      cts.dispose();
    },
  };
}

/**
 * Runs `f` under Ctrl-C (darts and nb201 enas keep the last finished epoch's checkpoint, see
 * onStopped in one-shot.ts): under `armed` when given (its owner disposes it), else armed now.
 */
export async function interruptible<T>(io: CliIO, what: string, f: (cts: CancellationTokenSource) => Promise<T>, armed?: Interrupt): Promise<T> {
  const i = armed ?? armInterrupt(io, what);
  try {
    return await f(i.cts);
  } finally {
    if (!armed) i.dispose();
  }
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
