import { describe, expect, it } from 'vitest';
import { crowdingDistance, dominates, hypervolume, nonDominatedSort, paretoFront, toMinimization, type Point } from './pareto.js';
import { Rng } from './rng.js';

/** a dominates b, written from the definition. */
function dom(a: Point, b: Point): boolean {
  return a.every((v, k) => v <= (b[k] as number)) && a.some((v, k) => v < (b[k] as number));
}

/** O(n²) Pareto front: indices (ascending) of points no other point dominates. */
function bruteFront(points: readonly Point[], among: readonly number[] = points.map((_, i) => i)): number[] {
  return among.filter((i) => !among.some((j) => dom(points[j] as Point, points[i] as Point)));
}

/** Fronts by repeatedly peeling off the non-dominated points of what is left. */
function brutePeel(points: readonly Point[]): number[][] {
  let left = points.map((_, i) => i);
  const fronts: number[][] = [];
  while (left.length > 0) {
    const f = bruteFront(points, left);
    fronts.push(f);
    left = left.filter((i) => !f.includes(i));
  }
  return fronts;
}

/**
 * Exact volume of the union of the boxes [p, ref] by coordinate compression: the grid of all
 * coordinates (below the reference) cuts space into cells, each either wholly dominated or not.
 */
function bruteHypervolume(points: readonly Point[], ref: Point): number {
  const m = ref.length;
  const axes: number[][] = [];
  for (let k = 0; k < m; k++) {
    const r = ref[k] as number;
    const cs = [...new Set(points.map((p) => p[k] as number).filter((v) => v < r)), r].sort((a, b) => a - b);
    axes.push(cs);
  }
  let volume = 0;
  const lo = new Array<number>(m).fill(0);
  const rec = (k: number, size: number): void => {
    if (k === m) {
      if (points.some((p) => p.every((v, j) => v <= (lo[j] as number)))) volume += size;
      return;
    }
    const cs = axes[k] as number[];
    for (let c = 0; c + 1 < cs.length; c++) {
      lo[k] = cs[c] as number;
      rec(k + 1, size * ((cs[c + 1] as number) - (cs[c] as number)));
    }
  };
  rec(0, 1);
  return volume;
}

/** Random points on a coarse integer grid, so that ties and exact duplicates are common. */
function randomPoints(rng: Rng, n: number, m: number, grid: number): number[][] {
  const pts: number[][] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0 && rng.next() < 0.15) pts.push((rng.pick(pts) as number[]).slice());
    else pts.push(Array.from({ length: m }, () => rng.int(grid)));
  }
  return pts;
}

describe('dominates', () => {
  it('follows the definition (minimisation)', () => {
    expect(dominates([1, 2], [1, 3])).toBe(true);
    expect(dominates([1, 2], [2, 3])).toBe(true);
    expect(dominates([1, 3], [1, 3])).toBe(false);
    expect(dominates([1, 3], [2, 2])).toBe(false);
    expect(dominates([2, 3], [1, 2])).toBe(false);
    expect(dominates([0, 0, 0], [0, 0, 1])).toBe(true);
    expect(dominates([0, 0, 1], [0, 0, 0])).toBe(false);
    expect(dominates([-Infinity, 0], [5, 0])).toBe(true);
  });

  it('agrees with the definition on random pairs', () => {
    const rng = new Rng(1);
    const bad: string[] = [];
    for (let t = 0; t < 3000; t++) {
      const m = 1 + rng.int(4);
      const a = Array.from({ length: m }, () => rng.int(3));
      const b = Array.from({ length: m }, () => rng.int(3));
      if (dominates(a, b) !== dom(a, b)) bad.push(`${a} vs ${b}`);
    }
    expect(bad).toEqual([]);
  });
});

describe('toMinimization', () => {
  it('negates max objectives only', () => {
    expect(toMinimization([0.9, 12, 3], [
      { metric: 'acc', direction: 'max' },
      { metric: 'lat', direction: 'min' },
      { metric: 'x', direction: 'max' },
    ])).toEqual([-0.9, 12, -3]);
  });
});

describe('paretoFront', () => {
  for (const m of [2, 3]) {
    it(`matches the O(n²) definition on random sets with ties and duplicates (${m} objectives)`, () => {
      const rng = new Rng(100 + m);
      const bad: string[] = [];
      for (let t = 0; t < 1500; t++) {
        const n = rng.int(14);
        const pts = randomPoints(rng, n, m, 2 + rng.int(6));
        const got = paretoFront(pts);
        const want = bruteFront(pts);
        if (got.join(',') !== want.join(',')) bad.push(`${JSON.stringify(pts)}: got ${got}, want ${want}`);
      }
      expect(bad.slice(0, 5)).toEqual([]);
    });
  }

  it('matches the definition with real-valued and negative coordinates', () => {
    const rng = new Rng(7);
    for (let t = 0; t < 300; t++) {
      const m = 2 + rng.int(2);
      const pts = Array.from({ length: 1 + rng.int(30) }, () => Array.from({ length: m }, () => rng.normal()));
      expect(paretoFront(pts)).toEqual(bruteFront(pts));
    }
  });

  it('hand-checked cases', () => {
    expect(paretoFront([])).toEqual([]);
    expect(paretoFront([[3, 3]])).toEqual([0]);
    // (1,5) and (5,1) trade off; (3,3) too; (4,4) is dominated by (3,3); duplicates of (1,5) are all kept.
    expect(paretoFront([[4, 4], [1, 5], [5, 1], [3, 3], [1, 5], [1, 6]])).toEqual([1, 2, 3, 4]);
    // Equal first coordinate: only the lower second one survives.
    expect(paretoFront([[0, 3], [0, 5], [0, 3]])).toEqual([0, 2]);
    expect(paretoFront([[1, 1, 1], [0, 2, 2], [1, 1, 2], [2, 0, 2]])).toEqual([0, 1, 3]);
  });

  it('handles infinite coordinates like any other value', () => {
    expect(paretoFront([[0, Infinity]])).toEqual([0]);
    expect(paretoFront([[0, Infinity], [1, 5]])).toEqual([0, 1]);
    expect(paretoFront([[0, Infinity], [0, 5]])).toEqual([1]);
    expect(paretoFront([[Infinity, 0], [Infinity, 0], [-Infinity, 9]])).toEqual([0, 1, 2]);
    const pts3 = [[Infinity, 1, 1], [Infinity, 0, 2], [Infinity, 1, 0], [-Infinity, 5, 5], [Infinity, 1, 1]];
    expect(paretoFront(pts3)).toEqual(bruteFront(pts3));
  });

  it('leaves out points with NaN', () => {
    expect(paretoFront([[NaN, 0], [1, 1], [0, NaN]])).toEqual([1]);
    expect(paretoFront([[NaN, 0, 0], [1, 1, 1]])).toEqual([1]);
  });
});

describe('nonDominatedSort', () => {
  it('gives the same fronts as brute-force peeling (2 and 3 objectives, ties and duplicates)', () => {
    const rng = new Rng(55);
    const bad: string[] = [];
    for (let t = 0; t < 800; t++) {
      const m = 2 + rng.int(2);
      const pts = randomPoints(rng, rng.int(16), m, 2 + rng.int(5));
      const got = nonDominatedSort(pts).map((f) => f.slice().sort((a, b) => a - b).join(','));
      const want = brutePeel(pts).map((f) => f.join(','));
      if (got.join(' | ') !== want.join(' | ')) bad.push(`${JSON.stringify(pts)}: ${got.join(' | ')} vs ${want.join(' | ')}`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('the first front equals paretoFront, and every point is in exactly one front', () => {
    const rng = new Rng(56);
    for (let t = 0; t < 200; t++) {
      const pts = randomPoints(rng, 1 + rng.int(20), 2 + rng.int(2), 6);
      const fronts = nonDominatedSort(pts);
      expect((fronts[0] as number[]).slice().sort((a, b) => a - b)).toEqual(paretoFront(pts));
      expect(fronts.flat().sort((a, b) => a - b)).toEqual(pts.map((_, i) => i));
    }
  });

  it('hand-checked case', () => {
    expect(nonDominatedSort([[3, 3], [1, 1], [2, 2], [1, 4], [2, 2]])).toEqual([[1], [2, 3, 4], [0]]);
    expect(nonDominatedSort([])).toEqual([]);
  });
});

describe('crowdingDistance', () => {
  it('hand-checked example (2 objectives)', () => {
    // Front sorted by f0: A(0,10) B(1,6) C(4,3) D(10,0); ranges 10 and 10.
    // B: (4-0)/10 + (10-3)/10 = 1.1; C: (10-1)/10 + (6-0)/10 = 1.5; ends infinite.
    const pts = [[4, 3], [0, 10], [99, 99], [10, 0], [1, 6]];
    const d = crowdingDistance(pts, [0, 1, 3, 4]);
    expect(d[1]).toBe(Infinity);
    expect(d[2]).toBe(Infinity);
    expect(d[3]).toBeCloseTo(1.1, 12);
    expect(d[0]).toBeCloseTo(1.5, 12);
  });

  it('hand-checked example (3 objectives)', () => {
    // Sorted orders: f0: P0 P1 P2 P3; f1: P3 P2 P1 P0; f2: P1 P0 P3 P2.
    const pts = [[0, 6, 1], [1, 4, 0], [3, 2, 5], [6, 0, 4]];
    const d = crowdingDistance(pts, [0, 1, 2, 3]);
    // Every point is an end in at least one objective here.
    expect(d).toEqual([Infinity, Infinity, Infinity, Infinity]);
    const five = [[0, 8, 4], [2, 6, 0], [3, 3, 8], [5, 2, 2], [8, 0, 6]];
    const d5 = crowdingDistance(five, [0, 1, 2, 3, 4]);
    // P1: f0 (3-0)/8, f1 (8-3)/8, f2 is the minimum → ∞.  P2: f0 (5-2)/8 + f1 (6-2)/8, f2 max → ∞.
    // P3: f0 (8-3)/8 + f1 (3-0)/8 + f2 (4-0)/8 (f2 order P1 P3 P0 P4 P2) = 12/8.
    expect(d5[0]).toBe(Infinity);
    expect(d5[4]).toBe(Infinity);
    expect(d5[1]).toBe(Infinity);
    expect(d5[2]).toBe(Infinity);
    expect(d5[3]).toBeCloseTo(12 / 8, 12);
  });

  it('small and degenerate fronts', () => {
    expect(crowdingDistance([[1, 2]], [])).toEqual([]);
    expect(crowdingDistance([[1, 2]], [0])).toEqual([Infinity]);
    expect(crowdingDistance([[1, 2], [2, 1]], [0, 1])).toEqual([Infinity, Infinity]);
    // All equal in one objective: that objective adds nothing to the middle points.
    const d = crowdingDistance([[0, 5], [1, 5], [2, 5], [4, 5]], [0, 1, 2, 3]);
    expect(d[1]).toBeCloseTo(2 / 4, 12);
    expect(d[2]).toBeCloseTo(3 / 4, 12);
    expect(Number.isFinite(d[1] as number) && Number.isFinite(d[2] as number)).toBe(true);
  });
});

describe('hypervolume', () => {
  it('hand-computed cases', () => {
    expect(hypervolume([], [1, 1])).toBe(0);
    expect(hypervolume([[3], [5]], [10])).toBe(7);
    expect(hypervolume([[12]], [10])).toBe(0);
    expect(hypervolume([[1, 1]], [3, 3])).toBe(4);
    // Staircase: (1,3),(2,2),(3,1) vs ref (4,4): 3 + 2 + 1... = 1·3 + 1·2 + 1·1 + … → area 6.
    expect(hypervolume([[1, 3], [2, 2], [3, 1]], [4, 4])).toBe(6);
    // Dominated and duplicate points add nothing.
    expect(hypervolume([[1, 3], [2, 2], [3, 1], [3, 3], [2, 2]], [4, 4])).toBe(6);
    // A point on the reference boundary adds nothing.
    expect(hypervolume([[1, 1], [0, 3]], [3, 3])).toBe(4);
    expect(hypervolume([[1, 1, 1]], [2, 3, 4])).toBe(6);
    // Two cubes overlapping in a unit cube: 8 + 8 - 1.
    expect(hypervolume([[0, 0, 1], [1, 1, 0]], [2, 2, 3])).toBe(2 * 2 * 2 + 1 * 1 * 3 - 1 * 1 * 2);
  });

  it('is 0 when no point strictly dominates the reference', () => {
    expect(hypervolume([[5, 1], [1, 5]], [4, 4])).toBe(0);
    expect(hypervolume([[4, 0, 0]], [4, 4, 4])).toBe(0);
  });

  it('rejects more than 3 objectives', () => {
    expect(() => hypervolume([[0, 0, 0, 0]], [1, 1, 1, 1])).toThrow(/1 to 3 objectives, got 4/);
  });

  for (const m of [1, 2, 3]) {
    it(`matches the coordinate-compressed union volume on random sets (${m} objectives)`, () => {
      const rng = new Rng(300 + m);
      const bad: string[] = [];
      for (let t = 0; t < 400; t++) {
        const ref = Array.from({ length: m }, () => 4 + rng.int(6));
        const n = rng.int(13);
        // Coordinates up to ref + 2, so some points are outside the reference box.
        const pts = randomPoints(rng, n, m, 12).map((p) => (rng.next() < 0.5 ? p : p.map((v) => v + rng.next())));
        const got = hypervolume(pts, ref);
        const want = bruteHypervolume(pts, ref);
        if (Math.abs(got - want) > 1e-9 * Math.max(1, want)) bad.push(`${JSON.stringify(pts)} ref ${ref}: ${got} vs ${want}`);
      }
      expect(bad.slice(0, 5)).toEqual([]);
    });
  }

  it('does not depend on the order of the points, and does not reorder its input', () => {
    const rng = new Rng(9);
    for (let t = 0; t < 100; t++) {
      const pts = randomPoints(rng, 10, 3, 8);
      const before = JSON.stringify(pts);
      const a = hypervolume(pts, [8, 8, 8]);
      expect(JSON.stringify(pts)).toBe(before);
      expect(hypervolume(rng.shuffle(pts), [8, 8, 8])).toBeCloseTo(a, 9);
    }
  });
});
