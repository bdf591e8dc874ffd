import { describe, expect, it } from 'vitest';
import type { Metrics, ObjectiveSpec, TrialRecord, TrialState } from '../../shared/types/index.js';
import { hypervolume } from './pareto.js';
import { Rng } from './rng.js';
import { summarize } from './summary.js';

let nextNumber = 0;
function trial(key: string, metrics: Metrics, state: TrialState = 'complete', number = nextNumber++): TrialRecord {
  return { studyId: '1', number, key, sample: [], state, metrics, fidelity: {}, cost: 0, startedAt: 0 };
}

const ACC_LAT: ObjectiveSpec[] = [
  { metric: 'acc', direction: 'max' },
  { metric: 'lat', direction: 'min' },
];

describe('summarize', () => {
  it('front: complete trials only, deduplicated by key, sorted best-first by the first objective', () => {
    nextNumber = 0;
    const trials = [
      trial('a', { acc: 0.80, lat: 1 }), // 0 front
      trial('b', { acc: 0.90, lat: 5 }), // 1 front
      trial('c', { acc: 0.85, lat: 6 }), // 2 dominated by b
      trial('d', { acc: 0.95, lat: 9 }), // 3 front
      trial('b', { acc: 0.90, lat: 5 }), // 4 same arch as 1, re-evaluated
      trial('e', { acc: 0.99, lat: 0.5 }, 'failed'), // 5 would dominate everything, but failed
      trial('f', { acc: 0.99, lat: 0.5 }, 'invalid'),
      trial('g', { acc: 0.99, lat: 0.5 }, 'pruned'),
      trial('h', {}, 'running'),
      trial('i', { acc: NaN, lat: 0.1 }), // 9 not finite: ignored
      trial('j', { acc: 0.88 }), // 10 missing an objective: ignored
      trial('k', { acc: 0.85, lat: 3 }), // 11 front
    ];
    const s = summarize(trials, ACC_LAT);
    expect(s.complete).toBe(6);
    expect(s.front.map((t) => [t.key, t.number])).toEqual([['d', 3], ['b', 1], ['k', 11], ['a', 0]]);
    expect(s.best.acc?.key).toBe('d');
    expect(s.best.lat?.key).toBe('a');
    // Reference: the nadir of the complete points in minimisation space: (-0.80, 9).
    expect(s.reference).toEqual([-0.8, 9]);
    const want = hypervolume([[-0.8, 1], [-0.9, 5], [-0.95, 9], [-0.85, 3]], [-0.8, 9]);
    expect(s.hypervolume).toBeCloseTo(want, 12);
    // Hand-computed: (0.9-0.8)·(9-5) + (0.85-0.8)·(5-3) → sweep: x=-0.95 adds 0; -0.9: 0.1·4; -0.85: 0.05·2.
    expect(s.hypervolume).toBeCloseTo(0.1 * 4 + 0.05 * 2, 12);
  });

  it('ties on the first objective are ordered by trial number', () => {
    nextNumber = 0;
    const s = summarize([
      trial('x', { acc: 0.9, lat: 2 }, 'complete', 7),
      trial('y', { acc: 0.9, lat: 2 }, 'complete', 3),
      trial('z', { acc: 0.8, lat: 1 }, 'complete', 5),
    ], ACC_LAT);
    expect(s.front.map((t) => t.key)).toEqual(['y', 'x', 'z']);
  });

  it('min first objective sorts ascending; best per objective honours each direction', () => {
    const objs: ObjectiveSpec[] = [{ metric: 'lat', direction: 'min' }, { metric: 'acc', direction: 'max' }];
    const s = summarize([
      trial('a', { acc: 0.7, lat: 1 }),
      trial('b', { acc: 0.9, lat: 4 }),
      trial('c', { acc: 0.8, lat: 2 }),
      trial('d', { acc: 0.6, lat: 3 }),
    ], objs);
    expect(s.front.map((t) => t.key)).toEqual(['a', 'c', 'b']);
    expect(s.best.lat?.key).toBe('a');
    expect(s.best.acc?.key).toBe('b');
  });

  it('best: first trial wins ties', () => {
    const s = summarize([
      trial('a', { acc: 0.9 }, 'complete', 0),
      trial('b', { acc: 0.9 }, 'complete', 1),
      trial('c', { acc: 0.5 }, 'complete', 2),
    ], [{ metric: 'acc', direction: 'max' }]);
    expect(s.best.acc?.key).toBe('a');
    expect(s.front.map((t) => t.key)).toEqual(['a', 'b']);
    // One objective: the front holds the best value only; the reference is the worst one.
    expect(s.reference).toEqual([-0.5]);
    expect(s.hypervolume).toBeCloseTo(0.4, 12);
  });

  it('with no complete trials: empty front, no best, no hypervolume', () => {
    const s = summarize([trial('a', {}, 'failed'), trial('b', { acc: 1, lat: 1 }, 'invalid')], ACC_LAT);
    expect(s).toEqual({ front: [], best: {}, complete: 0 });
    expect(summarize([], ACC_LAT)).toEqual({ front: [], best: {}, complete: 0 });
  });

  it('more than 3 objectives: front and best, no hypervolume', () => {
    const objs: ObjectiveSpec[] = ['a', 'b', 'c', 'd'].map((m) => ({ metric: m, direction: 'min' }));
    const s = summarize([trial('p', { a: 1, b: 2, c: 3, d: 4 }), trial('q', { a: 2, b: 2, c: 3, d: 4 })], objs);
    expect(s.front.map((t) => t.key)).toEqual(['p']);
    expect(s.hypervolume).toBeUndefined();
    expect(s.reference).toBeUndefined();
  });

  it('front is exactly the non-dominated distinct architectures on random trial sets (3 objectives)', () => {
    const rng = new Rng(4);
    const objs: ObjectiveSpec[] = [
      { metric: 'acc', direction: 'max' },
      { metric: 'lat', direction: 'min' },
      { metric: 'mem', direction: 'min' },
    ];
    for (let round = 0; round < 100; round++) {
      const trials: TrialRecord[] = [];
      const byKey = new Map<string, Metrics>();
      for (let n = 0; n < 25; n++) {
        const key = `k${rng.int(15)}`;
        // The same architecture always has the same metrics (a table evaluator).
        const m = byKey.get(key) ?? { acc: rng.int(5), lat: rng.int(5), mem: rng.int(5) };
        byKey.set(key, m);
        trials.push(trial(key, m, rng.next() < 0.8 ? 'complete' : 'failed', n));
      }
      const s = summarize(trials, objs);
      const complete = trials.filter((t) => t.state === 'complete');
      const beats = (a: Metrics, b: Metrics) =>
        (a.acc! >= b.acc! && a.lat! <= b.lat! && a.mem! <= b.mem!) && (a.acc! > b.acc! || a.lat! < b.lat! || a.mem! < b.mem!);
      const wantKeys = [...new Set(complete.filter((t) => !complete.some((o) => beats(o.metrics, t.metrics))).map((t) => t.key))].sort();
      expect(s.front.map((t) => t.key).slice().sort()).toEqual(wantKeys);
      // Each front entry is the first complete trial of its architecture.
      for (const t of s.front) expect(t.number).toBe(complete.find((c) => c.key === t.key)?.number);
      // Sorted by acc, best first, then by number.
      for (let i = 1; i < s.front.length; i++) {
        const a = s.front[i - 1] as TrialRecord;
        const b = s.front[i] as TrialRecord;
        expect(a.metrics.acc! > b.metrics.acc! || (a.metrics.acc === b.metrics.acc && a.number < b.number)).toBe(true);
      }
    }
  });
});
