/**
 * Gradient-boosted regression trees (least squares; Friedman 2001), as NASLib's GBDT predictors:
 * each tree is grown level by level to `depth` on the residuals of the trees before it, its leaves
 * shrunk by `lr`. A level costs the rows' non-zeros plus nodes × distinct feature values. An ensemble of `members` boosters, each fitted on
 * its own subsample of the rows (bagging), gives the mean and, as the uncertainty acquisition
 * functions need, the members' standard deviation. Deterministic under the seed: the only randomness
 * is the subsample, and ties between splits go to the lower feature, then the lower threshold.
 * Splits are searched on histograms of each feature's distinct values (binRows).
 */
import { Rng } from '../rng.js';
import { checkInputs, standardise, type Matrix, type Prediction, type Predictor } from './types.js';

export interface GbtOptions {
  /** Boosters in the ensemble (the uncertainty is their spread). */
  readonly members?: number;
  /** Trees per booster. */
  readonly trees?: number;
  readonly depth?: number;
  /** Shrinkage of each tree's leaves. */
  readonly lr?: number;
  /** Fewest rows in a leaf. */
  readonly minLeaf?: number;
  /** Share of the rows each booster is fitted on (drawn without replacement); 1: all. */
  readonly subsample?: number;
  readonly seed?: number;
}

/** A tree as parallel arrays; node 0 is the root, a leaf has feature −1. */
interface Tree {
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly value: Float64Array;
}

function predictTree(t: Tree, x: readonly number[]): number {
  let n = 0;
  while ((t.feature[n] as number) >= 0) n = (x[t.feature[n] as number] as number) <= (t.threshold[n] as number) ? (t.left[n] as number) : (t.right[n] as number);
  return t.value[n] as number;
}

/**
 * The rows binned per feature: `values[f]` the feature's distinct values ascending, `offset[f]` where
 * its bins start in a histogram of `bins` in all; a feature's most common value is its default bin, and
 * each row lists only its other (feature, bin) pairs, so one-hot and path encodings (mostly zeros) cost
 * their non-zeros, not their length.
 */
interface Binned {
  readonly values: readonly number[][];
  readonly offset: Int32Array;
  readonly bins: number;
  readonly defaults: Int32Array;
  /** Per row: absolute histogram slots of its non-default bins. */
  readonly slots: readonly Int32Array[];
}

function binRows(x: Matrix, d: number): Binned {
  const values: number[][] = [];
  const offset = new Int32Array(d);
  const defaults = new Int32Array(d);
  const index: Map<number, number>[] = [];
  let bins = 0;
  for (let f = 0; f < d; f++) {
    const count = new Map<number, number>();
    for (const row of x) count.set(row[f] as number, (count.get(row[f] as number) ?? 0) + 1);
    const vals = [...count.keys()].sort((p, q) => p - q);
    values.push(vals);
    index.push(new Map(vals.map((v, b) => [v, b])));
    offset[f] = bins;
    let def = 0;
    vals.forEach((v, b) => {
      if ((count.get(v) as number) > (count.get(vals[def] as number) as number)) def = b;
    });
    defaults[f] = def;
    bins += vals.length;
  }
  const slots = x.map((row) => {
    const out: number[] = [];
    for (let f = 0; f < d; f++) {
      const b = (index[f] as Map<number, number>).get(row[f] as number) as number;
      if (b !== defaults[f]) out.push((offset[f] as number) + b);
    }
    return Int32Array.from(out);
  });
  return { values, offset, bins, defaults, slots };
}

/**
 * One least-squares tree on `rows` (indices into the binned rows) fitted to the residuals `r`, grown
 * level by level: a level fills one histogram (sum and count per bin) per node being split from the
 * rows' non-default bins, derives each feature's default bin from the node's totals, and splits at the
 * best boundary between two of a feature's values.
 */
function growTree(x: Binned, r: Float64Array, rows: readonly number[], depth: number, minLeaf: number, lr: number): Tree {
  const n = x.slots.length;
  const B = x.bins;
  const d = x.values.length;
  const nodeOf = new Int32Array(n).fill(-1);
  for (const i of rows) nodeOf[i] = 0;
  const feature: number[] = [-1];
  const threshold: number[] = [0];
  const left: number[] = [-1];
  const right: number[] = [-1];
  const value: number[] = [0];
  let frontier = [0];
  const leafValues = (nodes: readonly number[], slot: Int32Array) => {
    const sum = new Float64Array(nodes.length);
    const cnt = new Int32Array(nodes.length);
    for (const i of rows) {
      const k = slot[nodeOf[i] as number] as number;
      if (k < 0) continue;
      sum[k] = (sum[k] as number) + (r[i] as number);
      cnt[k] = (cnt[k] as number) + 1;
    }
    nodes.forEach((node, k) => (value[node] = cnt[k] ? (lr * (sum[k] as number)) / (cnt[k] as number) : 0));
    return { sum, cnt };
  };
  const maxNodes = 2 ** (depth + 1);
  for (let level = 0; level <= depth && frontier.length > 0; level++) {
    const slot = new Int32Array(maxNodes).fill(-1);
    frontier.forEach((node, k) => (slot[node] = k));
    const { sum, cnt } = leafValues(frontier, slot);
    if (level === depth) break; // the frontier are leaves at the depth limit
    const m = frontier.length;
    const hs = new Float64Array(m * B);
    const hc = new Int32Array(m * B);
    for (const i of rows) {
      const k = slot[nodeOf[i] as number] as number;
      if (k < 0) continue;
      const base = k * B;
      for (const b of x.slots[i] as Int32Array) {
        hs[base + b] = (hs[base + b] as number) + (r[i] as number);
        hc[base + b] = (hc[base + b] as number) + 1;
      }
    }
    const next: number[] = [];
    for (let k = 0; k < m; k++) {
      const node = frontier[k] as number;
      const total = sum[k] as number;
      const count = cnt[k] as number;
      if (count < 2 * minLeaf) continue;
      const base = k * B;
      let best: { gain: number; feature: number; threshold: number } | undefined;
      for (let f = 0; f < d; f++) {
        const vals = x.values[f] as number[];
        if (vals.length < 2) continue;
        const off = base + (x.offset[f] as number);
        const def = off + (x.defaults[f] as number);
        // The default bin holds what the node's other bins do not.
        let ds = total;
        let dc = count;
        for (let b = 0; b < vals.length; b++) {
          if (off + b === def) continue;
          ds -= hs[off + b] as number;
          dc -= hc[off + b] as number;
        }
        hs[def] = ds;
        hc[def] = dc;
        let sl = 0;
        let nl = 0;
        let lastValue = NaN;
        for (let b = 0; b < vals.length; b++) {
          const c = hc[off + b] as number;
          if (c === 0) continue;
          const nr = count - nl;
          if (nl >= minLeaf && nr >= minLeaf) {
            const sr = total - sl;
            const gain = (sl * sl) / nl + (sr * sr) / nr - (total * total) / count;
            if (gain > 1e-12 && (!best || gain > best.gain + 1e-12)) best = { gain, feature: f, threshold: (lastValue + (vals[b] as number)) / 2 };
          }
          sl += hs[off + b] as number;
          nl += c;
          lastValue = vals[b] as number;
        }
      }
      if (!best) continue;
      feature[node] = best.feature;
      threshold[node] = best.threshold;
      for (const side of [left, right]) {
        side[node] = feature.length;
        next.push(feature.length);
        feature.push(-1);
        threshold.push(0);
        left.push(-1);
        right.push(-1);
        value.push(0);
      }
    }
    for (const i of rows) {
      const node = nodeOf[i] as number;
      if ((slot[node] as number) < 0 || (feature[node] as number) < 0) continue;
      const f = feature[node] as number;
      nodeOf[i] = binValue(x, i, f) <= (threshold[node] as number) ? (left[node] as number) : (right[node] as number);
    }
    frontier = next;
  }
  return { feature: Int32Array.from(feature), threshold: Float64Array.from(threshold), left: Int32Array.from(left), right: Int32Array.from(right), value: Float64Array.from(value) };
}

/** Row i's value of feature f, from its bins. */
function binValue(x: Binned, i: number, f: number): number {
  const lo = x.offset[f] as number;
  const hi = lo + (x.values[f] as number[]).length;
  for (const s of x.slots[i] as Int32Array) if (s >= lo && s < hi) return (x.values[f] as number[])[s - lo] as number;
  return (x.values[f] as number[])[x.defaults[f] as number] as number;
}

interface Booster {
  readonly base: number;
  readonly trees: Tree[];
}

export class GbtEnsemble implements Predictor {
  private readonly o: Required<GbtOptions>;
  private fitted?: { boosters: Booster[]; mean: number; scale: number; d: number };

  constructor(opts: GbtOptions = {}) {
    this.o = { members: 5, trees: 100, depth: 3, lr: 0.1, minLeaf: 2, subsample: 0.8, seed: 0, ...opts };
    const { members, trees, depth, lr, minLeaf, subsample } = this.o;
    const whole = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
    if (!whole(members, 1, 100) || !whole(trees, 1, 10_000) || !whole(depth, 1, 12) || !whole(minLeaf, 1, 1_000)) {
      throw new RangeError(`gradient-boosted trees: members 1..100, trees 1..10000, depth 1..12 and minLeaf ≥ 1 must be whole numbers, got ${members}, ${trees}, ${depth}, ${minLeaf}`);
    }
    if (!(lr > 0 && lr <= 1) || !(subsample > 0 && subsample <= 1)) throw new RangeError(`gradient-boosted trees: lr and subsample must lie in (0, 1], got ${lr} and ${subsample}`);
  }

  fit(x: Matrix, y: readonly number[]): void {
    const d = checkInputs(x, y);
    const { mean, scale, z } = standardise(y);
    const n = x.length;
    const binned = binRows(x, d);
    const rng = new Rng(this.o.seed);
    const boosters: Booster[] = [];
    for (let m = 0; m < this.o.members; m++) {
      const take = Math.max(Math.min(n, 2 * this.o.minLeaf), Math.round(n * this.o.subsample));
      const rows = rng.sample(x.map((_, i) => i), take).sort((a, b) => a - b);
      const base = rows.reduce((a, i) => a + (z[i] as number), 0) / rows.length;
      const pred = new Float64Array(n).fill(base);
      const r = new Float64Array(n);
      const trees: Tree[] = [];
      for (let t = 0; t < this.o.trees; t++) {
        for (const i of rows) r[i] = (z[i] as number) - (pred[i] as number);
        const tree = growTree(binned, r, rows, this.o.depth, this.o.minLeaf, this.o.lr);
        if ((tree.feature[0] as number) < 0 && Math.abs(tree.value[0] as number) < 1e-12) break; // nothing left to fit
        trees.push(tree);
        for (const i of rows) pred[i] = (pred[i] as number) + predictTree(tree, x[i] as readonly number[]);
      }
      boosters.push({ base, trees });
    }
    this.fitted = { boosters, mean, scale, d };
  }

  query(xs: Matrix): Prediction {
    const f = this.fitted;
    if (!f) throw new RangeError('query before fit');
    if (xs.length > 0) {
      const d = checkInputs(xs);
      if (d !== f.d) throw new RangeError(`encodings differ in length (${d} vs ${f.d})`);
    }
    const mean: number[] = [];
    const std: number[] = [];
    for (const q of xs) {
      const p = f.boosters.map((b) => b.trees.reduce((a, t) => a + predictTree(t, q), b.base));
      const mu = p.reduce((a, b) => a + b, 0) / p.length;
      const v = p.reduce((a, b) => a + (b - mu) ** 2, 0) / p.length;
      mean.push(f.mean + f.scale * mu);
      std.push(f.scale * Math.sqrt(v));
    }
    return { mean, std };
  }
}
