/**
 * A supernet training's scoring rounds, as stored in its training trial's curve (trial 0 of a
 * `supernet-train` study): every K optimizer steps a fixed panel of sub-networks (the largest, the
 * smallest, a few drawn at random once) is scored with the shared weights of that step, after
 * BatchNorm recalibration, on the validation split. A round at step s is the points
 *   `panel_seconds` (the seconds its scoring took) and, per sub-network,
 *   `panel_val_accuracy:<label>:<architecture key>` (its validation accuracy),
 * all at step s. A study from before the rounds has none of these points.
 */
import type { CurvePoint } from './types/index.js';

export const ROUND_SECONDS = 'panel_seconds';
const PREFIX = 'panel_val_accuracy:';

/** One sub-network of the panel: `largest`, `smallest`, `sampled1`…; its architecture key. */
export interface PanelMember {
  readonly label: string;
  readonly key: string;
}

export interface ScoringRound {
  readonly step: number;
  readonly seconds: number;
  readonly subnets: readonly (PanelMember & { readonly valAccuracy: number })[];
}

/** The curve metric of a panel member's accuracy (labels are words without ':'). */
export function roundMetric(m: PanelMember): string {
  if (!/^[A-Za-z0-9_-]+$/.test(m.label)) throw new Error(`panel label '${m.label}' must be letters, digits, _ or -`);
  return `${PREFIX}${m.label}:${m.key}`;
}

export function parseRoundMetric(metric: string): PanelMember | undefined {
  if (!metric.startsWith(PREFIX)) return undefined;
  const rest = metric.slice(PREFIX.length);
  const i = rest.indexOf(':');
  return i > 0 ? { label: rest.slice(0, i), key: rest.slice(i + 1) } : undefined;
}

/** The curve points of one round. */
export function roundPoints(r: ScoringRound): CurvePoint[] {
  return [{ step: r.step, metric: ROUND_SECONDS, value: r.seconds }, ...r.subnets.map((s) => ({ step: r.step, metric: roundMetric(s), value: s.valAccuracy }))];
}

/** The rounds in a training trial's curve, by step (points of other metrics ignored). */
export function roundsOf(curve: readonly CurvePoint[]): ScoringRound[] {
  const by = new Map<number, { seconds: number; subnets: (PanelMember & { valAccuracy: number })[] }>();
  const at = (step: number) => {
    let r = by.get(step);
    if (!r) by.set(step, (r = { seconds: NaN, subnets: [] }));
    return r;
  };
  for (const p of curve) {
    if (p.metric === ROUND_SECONDS) at(p.step).seconds = p.value;
    else {
      const m = parseRoundMetric(p.metric);
      if (m) at(p.step).subnets.push({ ...m, valAccuracy: p.value });
    }
  }
  return [...by].filter(([, r]) => Number.isFinite(r.seconds)).sort((a, b) => a[0] - b[0]).map(([step, r]) => ({ step, seconds: r.seconds, subnets: r.subnets }));
}
