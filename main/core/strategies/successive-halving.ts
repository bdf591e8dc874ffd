import type { Sample } from '../../../shared/types/index.js';
import { orderBest, resolveRungs, rungOptions, type RungOptions } from '../fidelity.js';
import { toMinimization } from '../pareto.js';
import { Rng, type RngState } from '../rng.js';
import { numberOption, type FidelityAsk, type FinishedTrial, type Strategy, type StrategyContext, type StudyView } from '../strategy.js';

/** A told result at one rung: its minimisation vector, or null when it did not complete. */
export interface RungResult {
  readonly sample: number[];
  readonly key: string;
  readonly vec: number[] | null;
}

export interface PendingAsk {
  readonly key: string;
  /** Rung index (into the levels). */
  readonly rung: number;
  /** Which group (Hyperband bracket) it belongs to; 0 for ASHA. */
  readonly group: number;
}

export interface HalvingState {
  rng: RngState;
  /** Fidelity of each rung, ascending; fixed at the first ask (from the evaluator's fidelities). */
  levels: number[] | null;
  /** Keys of the new configurations asked so far (each new one is distinct while that is easy). */
  seen: string[];
  pending: PendingAsk[];
  /** Per rung, the latest complete results there: parents of mutated new configurations. */
  recent: RungResult[][];
}

const FRESH_TRIES = 24;
/** Architectures remembered as asked (repeats of older ones are possible again). */
const MAX_SEEN = 2000;
const RECENT = 10;
const TOURNAMENT = 3;

/**
 * What successive halving, Hyperband and ASHA share: rung fidelities from `min`, `max` and `eta`
 * (defaults: the evaluator's lowest and highest fidelity, eta 3), new configurations drawn at random
 * or, with probability `mutate` (default 0.8), as a one-step mutation of the best of 3 of the latest
 * 10 results at the lowest rung that has 3 (regularized evolution inside the rung), ranking within a rung (value, or Pareto rank then crowding), and the bookkeeping
 * of which rung each pending ask belongs to (so tells without a fidelity are placed too).
 */
export abstract class HalvingStrategy<S extends HalvingState> implements Strategy {
  abstract readonly name: string;
  private readonly rungs: RungOptions;
  protected readonly eta: number;
  private readonly mutateP: number;
  protected s: S;
  private seen = new Set<string>();

  constructor(protected readonly ctx: StrategyContext, initial: (rng: RngState) => S) {
    this.rungs = rungOptions(ctx);
    this.eta = this.rungs.eta;
    this.mutateP = numberOption(ctx, 'mutate', 0.8, 0, 1);
    this.s = initial(new Rng(ctx.seed).state());
    // Known now: check the options against them at once.
    if (ctx.fidelities?.length) this.fix(ctx.fidelities);
  }

  /** Without an evaluator's fidelities (a plain `ask`), rungs 1, 3, 9, 27 (with eta 3). */
  private static readonly FALLBACK = { min: 1, max: 27 };

  private fix(available: readonly number[] | undefined): void {
    if (this.s.levels) return;
    this.s.levels = resolveRungs(this.rungs, available, HalvingStrategy.FALLBACK);
    this.start();
  }

  /** The rung fidelities (fixed at the first ask). */
  protected get levels(): number[] {
    return this.s.levels ?? [];
  }

  /** Sets up the state that depends on the rungs (once they are fixed). */
  protected abstract start(): void;

  /** The next rung index to run and the sample, and which group it belongs to. */
  /** `view.fits`, when given, says whether an evaluation still fits in the simulated budget. */
  protected abstract next(rng: Rng, view: StudyView): { sample: number[]; key: string; rung: number; group: number };
  /** A result told at `rung` of `group`. */
  protected abstract record(result: RungResult, rung: number, group: number): void;

  askFidelity(view: StudyView): FidelityAsk {
    this.fix(this.ctx.fidelities ?? view.fidelities);
    const rng = new Rng(this.s.rng);
    const n = this.next(rng, view);
    this.s.pending.push({ key: n.key, rung: n.rung, group: n.group });
    this.s.rng = rng.state();
    return { sample: n.sample.slice(), fidelity: this.levels[n.rung] as number };
  }

  ask(view: StudyView): Sample {
    return this.askFidelity(view).sample;
  }

  /** A configuration not asked before (while that is easy), random or mutated from a recent good one. */
  protected fresh(rng: Rng): { sample: number[]; key: string } {
    const space = this.ctx.space;
    let sample: Sample = [];
    for (let i = 0; i < FRESH_TRIES; i++) {
      const parents = this.s.recent.find((r) => r.length >= TOURNAMENT) ?? [];
      if (this.mutateP > 0 && parents.length >= TOURNAMENT && rng.next() < this.mutateP) {
        const picks = Array.from({ length: TOURNAMENT }, () => rng.pick(parents));
        const best = picks[orderBest(picks.map((p) => p.vec as number[]))[0] as number] as RungResult;
        sample = space.mutate(best.sample, rng);
      } else {
        sample = space.sample(rng);
      }
      if (!this.seen.has(space.freeze(sample).key)) break;
    }
    const arch = space.freeze(sample);
    if (!this.seen.has(arch.key)) {
      this.seen.add(arch.key);
      this.s.seen.push(arch.key);
      // The snapshot is written with every trial: remember the latest MAX_SEEN only.
      if (this.s.seen.length > MAX_SEEN) this.seen.delete(this.s.seen.shift() as string);
    }
    return { sample: arch.sample.slice(), key: arch.key };
  }

  /** Complete results best first. */
  protected ranked(results: readonly RungResult[]): RungResult[] {
    const done = results.filter((r) => r.vec !== null);
    return orderBest(done.map((r) => r.vec as number[])).map((i) => done[i] as RungResult);
  }

  tell(t: FinishedTrial): void {
    if (!this.s.levels) return;
    const rungOf = t.fidelity === undefined ? -1 : this.levels.indexOf(t.fidelity);
    let at = this.s.pending.findIndex((p) => p.key === t.key && (rungOf < 0 || p.rung === rungOf));
    if (at < 0) at = this.s.pending.findIndex((p) => p.key === t.key);
    if (at < 0) return; // not asked by this strategy (or told twice): nothing to place
    const p = this.s.pending.splice(at, 1)[0] as PendingAsk;
    const vec = t.state === 'complete' && t.values ? toMinimization(t.values, this.ctx.objectives) : null;
    const result: RungResult = { sample: t.sample.slice(), key: t.key, vec: vec && vec.every((v) => !Number.isNaN(v)) ? vec : null };
    if (result.vec) {
      const recent = (this.s.recent[p.rung] ??= []);
      recent.push(result);
      if (recent.length > RECENT) recent.shift();
    }
    this.record(result, p.rung, p.group);
  }

  snapshot(): unknown {
    return structuredClone(this.s);
  }

  restore(state: unknown): void {
    this.s = structuredClone(state as S);
    this.seen = new Set(this.s.seen);
  }
}

interface AshaState extends HalvingState {
  /** Per rung: results told there, and the keys promoted from it. */
  rungs: { results: RungResult[]; promoted: string[] }[];
}

/**
 * ASHA (Li et al. 2020, asynchronous successive halving): each ask promotes, from the highest rung
 * where one is due, a configuration in the top 1/eta of the results told at that rung that was not
 * promoted yet; otherwise it starts a new configuration at the lowest fidelity. No rung waits for
 * another's results, so parallel workers are never idle. Several objectives: ranked by Pareto rank,
 * then crowding distance.
 */
export class AshaStrategy extends HalvingStrategy<AshaState> {
  readonly name = 'asha';

  constructor(ctx: StrategyContext) {
    super(ctx, (rng) => ({ rng, levels: null, seen: [], pending: [], recent: [], rungs: [] }));
  }

  protected start(): void {
    this.s.rungs = this.levels.map(() => ({ results: [], promoted: [] }));
  }

  protected next(rng: Rng, view: StudyView): { sample: number[]; key: string; rung: number; group: number } {
    for (let k = this.levels.length - 2; k >= 0; k--) {
      const rung = this.s.rungs[k] as AshaState['rungs'][number];
      const quota = Math.floor(rung.results.length / this.eta);
      if (rung.promoted.length >= quota) continue;
      const top = this.ranked(rung.results).slice(0, quota);
      const up = top.find((r) => !rung.promoted.includes(r.key));
      // A promotion the budget cannot pay for is not made: cheaper new candidates go on instead.
      if (!up || (view.fits && !view.fits(up.sample, this.levels[k + 1] as number))) continue;
      rung.promoted.push(up.key);
      return { sample: up.sample.slice(), key: up.key, rung: k + 1, group: 0 };
    }
    return { ...this.fresh(rng), rung: 0, group: 0 };
  }

  protected record(result: RungResult, rung: number): void {
    this.s.rungs[rung]?.results.push(result);
  }
}

interface Bracket {
  id: number;
  /** Rung index this bracket now runs. */
  rung: number;
  /** Configurations to run at that rung (null: a new one, drawn when asked), and how many were asked. */
  queue: ({ sample: number[]; key: string } | null)[];
  asked: number;
  results: RungResult[];
}

interface HyperbandState extends HalvingState {
  brackets: Bracket[];
  /** The `s` of the next bracket (s_max, s_max - 1, …, 0, then again). */
  nextS: number;
  nextId: number;
}

/**
 * Hyperband (Li et al. 2018): brackets s = s_max … 0 in turn, each a successive halving that starts
 * ceil((s_max + 1)/(s + 1) · eta^s) configurations at rung s_max - s and keeps the best 1/eta of
 * each rung for the next, up to the full fidelity. A rung is promoted once all its results are in;
 * while a bracket waits for them, asks go to the next bracket (so parallel asks never stall).
 */
export class HyperbandStrategy extends HalvingStrategy<HyperbandState> {
  readonly name = 'hyperband';

  constructor(ctx: StrategyContext) {
    super(ctx, (rng) => ({ rng, levels: null, seen: [], pending: [], recent: [], brackets: [], nextS: 0, nextId: 0 }));
  }

  protected start(): void {
    this.s.nextS = this.levels.length - 1;
  }

  protected next(rng: Rng, view: StudyView): { sample: number[]; key: string; rung: number; group: number } {
    const top = this.levels.length - 1;
    for (let i = 0; i < this.s.brackets.length; ) {
      const b = this.s.brackets[i] as Bracket;
      if (b.asked < b.queue.length) {
        const queued = b.queue[b.asked];
        // A promoted rung the budget cannot pay for ends its bracket; new brackets go on while they fit.
        if (queued && view.fits && !view.fits(queued.sample, this.levels[b.rung] as number)) {
          this.s.brackets.splice(i, 1);
          continue;
        }
        const c = queued ?? this.fresh(rng);
        b.queue[b.asked++] = c;
        return { ...c, rung: b.rung, group: b.id };
      }
      if (b.results.length < b.queue.length) {
        i++; // waiting for results
        continue;
      }
      const keep = this.ranked(b.results).slice(0, Math.max(1, Math.floor(b.queue.length / this.eta)));
      if (b.rung >= top || keep.length === 0) {
        this.s.brackets.splice(i, 1); // finished
        continue;
      }
      b.rung++;
      b.queue = keep.map((r) => ({ sample: r.sample.slice(), key: r.key }));
      b.asked = 0;
      b.results = [];
    }
    const sMax = top;
    const s = this.s.nextS;
    this.s.nextS = s === 0 ? sMax : s - 1;
    const n = Math.ceil(((sMax + 1) / (s + 1)) * this.eta ** s);
    const first = this.fresh(rng);
    const b: Bracket = { id: this.s.nextId++, rung: sMax - s, queue: [first, ...Array.from({ length: n - 1 }, () => null)], asked: 1, results: [] };
    this.s.brackets.push(b);
    return { ...first, rung: b.rung, group: b.id };
  }

  protected record(result: RungResult, rung: number, group: number): void {
    const b = this.s.brackets.find((x) => x.id === group);
    if (b && b.rung === rung) b.results.push(result);
  }
}
