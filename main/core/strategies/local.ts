import type { Sample } from '../../../shared/types/index.js';
import { Rng, type RngState } from '../rng.js';
import type { FinishedTrial, Strategy, StrategyContext } from '../strategy.js';
import { better, score } from './fitness.js';

interface LocalState {
  rng: RngState;
  current: { sample: number[]; key: string; vec: number[] } | null;
  /** Neighbours of `current` not yet asked, in random order. */
  queue: number[][];
}

/**
 * Local search (first improvement with random restarts; White et al. 2020 found it strong on
 * NAS-Bench-201): evaluate the neighbours of the current architecture in random order, move to the
 * first one that is better (dominates, for several objectives), restart from a random architecture
 * at a local optimum.
 */
export class LocalSearchStrategy implements Strategy {
  readonly name = 'local';
  private s: LocalState;

  constructor(private readonly ctx: StrategyContext) {
    this.s = { rng: new Rng(ctx.seed).state(), current: null, queue: [] };
  }

  ask(): Sample {
    const rng = new Rng(this.s.rng);
    const next = this.s.queue.shift() ?? this.ctx.space.sample(rng);
    this.s.rng = rng.state();
    return next;
  }

  tell(t: FinishedTrial): void {
    if (t.state !== 'complete' || !t.values) return;
    const vec = score(null, t.values, this.ctx.objectives).vec;
    const cur = this.s.current;
    // Move on improvement; adopt a restart sample once the neighbourhood is used up.
    if (!cur || better(vec, cur.vec) || (this.s.queue.length === 0 && !this.isNeighbour(t.sample, cur.sample))) {
      const rng = new Rng(this.s.rng);
      this.s.current = { sample: t.sample.slice(), key: t.key, vec: vec.slice() };
      this.s.queue = rng.shuffle(this.ctx.space.neighbours(t.sample)).map((n) => n.slice());
      this.s.rng = rng.state();
    }
  }

  /**
   * Whether `a` is `b` or one of its neighbours, in the space's own terms: counting differing indices
   * would miss a gate change that zeroes the decisions it deactivates (a shallower depth), and the
   * walk would then "restart" at that worse neighbour instead of at a random architecture.
   */
  private isNeighbour(a: Sample, b: Sample): boolean {
    const space = this.ctx.space;
    const key = space.freeze(a).key;
    return key === space.freeze(b).key || space.neighbours(b).some((n) => space.freeze(n).key === key);
  }

  snapshot(): unknown {
    return structuredClone(this.s);
  }

  restore(state: unknown): void {
    this.s = structuredClone(state as LocalState);
  }
}
