import { describe, expect, it } from 'vitest';
import { NasError } from '../../../shared/errors.js';
import { nb201ArchStr, NB201_OPS, parseNb201ArchStr } from '../spaces/nb201.js';
import { alphaFrom, collapseReport, discretise, EnasController, guardedCell, parameterFreeTrend, softmax, type Alpha } from './nb201-alpha.js';

const op = (name: (typeof NB201_OPS)[number]) => NB201_OPS.indexOf(name);
/** An alpha whose row e has `high` on op cell[e] and 0 elsewhere. */
const peaked = (cell: readonly number[], high = 2): number[][] => cell.map((k) => NB201_OPS.map((_, j) => (j === k ? high : 0)));

describe('NB201 architecture weights', () => {
  it('discretise takes the argmax per edge, never none, and maps to the benchmark string', () => {
    const best = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|';
    const alpha = peaked(parseNb201ArchStr(best) as number[]);
    expect(nb201ArchStr(discretise(alpha))).toBe(best);
    // 'none' largest on edge 2<-1: the runner-up (avg pool) is taken instead.
    alpha[2] = [9, 0, 0, 0, 1];
    expect(nb201ArchStr(discretise(alpha))).toBe('|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|');
    // The engine's flat layout: edge-major, op-minor.
    const flat = new Float32Array(30);
    flat[0 * 5 + op('nor_conv_1x1')] = 1;
    flat[5 * 5 + op('avg_pool_3x3')] = 1;
    expect(nb201ArchStr(discretise(alphaFrom(flat)))).toBe('|nor_conv_1x1~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|avg_pool_3x3~2|');
  });

  it('the parameter-free limit (P-DARTS) replaces the weakest extra skips and pools with their best operation with weights', () => {
    const alpha = peaked([1, 1, 1, 4, 1, 3]);
    alpha.forEach((row, e) => (row[op('nor_conv_1x1')] = 1 + e * 0.1));
    (alpha[4] as number[])[op('skip_connect')] = 5; // the strongest
    (alpha[3] as number[])[op('avg_pool_3x3')] = 4; // a pool counts too
    (alpha[2] as number[])[op('avg_pool_3x3')] = 1.9; // parameter-free: never a replacement
    (alpha[2] as number[])[op('nor_conv_3x3')] = 1.5;
    expect(discretise(alpha)).toEqual([1, 1, 1, 4, 1, 3]);
    expect(discretise(alpha, { maxParameterFree: 2 })).toEqual([2, 2, 3, 4, 1, 3]);
    expect(discretise(alpha, { maxParameterFree: 0 }).filter((k) => k === 1 || k === 4)).toHaveLength(0);
    expect(() => discretise(alpha, { maxParameterFree: 1.5 })).toThrow(NasError);
  });

  it('the collapse indicator flags an all-skip alpha and not the benchmark optimum', () => {
    const allSkip = collapseReport(peaked([1, 1, 1, 1, 1, 1]));
    expect(allSkip).toMatchObject({ parameterFreeEdges: 6, parameterFreeShare: 1, skipEdges: 6, collapsed: true });
    expect(allSkip.parameterFreeWeight).toBeCloseTo((3 * Math.exp(0) + Math.exp(2) - 1) / (4 + Math.exp(2)), 10);
    const optimum = collapseReport(peaked([3, 3, 3, 1, 3, 3]));
    expect(optimum).toMatchObject({ parameterFreeEdges: 1, skipEdges: 1, collapsed: false });
    // Pools count as parameter-free; 3 of 6 reaches the default threshold, a stricter one does not.
    expect(collapseReport(peaked([4, 4, 1, 3, 3, 3])).collapsed).toBe(true);
    expect(collapseReport(peaked([4, 4, 1, 3, 3, 3]), 0.9).collapsed).toBe(false);
    expect(collapseReport(peaked([0, 0, 0, 0, 0, 0]).map((r) => r.map(() => 0))).parameterFreeWeight).toBeCloseTo(0.6, 10);
  });

  it('the trend is the per-epoch slope of the parameter-free weight', () => {
    const history: Alpha[] = [0, 1, 2, 3].map((t) => peaked([1, 1, 1, 1, 1, 1], t));
    const w = history.map((a) => collapseReport(a).parameterFreeWeight);
    expect(parameterFreeTrend(history)).toBeGreaterThan(0);
    expect(parameterFreeTrend(history)).toBeCloseTo((w[3]! - w[0]!) / 3, 1);
    expect(parameterFreeTrend([...history].reverse())).toBeLessThan(0);
    expect(parameterFreeTrend(history.slice(0, 1))).toBe(0);
  });

  it('the guard keeps the epoch before the first collapsed one and limits skips', () => {
    const good = peaked([3, 3, 1, 2, 3, 3]);
    const worse = peaked([3, 1, 1, 2, 3, 3]);
    const collapsed = peaked([1, 1, 1, 1, 1, 3]);
    expect(guardedCell([good, worse, collapsed, collapsed])).toEqual({ cell: discretise(worse, { maxParameterFree: 2 }), keptEpoch: 2, collapsedAt: 3 });
    expect(guardedCell([collapsed, good]).keptEpoch).toBe(1);
    expect(guardedCell([collapsed]).cell).toEqual([1, 1, 2, 2, 2, 3]);
    expect(guardedCell([good, worse])).toEqual({ cell: discretise(worse), keptEpoch: 2 });
    expect(() => guardedCell([])).toThrow(NasError);
  });

  it('bad weights are NasError', () => {
    expect(() => alphaFrom(new Float32Array(29))).toThrow(/30 values/);
    const nan = new Float32Array(30);
    nan[7] = NaN;
    expect(() => alphaFrom(nan)).toThrow(/nor_conv_1x1 on edge 2<-0 is NaN/);
    expect(() => discretise([[1, 2, 3]])).toThrow(NasError);
    expect(() => collapseReport(peaked([1, 1, 1, 1, 1, 1]), 0)).toThrow(NasError);
  });

  it('the ENAS controller moves probability toward the operation that is rewarded', () => {
    const c = new EnasController({ seed: 3, lr: 0.5 });
    expect(softmax([0, 0])).toEqual([0.5, 0.5]);
    for (let i = 0; i < 60; i++) {
      const cells = c.sample(8);
      c.update(cells, cells.map((cell) => cell.filter((k) => k === 3).length / 6));
    }
    const p = c.probabilities();
    for (const row of p) expect(row[3]).toBeGreaterThan(0.4);
    expect(c.best()).toEqual([3, 3, 3, 3, 3, 3]);
    // Same seed, same samples.
    expect(new EnasController({ seed: 9 }).sample(3)).toEqual(new EnasController({ seed: 9 }).sample(3));
    expect(() => c.update([[3, 3, 3, 3, 3, 3]], [NaN])).toThrow(NasError);
    expect(() => c.update([], [])).toThrow(NasError);
  });
});
