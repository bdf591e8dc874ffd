import type { Dimension, Sample } from '../../../shared/types/index.js';
import type { SearchSpace } from '../search-space.js';
import { Rng, type RngState } from '../rng.js';
import { numberOption, type AskedPhase, type FidelityAsk, type FinishedTrial, type Strategy, type StrategyContext, type StudyView } from '../strategy.js';
import { rankAndCrowding } from '../pareto.js';
import { score } from './fitness.js';

export const PROGRESSIVE_OPTIONS = ['coarse', 'choices', 'top', 'radius'] as const;
export const PROGRESSIVE_PHASES = ['coarse', 'fine'] as const;

interface Told {
  readonly sample: number[];
  readonly key: string;
  readonly vec: number[];
}

interface ProgressiveState {
  rng: RngState;
  /** Coarse asks issued so far. */
  coarseAsked: number;
  /** Complete results of each phase (coarse at the low fidelity, fine at the full one). */
  coarse: Told[];
  fine: Told[];
  /** Keys asked in each phase (a coarse winner is asked again in the fine phase, at full fidelity). */
  seenCoarse: string[];
  seenFine: string[];
  /** Phase of the latest ask (0 coarse, 1 fine). */
  last: 0 | 1;
  /** Asks not yet told: key and phase (a result joins the phase it was asked in). */
  pending: [string, 0 | 1][];
}

/**
 * The choice indices of a coarse dimension: a numeric scale (widths, kernels, depths) keeps at most
 * `k`, spread evenly over its list (first and last kept); other decisions (operations, on/off) keep
 * every choice, since their order means nothing.
 */
export function coarseChoices(d: Dimension, k: number): number[] {
  const n = d.choices.length;
  if (n <= k || !d.choices.every((c) => typeof c === 'number')) return Array.from({ length: n }, (_, i) => i);
  if (k === 1) return [0];
  return [...new Set(Array.from({ length: k }, (_, i) => Math.round((i * (n - 1)) / (k - 1))))];
}

/** Decisions that differ between two samples, in the space's terms (a decision active in only one counts). */
export function decisionDistance(space: SearchSpace, a: Sample, b: Sample): number {
  let d = 0;
  for (let i = 0; i < space.dims.length; i++) {
    const ia = space.isActive(a, i);
    const ib = space.isActive(b, i);
    if (ia !== ib || (ia && a[i] !== b[i])) d++;
  }
  return d;
}

/**
 * Progressive search, coarse → fine (one study): first `coarse` architectures drawn at random from a
 * coarse version of the space (each numeric decision limited to `choices` values spread over its
 * list, e.g. widths 0.5 and 1, kernels 3 and 7; operations keep all theirs) and evaluated at the evaluator's lowest fidelity (fewest epochs);
 * then a fine search of the full space around the `top` coarse winners: each winner is evaluated
 * again at the full fidelity, then mutations of the best fine results are proposed, only those within
 * `radius` decisions of a coarse winner (a trust region around the coarse optimum). With several
 * objectives winners are ranked by Pareto rank and crowding. Each trial records its phase (metric
 * `phase`: 0 coarse, 1 fine). With an evaluator of one fidelity both phases run at it and winners are
 * not re-evaluated.
 */
export class ProgressiveStrategy implements Strategy {
  readonly name = 'progressive';
  private readonly coarseN: number;
  private readonly k: number;
  private readonly top: number;
  private readonly radius: number;
  private readonly allowed: readonly (readonly number[])[];
  private s: ProgressiveState;
  private seenC = new Set<string>();
  private seenF = new Set<string>();

  constructor(private readonly ctx: StrategyContext) {
    this.coarseN = numberOption(ctx, 'coarse', 16, 1, 1e6);
    this.k = numberOption(ctx, 'choices', 2, 1, 1e6);
    this.top = numberOption(ctx, 'top', 3, 1, 1e6);
    this.radius = numberOption(ctx, 'radius', 2, 1, 1e6);
    this.allowed = ctx.space.dims.map((d) => coarseChoices(d, Math.floor(this.k)));
    this.s = { rng: new Rng(ctx.seed).state(), coarseAsked: 0, coarse: [], fine: [], seenCoarse: [], seenFine: [], last: 0, pending: [] };
  }

  /** The lowest and highest fidelity: coarse and fine (undefined without fidelities). */
  private fidelity(phase: 0 | 1, view: StudyView): number | undefined {
    const f = view.fidelities ?? this.ctx.fidelities;
    if (!f || f.length === 0) return undefined;
    return phase === 0 ? f[0] : f[f.length - 1];
  }

  private multiFidelity(view?: StudyView): boolean {
    return ((view?.fidelities ?? this.ctx.fidelities)?.length ?? 0) > 1;
  }

  ask(view: StudyView): Sample {
    return this.next(view).sample;
  }

  askFidelity(view: StudyView): FidelityAsk {
    return this.next(view);
  }

  askedPhase(): AskedPhase {
    return { index: this.s.last, name: PROGRESSIVE_PHASES[this.s.last] };
  }

  private next(view: StudyView): { sample: Sample; fidelity: number } {
    const rng = new Rng(this.s.rng);
    // Coarse until its budget is asked and at least one coarse result came back.
    const coarse = this.s.coarseAsked < this.coarseN || this.s.coarse.length === 0;
    const sample = coarse ? this.askCoarse(rng) : this.askFine(rng, view);
    this.s.rng = rng.state();
    this.s.last = coarse ? 0 : 1;
    const key = this.ctx.space.freeze(sample).key;
    this.s.pending.push([key, this.s.last]);
    if (coarse) {
      this.s.coarseAsked++;
      if (!this.seenC.has(key)) this.s.seenCoarse.push(key);
      this.seenC.add(key);
    } else {
      if (!this.seenF.has(key)) this.s.seenFine.push(key);
      this.seenF.add(key);
    }
    const fidelity = this.fidelity(this.s.last, view);
    return { sample, ...(fidelity !== undefined ? { fidelity } : {}) } as { sample: Sample; fidelity: number };
  }

  private askCoarse(rng: Rng): Sample {
    let s: Sample = [];
    for (let tries = 0; tries < 100; tries++) {
      s = this.ctx.space.freeze(this.allowed.map((a) => rng.pick(a))).sample;
      if (!this.seenC.has(this.ctx.space.freeze(s).key)) break;
    }
    return s;
  }

  /** The `top` best of a result list (one objective: lowest vector; several: Pareto rank, then crowding). */
  private best(list: readonly Told[]): Told[] {
    const { rank, crowd } = rankAndCrowding(list.map((t) => t.vec));
    return list
      .map((t, i) => ({ t, i }))
      .sort((a, b) => (rank[a.i] as number) - (rank[b.i] as number) || (crowd[b.i] as number) - (crowd[a.i] as number) || a.i - b.i)
      .slice(0, this.top)
      .map((x) => x.t);
  }

  /** The coarse winners around which the fine phase searches. */
  winners(): Sample[] {
    return this.best(this.s.coarse).map((t) => t.sample.slice());
  }

  private near(s: Sample, winners: readonly Sample[]): boolean {
    return winners.some((w) => decisionDistance(this.ctx.space, s, w) <= this.radius);
  }

  private askFine(rng: Rng, view: StudyView): Sample {
    const winners = this.winners();
    if (this.multiFidelity(view)) {
      const again = winners.find((w) => !this.seenF.has(this.ctx.space.freeze(w).key));
      if (again) return again;
    }
    const parents = this.s.fine.length > 0 ? this.best(this.s.fine.filter((t) => this.near(t.sample, winners))).map((t) => t.sample) : [];
    const pool = parents.length > 0 ? parents : winners;
    let fallback: Sample | undefined;
    for (let tries = 0; tries < 100; tries++) {
      let child = rng.pick(pool);
      const steps = 1 + rng.int(this.radius);
      for (let m = 0; m < steps; m++) child = this.ctx.space.mutate(child, rng);
      if (!this.near(child, winners)) continue;
      fallback ??= child;
      if (!this.seenF.has(this.ctx.space.freeze(child).key)) return child;
    }
    // The neighbourhood is used up: ask again (a neighbour of a winner is always within the radius).
    return fallback ?? this.ctx.space.mutate(rng.pick(winners), rng);
  }

  tell(t: FinishedTrial): void {
    const at = this.s.pending.findIndex(([k]) => k === t.key);
    const phase = at >= 0 ? (this.s.pending.splice(at, 1)[0] as [string, 0 | 1])[1] : this.s.last;
    if (t.state !== 'complete' || !t.values) return;
    const told: Told = { sample: t.sample.slice(), key: t.key, vec: score(null, t.values, this.ctx.objectives).vec.slice() };
    (phase === 1 ? this.s.fine : this.s.coarse).push(told);
  }

  snapshot(): unknown {
    return JSON.parse(JSON.stringify(this.s)) as ProgressiveState;
  }

  restore(state: unknown): void {
    this.s = JSON.parse(JSON.stringify(state)) as ProgressiveState;
    this.seenC = new Set(this.s.seenCoarse);
    this.seenF = new Set(this.s.seenFine);
  }
}
