import { describe, expect, it } from 'vitest';
import { Cancelled, NasError, TrialPruned } from '../../shared/errors.js';
import type { Architecture, CurvePoint, Metrics, Sample, StudySpec, TrialRecord } from '../../shared/types/index.js';
import { gatedToySpace, ToySpace } from '../../test/fixtures/toy-space.js';
import { CancellationTokenSource, delay, type CancellationToken } from './cancellation.js';
import type { EvaluationResult, Evaluator } from './evaluator.js';
import { InMemoryStore } from './in-memory-store.js';
import { parseConstraint } from './objectives.js';
import { Rng } from './rng.js';
import type { SearchSpace } from './search-space.js';
import type { Store } from './store.js';
import { createStrategy, STRATEGIES } from './strategies.js';
import type { Strategy } from './strategy.js';
import { DEFAULT_LEASE, MAX_CONSECUTIVE_REJECTIONS, Study, type Clock, type LeaseOptions, type StudyListener } from './study.js';
import { validateStudySpec } from './study-spec.js';

// ---------------------------------------------------------------------------------------------
// Fakes: a manual clock and a deterministic evaluator whose behaviour is a pure function of the key.
// ---------------------------------------------------------------------------------------------

class FakeClock implements Clock {
  t = 1_000_000;
  now(): number {
    return this.t;
  }
}

/** A stable pseudo-random number in [0, 1) per string (FNV-1a). */
function hash01(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h / 4294967296;
}

interface FakeOptions {
  /** Metrics known before evaluating (constraints apply to them up front). */
  known?: (key: string) => Metrics;
  /** Exact simulated cost; leave out for an evaluator without estimateCost. */
  cost?: (key: string) => number;
  /** What evaluate does, by key and call number: metrics, or throws. */
  outcome?: (key: string, call: number) => Metrics;
  /** Async behaviour: wait this many ms (real time) honouring the token. */
  delayMs?: (key: string, call: number) => number;
  /** Called at the start of each evaluation (to cancel, advance the clock…). */
  onEvaluate?: (key: string, call: number) => void;
  /** Curve points reported before the result. */
  curve?: boolean;
}

const acc = (key: string) => Math.round(hash01(key) * 1e6) / 1e6;

class FakeEvaluator implements Evaluator {
  readonly evaluated: string[] = [];
  readonly estimated: { key: string; cost: number }[] = [];
  active = 0;
  maxActive = 0;
  known?: (a: Architecture) => Metrics;
  estimateCost?: (a: Architecture) => number;

  constructor(private readonly o: FakeOptions = {}) {
    if (o.known) {
      const known = o.known;
      this.known = (a) => known(a.key);
    }
    if (o.cost) {
      const cost = o.cost;
      this.estimateCost = (a) => {
        const c = cost(a.key);
        this.estimated.push({ key: a.key, cost: c });
        return c;
      };
    }
  }

  async evaluate(a: Architecture, report: (p: CurvePoint) => void, token: CancellationToken): Promise<EvaluationResult> {
    const call = this.evaluated.length;
    this.evaluated.push(a.key);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      this.o.onEvaluate?.(a.key, call);
      const ms = this.o.delayMs?.(a.key, call) ?? 0;
      if (ms > 0) await delay(ms, token);
      if (token.isCancellationRequested) throw new Cancelled();
      if (this.o.curve) for (let step = 1; step <= 3; step++) report({ step, metric: 'acc', value: acc(a.key) * step / 3 });
      const metrics = this.o.outcome?.(a.key, call) ?? { acc: acc(a.key) };
      return { metrics, fidelity: 'fake', cost: this.o.cost?.(a.key) ?? 0 };
    } finally {
      this.active--;
    }
  }
}

/** Trials that fail, are pruned, report NaN, or are invalid after evaluation, decided by key. */
const MIXED: FakeOptions = {
  known: (key) => ({ lat: Math.round(hash01(key + 'lat') * 1000) / 100 }),
  outcome: (key) => {
    const h = hash01(key + 'fate');
    if (h < 0.08) throw new Error(`boom on ${key}`);
    if (h < 0.12) throw new TrialPruned(`pruned ${key}`);
    if (h < 0.16) return { acc: NaN };
    return { acc: acc(key) };
  },
};
// ~20% rejected up front (lat > 8); ~10% of the evaluated ones invalid afterwards (acc < 0.1).
const MIXED_CONSTRAINTS = [parseConstraint('lat <= 8'), parseConstraint('acc >= 0.1')];

const baseSpec = (over: Partial<StudySpec> = {}): StudySpec => ({
  name: 'test',
  space: 'toy',
  strategy: 'evolution',
  strategyOptions: { population: 5, tournament: 2 },
  objectives: [{ metric: 'acc', direction: 'max' }],
  constraints: [],
  report: [],
  budget: { evals: 20 },
  seed: 7,
  evaluator: { kind: 'fake' },
  ...over,
});

interface Harness {
  readonly store: Store;
  readonly id: string;
  readonly clock: FakeClock;
  readonly evaluator: FakeEvaluator;
  readonly space: SearchSpace;
  /** A fresh Study with a fresh strategy (as a restarted process would build it). */
  study(storeOverride?: Store, strategy?: Strategy, lease?: LeaseOptions): Study;
}

function harness(
  spec: StudySpec,
  fake: FakeOptions = {},
  space: SearchSpace = gatedToySpace(),
  store: Store = new InMemoryStore(),
  clock = new FakeClock(),
): Harness {
  validateStudySpec(spec);
  const evaluator = new FakeEvaluator(fake);
  const id = Study.create(store, spec, clock.now()).id;
  const study = (storeOverride?: Store, strategy?: Strategy, lease?: LeaseOptions) =>
    new Study(id, {
      store: storeOverride ?? store,
      space,
      strategy: strategy ?? createStrategy(spec.strategy, { space, objectives: spec.objectives, seed: spec.seed, options: spec.strategyOptions ?? {} }),
      evaluator,
      clock,
      ...(lease ? { lease } : {}),
    });
  return { store, id, clock, evaluator, space, study };
}

const none = () => new CancellationTokenSource().token;
const finishedTrials = (store: Store, id: string) => store.getTrials(id).filter((t) => t.state !== 'running');
/** What must be identical between an interrupted-and-resumed run and an uninterrupted one. */
const signature = (trials: readonly TrialRecord[]) =>
  trials.filter((t) => !t.error?.startsWith('interrupted')).map((t) => `${t.key} ${t.state} ${t.error ?? ''} ${JSON.stringify(t.metrics)}`);

// ---------------------------------------------------------------------------------------------

describe('Study budgets', () => {
  for (const concurrency of [1, 3]) {
    it(`an evaluation budget of N stops at exactly N trials (concurrency ${concurrency})`, async () => {
      const h = harness(baseSpec({ budget: { evals: 17 }, concurrency }), { delayMs: (_k, c) => (concurrency > 1 ? c % 3 : 0) });
      const out = await h.study().run(none());
      expect(out.status).toBe('complete');
      expect(out.reason).toBe('evaluation budget of 17 used');
      expect(out.progress.evals).toBe(17);
      expect(h.evaluator.evaluated.length).toBe(17);
      expect(h.store.getTrials(h.id).map((t) => t.state)).toEqual(new Array(17).fill('complete'));
      expect(h.store.getStudy(h.id)?.status).toBe('complete');
      expect(h.store.getStudy(h.id)?.progress.evals).toBe(17);
    });
  }

  it('failed, pruned and invalid trials count towards the evaluation budget', async () => {
    const h = harness(baseSpec({ budget: { evals: 60 }, constraints: MIXED_CONSTRAINTS }), MIXED);
    const out = await h.study().run(none());
    const trials = h.store.getTrials(h.id);
    expect(trials.length).toBe(60);
    expect(out.progress.evals).toBe(60);
    const states = new Set(trials.map((t) => t.state));
    expect([...states].sort()).toEqual(['complete', 'failed', 'invalid', 'pruned']);
    expect(out.progress.failed).toBe(trials.filter((t) => t.state === 'failed').length);
  });

  for (const concurrency of [1, 3]) {
    it(`a simulated-seconds budget is never exceeded when estimateCost is known (concurrency ${concurrency})`, async () => {
      const cost = (key: string) => 1 + Math.floor(hash01(key + 'cost') * 9);
      const h = harness(baseSpec({ budget: { seconds: 100 }, concurrency }), { cost, delayMs: () => (concurrency > 1 ? 1 : 0) });
      const out = await h.study().run(none());
      const trials = h.store.getTrials(h.id);
      const spent = trials.reduce((a, t) => a + t.cost, 0);
      expect(out.status).toBe('complete');
      expect(out.reason).toBe('simulated budget of 100 s used');
      expect(spent).toBeLessThanOrEqual(100);
      expect(out.progress.costSeconds).toBe(spent);
      expect(trials.every((t) => t.cost === cost(t.key))).toBe(true);
      // It stopped because the next architecture would have overrun (or the budget was used up exactly).
      const last = h.evaluator.estimated.at(-1) as { key: string; cost: number };
      expect(spent === 100 || spent + last.cost > 100).toBe(true);
      expect(trials.length).toBeGreaterThan(10);
    });
  }

  it('a seconds budget used up exactly stops without asking for more', async () => {
    const h = harness(baseSpec({ budget: { seconds: 30 } }), { cost: () => 10 });
    const out = await h.study().run(none());
    expect(h.store.getTrials(h.id).length).toBe(3);
    expect(out.progress.costSeconds).toBe(30);
    expect(out.reason).toBe('simulated budget of 30 s used');
  });

  it('a wall-clock budget (fake clock) stops once the time is used', async () => {
    const clock = new FakeClock();
    const h = harness(baseSpec({ budget: { wallMs: 55 } }), { onEvaluate: () => (clock.t += 10) }, gatedToySpace(), new InMemoryStore(), clock);
    const out = await h.study().run(none());
    // 10 ms per trial: after 5 trials 50 ms < 55, so a 6th starts; after it 60 ms ≥ 55.
    expect(h.store.getTrials(h.id).length).toBe(6);
    expect(out.reason).toMatch(/^wall-clock budget of .* used$/);
    expect(out.progress.wallMs).toBe(60);
    expect(h.store.getStudy(h.id)?.progress.wallMs).toBe(60);
  });

  it('wall time spent before a stop counts after the resume (paused time does not)', async () => {
    const clock = new FakeClock();
    const src = new CancellationTokenSource();
    const h = harness(baseSpec({ budget: { wallMs: 95 } }), {
      delayMs: (_k, call) => (call === 3 ? 5 : 0),
      onEvaluate: (_k, call) => {
        clock.t += 10;
        if (call === 3) src.cancel();
      },
    }, gatedToySpace(), new InMemoryStore(), clock);
    const first = await h.study().run(src.token);
    expect(first.status).toBe('stopped');
    // Three trials finished (30 ms) and a fourth ran 10 ms before it was stopped.
    expect(first.progress.wallMs).toBe(40);
    expect(h.store.getStudy(h.id)?.progress.wallMs).toBe(40);
    clock.t += 1_000_000; // paused for a long time
    const out = await h.study().run(none());
    // 40 ms used before; from there trials of 10 ms until ≥ 95 ms: 6 more (100 ms).
    expect(out.progress.wallMs).toBe(100);
    expect(h.store.getTrials(h.id).filter((t) => t.state === 'complete').length).toBe(3 + 6);
  });

  it('the first budget reached wins, and onProgress reports the largest fraction', async () => {
    const h = harness(baseSpec({ budget: { evals: 10, seconds: 1000 } }), { cost: () => 50 });
    const fractions: number[] = [];
    const out = await h.study().run(none(), { onProgress: (_p, f) => fractions.push(f) });
    expect(out.progress.evals).toBe(10);
    expect(fractions.slice(0, 10)).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1].map((x) => expect.closeTo(x, 12)));
    expect(fractions.at(-1)).toBe(1);
  });
});

describe('Study trial outcomes', () => {
  it('an evaluator that throws marks the trial failed with its message, and the study goes on', async () => {
    const bad = new Set<number>([2, 5, 6]);
    const h = harness(baseSpec({ budget: { evals: 10 } }), {
      outcome: (key, call) => {
        if (bad.has(call)) throw new Error(`out of memory at call ${call}`);
        return { acc: acc(key) };
      },
    });
    const out = await h.study().run(none());
    const trials = h.store.getTrials(h.id);
    expect(out.status).toBe('complete');
    expect(trials.map((t) => t.state)).toEqual(trials.map((_, i) => (bad.has(i) ? 'failed' : 'complete')));
    expect(trials[5]?.error).toBe('out of memory at call 5');
    expect(trials[5]?.metrics).toEqual({});
    expect(out.progress.failed).toBe(3);
  });

  it('a non-Error throw is recorded too', async () => {
    const h = harness(baseSpec({ budget: { evals: 3 } }), {
      outcome: () => {
        throw 'plain string';
      },
    });
    await h.study().run(none());
    expect(h.store.getTrials(h.id).map((t) => [t.state, t.error])).toEqual(new Array(3).fill(['failed', 'plain string']));
  });

  it('TrialPruned marks the trial pruned (not failed)', async () => {
    const h = harness(baseSpec({ budget: { evals: 4 } }), {
      outcome: (key, call) => {
        if (call === 1) throw new TrialPruned('stopped early at epoch 3');
        return { acc: acc(key) };
      },
    });
    const out = await h.study().run(none());
    const t = h.store.getTrials(h.id);
    expect(t.map((x) => x.state)).toEqual(['complete', 'pruned', 'complete', 'complete']);
    expect(t[1]?.error).toBe('stopped early at epoch 3');
    expect(out.progress.failed).toBe(0);
  });

  it('a NaN or missing objective marks the trial failed with the reason', async () => {
    const h = harness(baseSpec({ budget: { evals: 3 } }), {
      outcome: (_key, call): Metrics => (call === 0 ? { acc: NaN } : call === 1 ? { loss: 1 } : { acc: Infinity }),
    });
    await h.study().run(none());
    const t = h.store.getTrials(h.id);
    expect(t.map((x) => [x.state, x.error])).toEqual([
      ['failed', `objective metric 'acc' is NaN`],
      ['failed', `objective metric 'acc' was not reported`],
      ['failed', `objective metric 'acc' is Infinity`],
    ]);
  });

  it('records metrics, per-metric fidelity, cost and curves of a complete trial', async () => {
    const h = harness(baseSpec({ budget: { evals: 2 } }), { known: () => ({ lat: 4 }), cost: () => 12, curve: true });
    await h.study().run(none());
    const t = h.store.getTrials(h.id)[0] as TrialRecord;
    expect(t.state).toBe('complete');
    expect(t.metrics).toEqual({ lat: 4, acc: acc(t.key) });
    expect(t.fidelity).toEqual({ lat: 'fake', acc: 'fake' });
    expect(t.cost).toBe(12);
    expect(h.store.getCurve(h.id, 0).map((p) => p.step)).toEqual([1, 2, 3]);
    expect(t.finishedAt).toBe(h.clock.t);
  });
});

describe('Study constraints', () => {
  it('constraints on known metrics reject architectures before evaluating, without using the budget', async () => {
    const known = (key: string) => ({ lat: hash01(key + 'lat') * 10 });
    const h = harness(baseSpec({ budget: { evals: 25 }, constraints: [parseConstraint('lat <= 4')] }), { known });
    const out = await h.study().run(none());
    const trials = h.store.getTrials(h.id);
    expect(trials.length).toBe(25);
    expect(h.evaluator.evaluated.length).toBe(25);
    // Nothing that violates the constraint was evaluated or stored.
    expect(h.evaluator.evaluated.filter((k) => known(k).lat > 4)).toEqual([]);
    expect(trials.every((t) => (t.metrics.lat as number) <= 4)).toBe(true);
    // About 60% of random architectures violate it: the rejections were counted.
    expect(out.progress.rejected).toBeGreaterThan(10);
    expect(h.store.getStudy(h.id)?.progress.rejected).toBe(out.progress.rejected);
    expect(out.progress.evals).toBe(25);
  });

  it('progress.rejected counts exactly the rejected asks', async () => {
    const space = gatedToySpace();
    const spec = baseSpec({ strategy: 'random', strategyOptions: {}, budget: { evals: 30 }, constraints: [parseConstraint('lat < 5')] });
    const known = (key: string) => ({ lat: hash01(key + 'lat') * 10 });
    const h = harness(spec, { known }, space);
    const out = await h.study().run(none());
    // Replay the same random strategy: count the violations among its asks up to the 30th accepted one.
    const replay = createStrategy('random', { space, objectives: spec.objectives, seed: spec.seed, options: {} });
    let accepted = 0;
    let rejected = 0;
    while (accepted < 30) {
      const key = space.freeze(replay.ask({ finished: 0, pending: 0 }) as Sample).key;
      if (known(key).lat < 5) accepted++;
      else rejected++;
    }
    expect(out.progress.rejected).toBe(rejected);
  });

  it('constraints on metrics known only after evaluating mark the trial invalid', async () => {
    const h = harness(baseSpec({ budget: { evals: 30 }, constraints: [parseConstraint('acc >= 0.5')] }), {});
    const out = await h.study().run(none());
    const trials = h.store.getTrials(h.id);
    expect(trials.length).toBe(30);
    for (const t of trials) {
      if ((t.metrics.acc as number) >= 0.5) expect(t.state).toBe('complete');
      else {
        expect(t.state).toBe('invalid');
        expect(t.error).toBe('violates acc >= 0.5');
      }
    }
    expect(trials.some((t) => t.state === 'invalid')).toBe(true);
    expect(out.progress.rejected).toBe(0);
  });

  it('a constraint that rejects everything fails the study with a clear message', async () => {
    const h = harness(baseSpec({ strategy: 'random', strategyOptions: {}, budget: { evals: 5 }, constraints: [parseConstraint('lat <= 0')] }), { known: () => ({ lat: 3 }) });
    const run = h.study().run(none());
    await expect(run).rejects.toThrow(NasError);
    await expect(run).rejects.toThrow(`constraints rejected ${MAX_CONSECUTIVE_REJECTIONS} architectures in a row (last: lat <= 0); loosen them`);
    const rec = h.store.getStudy(h.id);
    expect(rec?.status).toBe('failed');
    expect(rec?.error).toContain('loosen them');
    expect(rec?.progress.rejected).toBe(MAX_CONSECUTIVE_REJECTIONS);
    expect(h.store.getTrials(h.id)).toEqual([]);
    expect(h.evaluator.evaluated).toEqual([]);
    // A failed study cannot be resumed.
    await expect(h.study().run(none())).rejects.toThrow(/failed earlier and cannot be resumed/);
  });
});

describe('Study cancellation and resume', () => {
  it('cancelling stops the study (status stopped); running it again continues to the budget', async () => {
    const h = harness(baseSpec({ budget: { evals: 12 } }), {});
    const src = new CancellationTokenSource();
    const out = await h.study().run(src.token, { onTrialFinished: (t) => t.number === 4 && src.cancel() });
    expect(out.status).toBe('stopped');
    expect(h.store.getStudy(h.id)?.status).toBe('stopped');
    expect(h.store.getTrials(h.id).length).toBe(5);
    const again = await h.study().run(none());
    expect(again.status).toBe('complete');
    expect(again.progress.evals).toBe(12);
    const trials = h.store.getTrials(h.id);
    expect(trials.map((t) => t.number)).toEqual([...Array(12).keys()]);
    expect(trials.every((t) => t.state === 'complete')).toBe(true);
  });

  it('cancelling during an evaluation leaves that trial abandoned (failed, interrupted) and resumes it', async () => {
    const src = new CancellationTokenSource();
    const h = harness(baseSpec({ budget: { evals: 8 } }), {
      delayMs: () => 5,
      onEvaluate: (_k, call) => call === 3 && src.cancel(),
    });
    const out = await h.study().run(src.token);
    expect(out.status).toBe('stopped');
    const t = h.store.getTrials(h.id);
    expect(t.map((x) => x.state)).toEqual(['complete', 'complete', 'complete', 'failed']);
    expect(t[3]?.error).toBe('interrupted: the search was stopped');
    expect(out.progress.evals).toBe(3);
    const again = await h.study().run(none());
    expect(again.progress.evals).toBe(8);
    const all = h.store.getTrials(h.id);
    expect(all.length).toBe(9);
    // The abandoned architecture is the next one evaluated after the resume.
    expect(all[4]?.key).toBe(all[3]?.key);
    expect(all.slice(4).every((x) => x.state === 'complete')).toBe(true);
  });

  it('a study cancelled before it starts runs nothing', async () => {
    const h = harness(baseSpec(), {});
    const src = new CancellationTokenSource();
    src.cancel();
    const out = await h.study().run(src.token);
    expect(out.status).toBe('stopped');
    expect(h.evaluator.evaluated).toEqual([]);
  });

  it('running a complete study again does nothing', async () => {
    const h = harness(baseSpec({ budget: { evals: 3 } }), {});
    await h.study().run(none());
    const again = await h.study().run(none());
    expect(again).toMatchObject({ status: 'complete', reason: 'already complete' });
    expect(h.store.getTrials(h.id).length).toBe(3);
  });

  it('ends when the strategy has nothing left to try', async () => {
    const space = new ToySpace([{ name: 'a', choices: [0, 1, 2] }]);
    const queue = [[0], [1], [2]];
    const exhaustible: Strategy = {
      name: 'list',
      ask: () => queue.shift(),
      tell: () => undefined,
      snapshot: () => ({ left: queue.length }),
      restore: () => undefined,
    };
    const h = harness(baseSpec({ budget: { evals: 10 } }), {}, space);
    const out = await h.study(undefined, exhaustible).run(none());
    expect(out).toMatchObject({ status: 'complete', reason: 'the strategy has no architecture left to try' });
    expect(h.store.getTrials(h.id).map((t) => t.key)).toEqual(['0', '1', '2']);
  });
});

/** A store that "crashes" on its k-th finishTrial: that call and every later call throw, like a dead process. */
function crashingStore(inner: Store, k: number): Store {
  let finishes = 0;
  let dead = false;
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        if (dead) throw new Error('the process is gone');
        if (prop === 'finishTrial' && ++finishes === k) {
          dead = true;
          throw new Error('killed while finishing a trial');
        }
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

describe('Study resume determinism', () => {
  const N = 36;
  const spec = (strategy: string) =>
    baseSpec({ strategy, strategyOptions: strategy === 'evolution' ? { population: 6, tournament: 3 } : {}, budget: { evals: N }, seed: 1234, constraints: MIXED_CONSTRAINTS });

  for (const strategy of Object.keys(STRATEGIES)) {
    describe(strategy, () => {
      let reference: string[] = [];
      let referenceProgress: { evals: number; failed: number; rejected: number; costSeconds: number } | undefined;

      it('uninterrupted run (the reference)', async () => {
        const h = harness(spec(strategy), MIXED);
        const out = await h.study().run(none());
        reference = signature(h.store.getTrials(h.id));
        const { evals, failed, rejected, costSeconds } = out.progress;
        referenceProgress = { evals, failed, rejected, costSeconds };
        expect(reference.length).toBe(N);
        expect(rejected).toBeGreaterThan(0);
        // Same seed, same everything: a second uninterrupted run is identical.
        const h2 = harness(spec(strategy), MIXED);
        await h2.study().run(none());
        expect(signature(h2.store.getTrials(h2.id))).toEqual(reference);
      });

      for (const k of [1, 7, 23]) {
        it(`stopped after trial ${k} (token), resumed with fresh objects: same trials`, async () => {
          const h = harness(spec(strategy), MIXED);
          const src = new CancellationTokenSource();
          const first = await h.study().run(src.token, { onTrialFinished: (t) => t.number === k - 1 && src.cancel() });
          expect(first.status).toBe('stopped');
          expect(finishedTrials(h.store, h.id).length).toBe(k);
          const out = await h.study().run(none());
          expect(out.status).toBe('complete');
          expect(signature(h.store.getTrials(h.id))).toEqual(reference);
          expect(out.progress).toMatchObject(referenceProgress as object);
        });

        it(`killed while finishing trial ${k} (store crash), resumed with fresh objects: same trials`, async () => {
          const inner = new InMemoryStore();
          const h = harness(spec(strategy), MIXED, gatedToySpace(), inner);
          await expect(h.study(crashingStore(inner, k)).run(none())).rejects.toThrow(/the process is gone|killed/);
          // The dead run left the study running, with its last trial unfinished.
          expect(inner.getStudy(h.id)?.status).toBe('running');
          expect(inner.getTrials(h.id).filter((t) => t.state === 'running').length).toBe(1);
          expect(finishedTrials(inner, h.id).length).toBe(k - 1);
          // A dead process cannot release its lease: the next run refuses to start while the holder
          // looks alive, and takes the lease over once it is known dead.
          expect(inner.getLease(h.id)).toBeDefined();
          await expect(h.study().run(none())).rejects.toMatchObject({ code: 'study-busy' });
          const takeovers: unknown[] = [];
          const dead: LeaseOptions = { ...DEFAULT_LEASE, policy: { ...DEFAULT_LEASE.policy, isDead: () => true } };
          const out = await h.study(undefined, undefined, dead).run(none(), { onTakeover: (l) => takeovers.push(l) });
          expect(takeovers).toHaveLength(1);
          expect(inner.getLease(h.id)).toBeUndefined();
          expect(out.status).toBe('complete');
          const trials = inner.getTrials(h.id);
          expect(signature(trials)).toEqual(reference);
          // Exactly the trial being finished was abandoned, then evaluated again as the next trial.
          const abandoned = trials.filter((t) => t.error?.startsWith('interrupted'));
          expect(abandoned.map((t) => t.number)).toEqual([k - 1]);
          expect(trials[k]?.key).toBe(abandoned[0]?.key);
          expect(new Set(trials.map((t) => t.number)).size).toBe(trials.length);
          expect(out.progress).toMatchObject(referenceProgress as object);
        });

        it(`cancelled during evaluation ${k}, resumed with fresh objects: same trials`, async () => {
          const src = new CancellationTokenSource();
          let calls = 0;
          const h = harness(spec(strategy), {
            ...MIXED,
            delayMs: () => (calls === k ? 5 : 0),
            onEvaluate: () => {
              if (++calls === k) src.cancel();
            },
          });
          const first = await h.study().run(src.token);
          expect(first.status).toBe('stopped');
          const out = await h.study().run(none());
          expect(out.status).toBe('complete');
          expect(signature(h.store.getTrials(h.id))).toEqual(reference);
          expect(out.progress).toMatchObject(referenceProgress as object);
        });
      }

      it('stopped and resumed many times: same trials', async () => {
        const h = harness(spec(strategy), MIXED);
        let runs = 0;
        for (;;) {
          const src = new CancellationTokenSource();
          let seen = 0;
          const out = await h.study().run(src.token, { onTrialFinished: () => ++seen === 5 && src.cancel() });
          runs++;
          if (out.status === 'complete') break;
        }
        expect(runs).toBeGreaterThan(5);
        expect(signature(h.store.getTrials(h.id))).toEqual(reference);
      });
    });
  }
});

describe('Study concurrency', () => {
  it('concurrency 3 with random delays: every trial recorded once, numbers unique, never more than 3 at once', async () => {
    const rng = new Rng(3);
    const delays = Array.from({ length: 100 }, () => rng.int(6));
    const started: number[] = [];
    const finished: number[] = [];
    const listener: StudyListener = {
      onTrialStarted: (t) => started.push(t.number),
      onTrialFinished: (t) => finished.push(t.number),
    };
    const h = harness(baseSpec({ budget: { evals: 30 }, concurrency: 3, constraints: MIXED_CONSTRAINTS }), {
      ...MIXED,
      delayMs: (_k, call) => delays[call] as number,
    });
    const out = await h.study().run(none(), listener);
    const trials = h.store.getTrials(h.id);
    expect(out.status).toBe('complete');
    expect(trials.length).toBe(30);
    expect(trials.map((t) => t.number)).toEqual([...Array(30).keys()]);
    expect(trials.every((t) => t.state !== 'running')).toBe(true);
    expect(started.slice().sort((a, b) => a - b)).toEqual([...Array(30).keys()]);
    expect(finished.slice().sort((a, b) => a - b)).toEqual([...Array(30).keys()]);
    // Out-of-order completion actually happened, and parallelism was used but bounded.
    expect(finished).not.toEqual(started);
    expect(h.evaluator.maxActive).toBe(3);
    expect(h.evaluator.evaluated.length).toBe(30);
    expect(out.progress.evals).toBe(30);
    expect(out.progress.failed).toBe(trials.filter((t) => t.state === 'failed').length);
    // Each trial is the architecture that was evaluated under its number.
    expect(trials.map((t) => t.key).sort()).toEqual(h.evaluator.evaluated.slice().sort());
  });

  it('concurrency 3, stopped and resumed: no trial lost or repeated, budget exact', async () => {
    const rng = new Rng(8);
    const h = harness(baseSpec({ budget: { evals: 24 }, concurrency: 3 }), { delayMs: () => 1 + rng.int(4) });
    const src = new CancellationTokenSource();
    const first = await h.study().run(src.token, { onTrialFinished: (t) => t.number >= 9 && src.cancel() });
    expect(first.status).toBe('stopped');
    const abandoned = h.store.getTrials(h.id).filter((t) => t.error === 'interrupted: the search was stopped').length;
    const out = await h.study().run(none());
    const trials = h.store.getTrials(h.id);
    expect(out.progress.evals).toBe(24);
    expect(trials.length).toBe(24 + abandoned);
    expect(trials.filter((t) => t.state === 'complete').length).toBe(24);
    expect(trials.map((t) => t.number)).toEqual([...Array(trials.length).keys()]);
  });
});

describe('validateStudySpec', () => {
  const bad: [Partial<StudySpec>, RegExp][] = [
    [{ name: '' }, /needs a name/],
    [{ objectives: [] }, /at least one objective/],
    [{ objectives: [{ metric: 'a', direction: 'max' }, { metric: 'a', direction: 'min' }] }, /objective 'a' is given twice/],
    [{ budget: {} }, /needs a budget/],
    [{ budget: { evals: 0 } }, /budget of evaluations must be a positive number, got 0/],
    [{ budget: { evals: 2.5 } }, /whole number, got 2\.5/],
    [{ budget: { seconds: -1 } }, /simulated seconds must be a positive number/],
    [{ budget: { wallMs: NaN } }, /wall time must be a positive number/],
    [{ seed: -1 }, /seed must be an integer/],
    [{ seed: 1.5 }, /seed must be an integer/],
    [{ concurrency: 0 }, /concurrency must be a whole number ≥ 1, got 0/],
    [{ constraints: [{ metric: 'lat', op: '<=', value: Infinity }] }, /constraint on 'lat' needs a finite number/],
  ];
  for (const [over, msg] of bad) {
    it(`rejects ${JSON.stringify(over)}`, () => {
      expect(() => validateStudySpec(baseSpec(over))).toThrow(msg);
    });
  }
  it('accepts a complete spec', () => {
    expect(() => validateStudySpec(baseSpec({ budget: { evals: 5, seconds: 10, wallMs: 1000 }, concurrency: 4, seed: 0xffffffff }))).not.toThrow();
  });
});

describe('Study and the event loop', () => {
  it('lets timers run while instant evaluations resolve as microtasks', async () => {
    const clock: Clock = { now: () => Date.now() };
    const h = harness(baseSpec({ strategy: 'random', strategyOptions: {}, budget: { evals: 20_000 } }), {}, gatedToySpace(), new InMemoryStore(), clock as FakeClock);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const started = Date.now();
    try {
      await h.study().run(none());
    } finally {
      clearInterval(timer);
    }
    const elapsed = Date.now() - started;
    expect(h.store.countTrials(h.id, ['complete'])).toBeGreaterThan(0);
    // Without yielding, a run that never awaits a macrotask starves the interval completely.
    if (elapsed > 100) expect(ticks).toBeGreaterThanOrEqual(Math.floor(elapsed / 60));
  });
});

// ---------------------------------------------------------------------------------------------
// One run at a time: the study's lease, its heartbeat, and budgets that cannot end.
// ---------------------------------------------------------------------------------------------

describe('Study lease', () => {
  const fast = (pid: number): LeaseOptions => ({ holder: { pid, host: 'h' }, policy: { staleAfterMs: 60_000 }, heartbeatMs: 5 });

  it('a second run of a running study is refused with who holds it; the first loses nothing', async () => {
    const h = harness(baseSpec({ budget: { evals: 12 } }), { delayMs: () => 2 });
    const first = h.study(undefined, undefined, fast(1)).run(none());
    await expect(h.study(undefined, undefined, fast(2)).run(none())).rejects.toMatchObject({ code: 'study-busy', message: expect.stringMatching(/process 1 on host 'h'/) });
    const out = await first;
    expect(out.status).toBe('complete');
    const trials = h.store.getTrials(h.id);
    expect(trials.map((t) => t.state)).toEqual(Array(12).fill('complete'));
    expect(h.store.getLease(h.id)).toBeUndefined();
  });

  it('a run whose lease was taken over stops without writing to the study (no trial failed twice)', async () => {
    const h = harness(baseSpec({ budget: { evals: 50 } }), { delayMs: () => 3 });
    const other = (h.store as InMemoryStore).connect();
    const first = h.study(undefined, undefined, fast(1)).run(none());
    await new Promise((r) => setTimeout(r, 30));
    // The other process decides the first is dead and takes over; then the first wakes up.
    const dead: LeaseOptions = { ...fast(2), policy: { staleAfterMs: 60_000, isDead: (l) => l.pid === 1 } };
    const second = h.study(other, undefined, dead).run(none());
    await expect(first).rejects.toMatchObject({ code: 'study-busy', message: expect.stringMatching(/process 2 on host 'h'/) });
    const out = await second;
    expect(out.status).toBe('complete');
    const trials = h.store.getTrials(h.id);
    expect(trials.filter((t) => t.state === 'complete')).toHaveLength(50);
    // Only the trial the first run had in flight is abandoned, once.
    expect(trials.filter((t) => t.state === 'failed').length).toBeLessThanOrEqual(1);
    expect(h.store.getStudy(h.id)?.error).toBeUndefined();
  });

  it('the heartbeat records the wall time used, so a killed run loses at most one period of it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const h = harness(baseSpec({ budget: { evals: 1, wallMs: 600_000 } }));
    const evaluator = h.evaluator as unknown as { evaluate: Evaluator['evaluate'] };
    const inner = evaluator.evaluate.bind(h.evaluator);
    evaluator.evaluate = async (a, report, token) => {
      await gate;
      return inner(a, report, token);
    };
    const run = h.study(undefined, undefined, fast(1)).run(none());
    h.clock.t += 90_000; // 90 s into the first trial, nothing finished yet
    await new Promise((r) => setTimeout(r, 30));
    expect(h.store.getStudy(h.id)?.progress.wallMs).toBe(90_000);
    expect(h.store.getLease(h.id)?.heartbeatAt).toBe(h.clock.t);
    release();
    await run;
  });

  it.each([0, -5, Number.NaN, Number.POSITIVE_INFINITY])('a simulated-seconds budget with an evaluation costing %s fails clearly instead of running forever', async (c) => {
    const withEstimate = harness(baseSpec({ budget: { seconds: 100 } }), { cost: () => c });
    await expect(withEstimate.study().run(none())).rejects.toThrow(/would cost .* simulated seconds: a simulated-seconds budget needs every evaluation to cost more than 0/);
    expect(withEstimate.store.getStudy(withEstimate.id)?.status).toBe('failed');
    expect(withEstimate.evaluator.evaluated).toHaveLength(0);

    // No estimate up front (training): the first complete trial's cost is checked.
    const noEstimate = harness(baseSpec({ budget: { seconds: 100 } }), { outcome: (k) => ({ acc: acc(k) }) });
    (noEstimate.evaluator as unknown as { evaluate: Evaluator['evaluate'] }).evaluate = async () => ({ metrics: { acc: 0.5 }, fidelity: 'fake', cost: c });
    await expect(noEstimate.study().run(none())).rejects.toThrow(/trial 0 cost .* simulated seconds/);
    expect(noEstimate.store.getTrials(noEstimate.id)).toHaveLength(1);
  });

  it('a simulated-seconds budget ends even when every evaluation fails (each is charged its estimate)', async () => {
    const h = harness(baseSpec({ budget: { seconds: 100 } }), { cost: () => 7, outcome: (k) => { throw new Error(`no result for ${k}`); } });
    const out = await h.study().run(none());
    expect(out.status).toBe('complete');
    expect(out.progress).toMatchObject({ evals: 14, failed: 14, costSeconds: 98 });
  });

  it('a zero cost is fine without a simulated-seconds budget', async () => {
    const h = harness(baseSpec({ budget: { evals: 3 } }), { cost: () => 0 });
    expect((await h.study().run(none())).status).toBe('complete');
  });
});
