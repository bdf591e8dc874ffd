import type { Sample } from '../../../shared/types/index.js';
import { Rng, type RngState } from '../rng.js';
import type { Strategy, StrategyContext } from '../strategy.js';

/** Uniform random sampling of the space (with replacement, as in the NAS-Bench-201 protocol). */
export class RandomStrategy implements Strategy {
  readonly name = 'random';
  private rng: Rng;

  constructor(private readonly ctx: StrategyContext) {
    this.rng = new Rng(ctx.seed);
  }

  ask(): Sample {
    return this.ctx.space.sample(this.rng);
  }

  tell(): void {}

  snapshot(): unknown {
    return { rng: this.rng.state() };
  }

  restore(state: unknown): void {
    this.rng = new Rng((state as { rng: RngState }).rng);
  }
}
