import { describe, expect, it } from 'vitest';
import { TrialPruned } from '../../shared/errors.js';
import type { Architecture, CurvePoint, ObjectiveSpec, StudySpec } from '../../shared/types/index.js';
import { ToySpace } from '../../test/fixtures/toy-space.js';
import { CancellationToken, delay } from './cancellation.js';
import { EarlyStopper, EarlyStoppingEvaluator, projectCurve } from './early-stopping.js';
import type { EvaluationResult, Evaluator } from './evaluator.js';
import { InMemoryStore } from './in-memory-store.js';
import { Rng } from './rng.js';
import { createStrategy } from './strategies.js';
import { Study } from './study.js';

const ACC: ObjectiveSpec[] = [{ metric: 'val_accuracy', direction: 'max' }];
const TWO: ObjectiveSpec[] = [{ metric: 'val_accuracy', direction: 'max' }, { metric: 'latency_ms', direction: 'min' }];
const curve = (f: (t: number) => number, upTo: number, metric = 'val_accuracy'): CurvePoint[] => Array.from({ length: upTo }, (_, i) => ({ step: i + 1, metric, value: f(i + 1) }));

describe('projectCurve', () => {
  it('extrapolates a saturating power law to the horizon', () => {
    const law = (t: number) => 0.9 - 0.5 * t ** -1;
    const p = projectCurve(curve(law, 5), 50, { direction: 'max' })!;
    expect(p.predicted).toBeCloseTo(law(50), 6);
    expect(p.optimistic).toBeGreaterThanOrEqual(p.predicted - 1e-9);
    // A loss falling the same way: 'min' mirrors it.
    const loss = projectCurve(curve((t) => 0.2 + 2 * t ** -0.5, 6, 'loss'), 40, { direction: 'min' })!;
    expect(loss.predicted).toBeCloseTo(0.2 + 2 * 40 ** -0.5, 6);
    expect(loss.optimistic).toBeLessThanOrEqual(loss.predicted + 1e-9);
  });

  it('needs three distinct steps, never projects below the best point, and respects bounds', () => {
    expect(projectCurve(curve((t) => t / 10, 2), 10, { direction: 'max' })).toBeUndefined();
    expect(projectCurve([{ step: 1, value: 0.1 }, { step: 1, value: 0.2 }, { step: 2, value: 0.3 }], 10, { direction: 'max' })).toBeUndefined();
    // A curve that peaked and fell: the optimistic projection keeps the peak (best epoch's weights are kept).
    const fell = projectCurve([{ step: 1, value: 0.5 }, { step: 2, value: 0.8 }, { step: 3, value: 0.6 }, { step: 4, value: 0.55 }], 20, { direction: 'max', slack: 0 })!;
    expect(fell.optimistic).toBeGreaterThanOrEqual(0.8);
    const steep = projectCurve(curve((t) => 0.3 * t, 3), 100, { direction: 'max', bounds: [0, 1] })!;
    expect(steep.optimistic).toBe(1);
    expect(steep.predicted).toBeLessThanOrEqual(1);
  });

  it('is calibrated on noisy synthetic curves: the optimistic projection from 8 of 50 epochs covers the final value in >= 95% of them', () => {
    const rng = new Rng(7);
    let covered = 0;
    const errors: number[] = [];
    const N = 400;
    for (let i = 0; i < N; i++) {
      const A = 0.5 + 0.45 * rng.next();
      const B = 0.2 + 0.5 * rng.next();
      const c = 0.3 + 1.5 * rng.next();
      const noise = 0.004 + 0.01 * rng.next();
      const pts = curve((t) => A - B * t ** -c + noise * rng.normal(), 8);
      const final = A - B * 50 ** -c;
      const p = projectCurve(pts, 50, { direction: 'max', bounds: [0, 1] })!;
      if (p.optimistic >= final - 1e-3) covered++;
      errors.push(Math.abs(p.predicted - final));
    }
    errors.sort((a, b) => a - b);
    expect(covered / N).toBeGreaterThanOrEqual(0.95);
    expect(errors[N >> 1]).toBeLessThan(0.05); // the median prediction error is small
  });
});

describe('EarlyStopper', () => {
  it('one objective: stops a curve whose optimistic projection cannot beat the best finished trial', () => {
    const s = new EarlyStopper({ objectives: ACC, horizon: 30 });
    const poor = curve((t) => 0.6 - 0.3 * t ** -1, 6);
    expect(s.decide({ val_accuracy: poor }, {}).stop).toBe(false); // nothing finished yet
    s.record([0.88]);
    const d = s.decide({ val_accuracy: poor }, {});
    expect(d.stop).toBe(true);
    expect(d.stop && d.reason).toMatch(/optimistic projection to step 30 \(0\.\d+\) cannot beat the best finished trial \(0\.88/);
    // Too few points, a promising curve, or a curve already at the horizon: go on.
    expect(s.decide({ val_accuracy: poor.slice(0, 2) }, {}).stop).toBe(false);
    expect(s.decide({ val_accuracy: curve((t) => 0.98 - 0.5 * t ** -0.5, 6) }, {}).stop).toBe(false);
    expect(s.decide({ val_accuracy: curve((t) => 0.6 - 0.3 * t ** -1, 30) }, {}).stop).toBe(false);
    // A trial of another length (a multi-fidelity rung) is compared with finished trials of its own length.
    const slow = curve((t) => 0.95 - 0.6 * t ** -0.5, 4);
    expect(s.decide({ val_accuracy: slow }, {}, 6).stop).toBe(false);
    s.record([0.9], 400);
    s.record([0.75], 6);
    expect(s.decide({ val_accuracy: slow }, {}, 400).stop).toBe(false);
    expect(s.decide({ val_accuracy: slow }, {}, 6).stop).toBe(true);
  });

  it('several objectives: stops only a trial whose optimistic projection cannot enter the Pareto front', () => {
    const s = new EarlyStopper({ objectives: TWO, horizon: 20 });
    s.record([0.9, 10]);
    s.record([0.8, 2]);
    s.record([0.7, 5]); // dominated by (0.8, 2): not part of the front
    expect(s.frontier().length).toBe(2);
    const weak = curve((t) => 0.65 - 0.3 * t ** -1, 5);
    // Faster than every front member: it can enter the front however weak.
    expect(s.decide({ val_accuracy: weak }, { latency_ms: 1 }).stop).toBe(false);
    // Slower than (0.8, 2) and projected below 0.8: dominated.
    const d = s.decide({ val_accuracy: weak }, { latency_ms: 5 });
    expect(d.stop).toBe(true);
    expect(d.stop && d.reason).toMatch(/cannot enter the Pareto front \(0\.8000, 2\.000\)/);
    // Latency not known: it might be the fastest, so it is never stopped.
    expect(s.decide({ val_accuracy: weak }, {}).stop).toBe(false);
    // Strong enough to beat (0.8, 2) at latency 5: it would enter the front.
    expect(s.decide({ val_accuracy: curve((t) => 0.86 - 0.3 * t ** -1, 5) }, { latency_ms: 5 }).stop).toBe(false);
  });
});

// A synthetic trainer: architecture i's curve is A_i - B_i·t^-c_i over EPOCHS epochs, one point per
// epoch (a tick apart), stopping when its token fires, like the real trainer.
const EPOCHS = 30;
const SPACE = new ToySpace(Array.from({ length: 4 }, (_, i) => ({ name: `d${i}`, choices: [0, 1, 2, 3, 4, 5] })));
function law(key: string): (t: number) => number {
  const r = new Rng([...key].reduce((h, ch) => Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0, 2166136261));
  const A = 0.55 + 0.4 * r.next();
  const B = 0.2 + 0.4 * r.next();
  const c = 0.4 + r.next();
  return (t) => A - B * t ** -c;
}

class CurveEvaluator implements Evaluator {
  epochs = 0;
  async evaluate(a: Architecture, report: (p: CurvePoint) => void, token: CancellationToken): Promise<EvaluationResult> {
    const f = law(a.key);
    let best = -Infinity;
    for (let t = 1; t <= EPOCHS; t++) {
      await delay(0, token);
      this.epochs++;
      best = Math.max(best, f(t));
      report({ step: t, metric: 'val_accuracy', value: f(t) });
    }
    return { metrics: { val_accuracy: best, latency_ms: 1 + (a.sample[0] as number) }, fidelity: `epochs:${EPOCHS}`, cost: 0 };
  }
  known(a: Architecture) {
    return { latency_ms: 1 + (a.sample[0] as number) };
  }
}

async function search(objectives: ObjectiveSpec[], stop: boolean, evals = 40) {
  const store = new InMemoryStore();
  const spec: StudySpec = { name: 'es', space: 'toy', strategy: 'random', objectives, constraints: [], report: [], budget: { evals }, seed: 4, evaluator: { kind: 'test' } };
  const rec = store.createStudy(spec, 0);
  const inner = new CurveEvaluator();
  const evaluator = stop ? new EarlyStoppingEvaluator(inner, new EarlyStopper({ objectives, horizon: EPOCHS })) : inner;
  const strategy = createStrategy('random', { space: SPACE, objectives, seed: 4, options: {} });
  await new Study(rec.id, { store, space: SPACE, evaluator, clock: { now: () => Date.now() }, strategy }).run(CancellationToken.None);
  return { trials: store.getTrials(rec.id, {}), epochs: inner.epochs, store, id: rec.id };
}

describe('EarlyStoppingEvaluator in a study', () => {
  it('one objective: prunes hopeless trials, saves most of their epochs, finds the same best', async () => {
    const plain = await search(ACC, false);
    const es = await search(ACC, true);
    expect(es.trials.map((t) => t.key)).toEqual(plain.trials.map((t) => t.key));
    const pruned = es.trials.filter((t) => t.state === 'pruned');
    expect(pruned.length).toBeGreaterThan(10);
    expect(pruned[0]!.error).toMatch(/^pruned: optimistic projection to step 30/);
    // Pruned trials keep the curve points they reported, fewer than the full run.
    expect(es.store.getCurve(es.id, pruned[0]!.number).length).toBeLessThan(EPOCHS);
    expect(es.epochs).toBeLessThan(0.7 * plain.epochs);
    const best = (ts: typeof plain.trials) => Math.max(...ts.filter((t) => t.state === 'complete').map((t) => t.metrics.val_accuracy as number));
    expect(best(es.trials)).toBe(best(plain.trials));
    // No trial was stopped that would have finished better than the best before it.
    for (const t of pruned) {
      const before = es.trials.filter((u) => u.number < t.number && u.state === 'complete').map((u) => u.metrics.val_accuracy as number);
      const final = Math.max(...Array.from({ length: EPOCHS }, (_, i) => law(t.key)(i + 1)));
      expect(final, t.key).toBeLessThanOrEqual(Math.max(...before));
    }
  });

  it('two objectives: prunes only trials that could not have entered the front, and the front found is the same', async () => {
    const plain = await search(TWO, false, 60);
    const es = await search(TWO, true, 60);
    const pruned = es.trials.filter((t) => t.state === 'pruned');
    expect(pruned.length).toBeGreaterThan(5);
    expect(pruned[0]!.error).toMatch(/cannot enter the Pareto front/);
    const front = (ts: typeof plain.trials) => {
      const done = ts.filter((t) => t.state === 'complete');
      return done.filter((t) => !done.some((u) => (u.metrics.val_accuracy as number) >= (t.metrics.val_accuracy as number) && (u.metrics.latency_ms as number) <= (t.metrics.latency_ms as number) && (u.metrics.val_accuracy !== t.metrics.val_accuracy || u.metrics.latency_ms !== t.metrics.latency_ms))).map((t) => t.key).sort();
    };
    expect(front(es.trials)).toEqual(front(plain.trials));
    expect(es.epochs).toBeLessThan(plain.epochs);
  });

  it('a stop of the whole search is not reported as a pruned trial', async () => {
    const stopper = new EarlyStopper({ objectives: ACC, horizon: EPOCHS });
    stopper.record([0.99]);
    const e = new EarlyStoppingEvaluator(new CurveEvaluator(), stopper);
    const a = SPACE.freeze([1, 2, 3, 4]);
    await expect(e.evaluate(a, () => undefined, CancellationToken.None)).rejects.toBeInstanceOf(TrialPruned);
    const { CancellationTokenSource } = await import('./cancellation.js');
    const src = new CancellationTokenSource();
    const p = e.evaluate(a, () => src.cancel(), src.token);
    await expect(p).rejects.not.toBeInstanceOf(TrialPruned);
  });
});
