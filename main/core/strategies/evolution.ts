import type { Sample } from '../../../shared/types/index.js';
import { Rng, type RngState } from '../rng.js';
import { numberOption, type FinishedTrial, type Strategy, type StrategyContext, type StudyView } from '../strategy.js';
import { best, score, type Scored } from './fitness.js';

interface Member {
  readonly sample: Sample;
  readonly vec: readonly number[];
}

interface EvolutionState {
  rng: RngState;
  population: Member[];
  seeded: number;
}

/** Population and tournament are counts: 2.5 would silently act as 3 (asks) and 2 (kept members). */
function wholeNumber(name: string, v: number): number {
  if (!Number.isInteger(v)) throw new RangeError(`strategy option '${name}' must be a whole number, got ${v}`);
  return v;
}

/**
 * Regularized evolution (Real et al. 2019; NAS-Bench-201 defaults population 10, tournament 3):
 * the first `population` asks are random; then a tournament of `tournament` members drawn with
 * replacement picks a parent, whose one-step mutation is the child; each told child joins the
 * population and the oldest member leaves. With `crossover` p > 0, a child is with probability p the
 * uniform crossover of two tournament winners, then mutated. Several objectives: tournaments are
 * won by Pareto rank, then crowding distance.
 */
export class RegularizedEvolutionStrategy implements Strategy {
  readonly name = 'evolution';
  private readonly populationSize: number;
  private readonly tournament: number;
  private readonly crossover: number;
  private s: EvolutionState;

  constructor(private readonly ctx: StrategyContext) {
    const multi = ctx.objectives.length > 1;
    this.populationSize = wholeNumber('population', numberOption(ctx, 'population', multi ? 50 : 10, 2));
    this.tournament = wholeNumber('tournament', numberOption(ctx, 'tournament', multi ? 10 : 3, 1));
    this.crossover = numberOption(ctx, 'crossover', 0, 0, 1);
    this.s = { rng: new Rng(ctx.seed).state(), population: [], seeded: 0 };
  }

  ask(_view: StudyView): Sample {
    const rng = new Rng(this.s.rng);
    const space = this.ctx.space;
    let child: Sample;
    if (this.s.seeded < this.populationSize || this.s.population.length === 0) {
      this.s.seeded++;
      child = space.sample(rng);
    } else {
      const parent = this.select(rng);
      if (this.crossover > 0 && rng.next() < this.crossover) {
        const other = this.select(rng);
        const mixed = parent.map((v, i) => (rng.next() < 0.5 ? v : (other[i] as number)));
        child = space.mutate(space.freeze(mixed).sample, rng);
      } else {
        child = space.mutate(parent, rng);
      }
    }
    this.s.rng = rng.state();
    return child;
  }

  private select(rng: Rng): Sample {
    const contenders: Scored<Member>[] = [];
    for (let i = 0; i < this.tournament; i++) {
      const m = rng.pick(this.s.population);
      contenders.push({ item: m, vec: m.vec });
    }
    return best(contenders).item.sample;
  }

  tell(t: FinishedTrial): void {
    if (t.state !== 'complete' || !t.values) return;
    this.s.population.push({ sample: t.sample.slice(), vec: score(null, t.values, this.ctx.objectives).vec });
    // A warm-start seed takes the place of one random initial member.
    if (t.warmStart) this.s.seeded++;
    while (this.s.population.length > this.populationSize) this.s.population.shift();
  }

  snapshot(): unknown {
    return structuredClone(this.s);
  }

  restore(state: unknown): void {
    this.s = structuredClone(state as EvolutionState);
  }
}
