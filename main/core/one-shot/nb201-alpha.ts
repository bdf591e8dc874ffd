import { NasError } from '../../../shared/errors.js';
import type { Sample } from '../../../shared/types/index.js';
import { Rng, type RngState } from '../rng.js';
import { NB201_EDGES, NB201_OPS } from '../spaces/nb201.js';

/**
 * Architecture weights of the NB201 cell for DARTS: alpha[e][k] for the six edges (benchmark order,
 * 1<-0 … 3<-2) and the five operations (NB201_OPS order). Pure functions over them: softmax,
 * discretisation and the collapse indicator.
 */
export type Alpha = readonly (readonly number[])[];

export const NB201_EDGE_COUNT = NB201_EDGES.length;
export const NB201_OP_COUNT = NB201_OPS.length;
const NONE = NB201_OPS.indexOf('none');
const SKIP = NB201_OPS.indexOf('skip_connect');
/** Operations without weights: DARTS's known failure is these taking over (collapse). */
export const PARAMETER_FREE_OPS: readonly number[] = [NONE, SKIP, NB201_OPS.indexOf('avg_pool_3x3')];

/** 6×5 rows from a flat array of 30 finite numbers (the engine's layout); NasError otherwise. */
export function alphaFrom(flat: ArrayLike<number>): number[][] {
  if (flat.length !== NB201_EDGE_COUNT * NB201_OP_COUNT) {
    throw new NasError('invalid-input', `architecture weights need ${NB201_EDGE_COUNT * NB201_OP_COUNT} values (6 edges × 5 operations), got ${flat.length}`);
  }
  const rows: number[][] = [];
  for (let e = 0; e < NB201_EDGE_COUNT; e++) {
    const row: number[] = [];
    for (let k = 0; k < NB201_OP_COUNT; k++) {
      const v = flat[e * NB201_OP_COUNT + k] as number;
      if (!Number.isFinite(v)) throw new NasError('invalid-input', `architecture weight of ${NB201_OPS[k]} on edge ${edgeName(e)} is ${v}`);
      row.push(v);
    }
    rows.push(row);
  }
  return rows;
}

function checkAlpha(alpha: Alpha): void {
  if (alpha.length !== NB201_EDGE_COUNT || alpha.some((r) => r.length !== NB201_OP_COUNT || r.some((v) => !Number.isFinite(v)))) {
    throw new NasError('invalid-input', 'architecture weights must be 6 rows (edges) of 5 finite numbers (operations)');
  }
}

export function edgeName(e: number): string {
  const [to, from] = NB201_EDGES[e] as readonly [number, number];
  return `${to}<-${from}`;
}

export function softmax(row: readonly number[]): number[] {
  let m = -Infinity;
  for (const v of row) m = Math.max(m, v);
  const ex = row.map((v) => Math.exp(v - m));
  const z = ex.reduce((a, b) => a + b, 0);
  return ex.map((v) => v / z);
}

export interface DiscretiseOptions {
  /**
   * At most this many edges with a parameter-free operation (skip_connect, avg_pool_3x3): P-DARTS's
   * limit on skips (Chen et al. 2019), applied to every operation without weights. The weakest extra
   * ones (by the softmax weight of their operation) get their edge's best operation with weights.
   * Default: no limit.
   */
  readonly maxParameterFree?: number;
}

/**
 * The derived cell: per edge the operation of largest alpha, 'none' excluded (as NAS-Bench-201
 * discretises DARTS); ties go to the earlier operation. A Sample of the nb201 space.
 */
export function discretise(alpha: Alpha, o: DiscretiseOptions = {}): Sample {
  checkAlpha(alpha);
  const cell = alpha.map((row) => argmaxOf(row, (k) => k !== NONE));
  const limit = o.maxParameterFree;
  if (limit !== undefined) {
    if (!(Number.isInteger(limit) && limit >= 0 && limit <= NB201_EDGE_COUNT)) throw new NasError('invalid-input', `maxParameterFree must be an integer in 0..6, got ${limit}`);
    const free = cell
      .map((op, e) => ({ e, op, w: softmax(alpha[e] as readonly number[])[op] as number }))
      .filter((x) => PARAMETER_FREE_OPS.includes(x.op))
      .sort((a, b) => b.w - a.w || a.e - b.e);
    for (const f of free.slice(limit)) cell[f.e] = argmaxOf(alpha[f.e] as readonly number[], (k) => !PARAMETER_FREE_OPS.includes(k));
  }
  return cell;
}

function argmaxOf(row: readonly number[], allowed: (k: number) => boolean): number {
  let best = -1;
  for (let k = 0; k < row.length; k++) if (allowed(k) && (best < 0 || (row[k] as number) > (row[best] as number))) best = k;
  return best;
}

export interface CollapseReport {
  /** Edges whose derived operation (discretise) has no weights (skip_connect or avg_pool_3x3). */
  readonly parameterFreeEdges: number;
  /** parameterFreeEdges / 6. */
  readonly parameterFreeShare: number;
  readonly skipEdges: number;
  /** Mean softmax weight of none, skip_connect and avg_pool_3x3 over the edges (uniform alpha: 0.6). */
  readonly parameterFreeWeight: number;
  /** True when the share reaches the threshold (default 0.5: at least 3 of 6 edges). */
  readonly collapsed: boolean;
}

/** Default collapse threshold: half the edges parameter-free (DARTS-V1's NB201 cell has all six skips). */
export const COLLAPSE_SHARE = 0.5;

/** How far parameter-free operations dominate an alpha. */
export function collapseReport(alpha: Alpha, threshold = COLLAPSE_SHARE): CollapseReport {
  checkAlpha(alpha);
  if (!(threshold > 0 && threshold <= 1)) throw new NasError('invalid-input', `the collapse threshold must be in (0, 1], got ${threshold}`);
  const cell = discretise(alpha);
  const parameterFreeEdges = cell.filter((op) => PARAMETER_FREE_OPS.includes(op as number)).length;
  const skipEdges = cell.filter((op) => op === SKIP).length;
  const parameterFreeWeight = alpha.reduce((acc, row) => {
    const p = softmax(row);
    return acc + PARAMETER_FREE_OPS.reduce((s, k) => s + (p[k] as number), 0);
  }, 0) / NB201_EDGE_COUNT;
  const parameterFreeShare = parameterFreeEdges / NB201_EDGE_COUNT;
  return { parameterFreeEdges, parameterFreeShare, skipEdges, parameterFreeWeight, collapsed: parameterFreeShare >= threshold - 1e-12 };
}

/** Least-squares slope per epoch of the parameter-free weight over a history of alphas (0 for fewer than 2). */
export function parameterFreeTrend(history: readonly Alpha[]): number {
  const ys = history.map((a) => collapseReport(a).parameterFreeWeight);
  const n = ys.length;
  if (n < 2) return 0;
  const mx = (n - 1) / 2;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  ys.forEach((y, x) => {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  });
  return num / den;
}

/**
 * ENAS's controller for the NB201 cell (Pham et al. 2018, here without the LSTM: an independent
 * categorical policy per edge, as NAS-Bench-201's REINFORCE baseline): cells are sampled from
 * softmax(logits); `update` is REINFORCE with a moving-average baseline and an entropy bonus, the
 * reward being a cell's validation accuracy with the shared weights.
 */
export interface EnasControllerState {
  readonly logits: number[][];
  readonly baseline: number | null;
  readonly rng: readonly number[];
}

export class EnasController {
  private logits: number[][];
  private baseline: number | null = null;
  private rng: RngState;

  constructor(private readonly o: { seed: number; lr?: number; baselineDecay?: number; entropy?: number }) {
    this.logits = NB201_EDGES.map(() => NB201_OPS.map(() => 0));
    this.rng = new Rng(o.seed).state();
  }

  probabilities(): number[][] {
    return this.logits.map(softmax);
  }

  /** Everything the policy's future depends on (logits, baseline, sampler), for a checkpoint. */
  state(): EnasControllerState {
    return { logits: this.logits.map((row) => [...row]), baseline: this.baseline, rng: [...this.rng] };
  }

  /** Continues from a state() of a controller with the same options. */
  restore(s: EnasControllerState): void {
    const ok = Array.isArray(s?.logits) && s.logits.length === NB201_EDGES.length && s.logits.every((row) => Array.isArray(row) && row.length === NB201_OPS.length && row.every(Number.isFinite))
      && (s.baseline === null || Number.isFinite(s.baseline)) && Array.isArray(s.rng) && s.rng.length === 4 && s.rng.every(Number.isInteger);
    if (!ok) throw new NasError('invalid-input', 'not an ENAS controller state');
    this.logits = s.logits.map((row) => [...row]);
    this.baseline = s.baseline;
    this.rng = [s.rng[0], s.rng[1], s.rng[2], s.rng[3]] as RngState;
  }

  sample(n: number): Sample[] {
    const rng = new Rng(this.rng);
    const out: Sample[] = [];
    for (let i = 0; i < n; i++) out.push(this.logits.map((l) => rng.weighted(softmax(l))));
    this.rng = rng.state();
    return out;
  }

  /** The most probable cell ('none' excluded, as discretise). */
  best(): Sample {
    return discretise(this.logits);
  }

  /** One policy-gradient step over a batch of (cell, reward). */
  update(cells: readonly Sample[], rewards: readonly number[]): void {
    if (cells.length !== rewards.length || cells.length === 0) throw new NasError('invalid-input', `ENAS update: ${cells.length} cells for ${rewards.length} rewards`);
    const lr = this.o.lr ?? 0.2;
    const decay = this.o.baselineDecay ?? 0.9;
    const entropy = this.o.entropy ?? 1e-3;
    for (const r of rewards) if (!Number.isFinite(r)) throw new NasError('invalid-input', `ENAS reward ${r} is not finite`);
    const b = this.baseline ?? rewards.reduce((a, x) => a + x, 0) / rewards.length;
    const grads = this.logits.map((row) => row.map(() => 0));
    cells.forEach((cell, i) => {
      const adv = (rewards[i] as number) - b;
      this.logits.forEach((row, e) => {
        const p = softmax(row);
        const h = -p.reduce((acc, pk) => acc + (pk > 0 ? pk * Math.log(pk) : 0), 0);
        row.forEach((_, k) => {
          const g = adv * ((cell[e] === k ? 1 : 0) - (p[k] as number));
          const eg = (p[k] as number) > 0 ? -(p[k] as number) * (Math.log(p[k] as number) + h) : 0;
          (grads[e] as number[])[k] = ((grads[e] as number[])[k] as number) + (g + entropy * eg) / cells.length;
        });
      });
    });
    for (const r of rewards) this.baseline = this.baseline === null ? r : decay * this.baseline + (1 - decay) * r;
    this.logits = this.logits.map((row, e) => row.map((l, k) => l + lr * ((grads[e] as number[])[k] as number)));
  }
}

export interface GuardOptions {
  /** Collapse threshold of collapseReport (default COLLAPSE_SHARE). */
  readonly threshold?: number;
  /** Edges with a parameter-free operation at most, at discretisation (default 2; P-DARTS limits skips). */
  readonly maxParameterFree?: number;
}

export interface GuardDecision {
  /** The derived cell. */
  readonly cell: Sample;
  /** The epoch (1-based) whose alpha was discretised. */
  readonly keptEpoch: number;
  /** The first epoch whose alpha was collapsed, if any. */
  readonly collapsedAt?: number;
}

/**
 * The collapse guard, applied to alpha after each epoch: early stopping on the collapse indicator
 * (as DARTS+, Liang et al. 2019, stops when skips take over), keeping the last epoch before the first
 * collapsed one (the first epoch's when it already is), then discretisation with at most
 * `maxParameterFree` edges of skip_connect or avg_pool_3x3 (P-DARTS's skip limit, extended to pools).
 * Without a collapse, the last epoch's alpha with that limit.
 */
export function guardedCell(history: readonly Alpha[], o: GuardOptions = {}): GuardDecision {
  if (history.length === 0) throw new NasError('invalid-input', 'the collapse guard needs the alpha of at least one epoch');
  const at = history.findIndex((a) => collapseReport(a, o.threshold).collapsed);
  const kept = at < 0 ? history.length - 1 : Math.max(0, at - 1);
  return {
    cell: discretise(history[kept] as Alpha, { maxParameterFree: o.maxParameterFree ?? 2 }),
    keptEpoch: kept + 1,
    ...(at >= 0 ? { collapsedAt: at + 1 } : {}),
  };
}
