import { roundsOf } from '../../../shared/supernet-rounds.js';
import type { CurvePoint } from '../../../shared/types/index.js';

/** NAS-Bench-201's parameter-free operations: a cell taken by them has collapsed (DARTS's failure mode). */
export const PARAMETER_FREE = new Set(['none', 'skip_connect', 'avg_pool_3x3']);

/**
 * The architecture weights of a DARTS or ENAS run over its epochs, from its search trial's curve
 * (`alpha_<edge>_<op>`: raw alpha, softmax per edge; `p_<edge>_<op>`: the ENAS controller's
 * probabilities). Edges and operations in the order the run wrote them.
 */
export interface ArchWeights {
  readonly kind: 'darts' | 'enas';
  readonly edges: readonly string[];
  readonly ops: readonly string[];
  readonly epochs: readonly number[];
  /** weights[epoch index][edge][op], each edge's row summing to 1. */
  readonly weights: readonly (readonly (readonly number[])[])[];
  /** Other per-epoch metrics (train_loss, search_val_accuracy, mean_reward, parameter_free_edges, …), aligned with `epochs` (null where missing). */
  readonly series: Readonly<Record<string, readonly (number | null)[]>>;
}

export function softmax(row: readonly number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

const WEIGHT = /^(alpha|p)_([^_]+)_(.+)$/;

export function archWeights(curve: readonly CurvePoint[], kind: 'darts' | 'enas'): ArchWeights {
  const prefix = kind === 'darts' ? 'alpha' : 'p';
  const edges: string[] = [];
  const ops: string[] = [];
  const epochSet = new Set<number>();
  const raw = new Map<number, Map<string, number>>();
  const other = new Map<string, Map<number, number>>();
  for (const p of curve) {
    epochSet.add(p.step);
    const m = WEIGHT.exec(p.metric);
    if (m && m[1] === prefix) {
      const [, , edge, op] = m as unknown as [string, string, string, string];
      if (!edges.includes(edge)) edges.push(edge);
      if (!ops.includes(op)) ops.push(op);
      let at = raw.get(p.step);
      if (!at) raw.set(p.step, (at = new Map()));
      at.set(`${edge} ${op}`, p.value);
    } else if (!m) {
      let s = other.get(p.metric);
      if (!s) other.set(p.metric, (s = new Map()));
      s.set(p.step, p.value);
    }
  }
  const epochs = [...epochSet].filter((e) => raw.has(e)).sort((a, b) => a - b);
  const weights = epochs.map((e) => {
    const at = raw.get(e) as Map<string, number>;
    return edges.map((edge) => {
      const row = ops.map((op) => at.get(`${edge} ${op}`) ?? (kind === 'darts' ? -Infinity : 0));
      return kind === 'darts' ? softmax(row) : row;
    });
  });
  const series = Object.fromEntries([...other].map(([metric, s]) => [metric, epochs.map((e) => s.get(e) ?? null)]));
  return { kind, edges, ops, epochs, weights, series };
}

/** Per edge the strongest operation, 'none' excluded (DARTS's discretisation): its index in `ops`. */
export function derivedOps(rows: readonly (readonly number[])[], ops: readonly string[]): number[] {
  return rows.map((row) => {
    let best = -1;
    row.forEach((v, k) => {
      if (ops[k] !== 'none' && (best < 0 || v > (row[best] as number))) best = k;
    });
    return best;
  });
}

/** The NAS-Bench-201 arch string of a cell given per edge (`<to><-<from>`) its operation. */
export function nb201ArchString(edges: readonly string[], ops: readonly string[], chosen: readonly number[]): string {
  const nodes = new Map<number, string[]>();
  edges.forEach((edge, i) => {
    const [to, from] = edge.split('<-').map(Number) as [number, number];
    const list = nodes.get(to) ?? [];
    list[from] = `${ops[chosen[i] as number]}~${from}`;
    nodes.set(to, list);
  });
  return [...nodes.keys()].sort((a, b) => a - b).map((to) => `|${(nodes.get(to) as string[]).filter(Boolean).join('|')}|`).join('+');
}

/** How many edges' derived operation is parameter-free (the collapse indicator), of how many. */
export function collapseCount(chosen: readonly number[], ops: readonly string[]): number {
  return chosen.filter((k) => PARAMETER_FREE.has(ops[k] as string)).length;
}

/**
 * A supernet training's scoring rounds as chart series: the rounds' steps and, per panel member
 * (in the order the first round lists them), its accuracy at each step (null where a round lacks it).
 */
export interface PanelSeries {
  readonly steps: readonly number[];
  readonly members: readonly { readonly label: string; readonly key: string; readonly values: readonly (number | null)[] }[];
  /** The last round's seconds of scoring. */
  readonly lastSeconds: number | null;
}

export function panelSeries(curve: readonly CurvePoint[]): PanelSeries {
  const rounds = roundsOf(curve);
  const members: { label: string; key: string }[] = [];
  for (const r of rounds) for (const s of r.subnets) if (!members.some((m) => m.label === s.label && m.key === s.key)) members.push({ label: s.label, key: s.key });
  return {
    steps: rounds.map((r) => r.step),
    members: members.map((m) => ({ ...m, values: rounds.map((r) => r.subnets.find((s) => s.label === m.label && s.key === m.key)?.valAccuracy ?? null) })),
    lastSeconds: rounds.at(-1)?.seconds ?? null,
  };
}
