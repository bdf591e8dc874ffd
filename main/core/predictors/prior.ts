/**
 * Predictor warm-up from past searches (a meta-learned initialisation): the complete trials of
 * earlier studies of the same space, as (architecture key, score) pairs, pre-train the predictor of a
 * model-based strategy (bananas, bo) so its very first asks are the model's picks instead of random
 * draws, and keep informing it, with a fading share, while the new search's own results come in.
 *
 * Scores are "larger is better" and only their order matters: each source study's first objective is
 * mapped to normal quantiles of its ranks (per study, so studies on different scales combine), and the
 * strategy maps the pooled scores to quantiles again, the scale of its own rank-transformed targets.
 */
import { NasError } from '../../../shared/errors.js';
import type { ObjectiveSpec, TrialRecord } from '../../../shared/types/index.js';
import type { SearchSpace } from '../search-space.js';
import { normalQuantile, ranks } from './rank.js';

/** The strategy options of a predictor warm-up: `prior` ([key, score] pairs) and `priorFrom` (the study ids, provenance only). */
export const PRIOR_OPTIONS = ['prior', 'priorFrom'] as const;
/** The strategies that read them. */
export const PRIOR_STRATEGIES: readonly string[] = ['bananas', 'bo'];
/** The most prior points one search keeps (a stratified subsample by rank beyond this). */
export const MAX_PRIOR = 500;
/** The most prior points a fit uses, with no result of its own yet; the share fades as init/(init + results). */
export const PRIOR_FIT_POINTS = 100;

export interface PriorPoint {
  readonly key: string;
  readonly sample: number[];
  /** Larger is better; normal quantiles of the ranks over the prior. */
  readonly y: number;
}

/** Scores mapped to normal quantiles of their (tie-averaged) ranks. */
export function rankScores(v: readonly number[]): number[] {
  const r = ranks(v);
  return r.map((x) => normalQuantile((x - 0.5) / v.length));
}

/** `n` indices spread evenly over the order of `y` (best, worst and between): a subsample that keeps the range. */
export function stratified(y: readonly number[], n: number): number[] {
  const order = y.map((_, i) => i).sort((a, b) => (y[b] as number) - (y[a] as number) || a - b);
  if (n >= order.length) return order;
  if (n <= 0) return [];
  if (n === 1) return [order[0] as number];
  const out: number[] = [];
  for (let k = 0; k < n; k++) out.push(order[Math.round((k * (order.length - 1)) / (n - 1))] as number);
  return out;
}

/**
 * The `prior` option read for `space`: an array of [key, score] pairs or that as JSON text (a form
 * field). Repeated architectures keep their mean score. Throws a RangeError naming the first bad entry.
 */
export function readPrior(raw: unknown, space: SearchSpace): PriorPoint[] {
  if (raw === undefined) return [];
  let v = raw;
  if (typeof raw === 'string') {
    try {
      v = JSON.parse(raw);
    } catch (e) {
      throw new RangeError(`strategy option 'prior' must be a JSON list of [architecture key, score] pairs, got ${raw.length > 80 ? `${raw.slice(0, 80)}…` : raw}`, { cause: e });
    }
  }
  if (!Array.isArray(v)) throw new RangeError("strategy option 'prior' must be a list of [architecture key, score] pairs");
  if (v.length > MAX_PRIOR * 4) throw new RangeError(`strategy option 'prior' takes at most ${MAX_PRIOR * 4} pairs, got ${v.length}`);
  const sums = new Map<string, { sample: number[]; sum: number; n: number }>();
  v.forEach((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'number' || !Number.isFinite(pair[1])) {
      throw new RangeError(`strategy option 'prior': entry ${i} must be [architecture key, finite score], got ${JSON.stringify(pair)?.slice(0, 120)}`);
    }
    const [key, score] = pair as [string, number];
    let sample: number[];
    try {
      sample = space.parse(key).slice();
    } catch (e) {
      throw new RangeError(`strategy option 'prior': architecture '${key.length > 120 ? `${key.slice(0, 120)}…` : key}' is not in the ${space.id} space: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const canonical = space.freeze(sample).key;
    const s = sums.get(canonical) ?? { sample, sum: 0, n: 0 };
    s.sum += score;
    s.n++;
    sums.set(canonical, s);
  });
  const entries = [...sums.entries()];
  const y = rankScores(entries.map(([, s]) => s.sum / s.n));
  return entries.map(([key, s], i) => ({ key, sample: s.sample, y: y[i] as number }));
}

/**
 * The prior points a fit uses when the search has `results` of its own (those it measured itself
 * are left out: its own measurement replaces the past one): a stratified subsample whose size fades
 * from PRIOR_FIT_POINTS as init / (init + results).
 */
export function priorForFit(prior: readonly PriorPoint[], own: ReadonlySet<string>, results: number, init: number): PriorPoint[] {
  const left = prior.filter((p) => !own.has(p.key));
  const n = Math.round((Math.min(left.length, PRIOR_FIT_POINTS) * init) / (init + results));
  return stratified(left.map((p) => p.y), n).map((i) => left[i] as PriorPoint);
}

/** The part of a store a predictor warm-up reads. */
export interface PriorSource {
  getStudy(id: string): { readonly spec: { readonly space: string; readonly objectives: readonly ObjectiveSpec[] } } | undefined;
  getTrials(id: string): TrialRecord[];
}

/**
 * The strategy options that warm up the predictor of a search of `space` from the studies `ids`: every
 * complete trial of each, scored by its study's first objective (normal quantiles of the ranks, larger
 * better), at most MAX_PRIOR in all (stratified by score). Refuses an unknown study, one of another
 * space and one without complete trials.
 */
export function priorFrom(store: PriorSource, ids: readonly string[], space: string): { prior: [string, number][]; priorFrom: string[] } {
  if (ids.length === 0) throw new NasError('invalid-input', 'a predictor warm-up needs at least one study id');
  const pairs: [string, number][] = [];
  for (const id of ids) {
    const rec = store.getStudy(id);
    if (!rec) throw new NasError('not-found', `predictor warm-up: no study with id ${id} (see 'frontier runs')`);
    if (rec.spec.space !== space) throw new NasError('invalid-input', `predictor warm-up: study ${id} searched the ${rec.spec.space} space, this search the ${space} space; its results cannot train this search's predictor`);
    const o = rec.spec.objectives[0];
    const done = o ? store.getTrials(id).filter((t) => t.state === 'complete' && Number.isFinite(t.metrics[o.metric])) : [];
    if (!o || done.length === 0) throw new NasError('invalid-input', `predictor warm-up: study ${id} has no complete trials to learn from`);
    const sign = o.direction === 'max' ? 1 : -1;
    const y = rankScores(done.map((t) => sign * (t.metrics[o.metric] as number)));
    done.forEach((t, i) => pairs.push([t.key, Math.round((y[i] as number) * 1e6) / 1e6]));
  }
  const keep = stratified(pairs.map((p) => p[1]), MAX_PRIOR).sort((a, b) => a - b);
  return { prior: keep.map((i) => pairs[i] as [string, number]), priorFrom: [...ids] };
}
