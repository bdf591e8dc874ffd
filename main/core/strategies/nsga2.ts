import type { Sample } from '../../../shared/types/index.js';
import { crowdingDistance, nonDominatedSort, rankAndCrowding, toMinimization } from '../pareto.js';
import { Rng, type RngState } from '../rng.js';
import { numberOption, type FinishedTrial, type Strategy, type StrategyContext, type StudyView } from '../strategy.js';

interface Member {
  readonly sample: number[];
  readonly vec: number[];
}

interface Nsga2State {
  rng: RngState;
  population: Member[];
  /** Random asks made so far (the first `population` asks are random). */
  seeded: number;
  /** Keys asked so far, in order (children that repeat one are bred again, a few times). */
  seen: string[];
}

/** Tries to breed an architecture not asked before, before accepting a repeat. */
const FRESH_TRIES = 24;
/** Architectures remembered as asked (repeats of older ones are possible again). */
const MAX_SEEN = 2000;

function wholeNumber(name: string, v: number): number {
  if (!Number.isInteger(v)) throw new RangeError(`strategy option '${name}' must be a whole number, got ${v}`);
  return v;
}


/**
 * NSGA-II (Deb et al. 2002), steady-state for ask/tell: the first `population` asks are random; then
 * each ask breeds one child from two parents picked by binary tournaments (lower Pareto rank wins,
 * then larger crowding distance), by uniform crossover with probability `crossover` and then one
 * mutation (`mutation` is the chance of each further mutation step). Each told result joins the
 * population, and while it is over size the member of the worst front with the smallest crowding
 * distance leaves ((μ+1) environmental selection; extremes of a front have infinite crowding and stay).
 * Children that repeat an architecture already asked are bred again (a few times), so that the
 * budget goes to new architectures. One objective: rank is the order of the values.
 */
export class Nsga2Strategy implements Strategy {
  readonly name = 'nsga2';
  private readonly populationSize: number;
  private readonly crossover: number;
  private readonly mutation: number;
  private s: Nsga2State;
  private seen = new Set<string>();

  constructor(private readonly ctx: StrategyContext) {
    this.populationSize = wholeNumber('population', numberOption(ctx, 'population', ctx.objectives.length > 1 ? 32 : 16, 2));
    this.crossover = numberOption(ctx, 'crossover', 0.5, 0, 1);
    this.mutation = numberOption(ctx, 'mutation', 0.2, 0, 0.95);
    this.s = { rng: new Rng(ctx.seed).state(), population: [], seeded: 0, seen: [] };
  }

  ask(_view: StudyView): Sample {
    const rng = new Rng(this.s.rng);
    const space = this.ctx.space;
    const random = this.s.seeded < this.populationSize || this.s.population.length < 2;
    if (random) this.s.seeded++;
    const ranked = random ? undefined : rankAndCrowding(this.s.population.map((m) => m.vec));
    let child: Sample = [];
    for (let attempt = 0; attempt < FRESH_TRIES; attempt++) {
      child = random || ranked === undefined ? space.sample(rng) : this.breed(rng, ranked);
      if (!this.seen.has(space.freeze(child).key)) break;
    }
    const key = space.freeze(child).key;
    if (!this.seen.has(key)) {
      this.seen.add(key);
      this.s.seen.push(key);
      // The snapshot is written with every trial: remember the latest MAX_SEEN only.
      if (this.s.seen.length > MAX_SEEN) this.seen.delete(this.s.seen.shift() as string);
    }
    this.s.rng = rng.state();
    return child;
  }

  private breed(rng: Rng, ranked: { rank: number[]; crowd: number[] }): Sample {
    const space = this.ctx.space;
    const a = this.tournament(rng, ranked);
    let child: Sample = a;
    if (this.crossover > 0 && rng.next() < this.crossover) {
      const b = this.tournament(rng, ranked);
      child = space.freeze(a.map((v, i) => (rng.next() < 0.5 ? v : (b[i] as number)))).sample;
    }
    child = space.mutate(child, rng);
    while (this.mutation > 0 && rng.next() < this.mutation) child = space.mutate(child, rng);
    return child;
  }

  private tournament(rng: Rng, { rank, crowd }: { rank: number[]; crowd: number[] }): number[] {
    const n = this.s.population.length;
    const i = rng.int(n);
    const j = rng.int(n);
    const ri = rank[i] as number;
    const rj = rank[j] as number;
    const win = ri !== rj ? (ri < rj ? i : j) : (crowd[i] as number) >= (crowd[j] as number) ? i : j;
    return (this.s.population[win] as Member).sample;
  }

  tell(t: FinishedTrial): void {
    if (t.state !== 'complete' || !t.values) return;
    const vec = toMinimization(t.values, this.ctx.objectives);
    if (vec.some((v) => Number.isNaN(v))) return;
    this.s.population.push({ sample: t.sample.slice(), vec });
    // A warm-start seed takes the place of one random initial member.
    if (t.warmStart) this.s.seeded++;
    while (this.s.population.length > this.populationSize) {
      const vecs = this.s.population.map((m) => m.vec);
      const fronts = nonDominatedSort(vecs);
      const worst = fronts[fronts.length - 1] as number[];
      const d = crowdingDistance(vecs, worst);
      let out = 0;
      for (let k = 1; k < worst.length; k++) if ((d[k] as number) < (d[out] as number)) out = k;
      this.s.population.splice(worst[out] as number, 1);
    }
  }

  snapshot(): unknown {
    return structuredClone(this.s);
  }

  restore(state: unknown): void {
    this.s = structuredClone(state as Nsga2State);
    this.seen = new Set(this.s.seen);
  }
}
