/**
 * An ensemble of small neural predictors (BANANAS' predictor, White et al. 2021): each member is a
 * one-hidden-layer ReLU network with its own initialisation, trained full-batch with Adam on the
 * standardised targets; the prediction is the members' mean, the uncertainty their standard
 * deviation. Deterministic under the seed. Inputs are stored sparsely, so one-hot and path
 * encodings (a handful of non-zeros) cost little whatever their length.
 */
import { Rng } from '../rng.js';
import { checkInputs, standardise, type Matrix, type Prediction, type Predictor } from './types.js';

export interface MlpOptions {
  readonly members?: number;
  readonly hidden?: number;
  readonly epochs?: number;
  readonly lr?: number;
  /** L2 penalty on the weights. */
  readonly weightDecay?: number;
  readonly seed?: number;
}

interface Sparse {
  readonly idx: Int32Array;
  readonly val: Float64Array;
}

function sparse(x: readonly number[]): Sparse {
  const idx: number[] = [];
  const val: number[] = [];
  x.forEach((v, i) => {
    if (v !== 0) {
      idx.push(i);
      val.push(v);
    }
  });
  return { idx: Int32Array.from(idx), val: Float64Array.from(val) };
}

/** Parameters in one array: W1 (d×h, row per input), b1 (h), w2 (h), b2 (1). */
class Network {
  readonly p: Float64Array;
  private readonly b1: number;
  private readonly w2: number;
  private readonly b2: number;

  constructor(
    private readonly d: number,
    private readonly h: number,
    rng: Rng,
  ) {
    this.b1 = d * h;
    this.w2 = this.b1 + h;
    this.b2 = this.w2 + h;
    this.p = new Float64Array(this.b2 + 1);
    const s1 = Math.sqrt(2 / Math.max(1, d));
    for (let i = 0; i < this.b1; i++) this.p[i] = rng.normal() * s1;
    const s2 = Math.sqrt(1 / h);
    for (let j = 0; j < h; j++) this.p[this.w2 + j] = rng.normal() * s2;
  }

  /** Output; fills `hid` with the hidden activations. */
  forward(x: Sparse, hid: Float64Array): number {
    const { p, h } = this;
    for (let j = 0; j < h; j++) hid[j] = p[this.b1 + j] as number;
    for (let k = 0; k < x.idx.length; k++) {
      const row = (x.idx[k] as number) * h;
      const v = x.val[k] as number;
      for (let j = 0; j < h; j++) hid[j] = (hid[j] as number) + (p[row + j] as number) * v;
    }
    let out = p[this.b2] as number;
    for (let j = 0; j < h; j++) {
      if ((hid[j] as number) < 0) hid[j] = 0;
      out += (hid[j] as number) * (p[this.w2 + j] as number);
    }
    return out;
  }

  train(xs: readonly Sparse[], z: readonly number[], epochs: number, lr: number, decay: number): void {
    const { p, h } = this;
    const g = new Float64Array(p.length);
    const m = new Float64Array(p.length);
    const v = new Float64Array(p.length);
    const hid = new Float64Array(h);
    const n = xs.length;
    for (let epoch = 1; epoch <= epochs; epoch++) {
      g.fill(0);
      for (let s = 0; s < n; s++) {
        const x = xs[s] as Sparse;
        const err = (2 * (this.forward(x, hid) - (z[s] as number))) / n;
        g[this.b2] = (g[this.b2] as number) + err;
        for (let j = 0; j < h; j++) {
          const a = hid[j] as number;
          if (a <= 0) continue;
          g[this.w2 + j] = (g[this.w2 + j] as number) + err * a;
          const dj = err * (p[this.w2 + j] as number);
          g[this.b1 + j] = (g[this.b1 + j] as number) + dj;
          for (let k = 0; k < x.idx.length; k++) {
            const at = (x.idx[k] as number) * h + j;
            g[at] = (g[at] as number) + dj * (x.val[k] as number);
          }
        }
      }
      const c1 = 1 - 0.9 ** epoch;
      const c2 = 1 - 0.999 ** epoch;
      for (let i = 0; i < p.length; i++) {
        const gi = (g[i] as number) + (i < this.b1 || (i >= this.w2 && i < this.b2) ? decay * (p[i] as number) : 0);
        m[i] = 0.9 * (m[i] as number) + 0.1 * gi;
        v[i] = 0.999 * (v[i] as number) + 0.001 * gi * gi;
        p[i] = (p[i] as number) - (lr * ((m[i] as number) / c1)) / (Math.sqrt((v[i] as number) / c2) + 1e-8);
      }
    }
  }
}

export class MlpEnsemble implements Predictor {
  private nets: Network[] = [];
  private mean = 0;
  private scale = 1;
  private dims = 0;
  private readonly opts: Required<MlpOptions>;

  constructor(opts: MlpOptions = {}) {
    this.opts = { members: 5, hidden: 24, epochs: 100, lr: 0.02, weightDecay: 1e-4, seed: 0, ...opts };
    if (!(this.opts.members >= 1) || !(this.opts.hidden >= 1) || !(this.opts.epochs >= 1)) {
      throw new RangeError(`an MLP ensemble needs at least one member, hidden unit and epoch (got ${this.opts.members}, ${this.opts.hidden}, ${this.opts.epochs})`);
    }
  }

  fit(x: Matrix, y: readonly number[]): void {
    this.dims = checkInputs(x, y);
    const { mean, scale, z } = standardise(y);
    this.mean = mean;
    this.scale = scale;
    const xs = x.map(sparse);
    const rng = new Rng(this.opts.seed);
    this.nets = [];
    for (let k = 0; k < this.opts.members; k++) {
      const net = new Network(this.dims, this.opts.hidden, new Rng(rng.nextU32()));
      net.train(xs, z, this.opts.epochs, this.opts.lr, this.opts.weightDecay);
      this.nets.push(net);
    }
  }

  query(xs: Matrix): Prediction {
    if (this.nets.length === 0) throw new RangeError('query before fit');
    const hid = new Float64Array(this.opts.hidden);
    const mean: number[] = [];
    const std: number[] = [];
    for (const row of xs) {
      if (row.length !== this.dims) throw new RangeError(`encodings differ in length (${row.length} vs ${this.dims})`);
      const x = sparse(row);
      const ps = this.nets.map((n) => n.forward(x, hid));
      const m = ps.reduce((a, b) => a + b, 0) / ps.length;
      const v = ps.reduce((a, b) => a + (b - m) ** 2, 0) / ps.length;
      mean.push(this.mean + this.scale * m);
      std.push(this.scale * Math.sqrt(v));
    }
    return { mean, std };
  }
}
