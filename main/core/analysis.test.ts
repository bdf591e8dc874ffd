import { describe, expect, it } from 'vitest';
import type { ObjectiveSpec, TrialRecord } from '../../shared/types/index.js';
import { architectureGraph, studyHistory, studyInsights, trialPoints } from './analysis.js';
import { Rng } from './rng.js';
import { MobilenetSpace } from './spaces/mobilenet.js';
import { Nb201Space } from './spaces/nb201.js';
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
