import type { Dimension, Sample } from '../../../shared/types/index.js';
import { Rng, type RngState } from '../rng.js';
import { numberOption, type FinishedTrial, type Strategy, type StrategyContext } from '../strategy.js';
import { rankReward, score } from './fitness.js';

interface ReinforceState {
  rng: RngState;
  logits: number[][];
  baseline: number | null;
  window: number[][];
}

function softmax(logits: readonly number[]): number[] {
  const m = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

/**
 * REINFORCE controller (Williams 1992; as the NAS-Bench-201 baseline): an independent categorical
 * policy per decision, trained by policy gradient with a moving-average baseline (`baselineDecay`)
 * and an entropy bonus (`entropy`). The reward is scale-free: the share of the last `window`
 * results that the trial beats (several objectives: that do not dominate it); failed or rejected
 * trials get reward 0.
 */
export class ReinforceStrategy implements Strategy {
  readonly name = 'reinforce';
  private readonly lr: number;
  private readonly decay: number;
  private readonly entropy: number;
  private readonly windowSize: number;
  private s: ReinforceState;

  constructor(private readonly ctx: StrategyContext) {
    this.lr = numberOption(ctx, 'lr', 0.5, 0);
    this.decay = numberOption(ctx, 'baselineDecay', 0.9, 0, 1);
    this.entropy = numberOption(ctx, 'entropy', 0.01, 0);
    this.windowSize = numberOption(ctx, 'window', 100, 1);
    this.s = {
      rng: new Rng(ctx.seed).state(),
      logits: ctx.space.dims.map((d: Dimension) => d.choices.map(() => 0)),
      baseline: null,
      window: [],
    };
  }

  /** Current policy probabilities per decision (for inspection and tests). */
  probabilities(): number[][] {
    return this.s.logits.map(softmax);
  }

  ask(): Sample {
    const rng = new Rng(this.s.rng);
    const raw = this.s.logits.map((l) => rng.weighted(softmax(l)));
    this.s.rng = rng.state();
    return this.ctx.space.freeze(raw).sample;
  }

  tell(t: FinishedTrial): void {
    let reward = 0;
    if (t.state === 'complete' && t.values) {
      const vec = score(null, t.values, this.ctx.objectives).vec;
      reward = rankReward(vec, this.s.window);
      this.s.window.push(vec.slice());
      if (this.s.window.length > this.windowSize) this.s.window.shift();
    }
    const b = this.s.baseline ?? reward;
    const advantage = reward - b;
    this.s.baseline = this.decay * b + (1 - this.decay) * reward;
    // Decisions that are inactive in this sample did not shape the result: leave them alone.
    this.s.logits = this.s.logits.map((logits, d) => {
      if (!this.ctx.space.isActive(t.sample, d)) return logits;
      const p = softmax(logits);
      const h = -p.reduce((acc, pk) => acc + (pk > 0 ? pk * Math.log(pk) : 0), 0);
      return logits.map((l, k) => {
        const grad = advantage * ((t.sample[d] === k ? 1 : 0) - (p[k] as number));
        const entGrad = (p[k] as number) > 0 ? -(p[k] as number) * (Math.log(p[k] as number) + h) : 0;
        return l + this.lr * (grad + this.entropy * entGrad);
      });
    });
  }

  snapshot(): unknown {
    return structuredClone(this.s);
  }

  restore(state: unknown): void {
    this.s = structuredClone(state as ReinforceState);
  }
}
