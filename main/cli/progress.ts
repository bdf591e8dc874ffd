import type { StudyProgress } from '../../shared/types/index.js';
import { formatDuration } from './args.js';
import type { CliIO } from './io.js';

/**
 * Progress for long runs: a redrawn bar with ETA on a terminal, a plain line every 10% (or 5 s)
 * otherwise. Writes to stderr so `--json` output stays clean.
 */
export class ProgressReporter {
  private readonly start: number;
  private lastPlain = -1;
  private lastPlainAt = 0;
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly io: CliIO,
    private readonly label: string,
    private readonly now: () => number = Date.now,
    private readonly startFraction = 0,
  ) {
    this.start = now();
  }

  update(p: StudyProgress, fraction: number): void {
    const t = this.now();
    const elapsed = t - this.start;
    const done = fraction - this.startFraction;
    const eta = done > 0 ? (elapsed * (1 - fraction)) / done : NaN;
    const pct = Math.floor(fraction * 100);
    const detail = `${p.evals} evals${p.costSeconds > 0 ? `, ${Math.round(p.costSeconds)} sim-s` : ''}${p.failed ? `, ${p.failed} failed` : ''}${p.rejected ? `, ${p.rejected} rejected` : ''}`;
    if (this.io.isTTY) {
      if (t - this.lastDraw < 100 && fraction < 1) return;
      this.lastDraw = t;
      const width = Math.max(10, Math.min(30, this.io.columns - 70));
      const fill = Math.round(fraction * width);
      const bar = '█'.repeat(fill) + '░'.repeat(width - fill);
      this.io.err(`\r${this.label} ${bar} ${String(pct).padStart(3)}%  ${detail}  ETA ${fraction >= 1 ? '0s' : formatDuration(eta)}\x1b[K`);
      this.drawn = true;
    } else {
      const step = Math.floor(pct / 10);
      if (step > this.lastPlain || t - this.lastPlainAt >= 5000) {
        this.lastPlain = step;
        this.lastPlainAt = t;
        this.io.err(`${this.label} ${pct}% ${detail} elapsed ${formatDuration(elapsed)} eta ${fraction >= 1 ? '0s' : formatDuration(eta)}\n`);
      }
    }
  }

  finish(): void {
    if (this.drawn) this.io.err('\n');
    this.drawn = false;
  }
}
