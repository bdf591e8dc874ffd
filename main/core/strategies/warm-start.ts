import { NasError } from '../../../shared/errors.js';
import type { ObjectiveSpec, Sample, TrialRecord } from '../../../shared/types/index.js';
import type { FinishedTrial, Strategy, StrategyContext, StudyView } from '../strategy.js';
import { summarize } from '../summary.js';

/**
 * Strategy options that every strategy takes: `warmStart` (architecture keys, asked first) and
 * `warmStartFrom` (the study ids they came from; provenance only, not read by the strategy).
 */
export const WARM_START_OPTIONS = ['warmStart', 'warmStartFrom'] as const;

/** The most seeds one search takes (each is one evaluation before the strategy's own asks). */
export const MAX_WARM_START = 1000;

/**
 * Transfer by warm start: the seeds (architectures of earlier searches, e.g. their Pareto set) are
 * the first asks, in order, so they are re-evaluated on the new task first; then the inner strategy
 * asks as it would, having been told every seed's result like any trial of its own (evolution and
 * nsga2 take them into their population, bo/bananas/tpe into their model, local search moves to the
 * best). The snapshot is the inner one plus how many seeds were asked.
 */
export class WarmStartStrategy implements Strategy {
  readonly name: string;
  private next = 0;
  /** Keys of seeds asked and not yet told (their tells are marked `warmStart`). */
  private pending: string[] = [];

  constructor(
    private readonly inner: Strategy,
    private readonly seeds: readonly Sample[],
    private readonly keys: readonly string[],
  ) {
    this.name = `${inner.name}+warm-start`;
  }

  ask(view: StudyView): Sample | undefined {
    if (this.next < this.seeds.length) {
      const seed = this.seeds[this.next++] as Sample;
      this.pending.push(this.keys[this.next - 1] as string);
      return seed.slice();
    }
    return this.inner.ask(view);
  }

  tell(trial: FinishedTrial): void {
    const i = this.pending.indexOf(trial.key);
    if (i < 0) return this.inner.tell(trial);
    this.pending.splice(i, 1);
    this.inner.tell({ ...trial, warmStart: true });
  }

  snapshot(): unknown {
    return { warmStart: { next: this.next, pending: this.pending.slice() }, inner: this.inner.snapshot() };
  }

  restore(state: unknown): void {
    const s = state as { warmStart?: { next?: unknown; pending?: unknown }; inner?: unknown } | null;
    const next = s?.warmStart?.next;
    const pending = s?.warmStart?.pending ?? [];
    if (typeof next !== 'number' || !Number.isInteger(next) || next < 0 || next > this.seeds.length || !Array.isArray(pending) || !pending.every((k) => typeof k === 'string')) {
      throw new RangeError(`warm-start snapshot is damaged: seeds asked ${String(next)} of ${this.seeds.length}`);
    }
    this.next = next;
    this.pending = pending.slice() as string[];
    this.inner.restore(s?.inner);
  }
}

/** The `warmStart` option as a list of keys: an array of strings, or a JSON array in a string (a form field). */
export function warmStartKeys(raw: unknown): string[] {
  let v = raw;
  if (typeof raw === 'string') {
    try {
      v = JSON.parse(raw);
    } catch (e) {
      throw new RangeError(`strategy option 'warmStart' must be a list of architecture keys (a JSON array of strings), got ${raw.length > 80 ? `${raw.slice(0, 80)}…` : raw}`, { cause: e });
    }
  }
  if (!Array.isArray(v) || !v.every((k) => typeof k === 'string' && k.length > 0)) throw new RangeError('strategy option \'warmStart\' must be a list of architecture keys (strings)');
  if (v.length > MAX_WARM_START) throw new RangeError(`strategy option 'warmStart' takes at most ${MAX_WARM_START} architectures, got ${v.length}`);
  return v as string[];
}

/**
 * The inner strategy, wrapped in a WarmStartStrategy when the options name seeds. Each key must be an
 * architecture of this space (a readable error names the first that is not); repeated keys are asked
 * once. Multi-fidelity strategies (hyperband, asha) are refused: their brackets count the asks they made.
 */
export function withWarmStart(ctx: StrategyContext, build: (ctx: StrategyContext) => Strategy): Strategy {
  const { warmStart, warmStartFrom, ...rest } = ctx.options;
  const inner = build({ ...ctx, options: rest });
  if (warmStart === undefined) {
    if (warmStartFrom !== undefined) throw new RangeError("strategy option 'warmStartFrom' only records where 'warmStart' came from: give warmStart too");
    return inner;
  }
  if (inner.askFidelity) throw new RangeError(`warm start is not available for ${inner.name}: a multi-fidelity strategy's brackets count its own asks (use evolution, nsga2, local, bo, bananas, tpe, reinforce or random)`);
  const seen = new Set<string>();
  const seeds: Sample[] = [];
  const keys: string[] = [];
  for (const key of warmStartKeys(warmStart)) {
    let sample: Sample;
    try {
      sample = ctx.space.parse(key);
    } catch (e) {
      throw new RangeError(`warm-start architecture '${key.length > 120 ? `${key.slice(0, 120)}…` : key}' is not in the ${ctx.space.id} space: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    const canonical = ctx.space.freeze(sample).key;
    if (seen.has(canonical)) continue;
    seen.add(canonical);
    seeds.push(sample);
    keys.push(canonical);
  }
  return new WarmStartStrategy(inner, seeds, keys);
}

/**
 * The architectures a past search hands on: with several objectives its Pareto set (sorted by the
 * first objective, best first), with one objective its `topK` best distinct architectures. Only
 * complete trials count (at the highest fidelity when several were used, as in the summary).
 */
export function transferSet(trials: readonly TrialRecord[], objectives: readonly ObjectiveSpec[], topK = 5): string[] {
  if (objectives.length > 1) return summarize(trials, objectives).front.map((t) => t.key);
  const o = objectives[0];
  if (!o) return [];
  const fin = trials.filter((t) => t.state === 'complete' && Number.isFinite(t.metrics[o.metric]));
  const levels = fin.map((t) => t.metrics.fidelity).filter((f): f is number => typeof f === 'number');
  const top = levels.length ? Math.max(...levels) : undefined;
  const ranked = fin
    .filter((t) => top === undefined || t.metrics.fidelity === undefined || t.metrics.fidelity === top)
    .sort((a, b) => (o.direction === 'max' ? -1 : 1) * ((a.metrics[o.metric] as number) - (b.metrics[o.metric] as number)) || a.number - b.number);
  const out: string[] = [];
  for (const t of ranked) {
    if (out.length >= topK) break;
    if (!out.includes(t.key)) out.push(t.key);
  }
  return out;
}

/** The part of a store a warm start reads. */
export interface WarmStartSource {
  getStudy(id: string): { readonly spec: { readonly space: string; readonly objectives: readonly ObjectiveSpec[] } } | undefined;
  getTrials(id: string): TrialRecord[];
}

/**
 * The strategy options that warm-start a search of `space` from the studies `ids`: each one's Pareto
 * set (several objectives) or top `topK` (one objective), in the order given, repeated architectures
 * once. Refuses an unknown study, one of another space and one without complete trials.
 */
export function warmStartFrom(store: WarmStartSource, ids: readonly string[], space: string, topK = 5): { warmStart: string[]; warmStartFrom: string[] } {
  if (ids.length === 0) throw new NasError('invalid-input', 'warm start needs at least one study id');
  const keys: string[] = [];
  for (const id of ids) {
    const rec = store.getStudy(id);
    if (!rec) throw new NasError('not-found', `warm start: no study with id ${id} (see 'frontier runs')`);
    if (rec.spec.space !== space) throw new NasError('invalid-input', `warm start: study ${id} searched the ${rec.spec.space} space, this search the ${space} space; its architectures cannot seed this one`);
    const set = transferSet(store.getTrials(id), rec.spec.objectives, topK);
    if (set.length === 0) throw new NasError('invalid-input', `warm start: study ${id} has no complete trials to start from`);
    for (const k of set) if (!keys.includes(k)) keys.push(k);
  }
  return { warmStart: keys.slice(0, MAX_WARM_START), warmStartFrom: [...ids] };
}
