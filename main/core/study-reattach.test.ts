import { describe, expect, it } from 'vitest';
import { Cancelled } from '../../shared/errors.js';
import type { Architecture, CurvePoint, StudySpec } from '../../shared/types/index.js';
import { gatedToySpace } from '../../test/fixtures/toy-space.js';
import { CancellationTokenSource, type CancellationToken } from './cancellation.js';
import type { EvaluationResult, Evaluator, TrialRef } from './evaluator.js';
import { InMemoryStore } from './in-memory-store.js';
import { createStrategy } from './strategies.js';
import { Study } from './study.js';

/**
 * Evaluations that outlive the process (issue #13, a queue): a trial a dead run left `running` is
 * re-attached under its own number when the restored strategy asks its architecture again.
 */
class QueueLikeEvaluator implements Evaluator {
  readonly calls: { key: string; trial?: TrialRef }[] = [];
  constructor(readonly reattaches: boolean) {}
  async evaluate(a: Architecture, _report: (p: CurvePoint) => void, token: CancellationToken, trial?: TrialRef): Promise<EvaluationResult> {
    this.calls.push({ key: a.key, ...(trial ? { trial } : {}) });
    await Promise.resolve();
    if (token.isCancellationRequested) throw new Cancelled();
    return { metrics: { acc: a.sample.reduce((x, y) => x + y, 0) }, fidelity: 'fake', cost: 0 };
  }
}

const spec: StudySpec = {
  name: 't', space: 'toy', strategy: 'random', strategyOptions: {}, objectives: [{ metric: 'acc', direction: 'max' }],
  constraints: [], report: [], budget: { evals: 6 }, seed: 3, evaluator: { kind: 'fake' },
};

function make(store: InMemoryStore, id: string, evaluator: Evaluator): Study {
  const space = gatedToySpace();
  return new Study(id, { store, space, evaluator, clock: { now: () => Date.now() }, strategy: createStrategy('random', { space, objectives: spec.objectives, seed: spec.seed, options: {} }) });
}


describe('Study with an evaluator that re-attaches (#13)', () => {
  it('passes the trial (study id and number) to evaluate', async () => {
    const store = new InMemoryStore();
    const id = Study.create(store, spec, Date.now()).id;
    const e = new QueueLikeEvaluator(false);
    await make(store, id, e).run(new CancellationTokenSource().token);
    expect(e.calls.map((c) => c.trial)).toEqual([0, 1, 2, 3, 4, 5].map((number) => ({ studyId: id, number })));
  });

  it('re-attaches a trial a dead run left running (same number), instead of abandoning it', async () => {
    const store = new InMemoryStore();
    const id = Study.create(store, spec, Date.now()).id;
    const clean = new InMemoryStore();
    const cleanId = Study.create(clean, spec, Date.now()).id;
    await make(clean, cleanId, new QueueLikeEvaluator(false)).run(new CancellationTokenSource().token);

    // The dead run: trials 0 and 1 finished, trial 2 running (its lease dropped, as a takeover would).
    const e = new QueueLikeEvaluator(true);
    const space = gatedToySpace();
    const strategy = createStrategy('random', { space, objectives: spec.objectives, seed: spec.seed, options: {} });
    store.setStudyStatus(id, 'running', 1);
    for (let n = 0; n < 3; n++) {
      const arch = space.freeze(strategy.ask({ finished: n, pending: 0 })!);
      const number = store.createTrial(id, arch, 1);
      if (n < 2) {
        strategy.tell({ sample: arch.sample, key: arch.key, state: 'complete', values: [0] });
        const r = await e.evaluate(arch, () => undefined, new CancellationTokenSource().token);
        store.finishTrial(id, number, { state: 'complete', metrics: r.metrics, fidelity: { acc: 'fake' }, cost: 0, finishedAt: 2 }, { progress: { evals: n + 1, failed: 0, rejected: 0, costSeconds: 0, wallMs: 0 }, strategyState: strategy.snapshot() });
      }
    }
    e.calls.length = 0;
    await make(store, id, e).run(new CancellationTokenSource().token);
    // Trial 2 is evaluated again under number 2 (its job re-attached), not failed and replaced.
    expect(e.calls[0]).toEqual({ key: store.getTrial(id, 2)!.key, trial: { studyId: id, number: 2 } });
    const trials = store.getTrials(id);
    expect(trials.map((t) => t.state)).toEqual(Array(6).fill('complete'));
    expect(trials.map((t) => [t.key, t.metrics])).toEqual(clean.getTrials(cleanId).map((t) => [t.key, t.metrics]));
  });

  it('without re-attaching, the same left-over trial is abandoned and its architecture evaluated under a new number', async () => {
    const store = new InMemoryStore();
    const id = Study.create(store, spec, Date.now()).id;
    const space = gatedToySpace();
    store.setStudyStatus(id, 'running', 1);
    store.createTrial(id, space.freeze(space.dims.map(() => 0)), 1);
    await make(store, id, new QueueLikeEvaluator(false)).run(new CancellationTokenSource().token);
    expect(store.getTrial(id, 0)!.state).toBe('failed');
    expect(store.countTrials(id, ['complete'])).toBe(6);
  });

  it('an orphan never asked again is abandoned when the study completes', async () => {
    const store = new InMemoryStore();
    const id = Study.create(store, spec, Date.now()).id;
    const space = gatedToySpace();
    store.setStudyStatus(id, 'running', 1);
    // A key the seeded random strategy does not ask in 6 draws (checked below).
    const stray = space.freeze(space.dims.map((d) => d.choices.length - 1));
    store.createTrial(id, stray, 1);
    const e = new QueueLikeEvaluator(true);
    await make(store, id, e).run(new CancellationTokenSource().token);
    expect(e.calls.map((c) => c.key)).not.toContain(stray.key);
    expect(store.getTrial(id, 0)!.state).toBe('failed');
    expect(store.countTrials(id, ['running'])).toBe(0);
  });

  it('keeps as many evaluations in flight as the evaluator says it can take', async () => {
    const store = new InMemoryStore();
    const id = Study.create(store, { ...spec, budget: { evals: 12 } }, Date.now()).id;
    let active = 0;
    let most = 0;
    const e: Evaluator = {
      capacity: () => 4,
      async evaluate(a) {
        most = Math.max(most, ++active);
        await new Promise((r) => setTimeout(r, 5));
        active--;
        return { metrics: { acc: a.sample[0] ?? 0 }, fidelity: 'fake', cost: 0 };
      },
    };
    await make(store, id, e).run(new CancellationTokenSource().token);
    expect(most).toBe(4);
  });
});
