import { describe, expect, it } from 'vitest';
import type { ObjectiveSpec, TrialRecord } from '../../shared/types/index.js';
import { architectureGraph, paretoRanks, studyHistory, studyInsights, studyResources, trialPoints } from './analysis.js';
import { nonDominatedSort } from './pareto.js';
import { Rng } from './rng.js';
import { MobilenetSpace } from './spaces/mobilenet.js';
import { Nb201Space } from './spaces/nb201.js';
import { TextSpace } from './spaces/text.js';
import { summarize } from './summary.js';

const OBJ: ObjectiveSpec[] = [{ metric: 'acc', direction: 'max' }, { metric: 'lat', direction: 'min' }];
const trial = (number: number, metrics: Record<string, number>, state: TrialRecord['state'] = 'complete', sample: number[] = []): TrialRecord => ({
  studyId: '1', number, key: `k${number}`, sample, state, metrics, fidelity: {}, cost: 0, startedAt: 0, finishedAt: 1,
});

describe('studyHistory', () => {
  const rng = new Rng(5);
  const trials = Array.from({ length: 500 }, (_, i) => trial(i, { acc: rng.next() * 100, lat: rng.next() * 10 }, i % 17 === 0 ? 'failed' : 'complete'));
  it('ends at the summary hypervolume, and never decreases', () => {
    const h = studyHistory(trials, OBJ, 50);
    expect(h.evals.at(-1)).toBe(500);
    expect(h.evals.length).toBeLessThanOrEqual(51);
    expect(h.hypervolume.at(-1)).toBeCloseTo(summarize(trials, OBJ).hypervolume!, 9);
    for (let i = 1; i < h.hypervolume.length; i++) expect(h.hypervolume[i]!).toBeGreaterThanOrEqual(h.hypervolume[i - 1]!);
  });
  it('tracks the best value of each objective in its direction', () => {
    const h = studyHistory([trial(0, { acc: 5, lat: 3 }), trial(1, { acc: 9, lat: 4 }, 'failed'), trial(2, { acc: 7, lat: 1 })], OBJ);
    expect(h.best).toEqual({ acc: [5, 5, 7], lat: [3, 3, 1] });
    expect(h.evals).toEqual([1, 2, 3]);
  });
  it('measures against a given reference point', () => {
    const two = [trial(0, { acc: 5, lat: 3 }), trial(1, { acc: 7, lat: 1 })];
    // Minimisation space (-acc, lat), reference (0, 10): the box of (-5, 3), then that of (-7, 1), which contains it.
    expect(studyHistory(two, OBJ, 10, [0, 10]).hypervolume).toEqual([5 * 7, 7 * 9]);
  });
  it('skips running trials and gives no hypervolume past 3 objectives', () => {
    const four = [...OBJ, { metric: 'a', direction: 'min' as const }, { metric: 'b', direction: 'min' as const }];
    const h = studyHistory([trial(0, { acc: 1, lat: 1, a: 1, b: 1 }), trial(1, {}, 'running')], four);
    expect(h.evals).toEqual([1]);
    expect(h.hypervolume).toEqual([null]);
  });
});

describe('studyInsights', () => {
  const space = new Nb201Space();
  it('finds the decision that drives the metric', () => {
    const rng = new Rng(1);
    const trials = Array.from({ length: 400 }, (_, i) => {
      const sample = space.sample(rng);
      // Accuracy depends only on edge 0 being nor_conv_3x3 (choice 3), plus noise.
      return trial(i, { acc: (sample[0] === 3 ? 90 : 60) + rng.next() }, 'complete', [...sample]);
    });
    const ins = studyInsights(trials, space, { metric: 'acc', direction: 'max' }, 0.1);
    expect(ins.top).toBe(40);
    const [first, ...rest] = ins.decisions;
    expect(first!.topShare[3]).toBe(1);
    expect(first!.importance).toBeGreaterThan(0.9);
    for (const d of rest) expect(d.importance).toBeLessThan(0.05);
    for (const d of ins.decisions) expect(d.allShare.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
  });
});

describe('studyInsights, honestly', () => {
  const space = new Nb201Space();
  const draw = (n: number, seed: number) => {
    const rng = new Rng(seed);
    return Array.from({ length: n }, (_, i) => {
      const sample = space.sample(rng);
      return trial(i, { acc: (sample[0] === 3 ? 90 : 60) + 5 * rng.next(), lat: rng.next() + 3 * sample[1]! }, 'complete', [...sample]);
    });
  };
  it('warns when the sample is too small and gives wide intervals; a large sample gets none and tight ones', () => {
    const small = studyInsights(draw(7, 3), space, { metric: 'acc', direction: 'max' });
    expect(small.warning).toMatch(/Only 7 complete trials/);
    for (const d of small.decisions) {
      expect(d.importanceCi![0]).toBeLessThanOrEqual(d.importance + 1e-12);
      expect(d.chance).toBeCloseTo(4 / 6, 9);
    }
    // With 7 trials an irrelevant decision's interval reaches far up: it cannot be told from chance.
    expect(Math.max(...small.decisions.slice(2).map((d) => d.importanceCi![1]))).toBeGreaterThan(0.3);
    const large = studyInsights(draw(2000, 4), space, { metric: 'acc', direction: 'max' });
    expect(large.warning).toBeUndefined();
    const [first, , third] = large.decisions;
    expect(first!.importanceCi![0]).toBeGreaterThan(0.8);
    expect(third!.importanceCi![1]).toBeLessThan(0.02);
  });
  it('ranks by any metric and by Pareto rank (0 = on the front)', () => {
    const trials = draw(300, 5);
    const lat = studyInsights(trials, space, { metric: 'lat', direction: 'min' });
    expect(lat.decisions[1]!.importance).toBeGreaterThan(0.5);
    const ranked = studyInsights(trials, space, { metric: 'pareto_rank', direction: 'min' }, 0.1, OBJ);
    expect(ranked).toMatchObject({ metric: 'pareto_rank', direction: 'min', total: 300 });
  });
});

describe('studyInsights, conditional decisions (#16)', () => {
  it("scores a decision over the trials that use it: a conv block's unused heads are not credited with the block type's effect", () => {
    const space = new TextSpace();
    const rng = new Rng(8);
    const at = (name: string) => space.dims.findIndex((d) => d.name === name);
    const trials = Array.from({ length: 600 }, (_, i) => {
      const sample = space.sample(rng);
      // Accuracy: transformer first blocks are better, and among them 4 heads; nothing else matters.
      const transformer = sample[at('b1.type')] === 1;
      return trial(i, { acc: (transformer ? 80 : 60) + (transformer && sample[at('b1.heads')] === 2 ? 10 : 0) + rng.next() }, 'complete', [...sample]);
    });
    const ins = studyInsights(trials, space, { metric: 'acc', direction: 'max' });
    const d = (name: string) => ins.decisions.find((x) => x.name === name)!;
    const transformers = trials.filter((t) => t.sample[at('b1.type')] === 1).length;
    expect(d('b1.heads').active).toBe(transformers);
    expect(d('b1.kernel').active).toBe(600 - transformers);
    expect(d('embed.width').active).toBe(600);
    // Among the transformers, heads explain most of the variance; a conv block's kernel explains none.
    expect(d('b1.heads').importance).toBeGreaterThan(0.8);
    expect(d('b1.kernel').importance).toBeLessThan(0.05);
    expect(d('b1.ffn').importance).toBeLessThan(0.05);
    expect(d('b1.heads').chance).toBeCloseTo(2 / (transformers - 1), 9);
    // A block past every trial's depth would have no trials: importance 0, not NaN.
    for (const x of ins.decisions) expect(Number.isFinite(x.importance)).toBe(true);
  });
});

describe('paretoRanks', () => {
  it('agrees with the non-dominated sort on random and tied 2-D points', () => {
    const rng = new Rng(11);
    for (let round = 0; round < 30; round++) {
      const pts = Array.from({ length: 60 }, () => [rng.int(8), rng.int(8)]);
      const want = new Array<number>(pts.length);
      nonDominatedSort(pts).forEach((f, r) => f.forEach((i) => (want[i] = r)));
      expect(paretoRanks(pts)).toEqual(want);
    }
  });
});

describe('trialPoints', () => {
  it('gives each decision as a column (-1 when the sample does not fit) and names interrupted trials', () => {
    const space = new Nb201Space();
    const trials = [
      trial(0, { acc: 1 }, 'complete', [0, 1, 2, 3, 4, 0]),
      { ...trial(1, {}, 'failed', [1, 1, 1, 1, 1, 1]), error: 'interrupted: the search was stopped' },
      { ...trial(2, {}, 'failed', [2]), error: 'out of memory' },
    ];
    const p = trialPoints(trials, ['acc'], space);
    expect(p.dims!.map((d) => d.name)).toEqual(space.dims.map((d) => d.name));
    expect(p.decisions!.map((col) => col[0])).toEqual([0, 1, 2, 3, 4, 0]);
    expect(p.decisions!.map((col) => col[2])).toEqual([-1, -1, -1, -1, -1, -1]);
    expect(p.interrupted).toEqual([1]);
  });
});

describe('studyHistory x-axes', () => {
  it('gives simulated seconds and wall ms at each sample, and no hypervolume for one objective', () => {
    const ts = [0, 1, 2].map((i) => ({ ...trial(i, { acc: i, lat: 1 }), cost: 10 * (i + 1), startedAt: 1000 + i * 100, finishedAt: 1050 + i * 100 }));
    const h = studyHistory(ts, [{ metric: 'acc', direction: 'max' }]);
    expect(h.cost).toEqual([10, 30, 60]);
    expect(h.wallMs).toEqual([50, 150, 250]);
    expect(h.hypervolume).toEqual([null, null, null]);
    expect(h.best.acc).toEqual([0, 1, 2]);
  });
});

describe('architectureGraph', () => {
  it('draws the NB201 cell with one labelled edge per cell edge', () => {
    const s = new Nb201Space();
    const sample = s.parse('|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|nor_conv_1x1~1|skip_connect~2|');
    const g = architectureGraph(s, sample, '');
    expect(g.nodes).toHaveLength(4);
    expect(g.edges.map((e) => `${e.from}->${e.to}:${e.label}`)).toEqual([
      'n0->n1:nor_conv_3x3', 'n0->n2:none', 'n1->n2:skip_connect', 'n0->n3:avg_pool_3x3', 'n1->n3:nor_conv_1x1', 'n2->n3:skip_connect',
    ]);
  });
  it('draws other spaces as a chain of their active blocks', () => {
    const s = new MobilenetSpace({});
    const sample = s.sample(new Rng(3));
    const g = architectureGraph(s, sample, s.freeze(sample).key);
    expect(g.nodes[0]!.kind).toBe('input');
    expect(g.nodes.at(-1)!.kind).toBe('output');
    expect(g.edges).toHaveLength(g.nodes.length - 1);
    const blocks = g.nodes.filter((n) => /^s\d+\.b\d+:/.test(n.label)).length;
    const active = s.dims.filter((d, i) => d.name.endsWith('.kernel') && s.isActive(sample, i)).length;
    expect(blocks).toBe(active);
  });
});

describe('trialPoints', () => {
  it('puts trials in columns with nulls for missing metrics', () => {
    const p = trialPoints([trial(0, { acc: 1 }), trial(1, {}, 'running')], ['acc', 'lat']);
    expect(p).toEqual({ numbers: [0, 1], states: [1, 0], finishedAt: [1, 1], metrics: { acc: [1, null], lat: [null, null] } });
  });
});

describe('studyResources', () => {
  const at = (number: number, sample: number[], startedAt: number, finishedAt: number | undefined, cost: number, state: TrialRecord['state'] = 'complete'): TrialRecord => ({
    studyId: '1', number, key: sample.join(','), sample, state, metrics: {}, fidelity: {}, cost, startedAt, ...(finishedAt !== undefined ? { finishedAt } : {}),
  });

  it('adds wall and charged hours, counts evaluations per hour and measures diversity by hand', () => {
    const trials = [
      at(0, [0, 0, 0, 0], 0, 1000, 3600), // 1 s wall
      at(1, [0, 0, 0, 0], 1000, 4000, 1800), // the same architecture again, 3 s
      at(2, [1, 1, 0, 0], 4000, 6000, 0, 'failed'), // 2 s
      at(3, [1, 1, 1, 1], 6000, 7200, 7200), // 1.2 s; the last finish at 7.2 s
      at(4, [2, 2, 2, 2], 7200, undefined, 99, 'running'), // not counted
    ];
    const r = studyResources(trials);
    expect(r.finished).toBe(4);
    expect(r.computeHours).toBeCloseTo(7.2 / 3600, 12);
    expect(r.simulatedHours).toBeCloseTo(12600 / 3600, 12);
    expect(r.evalsPerHour).toBeCloseTo(4 * 3600 / 7.2, 9);
    expect(r.trialSeconds).toEqual({ median: 1.6, max: 3 });
    expect(r.costSeconds).toEqual({ median: 2700, max: 7200 });
    expect(r.uniqueFraction).toBe(3 / 4);
    // Pairs (Hamming of 4 decisions): 01:0 02:2 03:4 12:2 13:4 23:2 → 14 / 6 pairs / 4 decisions.
    expect(r.diversity).toBeCloseTo(14 / 6 / 4, 12);
    expect(r.window).toBe(4);
  });

  it('looks at the last window of trials only, and has no diversity under two', () => {
    const trials = [at(0, [5, 5], 0, 10, 1), ...Array.from({ length: 3 }, (_, i) => at(i + 1, [1, 1], 10, 20, 1))];
    expect(studyResources(trials, 3).diversity).toBe(0);
    expect(studyResources(trials, 4).diversity).toBeCloseTo(2 * 3 / 6 / 2, 12);
    const one = studyResources([at(0, [1], 5, 5, 0)]);
    expect(one.diversity).toBeNull();
    expect(one.evalsPerHour).toBeNull();
    expect(studyResources([]).uniqueFraction).toBe(0);
  });
});
