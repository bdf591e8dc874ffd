/**
 * Multi-fidelity search support: the rungs of successive halving, ranking within a rung, and a table
 * evaluator with several fidelities (NAS-Bench-201's 12- and 200-epoch columns), each charged its cost.
 */
import { NasError } from '../../shared/errors.js';
import type { Architecture, CurvePoint, Metrics } from '../../shared/types/index.js';
import type { CancellationToken } from './cancellation.js';
import type { EvaluationResult, Evaluator, TrialRef } from './evaluator.js';
import { rankAndCrowding } from './pareto.js';
import { numberOption, type StrategyContext } from './strategy.js';
import type { CostExpression, JoinedTable } from './table.js';
import { quoteText } from './text.js';

/**
 * The fidelities of the rungs: min, min·eta, min·eta², … below max, then max; with `available`
 * (the evaluator's fidelities) each is raised to the nearest one offered, and repeats are dropped.
 */
export function rungLevels(min: number, max: number, eta: number, available?: readonly number[]): number[] {
  if (!(min > 0 && max >= min && eta > 1)) throw new RangeError(`rungs need 0 < min <= max and eta > 1, got min ${min}, max ${max}, eta ${eta}`);
  const snap = (f: number): number => {
    if (!available?.length) return Math.round(f);
    return available.find((a) => a >= f - 1e-9) ?? (available[available.length - 1] as number);
  };
  const out: number[] = [];
  for (let f = min; f < max - 1e-9; f *= eta) {
    const s = snap(f);
    if (!out.includes(s)) out.push(s);
  }
  const top = snap(max);
  if (!out.includes(top)) out.push(top);
  return out.sort((a, b) => a - b);
}

/** The `min`, `max` and `eta` options of a multi-fidelity strategy (min and max undefined: the evaluator's). */
export interface RungOptions {
  readonly eta: number;
  readonly min?: number;
  readonly max?: number;
}

export function rungOptions(ctx: StrategyContext): RungOptions {
  const eta = numberOption(ctx, 'eta', 3, 1.01, 1000);
  const min = ctx.options.min === undefined ? undefined : numberOption(ctx, 'min', 1, Number.MIN_VALUE);
  const max = ctx.options.max === undefined ? undefined : numberOption(ctx, 'max', 1, min ?? Number.MIN_VALUE);
  return { eta, ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
}

/**
 * The rung fidelities for the evaluator's fidelities `available` (ascending), or, without them,
 * `fallback` (min and max); options min and max must lie within what is available.
 */
export function resolveRungs(o: RungOptions, available: readonly number[] | undefined, fallback: { min: number; max: number }): number[] {
  const avail = available?.length ? available : undefined;
  const lo = avail ? (avail[0] as number) : fallback.min;
  const hi = avail ? (avail[avail.length - 1] as number) : fallback.max;
  const min = o.min ?? lo;
  const max = o.max ?? Math.max(hi, min);
  if (avail && (min < lo || max > hi || min > max)) {
    throw new NasError('invalid-input', `strategy options 'min' and 'max' must lie within the evaluator's fidelities ${lo}..${hi}, got ${min}..${max}`);
  }
  return rungLevels(min, max, o.eta, avail);
}

/** Indices of minimisation vectors, best first: by value (one objective) or Pareto rank, then crowding. */
export function orderBest(vecs: readonly (readonly number[])[]): number[] {
  const idx = vecs.map((_, i) => i);
  if (vecs.length === 0) return idx;
  if ((vecs[0] as readonly number[]).length === 1) return idx.sort((a, b) => (vecs[a]![0] as number) - (vecs[b]![0] as number) || a - b);
  const { rank, crowd } = rankAndCrowding(vecs);
  return idx.sort((a, b) => (rank[a] as number) - (rank[b] as number) || (crowd[b] as number) - (crowd[a] as number) || a - b);
}

/** One fidelity of a table: metric M is read from column M + suffix, at the given cost. */
export interface TableFidelity {
  readonly fidelity: number;
  readonly suffix: string;
  readonly cost: CostExpression;
}

/**
 * NAS-Bench-201 on CIFAR-10: 12 epochs (`*_12ep` columns, 12/200 of the 200-epoch training time) and
 * 200 epochs (the plain columns, the whole training time). The 12-epoch runs of the benchmark are
 * their own schedule, not the start of the 200-epoch ones, so a promotion to 200 epochs is charged
 * the whole 200-epoch training (nothing is continued).
 */
export const NB201_FIDELITIES: readonly TableFidelity[] = [
  { fidelity: 12, suffix: '_12ep', cost: { column: 'train_time_200ep_c10valid', factor: 12 / 200 } },
  { fidelity: 200, suffix: '', cost: { column: 'train_time_200ep_c10valid', factor: 1 } },
];

export interface FidelityTableOptions {
  readonly metrics: readonly string[];
  /** Metrics known before evaluating (latency, params): the same at every fidelity. */
  readonly known: ReadonlySet<string>;
  readonly levels: readonly TableFidelity[];
}

/** Answers from a table at the fidelity a trial asks for (the full one when it names none). */
export class FidelityTableEvaluator implements Evaluator {
  readonly fidelities: readonly number[];
  private readonly levels: readonly TableFidelity[];

  constructor(
    readonly table: JoinedTable,
    private readonly o: FidelityTableOptions,
  ) {
    this.levels = o.levels.slice().sort((a, b) => a.fidelity - b.fidelity);
    if (this.levels.length === 0) throw new NasError('invalid-input', 'a table with fidelities needs at least one');
    this.fidelities = this.levels.map((l) => l.fidelity);
    for (const l of this.levels) {
      for (const c of [...o.metrics.map((m) => this.column(m, l)), ...(l.cost.column ? [l.cost.column] : [])]) {
        if (!table.columns.has(c)) throw new NasError('invalid-input', `fidelity ${l.fidelity} needs a column ${quoteText(c)}, which no table has`);
      }
    }
  }

  private column(metric: string, l: TableFidelity): string {
    return this.o.known.has(metric) ? metric : `${metric}${l.suffix}`;
  }

  private level(fidelity: number | undefined): TableFidelity {
    if (fidelity === undefined) return this.levels[this.levels.length - 1] as TableFidelity;
    const l = this.levels.find((x) => x.fidelity === fidelity);
    if (!l) throw new NasError('invalid-input', `fidelity ${fidelity} is not one of the table's (${this.fidelities.join(', ')})`);
    return l;
  }

  known(a: Architecture): Metrics {
    const row = this.table.rows.get(a.key);
    const out: Record<string, number> = {};
    if (row) for (const m of this.o.metrics) if (this.o.known.has(m) && m in row) out[m] = row[m] as number;
    return out;
  }

  estimateCost(a: Architecture, fidelity?: number): number | undefined {
    const c = this.level(fidelity).cost;
    if (!c.column) return c.factor;
    const v = this.table.rows.get(a.key)?.[c.column];
    return v === undefined || Number.isNaN(v) ? undefined : v * c.factor;
  }

  async evaluate(a: Architecture, _report: (p: CurvePoint) => void, _token: CancellationToken, trial?: TrialRef): Promise<EvaluationResult> {
    const row = this.table.rows.get(a.key);
    if (!row) throw new NasError('not-found', `architecture ${a.key} is not in the table`);
    const l = this.level(trial?.fidelity);
    const metrics: Record<string, number> = {};
    const fidelity: Record<string, string> = {};
    for (const m of this.o.metrics) {
      metrics[m] = row[this.column(m, l)] as number;
      fidelity[m] = this.o.known.has(m) ? 'table' : `epochs:${l.fidelity}`;
    }
    return { metrics, fidelity, cost: this.estimateCost(a, l.fidelity) ?? 0 };
  }
}
