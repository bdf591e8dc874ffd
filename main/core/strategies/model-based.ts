/**
 * The machinery shared by the predictor-guided strategies (BANANAS, GP-BO): random initial samples,
 * then per ask a predictor fitted on the complete trials (refitted every `refit` new results),
 * candidates made by mutating the best architectures plus some random ones, and the candidate with
 * the best acquisition value that was neither told nor is pending, nor equivalent to one (where the
 * space defines equivalence: NB201's isomorphic cells compute the same function, so one is enough).
 * Random architectures come from the whole space or (option `draws`) a structure-only prior. Several objectives: the target is
 * a ParEGO scalarisation (augmented Chebyshev of the normalised objectives) with weights drawn anew
 * at each refit. Everything derives from the snapshot (told data in order, rng state, seed), so a
 * restored strategy refits the same model and asks the same architectures.
 *
 * Predictor quality: each ask made from a model records the model's prediction; when the trial is
 * told, the pair (prediction, measured target) is kept. Kendall τ and Spearman ρ over these pairs
 * are held-out by construction (the model had not seen the trial) and are part of the snapshot.
 */
import type { Sample } from '../../../shared/types/index.js';
import { acquire, ACQUISITIONS, type AcquisitionName } from '../predictors/acquisition.js';
import { encoderFor, ENCODINGS, type Encoder, type EncodingName } from '../predictors/encoding.js';
import type { PredictorInsights } from '../predictors/insights.js';
import { kendallTau, normalQuantile, ranks, spearman } from '../predictors/rank.js';
import { priorForFit, readPrior, type PriorPoint } from '../predictors/prior.js';
import type { Predictor } from '../predictors/types.js';
import { Rng, type RngState } from '../rng.js';
import { equivalenceKey, type SearchSpace } from '../search-space.js';
import { sampleNb201Dense } from '../spaces/nb201.js';
import { numberOption, type FinishedTrial, type Strategy, type StrategyContext, type StudyView } from '../strategy.js';
import { score } from './fitness.js';

interface Told {
  readonly sample: number[];
  readonly key: string;
  /** Minimisation vector; null for a trial that did not complete. */
  readonly vec: number[] | null;
}

interface Pending {
  readonly key: string;
  /** The model's predicted target, and the scalarisation it was made under (several objectives). */
  readonly pred?: number;
  readonly scal?: Scalarisation;
}

interface Scalarisation {
  readonly w: number[];
  readonly lo: number[];
  readonly hi: number[];
}

export interface ModelState {
  seed: number;
  rng: RngState;
  told: Told[];
  pending: Pending[];
  /** Number of complete trials (a prefix, in told order) the current model was fitted on; 0: none yet. */
  fittedOn: number;
  /** Held-out (prediction, measured target) pairs. */
  quality: [number, number][];
}

export interface ModelDefaults {
  readonly init: number;
  readonly acquisition: AcquisitionName;
  readonly refit: number;
  readonly candidates: number;
  /** Most complete trials a fit uses: the best half and the most recent rest (bounds an O(n³) GP). */
  readonly maxPoints: number;
  /** Whether every one-step neighbour of the parents is a candidate too (1) or not (0). */
  readonly neighbours: 0 | 1;
  /** Share of the candidates drawn, decision by decision, from the choices of the best fifth of the results. */
  readonly goodShare: number;
  /** Results without a new best after which an ask looks only at random and good-choice candidates (0: never). */
  readonly patience: number;
}

/** The options every model-based strategy reads (see `--help`). */
export const MODEL_OPTIONS = ['init', 'draws', 'candidates', 'parents', 'neighbours', 'randomShare', 'goodShare', 'patience', 'acquisition', 'beta', 'refit', 'encoding', 'transform'] as const;

/**
 * Where random architectures come from: `uniform` the whole space; `dense` (NAS-Bench-201 only) the
 * 3^6 = 729 cells with a convolution or a skip on every edge (no `none`, no pooling): a prior on the
 * cell's operations that reads no accuracy. Mutations and neighbours still reach every cell.
 */
export const DRAWS = ['uniform', 'dense'] as const;

/** How targets are transformed before fitting: `rank` maps them to normal quantiles of their ranks (a Gaussian copula), `none` keeps them. */
export const TRANSFORMS = ['rank', 'none'] as const;

export function wholeOption(ctx: StrategyContext, name: string, fallback: number, min: number, max = Infinity): number {
  const v = numberOption(ctx, name, fallback, min, max);
  if (!Number.isInteger(v)) throw new RangeError(`strategy option '${name}' must be a whole number, got ${v}`);
  return v;
}

export function choiceOption<T extends string>(ctx: StrategyContext, name: string, choices: readonly T[], fallback: T): T {
  const raw = ctx.options[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !(choices as readonly string[]).includes(raw)) {
    throw new RangeError(`strategy option '${name}' must be one of ${choices.join(', ')}, got ${String(raw)}`);
  }
  return raw as T;
}

/** A 32-bit seed mixed from numbers (FNV-1a over their decimal digits). */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const ch of parts.join(':')) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

interface Model {
  readonly fittedOn: number;
  readonly predictor: Predictor;
  readonly scal?: Scalarisation;
  readonly best: number;
}

export abstract class ModelBasedStrategy implements Strategy {
  abstract readonly name: string;
  protected s: ModelState;
  private readonly init: number;
  private readonly candidates: number;
  private readonly parents: number;
  private readonly randomShare: number;
  private readonly goodShare: number;
  private readonly patience: number;
  private readonly acquisition: AcquisitionName;
  private readonly beta: number;
  private readonly refit: number;
  private readonly encode: Encoder;
  private readonly maxPoints: number;
  private readonly neighbours: boolean;
  /** Where random architectures (the initial design, the random candidates) are drawn from. */
  private readonly draws: (typeof DRAWS)[number];
  private readonly transform: (typeof TRANSFORMS)[number];
  /** Scores of architectures from earlier searches (option `prior`) that pre-train the predictor. */
  private readonly prior: readonly PriorPoint[];
  private model?: Model;
  private seenCache?: { told: number; pending: number; keys: Set<string> };

  protected constructor(protected readonly ctx: StrategyContext, defaults: ModelDefaults) {
    this.init = wholeOption(ctx, 'init', defaults.init, 1);
    this.candidates = wholeOption(ctx, 'candidates', defaults.candidates, 1, 100_000);
    this.parents = wholeOption(ctx, 'parents', 5, 1);
    this.randomShare = numberOption(ctx, 'randomShare', 0.2, 0, 1);
    this.goodShare = numberOption(ctx, 'goodShare', defaults.goodShare, 0, 1);
    this.patience = wholeOption(ctx, 'patience', defaults.patience, 0);
    if (this.randomShare + this.goodShare > 1) throw new RangeError(`strategy options 'randomShare' and 'goodShare' must add up to at most 1, got ${this.randomShare} + ${this.goodShare}`);
    this.acquisition = choiceOption(ctx, 'acquisition', ACQUISITIONS, defaults.acquisition);
    this.beta = numberOption(ctx, 'beta', 1, 0);
    this.refit = wholeOption(ctx, 'refit', defaults.refit, 1);
    this.maxPoints = defaults.maxPoints;
    this.neighbours = wholeOption(ctx, 'neighbours', defaults.neighbours, 0, 1) === 1;
    this.draws = choiceOption(ctx, 'draws', DRAWS, 'uniform');
    if (this.draws === 'dense' && ctx.space.id !== 'nb201') throw new RangeError(`strategy option 'draws': 'dense' draws NAS-Bench-201 cells, not available for space ${ctx.space.id}; use uniform`);
    this.transform = choiceOption(ctx, 'transform', TRANSFORMS, 'rank');
    this.encode = encoderFor(ctx.space, choiceOption<EncodingName>(ctx, 'encoding', ENCODINGS, 'auto'));
    this.prior = readPrior(ctx.options.prior, ctx.space);
    if (ctx.options.priorFrom !== undefined && ctx.options.prior === undefined) throw new RangeError("strategy option 'priorFrom' only records where 'prior' came from: give prior too");
    if (this.prior.length > 0 && this.transform !== 'rank') throw new RangeError("strategy option 'prior' needs transform rank (past scores are ranks, not values on this search's scale)");
    this.s = { seed: ctx.seed, rng: new Rng(ctx.seed).state(), told: [], pending: [], fittedOn: 0, quality: [] };
  }

  /** A fresh, unfitted predictor; `seed` is derived from the snapshot. */
  protected abstract makePredictor(seed: number): Predictor;

  ask(_view: StudyView): Sample {
    const rng = new Rng(this.s.rng);
    const completes = this.s.told.filter((t) => t.vec !== null);
    let choice: { sample: Sample; pred?: number; scal?: Scalarisation } | undefined;
    // With a prior the model guides the very first asks; without one, `init` random results come first.
    if (completes.length >= this.init || this.prior.length > 0) {
      // Refit every `refit` new results, and at least every tenth of the data (long searches stay cheap).
      const every = Math.max(this.refit, Math.floor(this.s.fittedOn / 10));
      if (this.s.fittedOn === 0 || completes.length - this.s.fittedOn >= every) this.s.fittedOn = completes.length;
      choice = this.propose(this.ensureModel(completes), completes, rng);
    }
    const picked = choice ?? { sample: this.randomUnseen(rng) };
    const key = this.ctx.space.freeze(picked.sample).key;
    this.s.pending.push({ key, ...(picked.pred !== undefined ? { pred: picked.pred } : {}), ...(picked.scal ? { scal: picked.scal } : {}) });
    this.s.rng = rng.state();
    return picked.sample;
  }

  tell(t: FinishedTrial): void {
    const i = this.s.pending.findIndex((p) => p.key === t.key);
    const p = i >= 0 ? this.s.pending.splice(i, 1)[0] : undefined;
    const vec = t.state === 'complete' && t.values ? score(null, t.values, this.ctx.objectives).vec.slice() : null;
    this.s.told.push({ sample: t.sample.slice(), key: t.key, vec });
    if (p?.pred !== undefined && vec) this.s.quality.push([p.pred, target(vec, p.scal)]);
  }

  insights(): PredictorInsights {
    const pred = this.s.quality.map((q) => q[0]);
    const actual = this.s.quality.map((q) => q[1]);
    const finite = (v: number) => (Number.isFinite(v) ? v : null);
    return { heldOut: pred.length, kendallTau: finite(kendallTau(pred, actual)), spearman: finite(spearman(pred, actual)) };
  }

  snapshot(): unknown {
    return { ...structuredClone(this.s), insights: this.insights() };
  }

  restore(state: unknown): void {
    const { insights: _ignored, ...rest } = structuredClone(state as ModelState & { insights?: unknown });
    this.s = rest;
    this.model = undefined;
    this.seenCache = undefined;
  }

  /** The identity under which architectures count as asked: the space's equivalence key (see SearchSpace.equivalenceKey). */
  private eq(s: Sample): string {
    return equivalenceKey(this.ctx.space, s);
  }

  /** Equivalence keys of the told and pending architectures. */
  private seen(): Set<string> {
    const c = this.seenCache;
    if (c && c.told === this.s.told.length && c.pending === this.s.pending.length) return c.keys;
    const space = this.ctx.space;
    const keys = new Set<string>([...this.s.told.map((t) => this.eq(t.sample)), ...this.s.pending.map((p) => (space.equivalenceKey ? this.eq(space.parse(p.key)) : p.key))]);
    this.seenCache = { told: this.s.told.length, pending: this.s.pending.length, keys };
    return keys;
  }

  /** A random architecture: uniform over the space, or (draws dense) over the NB201 cells of convolutions and skips. */
  private draw(rng: Rng): Sample {
    return this.draws === 'dense' ? sampleNb201Dense(rng) : this.ctx.space.sample(rng);
  }

  private randomUnseen(rng: Rng): Sample {
    const seen = this.seen();
    let s = this.draw(rng);
    // Every prior cell asked already: the rest of the space.
    for (let tries = 0; tries < 200 && seen.has(this.eq(s)); tries++) s = tries < 100 ? this.draw(rng) : this.ctx.space.sample(rng);
    if (!seen.has(this.eq(s))) return s;
    // Nearly every architecture asked already: in a small space, pick among the rest by enumeration.
    const rest = unseenOfSmallSpace(this.ctx.space, seen, (x) => this.eq(x));
    return rest.length > 0 ? (rest[rng.int(rest.length)] as Sample) : s;
  }

  private ensureModel(completes: readonly Told[]): Model {
    const n = this.s.fittedOn;
    if (this.model && this.model.fittedOn === n) return this.model;
    const all = completes.slice(0, n);
    const allVecs = all.map((t) => t.vec as number[]);
    let scal: Scalarisation | undefined;
    if (this.ctx.objectives.length > 1) {
      const wr = new Rng(mixSeed(this.s.seed, n, 1));
      const raw = this.ctx.objectives.map(() => -Math.log(1 - wr.next()));
      const sum = raw.reduce((a, b) => a + b, 0);
      scal = {
        w: raw.map((r) => r / sum),
        lo: this.ctx.objectives.map((_, k) => Math.min(...allVecs.map((v) => v[k] as number))),
        hi: this.ctx.objectives.map((_, k) => Math.max(...allVecs.map((v) => v[k] as number))),
      };
    }
    const allY = allVecs.map((v) => target(v, scal));
    let keep = all.map((_, i) => i);
    if (keep.length > this.maxPoints) {
      const half = Math.ceil(this.maxPoints / 2);
      const chosen = new Set(keep.slice().sort((a, b) => (allY[b] as number) - (allY[a] as number) || a - b).slice(0, half));
      for (let i = all.length - 1; i >= 0 && chosen.size < this.maxPoints; i--) chosen.add(i);
      keep = keep.filter((i) => chosen.has(i));
    }
    const data = keep.map((i) => all[i] as Told);
    const raw = keep.map((i) => allY[i] as number);
    const own = this.transform === 'rank' ? copula(raw) : raw;
    // Past searches' scores (already normal quantiles of ranks) with a share that fades as results come.
    const prior = priorForFit(this.prior, new Set(this.s.told.map((t) => t.key)), n, this.init);
    const y = [...own, ...prior.map((p) => p.y)];
    const predictor = this.makePredictor(mixSeed(this.s.seed, n, 2));
    predictor.fit([...data.map((t) => this.encode(t.sample)), ...prior.map((p) => this.encode(p.sample))], y);
    this.model = { fittedOn: n, predictor, ...(scal ? { scal } : {}), best: Math.max(...y) };
    return this.model;
  }

  private propose(model: Model, completes: readonly Told[], rng: Rng): { sample: Sample; pred: number; scal?: Scalarisation } | undefined {
    const space = this.ctx.space;
    const seen = this.seen();
    const fresh = new Map<string, Sample>();
    // Parents: the best results so far (newer than the model too), under the model's scalarisation.
    const y = completes.map((t) => target(t.vec as number[], model.scal));
    // Until `init` results of its own, the best architectures of past searches are parents (and candidates) too.
    const priorTop = completes.length < this.init ? this.prior.slice().sort((a, b) => b.y - a.y).slice(0, this.parents) : [];
    const parents: { readonly sample: number[] }[] = completes
      .map((_, i) => i)
      .sort((a, b) => (y[b] as number) - (y[a] as number) || a - b)
      .slice(0, this.parents)
      .map((i) => completes[i] as Told);
    parents.push(...priorTop.slice(0, this.parents - parents.length));
    for (const p of priorTop) if (!seen.has(this.eq(p.sample))) fresh.set(this.eq(p.sample), p.sample.slice());
    // Stalled (no new best for `patience` results): leave the incumbent's basin, score global candidates only.
    let bestAt = 0;
    for (let i = 1; i < y.length; i++) if ((y[i] as number) > (y[bestAt] as number)) bestAt = i;
    const stalled = this.patience > 0 && completes.length - 1 - bestAt >= this.patience;
    const randoms = stalled ? this.candidates : Math.round(this.candidates * this.randomShare);
    const goods = stalled ? Math.round(this.candidates * this.goodShare) : Math.min(this.candidates - randoms, Math.round(this.candidates * this.goodShare));
    // Per decision, how often each choice occurs among the best fifth (a TPE-like l(x), half a count of prior).
    const top = parents.length > 0 ? completes.map((_, i) => i).sort((a, b) => (y[b] as number) - (y[a] as number) || a - b).slice(0, Math.max(2, Math.ceil(completes.length / 5))) : [];
    const good = space.dims.map((d, k) => {
      const w = new Array<number>(d.choices.length).fill(0.5);
      for (const i of top) {
        const t = completes[i] as Told;
        if (space.isActive(t.sample, k)) w[t.sample[k] as number] = (w[t.sample[k] as number] as number) + 1;
      }
      return w;
    });
    // Every one-step neighbour of the best architectures (a local search's moves, ranked by the model) …
    if (this.neighbours && !stalled) {
      for (const parent of parents) {
        for (const s of space.neighbours(parent.sample)) {
          const key = this.eq(s);
          if (!seen.has(key) && !fresh.has(key)) fresh.set(key, s);
        }
      }
    }
    // … then random one- and two-step mutations of them and random architectures.
    for (let i = 0; i < this.candidates; i++) {
      let s: Sample;
      if (i < goods && parents.length > 0) {
        const raw = good.map((w) => rng.weighted(w));
        s = raw.map((v, k) => (space.isActive(raw, k) ? v : 0));
      } else if (i < this.candidates - randoms && parents.length > 0) {
        s = space.mutate((parents[i % parents.length] as { sample: number[] }).sample, rng);
        // Every other candidate is two steps away: one step alone soon exhausts a parent's neighbourhood.
        if (i % 2 === 1) s = space.mutate(s, rng);
      } else {
        s = this.draw(rng);
      }
      const key = this.eq(s);
      if (!seen.has(key) && !fresh.has(key)) fresh.set(key, s);
    }
    if (fresh.size === 0) return undefined;
    const cands = [...fresh.values()];
    const q = model.predictor.query(cands.map((s) => this.encode(s)));
    const acq = acquire(this.acquisition, q.mean, q.std, { best: model.best, beta: this.beta, rng });
    let bi = 0;
    for (let i = 1; i < acq.length; i++) if ((acq[i] as number) > (acq[bi] as number)) bi = i;
    return { sample: cands[bi] as Sample, pred: q.mean[bi] as number, ...(model.scal ? { scal: model.scal } : {}) };
  }
}

/** Spaces up to this many raw combinations of choices are enumerated when random draws find nothing new. */
const ENUMERABLE = 100_000;

/** One architecture of each equivalence class not in `seen`, for a space small enough to enumerate (else none). */
function unseenOfSmallSpace(space: SearchSpace, seen: ReadonlySet<string>, eq: (s: Sample) => string): Sample[] {
  const sizes = space.dims.map((d) => d.choices.length);
  const total = sizes.reduce((a, b) => a * b, 1);
  if (total > ENUMERABLE) return [];
  const out: Sample[] = [];
  const classes = new Set<string>();
  for (let i = 0; i < total; i++) {
    const s: number[] = [];
    for (let d = sizes.length - 1, c = i; d >= 0; d--) {
      s[d] = c % (sizes[d] as number);
      c = Math.floor(c / (sizes[d] as number));
    }
    if (space.validate(s)) continue;
    const k = eq(s);
    if (seen.has(k) || classes.has(k)) continue;
    classes.add(k);
    out.push(space.freeze(s).sample.slice());
  }
  return out;
}

/** Re-exported from predictors/rank.ts, where it moved. */
export { normalQuantile };

/**
 * Normal quantiles of the (tie-averaged) ranks: a monotone map that keeps the order of the targets and
 * gives the predictor a Gaussian-looking, outlier-free target (a few broken cells at 10 % accuracy
 * would otherwise dominate a fit meant to tell good cells apart).
 */
export function copula(y: readonly number[]): number[] {
  const r = ranks(y);
  return r.map((v) => normalQuantile((v - 0.5) / y.length));
}

/** The predictor's target (larger is better): the negated value, or the negated ParEGO scalarisation. */
function target(vec: readonly number[], scal?: Scalarisation): number {
  if (!scal) return -(vec[0] as number);
  let max = -Infinity;
  let sum = 0;
  vec.forEach((v, k) => {
    const span = (scal.hi[k] as number) - (scal.lo[k] as number);
    const z = (scal.w[k] as number) * (span > 0 ? (v - (scal.lo[k] as number)) / span : 0);
    max = Math.max(max, z);
    sum += z;
  });
  return -(max + 0.05 * sum);
}
