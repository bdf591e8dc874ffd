import { describe, expect, it } from 'vitest';
import { NasError } from '../../shared/errors.js';
import type { ObjectiveSpec, Sample, TrialState } from '../../shared/types/index.js';
import { activeDistance, canonicalProblems } from '../../test/fixtures/space-checks.js';
import { ToySpace } from '../../test/fixtures/toy-space.js';
import { hypervolume, paretoFront } from './pareto.js';
import { Rng } from './rng.js';
import { enumerate, type SearchSpace } from './search-space.js';
import { MobilenetSpace } from './spaces/mobilenet.js';
import { Nb201Space } from './spaces/nb201.js';
import { checkStrategyOptions, createStrategy, STRATEGIES, STRATEGY_OPTIONS } from './strategies.js';
import { ReinforceStrategy } from './strategies/reinforce.js';
import type { Strategy, StrategyContext, StrategyFactory } from './strategy.js';

// ---------------------------------------------------------------------------------------------
// The toy problem: a gated space of 5,376 architectures with one known optimum. The fitness is the
// number of active decisions that match a target (7 at the target, which needs depth 3); the
// second objective of the two-objective variant is a "size" that trades off against it.
// ---------------------------------------------------------------------------------------------

const gate = { dim: 'depth' };
const TOY = new ToySpace([
  { name: 'depth', choices: [1, 2, 3] },
  { name: 'u1', choices: ['a', 'b', 'c', 'd'] },
  { name: 'b1', choices: ['a', 'b', 'c', 'd'], activeIf: { ...gate, gte: 1 } },
  { name: 'u2', choices: ['a', 'b', 'c', 'd'] },
  { name: 'b2', choices: ['a', 'b', 'c', 'd'], activeIf: { ...gate, gte: 2 } },
  { name: 'b3', choices: ['a', 'b', 'c', 'd'], activeIf: { ...gate, gte: 3 } },
  { name: 'u3', choices: ['a', 'b', 'c', 'd'] },
]);
const TARGET = [2, 1, 3, 2, 0, 1, 3];
const OPTIMUM = 7;
const matches = (s: Sample): number => s.reduce((a, v, i) => a + (TOY.isActive(s, i) && v === TARGET[i] ? 1 : 0), 0);
const size = (s: Sample): number => (s[0] as number) + (s[1] as number) + (s[3] as number) + (s[6] as number);

const ONE: ObjectiveSpec[] = [{ metric: 'matches', direction: 'max' }];
const TWO: ObjectiveSpec[] = [{ metric: 'matches', direction: 'max' }, { metric: 'size', direction: 'min' }];
const valuesOf = (objectives: readonly ObjectiveSpec[]) => (s: Sample): number[] =>
  objectives.length === 1 ? [matches(s)] : [matches(s), size(s)];

/** A stable pseudo-random number in [0, 1) per string (FNV-1a). */
function hash01(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h / 4294967296;
}

// ---------------------------------------------------------------------------------------------
// The counting engine: asks, evaluates with a deterministic function, tells, and counts.
// ---------------------------------------------------------------------------------------------

interface EngineOptions {
  readonly values: (s: Sample) => number[];
  /** The fate of a trial by key (default: complete). Non-complete trials are told without values. */
  readonly fate?: (key: string) => Exclude<TrialState, 'running'>;
  /** Asks before telling (parallel workers); tells then come back in a shuffled order. */
  readonly batch?: number;
  /** Overwrite told samples afterwards, to catch strategies that keep references to them. */
  readonly scribble?: boolean;
}

interface Trace {
  readonly keys: string[];
  readonly samples: Sample[];
  readonly values: number[][];
  readonly problems: string[];
}

class Engine {
  readonly trace: Trace = { keys: [], samples: [], values: [], problems: [] };
  private finished = 0;
  private readonly order: Rng;

  constructor(
    private readonly space: SearchSpace,
    private readonly opts: EngineOptions,
    seed = 0,
  ) {
    this.order = new Rng(seed + 1000);
  }

  run(strategy: Strategy, evaluations: number): Trace {
    const batch = this.opts.batch ?? 1;
    let left = evaluations;
    while (left > 0) {
      const n = Math.min(batch, left);
      const asked: Sample[] = [];
      for (let i = 0; i < n; i++) {
        const s = strategy.ask({ finished: this.finished, pending: i });
        if (!s) throw new Error(`${strategy.name} ran dry after ${this.trace.keys.length} asks`);
        this.trace.problems.push(...canonicalProblems(this.space, s, `ask ${this.trace.keys.length}`));
        const key = this.space.freeze(s).key;
        this.trace.keys.push(key);
        this.trace.samples.push(s.slice());
        asked.push(s);
      }
      for (const s of batch > 1 ? this.order.shuffle(asked) : asked) this.tell(strategy, s);
      left -= n;
    }
    return this.trace;
  }

  tell(strategy: Strategy, s: Sample): void {
    const arch = this.space.freeze(s);
    const state = this.opts.fate?.(arch.key) ?? 'complete';
    const values = this.opts.values(arch.sample);
    if (state === 'complete') this.trace.values.push(values);
    const sample = arch.sample.slice();
    strategy.tell({ sample, key: arch.key, state, ...(state === 'complete' ? { values } : {}) });
    if (this.opts.scribble) {
      sample.fill(0);
      values.fill(-1);
    }
    this.finished++;
  }
}

const ctxOf = (space: SearchSpace, objectives: readonly ObjectiveSpec[], seed: number, options: Record<string, unknown> = {}): StrategyContext => ({
  space, objectives, seed, options,
});

/** Some trials fail, are pruned or are invalid, decided by key. */
const MIXED_FATE = (key: string): Exclude<TrialState, 'running'> => {
  const h = hash01(key);
  return h < 0.08 ? 'failed' : h < 0.12 ? 'pruned' : h < 0.16 ? 'invalid' : 'complete';
};

/** Evaluations until the optimum is first asked (budget + 1 if never). */
function firstHit(trace: Trace, budget: number): number {
  const i = trace.samples.findIndex((s) => matches(s) === OPTIMUM);
  return i < 0 ? budget + 1 : i + 1;
}

const TRUE_FRONT_HV = (() => {
  const pts = enumerate(TOY).map((s) => [-matches(s), size(s)]);
  return hypervolume(paretoFront(pts).map((i) => pts[i] as number[]), [0, 12]);
})();
const hvRatio = (trace: Trace): number => hypervolume(trace.values.map(([m, z]) => [-(m as number), z as number]), [0, 12]) / TRUE_FRONT_HV;

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
const BUDGET = 300;

/** Random search's results on the toy problem, the baseline every other strategy must beat. */
const RANDOM_BASELINE = (() => {
  const hits = SEEDS.map((seed) => firstHit(new Engine(TOY, { values: valuesOf(ONE) }).run(STRATEGIES.random(ctxOf(TOY, ONE, seed)), BUDGET), BUDGET));
  const hv = SEEDS.map((seed) => hvRatio(new Engine(TOY, { values: valuesOf(TWO) }).run(STRATEGIES.random(ctxOf(TOY, TWO, seed)), BUDGET)));
  return { hits, found: hits.filter((h) => h <= BUDGET).length, meanHv: hv.reduce((a, b) => a + b, 0) / hv.length };
})();

// ---------------------------------------------------------------------------------------------
// The conformance suite, run over every entry of STRATEGIES.
// ---------------------------------------------------------------------------------------------

function describeStrategyContract(name: string, factory: StrategyFactory): void {
  describe(`strategy contract: ${name}`, () => {
    const make = (objectives: readonly ObjectiveSpec[], seed: number, options: Record<string, unknown> = {}, space: SearchSpace = TOY) =>
      factory(ctxOf(space, objectives, seed, options));

    it('has the name it is registered under', () => {
      expect(make(ONE, 1).name).toBe(name);
    });

    for (const objectives of [ONE, TWO]) {
      const tag = `${objectives.length} objective${objectives.length > 1 ? 's' : ''}`;

      it(`only asks valid canonical samples, with failed, pruned and invalid trials mixed in (${tag})`, () => {
        const t = new Engine(TOY, { values: valuesOf(objectives), fate: MIXED_FATE }).run(make(objectives, 3), 400);
        expect(t.problems).toEqual([]);
        expect(t.keys.length).toBe(400);
      });

      it(`only asks valid samples of NAS-Bench-201 and the default mobilenet space (${tag})`, () => {
        for (const space of [new Nb201Space(), new MobilenetSpace()]) {
          const values = (s: Sample) => objectives.map((_, k) => hash01(space.freeze(s).key + k));
          const t = new Engine(space, { values, fate: MIXED_FATE }).run(make(objectives, 5, {}, space), 150);
          expect(t.problems).toEqual([]);
        }
      });

      it(`is deterministic under its seed, and the seed matters (${tag})`, () => {
        const run = (seed: number) => new Engine(TOY, { values: valuesOf(objectives), fate: MIXED_FATE }).run(make(objectives, seed), 250).keys;
        const a = run(11);
        expect(run(11)).toEqual(a);
        const b = run(12);
        expect(b).not.toEqual(a);
        expect(b.slice(0, 10)).not.toEqual(a.slice(0, 10));
      });

      it(`does not keep references to the samples and values it is told (${tag})`, () => {
        const clean = new Engine(TOY, { values: valuesOf(objectives), fate: MIXED_FATE }).run(make(objectives, 21), 250).keys;
        const scribbled = new Engine(TOY, { values: valuesOf(objectives), fate: MIXED_FATE, scribble: true }).run(make(objectives, 21), 250).keys;
        expect(scribbled).toEqual(clean);
      });

      for (const at of [0, 4, 37, 150]) {
        it(`snapshot after ${at} trials, through JSON into a fresh instance, continues with identical asks (${tag})`, () => {
          const opts: EngineOptions = { values: valuesOf(objectives), fate: MIXED_FATE };
          const original = make(objectives, 31);
          const engineA = new Engine(TOY, opts);
          engineA.run(original, at);
          const snap = original.snapshot();
          const json = JSON.stringify(snap);
          const restored = make(objectives, 999); // a different seed: everything must come from the snapshot
          restored.restore(JSON.parse(json));
          const engineB = new Engine(TOY, opts);
          const a = engineA.run(original, 120).keys.slice(at);
          const b = engineB.run(restored, 120).keys;
          expect(b).toEqual(a);
          // The snapshot is plain data that later work did not change.
          expect(JSON.stringify(snap)).toBe(json);
        });
      }

      it(`restoring does not alias the given state: one snapshot restores two instances alike (${tag})`, () => {
        const opts: EngineOptions = { values: valuesOf(objectives) };
        const original = make(objectives, 41);
        new Engine(TOY, opts).run(original, 60);
        const snap = original.snapshot();
        const x = make(objectives, 41);
        const y = make(objectives, 41);
        x.restore(snap);
        y.restore(snap);
        const ax = new Engine(TOY, opts).run(x, 80).keys;
        const ay = new Engine(TOY, opts).run(y, 80).keys;
        expect(ay).toEqual(ax);
      });

      it(`a snapshot taken with an ask pending continues identically once that ask is told (${tag})`, () => {
        const opts: EngineOptions = { values: valuesOf(objectives) };
        const original = make(objectives, 51);
        const engineA = new Engine(TOY, opts);
        engineA.run(original, 40);
        const pending = original.ask({ finished: 40, pending: 0 }) as Sample;
        const restored = make(objectives, 51);
        restored.restore(JSON.parse(JSON.stringify(original.snapshot())));
        const engineB = new Engine(TOY, opts);
        engineA.tell(original, pending);
        engineB.tell(restored, pending);
        expect(engineB.run(restored, 60).keys).toEqual(engineA.run(original, 60).keys.slice(40));
      });

      it(`works with parallel asks told out of order, deterministically (${tag})`, () => {
        const run = () => new Engine(TOY, { values: valuesOf(objectives), fate: MIXED_FATE, batch: 4 }, 7).run(make(objectives, 61), 200);
        const t = run();
        expect(t.problems).toEqual([]);
        expect(run().keys).toEqual(t.keys);
      });

      it(`keeps asking valid samples when every trial fails (${tag})`, () => {
        const t = new Engine(TOY, { values: valuesOf(objectives), fate: () => 'failed' }).run(make(objectives, 71), 120);
        expect(t.problems).toEqual([]);
        expect(new Set(t.keys).size).toBeGreaterThan(1);
      });
    }

    // Multi-fidelity strategies spend part of their evaluations re-running promoted architectures at a
    // higher fidelity, which tells nothing new on this one-fidelity problem: their efficiency is tested
    // where fidelities differ (main/core/fidelity.test.ts).
    if (name !== 'random' && !make(ONE, 1).askFidelity) {
      it(`finds the optimum of the toy problem more often and sooner than random search`, () => {
        const hits = SEEDS.map((seed) => firstHit(new Engine(TOY, { values: valuesOf(ONE) }).run(make(ONE, seed), BUDGET), BUDGET));
        const found = hits.filter((h) => h <= BUDGET).length;
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        expect(found, `hits ${hits.join(' ')} vs random ${RANDOM_BASELINE.hits.join(' ')}`).toBeGreaterThanOrEqual(6);
        expect(found).toBeGreaterThan(RANDOM_BASELINE.found);
        expect(mean(hits)).toBeLessThan(0.8 * mean(RANDOM_BASELINE.hits));
      });

      it(`covers the two-objective front of the toy problem better than random search`, () => {
        const ratios = SEEDS.map((seed) => hvRatio(new Engine(TOY, { values: valuesOf(TWO) }).run(make(TWO, seed), BUDGET)));
        const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
        expect(mean, `hv ratios ${ratios.map((r) => r.toFixed(3)).join(' ')} vs random ${RANDOM_BASELINE.meanHv.toFixed(3)}`)
          .toBeGreaterThan(RANDOM_BASELINE.meanHv + 0.1);
        expect(Math.min(...ratios)).toBeGreaterThan(RANDOM_BASELINE.meanHv);
      });
    }
  });
}

describe('STRATEGIES', () => {
  it('registers random, evolution, reinforce, local, nsga2, hyperband, asha, bananas, bo, tpe and progressive', () => {
    expect(Object.keys(STRATEGIES).sort()).toEqual(['asha', 'bananas', 'bo', 'evolution', 'hyperband', 'local', 'nsga2', 'progressive', 'random', 'reinforce', 'tpe']);
  });

  it('random search rarely finds the toy optimum (the baseline is meaningful)', () => {
    expect(RANDOM_BASELINE.found).toBeLessThanOrEqual(1);
    expect(RANDOM_BASELINE.meanHv).toBeLessThan(0.85);
    expect(TOY.count()).toBe(5376n);
  });
});

for (const [name, factory] of Object.entries(STRATEGIES)) describeStrategyContract(name, factory as StrategyFactory);

// ---------------------------------------------------------------------------------------------
// Strategy-specific behaviour.
// ---------------------------------------------------------------------------------------------

function errorOf(f: () => unknown): NasError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(NasError);
    return e as NasError;
  }
  throw new Error('expected an error');
}

describe('createStrategy', () => {
  it('rejects an unknown strategy, listing the known ones', () => {
    const e = errorOf(() => createStrategy('bayes', ctxOf(TOY, ONE, 1)));
    expect(e.code).toBe('invalid-input');
    expect(e.message).toBe(`unknown strategy 'bayes' (choose one of random, evolution, reinforce, local, nsga2, hyperband, asha, bananas, bo, tpe, progressive)`);
  });
});

describe('evolution', () => {
  // A huge space, so that random samples are never one step from each other by chance.
  const BIG = new MobilenetSpace();
  const unique = (s: Sample) => [hash01(BIG.freeze(s).key)];
  const isChildOf = (child: Sample, parent: Sample) => activeDistance(BIG, parent, child) === 1;

  /** Runs evolution and returns each ask with the population window (last P complete tells) it was bred from. */
  function breed(options: Record<string, unknown>, asks: number, fate?: (key: string) => Exclude<TrialState, 'running'>) {
    const strategy = createStrategy('evolution', ctxOf(BIG, ONE, 5, options));
    const told: { sample: Sample; value: number; state: string }[] = [];
    const out: { child: Sample; window: { sample: Sample; value: number }[] }[] = [];
    const P = (options.population as number | undefined) ?? 10;
    for (let n = 0; n < asks; n++) {
      const s = strategy.ask({ finished: n, pending: 0 }) as Sample;
      const complete = told.filter((t) => t.state === 'complete');
      out.push({ child: s, window: complete.slice(-P) });
      const key = BIG.freeze(s).key;
      const state = fate?.(key) ?? 'complete';
      const value = unique(s)[0] as number;
      told.push({ sample: s, value, state });
      strategy.tell({ sample: s, key, state, ...(state === 'complete' ? { values: [value] } : {}) });
    }
    return out;
  }

  it('the first `population` asks are random, every later one a mutation of a member of the last `population` results', () => {
    for (const P of [4, 7]) {
      const gens = breed({ population: P, tournament: 2 }, 80);
      gens.slice(0, P).forEach((g, i) => {
        expect(gens.slice(0, i).some((e) => isChildOf(g.child, e.child)), `ask ${i} should be random`).toBe(false);
      });
      const orphans = gens.slice(P).filter((g) => !g.window.some((m) => isChildOf(g.child, m.sample)));
      expect(orphans.length, `population ${P}`).toBe(0);
    }
  });

  it('only complete trials join the population', () => {
    const fate = (key: string) => (hash01(key + 'f') < 0.3 ? 'failed' : 'complete') as Exclude<TrialState, 'running'>;
    const gens = breed({ population: 5, tournament: 2 }, 120, fate);
    const bred = gens.filter((g) => g.window.length === 5);
    expect(bred.length).toBeGreaterThan(80);
    // No child may come from outside the window of the last 5 complete results (failed ones excluded).
    expect(bred.filter((g) => !g.window.some((m) => isChildOf(g.child, m.sample))).length).toBe(0);
  });

  it('a large tournament always breeds from the best member; a tournament of 1 from any', () => {
    const best = (w: { sample: Sample; value: number }[]) => w.reduce((a, b) => (b.value > a.value ? b : a));
    const greedy = breed({ population: 6, tournament: 200 }, 100).slice(6);
    expect(greedy.filter((g) => !isChildOf(g.child, best(g.window).sample)).length).toBe(0);
    const uniform = breed({ population: 6, tournament: 1 }, 300).slice(6);
    const fromBest = uniform.filter((g) => isChildOf(g.child, best(g.window).sample)).length;
    // A uniform pick is the best member about 1 time in 6.
    expect(fromBest / uniform.length).toBeLessThan(0.4);
    expect(fromBest).toBeGreaterThan(0);
  });

  it('with crossover, children are still valid and mostly new', () => {
    const strategy = createStrategy('evolution', ctxOf(TOY, ONE, 3, { crossover: 1, population: 8 }));
    const t = new Engine(TOY, { values: valuesOf(ONE) }).run(strategy, 200);
    expect(t.problems).toEqual([]);
    expect(new Set(t.keys).size).toBeGreaterThan(50);
  });

  it('reads options given as strings (from the command line)', () => {
    const a = new Engine(TOY, { values: valuesOf(ONE) }).run(createStrategy('evolution', ctxOf(TOY, ONE, 9, { population: '5', tournament: '2' })), 60).keys;
    const b = new Engine(TOY, { values: valuesOf(ONE) }).run(createStrategy('evolution', ctxOf(TOY, ONE, 9, { population: 5, tournament: 2 })), 60).keys;
    expect(a).toEqual(b);
    const c = new Engine(TOY, { values: valuesOf(ONE) }).run(createStrategy('evolution', ctxOf(TOY, ONE, 9, {})), 60).keys;
    expect(c).not.toEqual(a);
  });

  const bad: [Record<string, unknown>, RegExp][] = [
    [{ population: 1 }, /strategy option 'population' must be .*\[2, Infinity\], got 1/],
    [{ population: 0 }, /'population'.*got 0/],
    [{ population: -5 }, /'population'.*got -5/],
    [{ population: 'ten' }, /'population'.*got ten/],
    [{ population: NaN }, /'population'.*got NaN/],
    [{ population: Infinity }, /'population'.*got Infinity/],
    [{ population: 2.5 }, /'population' must be a whole number.*got 2\.5/],
    [{ population: true }, /'population'.*got true/],
    [{ tournament: 0 }, /'tournament'.*\[1, Infinity\], got 0/],
    [{ tournament: 1.5 }, /'tournament' must be a whole number.*got 1\.5/],
    [{ crossover: -0.1 }, /'crossover'.*\[0, 1\], got -0\.1/],
    [{ crossover: 1.5 }, /'crossover'.*\[0, 1\], got 1\.5/],
  ];
  for (const [options, msg] of bad) {
    it(`rejects ${JSON.stringify(options)} with a readable error`, () => {
      const e = errorOf(() => createStrategy('evolution', ctxOf(TOY, ONE, 1, options)));
      expect(e.code).toBe('invalid-input');
      expect(e.message).toMatch(msg);
    });
  }
});

describe('reinforce', () => {
  it('learns a policy that prefers the target choices', () => {
    const strategy = new ReinforceStrategy(ctxOf(TOY, ONE, 4));
    const p0 = strategy.probabilities();
    expect(p0.map((p) => p.length)).toEqual(TOY.dims.map((d) => d.choices.length));
    for (const p of p0) for (const v of p) expect(v).toBeCloseTo(1 / p.length, 12);
    new Engine(TOY, { values: valuesOf(ONE) }).run(strategy, 400);
    const p = strategy.probabilities();
    p.forEach((row, d) => {
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      expect(row.indexOf(Math.max(...row)), `decision ${TOY.dims[d]?.name}`).toBe(TARGET[d]);
    });
  });

  const bad: [Record<string, unknown>, RegExp][] = [
    [{ lr: -1 }, /'lr'.*got -1/],
    [{ baselineDecay: 1.5 }, /'baselineDecay'.*\[0, 1\], got 1\.5/],
    [{ entropy: -0.1 }, /'entropy'.*got -0\.1/],
    [{ window: 0 }, /'window'.*got 0/],
    [{ lr: 'fast' }, /'lr'.*got fast/],
  ];
  for (const [options, msg] of bad) {
    it(`rejects ${JSON.stringify(options)} with a readable error`, () => {
      const e = errorOf(() => createStrategy('reinforce', ctxOf(TOY, ONE, 1, options)));
      expect(e.code).toBe('invalid-input');
      expect(e.message).toMatch(msg);
    });
  }
});

describe('local search', () => {
  it('walks by first improvement and restarts only from an exhausted local optimum', () => {
    const keyOf = (s: Sample) => TOY.freeze(s).key;
    let restarts = 0;
    for (const seed of SEEDS) {
      const t = new Engine(TOY, { values: valuesOf(ONE) }).run(createStrategy('local', ctxOf(TOY, ONE, seed)), 300);
      let current = t.samples[0] as Sample;
      let tried = new Set<string>();
      const problems: string[] = [];
      t.samples.slice(1).forEach((s, i) => {
        const neighbours = new Set(TOY.neighbours(current).map(keyOf));
        if (neighbours.has(keyOf(s))) {
          tried.add(keyOf(s));
          if (matches(s) > matches(current)) {
            current = s;
            tried = new Set();
          }
          return;
        }
        // Not a neighbour: a random restart, allowed only once every neighbour was tried and none was better.
        restarts++;
        if (tried.size !== neighbours.size) problems.push(`seed ${seed} ask ${i + 1}: left ${keyOf(current)} after ${tried.size}/${neighbours.size} neighbours`);
        current = s;
        tried = new Set();
      });
      expect(problems).toEqual([]);
    }
    // The toy problem has no local optimum but the global one, which the walks reach and leave.
    expect(restarts).toBeGreaterThan(SEEDS.length);
  });
});

describe('checkStrategyOptions', () => {
  it('accepts the options each strategy reads and names the valid ones otherwise', () => {
    for (const [name, opts] of Object.entries(STRATEGY_OPTIONS)) checkStrategyOptions(name, Object.fromEntries(opts.map((o) => [o, '1'])));
    expect(() => checkStrategyOptions('evolution', { populaton: '50' })).toThrow(
      "unknown strategy option 'populaton' for evolution (did you mean 'population'?); its options: population, tournament, crossover",
    );
    expect(() => checkStrategyOptions('reinforce', { speed: '1' })).toThrow("unknown strategy option 'speed' for reinforce; its options: lr, baselineDecay, entropy, window");
    expect(() => checkStrategyOptions('local', { population: '1' })).toThrow("strategy option 'population': strategy local takes no options");
    // Unknown strategies are createStrategy's to report; names of Object.prototype are not strategies.
    expect(() => checkStrategyOptions('genetic', { x: '1' })).not.toThrow();
    expect(() => createStrategy('toString', { space: TOY, objectives: ONE, seed: 0, options: {} })).toThrow(/unknown strategy 'toString'/);
  });

  it('every listed option is read by its strategy (a bad value is refused)', () => {
    // A bad value of each listed option is refused by the strategy itself: so each one is really read.
    for (const [name, opts] of Object.entries(STRATEGY_OPTIONS)) {
      for (const o of opts) expect(() => createStrategy(name, { space: TOY, objectives: ONE, seed: 0, options: { [o]: '-1' } }), `${name} ${o}`).toThrow(NasError);
    }
  });
});
