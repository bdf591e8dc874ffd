import { describe, expect, it } from 'vitest';
import { ToySpace } from '../../../test/fixtures/toy-space.js';
import { Rng } from '../rng.js';
import { Nb201Space } from '../spaces/nb201.js';
import { acquire, expectedImprovement, normCdf, upperConfidenceBound } from './acquisition.js';
import { encoderFor, nb201PathEncoding, NB201_PATH_FEATURES, oneHot } from './encoding.js';
import { GbtEnsemble } from './gbt.js';
import { GaussianProcess } from './gp.js';
import { MlpEnsemble } from './mlp.js';
import { kendallTau, ranks, spearman } from './rank.js';
import type { Predictor } from './types.js';

const NB201 = new Nb201Space();

/**
 * A synthetic NB201 "accuracy" with the benchmark's flavour: convolutions on live input→output paths
 * help, `none` on the direct edges hurts, and edges interact. Deterministic.
 */
function synthetic(s: readonly number[]): number {
  const conv = (op: number): number => (op === 3 ? 1 : op === 2 ? 0.6 : op === 1 ? 0.3 : op === 4 ? 0.2 : 0);
  const paths = [[3], [0, 4], [1, 5], [0, 2, 5]];
  let v = 0;
  for (const p of paths) v += p.map((e) => conv(s[e] as number)).reduce((a, b) => a * (b + 0.2), 1);
  return v + 0.1 * Math.sin(s.reduce((a, b, i) => a + b * (i + 1), 0));
}

function randomArchs(n: number, seed: number): number[][] {
  const rng = new Rng(seed);
  const seen = new Set<string>();
  const out: number[][] = [];
  while (out.length < n) {
    const s = NB201.sample(rng).slice();
    const k = s.join('');
    if (!seen.has(k)) {
      seen.add(k);
      out.push(s);
    }
  }
  return out;
}

function heldOutTau(p: Predictor, encode: (s: number[]) => number[], train: number, seed: number): number {
  const archs = randomArchs(train + 500, seed);
  const tr = archs.slice(0, train);
  const te = archs.slice(train);
  p.fit(tr.map(encode), tr.map(synthetic));
  return kendallTau(p.query(te.map(encode)).mean, te.map(synthetic));
}

describe('rank correlations', () => {
  it('Kendall τ and Spearman ρ: +1 for the same order, −1 reversed, known values otherwise', () => {
    expect(kendallTau([1, 2, 3, 4], [10, 20, 30, 40])).toBe(1);
    expect(kendallTau([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
    expect(spearman([1, 2, 3, 4], [1, 4, 9, 16])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // scipy.stats.kendalltau([1,2,3,4,5],[3,1,2,5,4]) = 0.4; spearmanr = 0.6
    expect(kendallTau([1, 2, 3, 4, 5], [3, 1, 2, 5, 4])).toBeCloseTo(0.4, 12);
    expect(spearman([1, 2, 3, 4, 5], [3, 1, 2, 5, 4])).toBeCloseTo(0.6, 12);
    // With ties (τ-b): scipy.stats.kendalltau([1,1,2,3],[1,2,2,3]) = 0.8; spearmanr = 5/6
    expect(kendallTau([1, 1, 2, 3], [1, 2, 2, 3])).toBeCloseTo(0.8, 12);
    expect(spearman([1, 1, 2, 3], [1, 2, 2, 3])).toBeCloseTo(5 / 6, 12);
    expect(ranks([5, 1, 5, 3])).toEqual([3.5, 1, 3.5, 2]);
  });

  it('is undefined (NaN) for a constant side or fewer than two values, and refuses unequal lengths', () => {
    expect(kendallTau([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(spearman([1], [2])).toBeNaN();
    expect(() => kendallTau([1, 2], [1])).toThrow(/2 against 1/);
  });
});

describe('encodings', () => {
  it('one-hot: one 1 per decision, in the decision order', () => {
    const x = oneHot(NB201, [3, 3, 3, 1, 3, 2]);
    expect(x.length).toBe(30);
    expect(x.reduce((a, b) => a + b, 0)).toBe(6);
    expect(x.slice(0, 5)).toEqual([0, 0, 0, 1, 0]);
    expect(x.slice(15, 20)).toEqual([0, 1, 0, 0, 0]);
  });

  it('one-hot of a gated space: inactive decisions are all zeros', () => {
    const toy = new ToySpace([
      { name: 'depth', choices: [1, 2] },
      { name: 'a', choices: ['x', 'y', 'z'] },
      { name: 'b', choices: ['x', 'y'], activeIf: { dim: 'depth', gte: 2 } },
    ]);
    expect(oneHot(toy, [0, 2, 0])).toEqual([1, 0, 0, 0, 1, 0, 0]);
    expect(oneHot(toy, [1, 2, 1])).toEqual([0, 1, 0, 0, 1, 0, 1]);
    expect(encoderFor(toy, 'auto')([1, 2, 1])).toEqual([0, 1, 0, 0, 1, 0, 1]);
    expect(() => encoderFor(toy, 'path')).toThrow(/not available for space toy/);
  });

  it('NB201 paths: the optimum 333132 has its four live paths, none cuts a path', () => {
    expect(NB201_PATH_FEATURES).toBe(84);
    // Edges: e0 1<-0 conv3, e1 2<-0 conv3, e2 2<-1 conv3, e3 3<-0 skip, e4 3<-1 conv3, e5 3<-2 conv1.
    const x = nb201PathEncoding([3, 3, 3, 1, 3, 2]);
    const on = x.flatMap((v, i) => (v ? [i] : []));
    // 0→3 [skip] = 0; 0→1→3 [conv3,conv3] = 4 + 2*4+2 = 14; 0→2→3 [conv3,conv1] = 4 + 2*4+1 = 13;
    // 0→1→2→3 [conv3,conv3,conv1] = 20 + 2*16+2*4+1 = 61.
    expect(on).toEqual([0, 13, 14, 61]);
    // All `none`: no live path at all; `none` on the direct edge only removes that path.
    expect(nb201PathEncoding([0, 0, 0, 0, 0, 0]).every((v) => v === 0)).toBe(true);
    expect(nb201PathEncoding([3, 3, 3, 0, 3, 2]).flatMap((v, i) => (v ? [i] : []))).toEqual([13, 14, 61]);
    // Two architectures computing the same paths encode alike (swap which length-2 path carries which ops).
    expect(nb201PathEncoding([3, 2, 0, 1, 2, 3])).toEqual(nb201PathEncoding([2, 3, 0, 1, 3, 2]));
    expect(() => nb201PathEncoding([1, 2, 3])).toThrow(/6 decisions/);
  });
});

describe('Gaussian process', () => {
  it('interpolates its training points (tiny noise chosen on noise-free data) and is unsure far away', () => {
    const archs = randomArchs(40, 3);
    const gp = new GaussianProcess({ noises: [1e-6] });
    const x = archs.map((s) => oneHot(NB201, s));
    const y = archs.map(synthetic);
    gp.fit(x, y);
    const q = gp.query(x);
    q.mean.forEach((m, i) => expect(m).toBeCloseTo(y[i] as number, 2));
    for (const s of q.std) expect(s).toBeLessThan(0.01);
    const far = gp.query(randomArchs(500, 99).filter((s) => archs.every((a) => a.filter((v, i) => v === s[i]).length <= 2)).map((s) => oneHot(NB201, s)));
    expect(far.std.length).toBeGreaterThan(0);
    expect(Math.min(...far.std)).toBeGreaterThan(0.05);
  });

  it('predicts held-out architectures in rank (τ > 0.5 from 100 points), on either encoding', () => {
    expect(heldOutTau(new GaussianProcess(), (s) => oneHot(NB201, s), 100, 5)).toBeGreaterThan(0.5);
    expect(heldOutTau(new GaussianProcess(), nb201PathEncoding, 100, 5)).toBeGreaterThan(0.5);
  });

  it('refuses bad input with a clear error', () => {
    const gp = new GaussianProcess();
    expect(() => gp.query([[1]])).toThrow(/query before fit/);
    expect(() => gp.fit([[1, 0], [0, 1]], [1])).toThrow(/2 encodings but 1 targets/);
    expect(() => gp.fit([[1, 0], [0, 1]], [1, NaN])).toThrow(/finite/);
  });
});

describe('MLP ensemble', () => {
  it('predicts held-out architectures in rank (τ > 0.5 from 100 points) and is deterministic under its seed', () => {
    expect(heldOutTau(new MlpEnsemble({ seed: 1 }), nb201PathEncoding, 100, 5)).toBeGreaterThan(0.5);
    const a = heldOutTau(new MlpEnsemble({ seed: 2 }), (s) => oneHot(NB201, s), 60, 6);
    expect(heldOutTau(new MlpEnsemble({ seed: 2 }), (s) => oneHot(NB201, s), 60, 6)).toBe(a);
    expect(heldOutTau(new MlpEnsemble({ seed: 3 }), (s) => oneHot(NB201, s), 60, 6)).not.toBe(a);
  });

  it('members disagree more away from the data than on it', () => {
    const archs = randomArchs(60, 8);
    const m = new MlpEnsemble({ seed: 4, epochs: 200 });
    m.fit(archs.map(nb201PathEncoding), archs.map(synthetic));
    const mean = (xs: number[]) => xs.reduce((p, c) => p + c, 0) / xs.length;
    const on = mean(m.query(archs.map(nb201PathEncoding)).std);
    const off = mean(m.query(randomArchs(300, 77).map(nb201PathEncoding)).std);
    expect(off).toBeGreaterThan(on);
  });
});

describe('gradient-boosted trees', () => {
  it('a stump finds the step, depth 2 an interaction, both exactly (lr 1, one booster on every row)', () => {
    const exact = { members: 1, trees: 1, lr: 1, minLeaf: 1, subsample: 1 };
    const stump = new GbtEnsemble({ ...exact, depth: 1 });
    const x = [0, 1, 2, 3, 4, 5, 6, 7].map((v) => [v]);
    stump.fit(x, x.map(([v]) => ((v as number) < 5 ? 2 : 7)));
    expect(stump.query([[-3], [4], [4.6], [5], [99]]).mean.map((v) => Math.round(v * 1e9) / 1e9)).toEqual([2, 2, 7, 7, 7]);
    const both = [[0, 0], [0, 1], [1, 0], [1, 1]];
    const two = new GbtEnsemble({ ...exact, depth: 2 });
    two.fit(both, [0, 0, 0, 3]);
    expect(two.query(both).mean.map((v) => Math.round(v * 1e9) / 1e9)).toEqual([0, 0, 0, 3]);
    expect(two.query(both).std).toEqual([0, 0, 0, 0]);
    const one = new GbtEnsemble({ ...exact, depth: 1 });
    one.fit(both, [0, 0, 0, 3]);
    expect(one.query([[1, 1]]).mean[0]).toBeLessThan(2.5); // a stump cannot isolate the corner
  });

  it('predicts held-out architectures in rank (τ > 0.5 from 100 points) on either encoding, deterministically under its seed', () => {
    expect(heldOutTau(new GbtEnsemble({ seed: 1 }), nb201PathEncoding, 100, 5)).toBeGreaterThan(0.5);
    const a = heldOutTau(new GbtEnsemble({ seed: 2 }), (s) => oneHot(NB201, s), 100, 6);
    expect(a).toBeGreaterThan(0.5);
    expect(heldOutTau(new GbtEnsemble({ seed: 2 }), (s) => oneHot(NB201, s), 100, 6)).toBe(a);
    expect(heldOutTau(new GbtEnsemble({ seed: 3 }), (s) => oneHot(NB201, s), 100, 6)).not.toBe(a);
  });

  it('its members (fitted on different subsamples) disagree, so acquisition functions get an uncertainty', () => {
    const archs = randomArchs(60, 8);
    const m = new GbtEnsemble({ seed: 4 });
    m.fit(archs.map(nb201PathEncoding), archs.map(synthetic));
    expect(Math.max(...m.query(randomArchs(50, 77).map(nb201PathEncoding)).std)).toBeGreaterThan(0);
  });

  it('refuses bad options and input with a clear error', () => {
    expect(() => new GbtEnsemble({ depth: 0 })).toThrow(/depth 1..12/);
    expect(() => new GbtEnsemble({ lr: 0 })).toThrow(/lr and subsample/);
    const g = new GbtEnsemble();
    expect(() => g.query([[1]])).toThrow(/before fit/);
    expect(() => g.fit([[1, 0], [0, 1]], [1])).toThrow(/2 encodings but 1 targets/);
    expect(() => g.fit([[1, 0], [0, 1]], [1, NaN])).toThrow(/finite/);
    g.fit([[1, 0], [0, 1]], [1, 2]);
    expect(() => g.query([[1, 0, 0]])).toThrow(/differ in length/);
  });
});

describe('acquisition', () => {
  it('EI is zero at a dominated, certain point and grows with the mean and the uncertainty', () => {
    expect(expectedImprovement(1, 0, 2)).toBe(0);
    expect(expectedImprovement(3, 0, 2)).toBe(1);
    expect(expectedImprovement(1, 1e-9, 2)).toBeLessThan(1e-12);
    expect(expectedImprovement(2, 1, 2)).toBeCloseTo(1 / Math.sqrt(2 * Math.PI), 6);
    expect(expectedImprovement(1.5, 1, 2)).toBeGreaterThan(expectedImprovement(1, 1, 2));
    expect(expectedImprovement(1, 2, 2)).toBeGreaterThan(expectedImprovement(1, 1, 2));
    expect(normCdf(0)).toBeCloseTo(0.5, 7);
    expect(normCdf(1.96)).toBeCloseTo(0.975, 4);
  });

  it('UCB adds beta standard deviations; ITS draws around the mean, deterministically under the rng', () => {
    expect(upperConfidenceBound(1, 2, 0.5)).toBe(2);
    const draw = () => acquire('its', [0, 10], [1, 0], { best: 0, beta: 1, rng: new Rng(5) });
    expect(draw()).toEqual(draw());
    expect(draw()[1]).toBe(10);
    const many = acquire('its', new Array(4000).fill(3), new Array(4000).fill(2), { best: 0, beta: 1, rng: new Rng(6) });
    const m = many.reduce((a, b) => a + b, 0) / many.length;
    const sd = Math.sqrt(many.reduce((a, b) => a + (b - m) ** 2, 0) / many.length);
    expect(Math.abs(m - 3)).toBeLessThan(0.12);
    expect(Math.abs(sd - 2)).toBeLessThan(0.12);
    expect(acquire('ucb', [1, 2], [3, 0], { best: 0, beta: 1, rng: new Rng(1) })).toEqual([4, 2]);
    expect(acquire('ei', [1, 2], [0, 0], { best: 1.5, beta: 1, rng: new Rng(1) })).toEqual([0, 0.5]);
  });
});
