import { describe, expect, it } from 'vitest';
import { NasError } from '../../../shared/errors.js';
import type { ObjectiveSpec, Sample } from '../../../shared/types/index.js';
import { readPredictorInsights } from '../predictors/insights.js';
import { isNb201Dense, Nb201Space } from '../spaces/nb201.js';
import { createStrategy } from '../strategies.js';
import type { Strategy } from '../strategy.js';

const NB201 = new Nb201Space();
const ONE: ObjectiveSpec[] = [{ metric: 'score', direction: 'max' }];

/** A smooth additive-plus-interaction function of an NB201 cell with a known optimum at 333333. */
function score(s: readonly number[]): number {
  const w = [0, 0.2, 0.5, 1, 0.3];
  return s.reduce((a, v, i) => a + (w[v] as number) * (1 + i / 6), 0) + ((s[0] === 3 && s[5] === 3) ? 0.5 : 0);
}

function run(strategy: Strategy, n: number, batch = 1): { keys: string[]; values: number[] } {
  const keys: string[] = [];
  const values: number[] = [];
  for (let done = 0; done < n; ) {
    const asked: Sample[] = [];
    for (let i = 0; i < batch && done + i < n; i++) asked.push(strategy.ask({ finished: done, pending: i }) as Sample);
    for (const s of asked) {
      const a = NB201.freeze(s);
      const v = score(a.sample);
      keys.push(a.key);
      values.push(v);
      strategy.tell({ sample: a.sample, key: a.key, state: 'complete', values: [v] });
    }
    done += asked.length;
  }
  return { keys, values };
}

const make = (name: string, seed: number, options: Record<string, unknown> = {}) => createStrategy(name, { space: NB201, objectives: ONE, seed, options });

const VARIANTS: [string, string, Record<string, unknown>][] = [
  ['bananas', 'bananas', {}],
  ['bananas (predictor gbt)', 'bananas', { predictor: 'gbt' }],
  ['bo', 'bo', {}],
  ['bo (draws dense)', 'bo', { draws: 'dense' }],
  ['tpe', 'tpe', {}],
];

for (const [label, name, opts] of VARIANTS) {
  describe(label, () => {
    it('never asks an architecture twice, also with parallel asks pending', () => {
      for (const batch of [1, 4]) {
        const { keys } = run(make(name, 3, opts), 80, batch);
        expect(new Set(keys).size, `batch ${batch}`).toBe(keys.length);
      }
    });

    it('finds a far better cell than random search with the same 40 evaluations', () => {
      const best = (n: string, o: Record<string, unknown> = {}) => [1, 2, 3, 4, 5].map((seed) => Math.max(...run(make(n, seed, o), 40).values));
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const ours = mean(best(name, opts));
      const random = mean(best('random'));
      const optimum = score([3, 3, 3, 3, 3, 3]);
      // The gap to the optimum at least halves.
      expect(optimum - ours, `${name} ${ours.toFixed(2)} vs random ${random.toFixed(2)}, optimum ${optimum.toFixed(2)}`).toBeLessThan(0.5 * (optimum - random));
    });
  });
}

describe('predictor-guided strategies (bananas, bo)', () => {
  for (const [label, name, opts] of VARIANTS.filter(([, n]) => n !== 'tpe')) {
    it(`${label}: the first \`init\` asks are random, then every ask comes with a held-out forecast whose rank quality is reported`, () => {
      // All candidates random (randomShare 1), so the held-out trials span the range of the function.
      const s = make(name, 7, { ...opts, init: 6, randomShare: 1, goodShare: 0 });
      run(s, 6);
      expect(readPredictorInsights(s.snapshot())).toEqual({ heldOut: 0, kendallTau: null, spearman: null });
      run(s, 40);
      const q = readPredictorInsights(JSON.parse(JSON.stringify(s.snapshot())));
      expect(q?.heldOut).toBe(40);
      // On this smooth function the forecasts rank the proposed cells well (trees fitted on 6 to 45
      // points predict in coarse steps, with many ties, so their τ is lower).
      const gbt = opts.predictor === 'gbt';
      expect(q?.kendallTau as number).toBeGreaterThan(gbt ? 0.2 : 0.3);
      expect(q?.spearman as number).toBeGreaterThan(gbt ? 0.3 : 0.4);
    });
  }

  it('bananas with predictor gbt: deterministic under its seed, the seed matters, and a snapshot through JSON continues identically', () => {
    const opts = { predictor: 'gbt', init: 5 };
    const a = run(make('bananas', 9, opts), 30).keys;
    expect(run(make('bananas', 9, opts), 30).keys).toEqual(a);
    expect(run(make('bananas', 10, opts), 30).keys).not.toEqual(a);
    // The predictor matters: the same seed with the mlp asks differently once the model is used.
    expect(run(make('bananas', 9, { init: 5 }), 30).keys.slice(5)).not.toEqual(a.slice(5));
    const first = make('bananas', 9, opts);
    run(first, 17);
    const restored = make('bananas', 9, opts);
    restored.restore(JSON.parse(JSON.stringify(first.snapshot())));
    expect(run(restored, 13).keys).toEqual(a.slice(17));
  });

  it('patience: once the best has not improved for that many results, asks leave its neighbourhood', () => {
    // The first architecture is the best there is and others score by their closeness to it: the
    // search is stalled once `patience` results came without a new best.
    const dist = (a: Sample, b: Sample) => a.filter((v, i) => v !== b[i]).length;
    const near = (patience: number) => {
      const s = make('bo', 4, { init: 5, patience });
      const asked: Sample[] = [];
      for (let i = 0; i < 45; i++) {
        const a = NB201.freeze(s.ask({ finished: i, pending: 0 }) as Sample);
        asked.push(a.sample);
        s.tell({ sample: a.sample, key: a.key, state: 'complete', values: [i === 0 ? 10 : -dist(a.sample, asked[0] as Sample)] });
      }
      return asked.slice(20).filter((a) => dist(a, asked[0] as Sample) <= 2).length / 25;
    };
    const local = near(0);
    const stalled = near(3);
    // Without patience about half the later asks stay within two steps of the best; stalled, few do.
    expect(local).toBeGreaterThan(0.35);
    expect(stalled).toBeLessThan(0.2);
    expect(stalled).toBeLessThan(local / 2);
  });

  it('the acquisition option changes the asks', () => {
    const keys = ['its', 'ucb', 'ei'].map((acquisition) => run(make('bo', 5, { acquisition }), 30).keys.join());
    expect(new Set(keys).size).toBe(3);
  });

  it('reads its options from strings and refuses bad ones readably', () => {
    expect(run(make('bo', 2, { init: '5', candidates: '50' }), 20).keys).toEqual(run(make('bo', 2, { init: 5, candidates: 50 }), 20).keys);
    const bad: [string, Record<string, unknown>, RegExp][] = [
      ['bo', { acquisition: 'pi' }, /'acquisition' must be one of its, ucb, ei, got pi/],
      ['bo', { encoding: 'graph' }, /'encoding' must be one of auto, onehot, path, got graph/],
      ['bo', { init: 2.5 }, /'init' must be a whole number, got 2.5/],
      ['bo', { init: 0 }, /'init' must be a number in \[1, Infinity\], got 0/],
      ['bo', { randomShare: 1.5 }, /'randomShare'.*\[0, 1\], got 1.5/],
      ['bananas', { members: 0 }, /'members'.*got 0/],
      ['bo', { patience: 1.5 }, /'patience' must be a whole number, got 1.5/],
      ['bananas', { randomShare: 0.8 }, /'randomShare' and 'goodShare' must add up to at most 1, got 0.8 \+ 0.3/],
      ['bananas', { epochs: 'many' }, /'epochs'.*got many/],
      ['bananas', { predictor: 'xgboost' }, /'predictor' must be one of mlp, gbt, got xgboost/],
      ['bananas', { predictor: 'gbt', epochs: 50 }, /'epochs' trains the mlp predictor; predictor gbt has no epochs/],
      ['tpe', { gamma: 0.9 }, /'gamma'.*\[0.01, 0.5\], got 0.9/],
      ['tpe', { startup: -1 }, /'startup'.*got -1/],
    ];
    for (const [name, options, msg] of bad) {
      let err: unknown;
      try {
        make(name, 1, options);
      } catch (e) {
        err = e;
      }
      expect(err, `${name} ${JSON.stringify(options)}`).toBeInstanceOf(NasError);
      expect((err as NasError).code).toBe('invalid-input');
      expect((err as NasError).message).toMatch(msg);
    }
  });

  for (const name of ['bo', 'bananas']) {
    it(`${name} never asks a cell equivalent to one told or pending (NB201 isomorphism)`, () => {
      // One cell of every equivalence class but 40 is told; every later ask must come from those 40
      // classes (each an equivalence class of several cells at most), asked once each.
      const byClass = new Map<string, Sample[]>();
      for (let code = 0; code < 15625; code++) {
        const s = [...code.toString(5).padStart(6, '0')].map(Number);
        const k = NB201.isomorphismKey(s);
        byClass.set(k, [...(byClass.get(k) ?? []), s]);
      }
      const classes = [...byClass.keys()];
      // Left untold: classes of several cells, so that a strategy blind to equivalence has equivalents of told cells to pick from.
      const multi = classes.filter((k) => (byClass.get(k) as Sample[]).length >= 2);
      const open = new Set(multi.filter((_, i) => i % Math.floor(multi.length / 40) === 0).slice(0, 40));
      expect(open.size).toBe(40);
      const s = make(name, 5, { init: 5 });
      for (const k of classes) {
        if (open.has(k)) continue;
        const a = NB201.freeze((byClass.get(k) as Sample[])[0] as Sample);
        s.tell({ sample: a.sample, key: a.key, state: 'complete', values: [score(a.sample)] });
      }
      const asked = new Set<string>();
      for (let i = 0; i < 40; i += 2) {
        // Two asks pending at a time: the second must not be equivalent to the first either.
        const pair = [s.ask({ finished: i, pending: 0 }) as Sample, s.ask({ finished: i, pending: 1 }) as Sample];
        for (const x of pair) {
          const k = NB201.isomorphismKey(x);
          expect(open.has(k), `ask ${NB201.freeze(x).key} is equivalent to a told cell`).toBe(true);
          expect(asked.has(k), `ask ${NB201.freeze(x).key} is equivalent to an earlier ask`).toBe(false);
          asked.add(k);
        }
        for (const x of pair) {
          const a = NB201.freeze(x);
          s.tell({ sample: a.sample, key: a.key, state: 'complete', values: [score(a.sample)] });
        }
      }
      expect(asked.size).toBe(40);
    });
  }

  it('draws dense: the first `init` asks are distinct dense NB201 cells (no none, no pooling), later asks may be any cell', () => {
    for (const name of ['bo', 'bananas']) {
      const { keys } = run(make(name, 6, { draws: 'dense', init: 10, randomShare: 1, goodShare: 0, neighbours: 0 }), 40);
      const first = keys.slice(0, 10).map((k) => NB201.parse(k));
      expect(first.every((x) => isNb201Dense(x)), `${name}: ${keys.slice(0, 10).join(' ')}`).toBe(true);
      expect(new Set(first.map((x) => NB201.isomorphismKey(x))).size).toBe(10);
      // Uniform draws: a random cell is dense with probability 729/15625, so ten in a row are not chance.
      const uniform = run(make(name, 6, { init: 10 }), 10).keys.map((k) => NB201.parse(k));
      expect(uniform.filter((x) => isNb201Dense(x)).length).toBeLessThan(4);
      // With only random candidates (no mutations, no neighbours) the model picks among dense cells only.
      expect(keys.slice(10).every((k) => isNb201Dense(NB201.parse(k)))).toBe(true);
    }
    // The default candidates (mutations, neighbours) leave the dense cells.
    const { keys } = run(make('bo', 6, { draws: 'dense' }), 40);
    expect(keys.slice(10).some((k) => !isNb201Dense(NB201.parse(k)))).toBe(true);
  });

  it('draws dense: deterministic under its seed, and a snapshot through JSON continues identically', () => {
    const opts = { draws: 'dense', init: 5 };
    const a = run(make('bo', 9, opts), 25).keys;
    expect(run(make('bo', 9, opts), 25).keys).toEqual(a);
    expect(run(make('bo', 9), 25).keys.slice(0, 5)).not.toEqual(a.slice(0, 5));
    const first = make('bo', 9, opts);
    run(first, 12);
    const restored = make('bo', 9, opts);
    restored.restore(JSON.parse(JSON.stringify(first.snapshot())));
    expect(run(restored, 13).keys).toEqual(a.slice(12));
  });

  it('draws: a bad value, or dense outside NAS-Bench-201, is refused readably', async () => {
    expect(() => make('bo', 1, { draws: 'sparse' })).toThrow(/'draws' must be one of uniform, dense, got sparse/);
    const { MobilenetSpace } = await import('../spaces/mobilenet.js');
    expect(() => createStrategy('bananas', { space: new MobilenetSpace(), objectives: ONE, seed: 1, options: { draws: 'dense' } })).toThrow(/'dense' draws NAS-Bench-201 cells, not available for space mobilenet/);
  });

  it('the NB201 path encoding is refused for other spaces', async () => {
    const { MobilenetSpace } = await import('../spaces/mobilenet.js');
    expect(() => createStrategy('bo', { space: new MobilenetSpace(), objectives: ONE, seed: 1, options: { encoding: 'path' } })).toThrow(/'path' is the NAS-Bench-201 path encoding, not available for space mobilenet/);
  });
});
