/**
 * Early stopping from learning curves: extrapolate a trial's partial curve to its last epoch, take
 * an optimistic projection, and stop the trial when even that cannot enter the current Pareto front
 * (one objective: cannot beat the best finished trial). Objectives without a curve (latency, params)
 * take their known value, or the best imaginable one when unknown, so they never cause a stop.
 */
import { TrialPruned } from '../../shared/errors.js';
import type { Architecture, CurvePoint, Metrics, ObjectiveSpec } from '../../shared/types/index.js';
import { CancellationTokenSource, type CancellationToken } from './cancellation.js';
import type { EvaluationResult, Evaluator, TrialRef } from './evaluator.js';
import { toMinimization } from './pareto.js';

/** Exponents of the saturating power laws y = a + b·t^(-c) fitted to a curve. */
const EXPONENTS = Array.from({ length: 60 }, (_, i) => 0.05 * (i + 1));

export interface Projection {
  /** The best-fitting law's value at the horizon. */
  readonly predicted: number;
  /** The most favourable plausible value at the horizon (never worse than the best point so far). */
  readonly optimistic: number;
}

export interface ProjectOptions {
  /** Whether larger values are better (accuracy) or smaller (loss). */
  readonly direction: 'max' | 'min';
  /** Values the metric cannot leave (e.g. [0, 1] for an accuracy): the projection is clamped to them. */
  readonly bounds?: readonly [number, number];
  /** Standard errors of the extrapolated value added to the optimistic projection (default 2). */
  readonly slack?: number;
  /** The least deviation of a point from the true curve (default 0.2% of the largest value). */
  readonly noise?: number;
}

/**
 * Extrapolates a learning curve to step `horizon`: least-squares fits of y = a + b·t^(-c) for several
 * exponents c; the projection is the best fit's value at the horizon, the optimistic one the best,
 * among fits nearly as good (squared error at most twice the best), of the value at the horizon plus
 * `slack` standard errors of the fitted value there (at least one residual deviation), and at least
 * the best point seen (the trainer keeps the best epoch's weights).
 * Needs 3 points with distinct steps; undefined otherwise.
 */
export function projectCurve(points: readonly { step: number; value: number }[], horizon: number, o: ProjectOptions): Projection | undefined {
  const sign = o.direction === 'max' ? 1 : -1;
  const pts = points.filter((p) => Number.isFinite(p.value) && p.step > 0).map((p) => ({ t: p.step, y: sign * p.value }));
  if (new Set(pts.map((p) => p.t)).size < 3) return undefined;
  const n = pts.length;
  const fits: { sse: number; at: number; se: number }[] = [];
  for (const c of EXPONENTS) {
    const xs = pts.map((p) => p.t ** -c);
    const mx = xs.reduce((a, b) => a + b, 0) / n;
    const my = pts.reduce((a, p) => a + p.y, 0) / n;
    let sxx = 0;
    let sxy = 0;
    xs.forEach((x, i) => {
      sxx += (x - mx) ** 2;
      sxy += (x - mx) * ((pts[i] as { y: number }).y - my);
    });
    if (sxx <= 0) continue;
    const b = sxy / sxx;
    const a = my - b * mx;
    const sse = xs.reduce((s, x, i) => s + ((pts[i] as { y: number }).y - (a + b * x)) ** 2, 0);
    const xT = horizon ** -c;
    // Standard error of the fitted line at the horizon, per unit of residual deviation.
    fits.push({ sse, at: a + b * xT, se: Math.sqrt(1 / n + (xT - mx) ** 2 / sxx) });
  }
  if (fits.length === 0) return undefined;
  const best = fits.reduce((p, q) => (q.sse < p.sse ? q : p));
  // Points are never exact (evaluation noise, a law that is only close): a floor on their deviation.
  const floor = o.noise ?? 0.002 * Math.max(1e-9, ...pts.map((p) => Math.abs(p.y)));
  const sigma = Math.max(floor, Math.sqrt(best.sse / Math.max(1, n - 2)));
  const plausible = fits.filter((f) => f.sse <= 2 * best.sse + n * floor ** 2);
  const seen = Math.max(...pts.map((p) => p.y));
  const slack = o.slack ?? 2;
  let optimistic = Math.max(seen, ...plausible.map((f) => f.at + slack * sigma * Math.max(1, f.se)));
  let predicted = best.at;
  if (o.bounds) {
    const [lo, hi] = sign > 0 ? o.bounds : [-o.bounds[1], -o.bounds[0]];
    optimistic = Math.min(Math.max(optimistic, lo), hi);
    predicted = Math.min(Math.max(predicted, lo), hi);
  }
  return { predicted: sign * predicted, optimistic: sign * optimistic };
}

export interface StopperOptions {
  readonly objectives: readonly ObjectiveSpec[];
  /** Steps (epochs) of a full evaluation: where curves are projected to (a trial's fidelity overrides it). */
  readonly horizon: number;
  /** Curve points needed before a trial may be stopped (default 3, at least 3). */
  readonly minPoints?: number;
  /** See ProjectOptions.slack (default 2). */
  readonly slack?: number;
  /** Bounds per metric (default [0, 1] for metrics named like accuracies). */
  readonly bounds?: Readonly<Record<string, readonly [number, number]>>;
}

export type StopDecision = { readonly stop: false } | { readonly stop: true; readonly reason: string; readonly projection: readonly number[] };

/**
 * Decides, from the partial curves of a running trial, whether it is hopeless: its optimistic
 * projection (objective by objective) is weakly dominated by a finished trial of the same length
 * (horizon: results after 3 epochs are not compared with results after 30). `record` is told the
 * objective values of every finished (complete) trial.
 */
export class EarlyStopper {
  /** The front of the finished trials, per horizon. */
  private readonly fronts = new Map<number, number[][]>();
  private readonly minPoints: number;

  constructor(readonly o: StopperOptions) {
    if (!(o.horizon >= 1)) throw new RangeError(`early stopping needs a horizon of at least 1 step, got ${o.horizon}`);
    this.minPoints = Math.max(3, o.minPoints ?? 3);
  }

  /** A finished trial's objective values (raw, in objective order), trained for `horizon` steps. */
  record(values: readonly number[], horizon = this.o.horizon): void {
    if (values.length !== this.o.objectives.length || values.some((v) => !Number.isFinite(v))) return;
    const v = toMinimization(values, this.o.objectives);
    const front = this.fronts.get(horizon) ?? [];
    this.fronts.set(horizon, front);
    if (front.some((p) => p.every((x, k) => x <= (v[k] as number)))) return;
    for (let i = front.length - 1; i >= 0; i--) if (v.every((x, k) => x <= (front[i]![k] as number))) front.splice(i, 1);
    front.push(v);
  }

  /** The current front (minimisation vectors) of the trials trained for `horizon` steps. */
  frontier(horizon = this.o.horizon): readonly (readonly number[])[] {
    return this.fronts.get(horizon) ?? [];
  }

  private boundsOf(metric: string): readonly [number, number] | undefined {
    return this.o.bounds?.[metric] ?? (/acc/i.test(metric) ? [0, 1] : undefined);
  }

  decide(curves: Readonly<Record<string, readonly CurvePoint[]>>, known: Metrics, horizon = this.o.horizon): StopDecision {
    const front = this.frontier(horizon);
    if (front.length === 0) return { stop: false };
    const projection: number[] = [];
    let fromCurve = false;
    for (const obj of this.o.objectives) {
      const curve = curves[obj.metric];
      if (curve && curve.length > 0) {
        const last = Math.max(...curve.map((p) => p.step));
        if (curve.length < this.minPoints || last >= horizon) return { stop: false };
        const bounds = this.boundsOf(obj.metric);
        const p = projectCurve(curve, horizon, { direction: obj.direction, ...(bounds ? { bounds } : {}), ...(this.o.slack !== undefined ? { slack: this.o.slack } : {}) });
        if (!p) return { stop: false };
        projection.push(p.optimistic);
        fromCurve = true;
      } else if (Object.hasOwn(known, obj.metric) && Number.isFinite(known[obj.metric])) {
        projection.push(known[obj.metric] as number);
      } else {
        projection.push(obj.direction === 'max' ? Infinity : -Infinity);
      }
    }
    if (!fromCurve) return { stop: false };
    const v = toMinimization(projection, this.o.objectives);
    const by = front.find((p) => p.every((x, k) => x <= (v[k] as number)));
    if (!by) return { stop: false };
    const show = (xs: readonly number[]) => xs.map((x) => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4))).join(', ');
    const what = this.o.objectives.length === 1 ? 'cannot beat the best finished trial' : 'cannot enter the Pareto front';
    const best = toMinimization(by, this.o.objectives);
    return { stop: true, projection, reason: `optimistic projection to step ${horizon} (${show(projection)}) ${what} (${show(best)})` };
  }
}

/**
 * Runs one evaluation under early stopping: the curve points it reports (passed on to `report`) feed
 * the stopper; once the trial is hopeless its token fires and, when the evaluation then ends, it
 * ends as pruned (TrialPruned, with the projection as the reason). A complete result updates the
 * front. A stop of the whole search (`token`) is not a prune.
 */
export async function withEarlyStopping(
  stopper: EarlyStopper,
  run: (report: (p: CurvePoint) => void, token: CancellationToken) => Promise<EvaluationResult>,
  report: (p: CurvePoint) => void,
  token: CancellationToken,
  o: { readonly known: Metrics; readonly horizon: number; readonly onPruned?: (reason: string) => void },
): Promise<EvaluationResult> {
  const src = new CancellationTokenSource();
  const link = token.onCancellationRequested(() => src.cancel());
  const watched = new Set(stopper.o.objectives.map((x) => x.metric));
  const curves: Record<string, CurvePoint[]> = {};
  let reason: string | undefined;
  const onPoint = (p: CurvePoint) => {
    report(p);
    if (reason !== undefined || !watched.has(p.metric)) return;
    (curves[p.metric] ??= []).push(p);
    const d = stopper.decide(curves, o.known, o.horizon);
    if (d.stop) {
      reason = d.reason;
      src.cancel();
    }
  };
  try {
    const r = await run(onPoint, src.token);
    const metrics: Metrics = { ...o.known, ...r.metrics };
    const values = stopper.o.objectives.map((x) => metrics[x.metric]);
    if (values.every((v) => v !== undefined)) stopper.record(values as number[], o.horizon);
    return r;
  } catch (e) {
    if (reason !== undefined && !token.isCancellationRequested) {
      o.onPruned?.(reason);
      throw new TrialPruned(`pruned: ${reason}`);
    }
    throw e;
  } finally {
    link.dispose();
    src.dispose();
  }
}

/**
 * Wraps an evaluator with early stopping (see withEarlyStopping): the learning-curve points it reports feed the stopper,
 * and a hopeless trial is cancelled and ends as pruned (TrialPruned, with the projection as the
 * reason). Complete trials update the front. Works with any evaluator that reports curve points of
 * the objective metrics and stops soon after its token fires (the trainer does, per epoch).
 */
export class EarlyStoppingEvaluator implements Evaluator {
  readonly fidelities?: readonly number[];
  readonly known?: (a: Architecture) => Metrics;
  readonly estimateCost?: (a: Architecture, fidelity?: number) => number | undefined;
  /** Trials stopped so far, with their reasons. */
  readonly pruned: { key: string; reason: string }[] = [];

  constructor(
    private readonly inner: Evaluator,
    readonly stopper: EarlyStopper,
  ) {
    if (inner.fidelities) this.fidelities = inner.fidelities;
    if (inner.known) this.known = (a) => inner.known!(a);
    if (inner.estimateCost) this.estimateCost = (a, f) => (f === undefined ? inner.estimateCost!(a) : inner.estimateCost!(a, f));
    if (inner.capacity) this.capacity = () => inner.capacity!();
  }

  readonly capacity?: () => number;

  async evaluate(a: Architecture, report: (p: CurvePoint) => void, token: CancellationToken, trial?: TrialRef): Promise<EvaluationResult> {
    const run = (rep: (p: CurvePoint) => void, tok: CancellationToken) => (trial ? this.inner.evaluate(a, rep, tok, trial) : this.inner.evaluate(a, rep, tok));
    return withEarlyStopping(this.stopper, run, report, token, {
      known: this.inner.known?.(a) ?? {},
      horizon: trial?.fidelity ?? this.stopper.o.horizon,
      onPruned: (reason) => this.pruned.push({ key: a.key, reason }),
    });
  }

  dispose(): void {
    this.inner.dispose?.();
  }
}
