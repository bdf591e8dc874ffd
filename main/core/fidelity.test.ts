import { describe, expect, it } from 'vitest';
import type { ObjectiveSpec, StudySpec } from '../../shared/types/index.js';
import { ToySpace } from '../../test/fixtures/toy-space.js';
import { CancellationToken } from './cancellation.js';
import { FidelityTableEvaluator, orderBest, resolveRungs, rungLevels, type TableFidelity } from './fidelity.js';
import { InMemoryStore } from './in-memory-store.js';
import { enumerate } from './search-space.js';
import { createStrategy } from './strategies.js';
import type { FinishedTrial, Strategy } from './strategy.js';
import { Study } from './study.js';
import { summarize } from './summary.js';
import { TableEvaluator, type JoinedTable } from './table.js';

function hash01(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h / 4294967296;
}

// A two-fidelity toy table: `acc` (full fidelity 9, cost 9·time) and `acc_lo` (fidelity 1, cost time):
// the cheap one is the full one plus noise, as 12-epoch results are of 200-epoch ones.
const SPACE = new ToySpace(Array.from({ length: 5 }, (_, i) => ({ name: `d${i}`, choices: [0, 1, 2, 3, 4, 5] })));
const ALL = enumerate(SPACE).map((s) => SPACE.freeze(s));
const TRUE = new Map(ALL.map((a) => [a.key, a.sample.reduce((x, v, i) => x + (v === (i * 7) % 6 ? 1 : 0), 0) + 0.8 * hash01(a.key)]));
const TABLE: JoinedTable = {
  rows: new Map(ALL.map((a) => {
    const acc = TRUE.get(a.key) as number;
    return [a.key, { acc, acc_lo: acc - 0.5 + 1.0 * hash01(`${a.key}lo`), lat: 1 + hash01(`${a.key}lat`), time: 1 + hash01(`${a.key}t`) }];
  })),
  columns: new Map(['acc', 'acc_lo', 'lat', 'time'].map((c) => [c, 'toy'])),
};
const LEVELS: TableFidelity[] = [
  { fidelity: 1, suffix: '_lo', cost: { column: 'time', factor: 1 } },
  { fidelity: 9, suffix: '', cost: { column: 'time', factor: 9 } },
];
const ONE: ObjectiveSpec[] = [{ metric: 'acc', direction: 'max' }];
const evaluator = () => new FidelityTableEvaluator(TABLE, { metrics: ['acc', 'lat'], known: new Set(['lat']), levels: LEVELS });

function spec(strategy: string, seconds: number, seed: number, options: Record<string, unknown> = {}): StudySpec {
  return { name: 'mf', space: 'toy', strategy, strategyOptions: options, objectives: ONE, constraints: [], report: ['lat'], budget: { seconds }, seed, evaluator: { kind: 'test' } };
}

/** Runs a study; returns its trials and the strategy's tells. */
async function runStudy(strategy: string, seconds: number, seed: number, ev = evaluator(), options: Record<string, unknown> = {}) {
  const store = new InMemoryStore();
  const rec = store.createStudy(spec(strategy, seconds, seed, options), 0);
  // The strategy learns the evaluator's fidelities from the study (StudyView.fidelities).
  const inner = createStrategy(strategy, { space: SPACE, objectives: ONE, seed, options });
  const tells: FinishedTrial[] = [];
  const spy: Strategy = {
    name: inner.name,
    ask: (v) => inner.ask(v),
    ...(inner.askFidelity ? { askFidelity: (v: Parameters<NonNullable<Strategy['askFidelity']>>[0]) => inner.askFidelity!(v) } : {}),
    tell: (t) => {
      tells.push(t);
      inner.tell(t);
    },
    snapshot: () => inner.snapshot(),
    restore: (s) => inner.restore(s),
  };
  const out = await new Study(rec.id, { store, space: SPACE, evaluator: ev, clock: { now: () => 0 }, strategy: spy }).run(CancellationToken.None);
  return { out, trials: store.getTrials(rec.id, {}), tells };
}

/** The protocol's answer: the true value of the best architecture at the highest fidelity reached. */
function incumbent(trials: Awaited<ReturnType<typeof runStudy>>['trials']): number {
  const done = trials.filter((t) => t.state === 'complete');
  const level = (t: (typeof done)[number]) => (t.fidelity.acc?.startsWith('epochs:') ? Number(t.fidelity.acc.slice(7)) : 9);
  const top = Math.max(...done.map(level));
  const best = done.filter((t) => level(t) === top).reduce((a, b) => ((b.metrics.acc as number) > (a.metrics.acc as number) ? b : a));
  return TRUE.get(best.key) as number;
}

describe('rungLevels', () => {
  it('multiplies by eta up to max, raised to the fidelities on offer', () => {
    expect(rungLevels(1, 27, 3)).toEqual([1, 3, 9, 27]);
    expect(rungLevels(1, 10, 3)).toEqual([1, 3, 9, 10]);
    expect(rungLevels(12, 200, 3, [12, 200])).toEqual([12, 200]);
    expect(rungLevels(1, 20, 2, [1, 2, 3, 5, 8, 13, 20])).toEqual([1, 2, 5, 8, 20]);
    expect(rungLevels(5, 5, 3)).toEqual([5]);
    expect(() => rungLevels(0, 5, 3)).toThrow(/0 < min <= max/);
    expect(() => rungLevels(1, 5, 1)).toThrow(/eta > 1/);
  });

  it('resolveRungs takes min and max from the evaluator unless given, and refuses them outside it', () => {
    expect(resolveRungs({ eta: 3 }, [12, 200], { min: 1, max: 27 })).toEqual([12, 200]);
    expect(resolveRungs({ eta: 3 }, undefined, { min: 1, max: 27 })).toEqual([1, 3, 9, 27]);
    expect(resolveRungs({ eta: 2, min: 2, max: 8 }, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], { min: 1, max: 27 })).toEqual([2, 4, 8]);
    expect(() => resolveRungs({ eta: 3, max: 300 }, [12, 200], { min: 1, max: 27 })).toThrow("strategy options 'min' and 'max' must lie within the evaluator's fidelities 12..200, got 12..300");
  });

  it('a zero-cost filter does not combine with a multi-fidelity strategy', () => {
    expect(() => createStrategy('asha', { space: SPACE, objectives: ONE, seed: 1, options: { zcFilter: 4 } })).toThrow("strategy option 'zcFilter' does not combine with asha, which also asks for promotions of evaluated architectures");
  });

  it('orderBest sorts by value, or by Pareto rank then crowding', () => {
    expect(orderBest([[3], [1], [2], [1]])).toEqual([1, 3, 2, 0]);
    expect(orderBest([[2, 2], [0, 3], [1, 1], [3, 0]])[3]).toBe(0);
  });
});

describe('FidelityTableEvaluator', () => {
  const a = ALL[17]!;
  const row = TABLE.rows.get(a.key)!;

  it('reads each fidelity from its columns and charges its own cost; known metrics are the same at every fidelity', async () => {
    const e = evaluator();
    expect(e.fidelities).toEqual([1, 9]);
    const lo = await e.evaluate(a, () => undefined, CancellationToken.None, { studyId: 's', number: 0, fidelity: 1 });
    expect(lo).toEqual({ metrics: { acc: row.acc_lo, lat: row.lat }, fidelity: { acc: 'epochs:1', lat: 'table' }, cost: row.time });
    const hi = await e.evaluate(a, () => undefined, CancellationToken.None, { studyId: 's', number: 1, fidelity: 9 });
    expect(hi.metrics.acc).toBe(row.acc);
    expect(hi.cost).toBeCloseTo(9 * (row.time as number), 12);
    // No fidelity asked: the full one.
    expect((await e.evaluate(a, () => undefined, CancellationToken.None)).cost).toBe(hi.cost);
    expect(e.estimateCost(a, 1)).toBe(row.time);
    expect(e.known(a)).toEqual({ lat: row.lat });
  });

  it('refuses a fidelity it does not have, and a level whose column is missing', async () => {
    await expect(evaluator().evaluate(a, () => undefined, CancellationToken.None, { studyId: 's', number: 0, fidelity: 3 })).rejects.toThrow("fidelity 3 is not one of the table's (1, 9)");
    expect(() => new FidelityTableEvaluator(TABLE, { metrics: ['acc'], known: new Set(), levels: [...LEVELS, { fidelity: 27, suffix: '_27', cost: { factor: 1 } }] }))
      .toThrow(/fidelity 27 needs a column 'acc_27'/);
  });
});

describe('multi-fidelity studies', () => {
  it('each trial is evaluated and charged at the fidelity the strategy asked, and told with it', async () => {
    for (const name of ['asha', 'hyperband']) {
      const { out, trials, tells } = await runStudy(name, 400, 3);
      const done = trials.filter((t) => t.state === 'complete');
      expect(done.length).toBeGreaterThan(40);
      const levels = done.map((t) => t.fidelity.acc);
      expect(new Set(levels), name).toEqual(new Set(['epochs:1', 'epochs:9']));
      // The cost charged is exactly the sum of each trial's cost at its own fidelity.
      let charged = 0;
      for (const t of done) {
        const r = TABLE.rows.get(t.key)!;
        const f = t.fidelity.acc === 'epochs:1' ? 1 : 9;
        expect(t.cost).toBeCloseTo(f * (r.time as number), 9);
        expect(t.metrics.acc).toBe(f === 1 ? r.acc_lo : r.acc);
        charged += t.cost;
      }
      expect(out.progress.costSeconds).toBeCloseTo(charged, 6);
      expect(out.progress.costSeconds).toBeLessThanOrEqual(400);
      expect(tells.map((t) => `epochs:${t.fidelity}`)).toEqual(done.map((t) => t.fidelity.acc));
      // The asked fidelity is recorded as the metric `fidelity`, and summaries rank the highest only.
      expect(done.map((t) => t.metrics.fidelity)).toEqual(tells.map((t) => t.fidelity));
      const summary = summarize(trials, ONE);
      expect(summary.fidelity).toBe(9);
      expect(summary.complete).toBe(done.length);
      expect(summary.best.acc!.metrics.fidelity).toBe(9);
      expect(summary.best.acc!.metrics.acc).toBe(Math.max(...done.filter((t) => t.metrics.fidelity === 9).map((t) => t.metrics.acc as number)));
      // Cheap evaluations dominate: most trials ran at the low fidelity.
      expect(levels.filter((l) => l === 'epochs:1').length).toBeGreaterThan(levels.length / 2);
    }
  });

  it('ASHA skips promotions the simulated budget can no longer pay for and spends the rest on cheap evaluations', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const { out, trials } = await runStudy('asha', 400, seed);
      // It ends only when not even a fidelity-1 evaluation (cost 1..2) fits.
      expect(out.progress.costSeconds).toBeLessThanOrEqual(400);
      expect(out.progress.costSeconds, `seed ${seed}`).toBeGreaterThan(398);
      expect(trials.some((t) => t.fidelity.acc === 'epochs:9')).toBe(true);
    }
  });

  it('ASHA promotes only from the top 1/eta of a rung, and Hyperband runs its brackets by successive halving', async () => {
    const { trials } = await runStudy('asha', 2000, 5, evaluator(), { eta: 4 });
    const lowDone: number[] = [];
    let promotions = 0;
    for (const t of trials) {
      if (t.fidelity.acc === 'epochs:1') lowDone.push(t.metrics.acc as number);
      else {
        promotions++;
        // At most floor(n/eta) promotions after n results at the low rung; the promoted one is in the top quarter of them.
        expect(promotions).toBeLessThanOrEqual(Math.floor(lowDone.length / 4));
        const lo = TABLE.rows.get(t.key)!.acc_lo as number;
        const better = lowDone.filter((v) => v > lo).length;
        expect(better).toBeLessThan(Math.floor(lowDone.length / 4));
      }
    }
    expect(promotions).toBeGreaterThan(10);

    const hb = await runStudy('hyperband', 60, 5, evaluator(), { eta: 3 });
    // Levels [1, 9] at eta 3: bracket s=1 runs ceil(2/2·3) = 3 new architectures at fidelity 1, then its best at 9.
    const first = hb.trials.slice(0, 4);
    expect(first.map((t) => t.fidelity.acc)).toEqual(['epochs:1', 'epochs:1', 'epochs:1', 'epochs:9']);
    const best = first.slice(0, 3).reduce((a, b) => ((b.metrics.acc as number) > (a.metrics.acc as number) ? b : a));
    expect(first[3]!.key).toBe(best.key);
    // Then bracket s=0: ceil(2/1·1) = 2 new architectures straight at fidelity 9.
    expect(hb.trials.slice(4, 6).map((t) => t.fidelity.acc)).toEqual(['epochs:9', 'epochs:9']);
  });

  it('finds better architectures than random search at full fidelity for the same simulated budget', async () => {
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const seeds = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const fullOnly = new TableEvaluator(TABLE, { metrics: ['acc', 'lat'], known: new Set(['lat']), cost: { column: 'time', factor: 9 } });
    const random: number[] = [];
    const asha: number[] = [];
    const hyperband: number[] = [];
    for (const seed of seeds) {
      random.push(incumbent((await runStudy('random', 600, seed, fullOnly as never)).trials));
      asha.push(incumbent((await runStudy('asha', 600, seed)).trials));
      hyperband.push(incumbent((await runStudy('hyperband', 600, seed)).trials));
    }
    const msg = `random ${mean(random).toFixed(3)}, asha ${mean(asha).toFixed(3)}, hyperband ${mean(hyperband).toFixed(3)}`;
    expect(mean(asha), msg).toBeGreaterThan(mean(random) + 0.3);
    expect(mean(hyperband), msg).toBeGreaterThan(mean(random) + 0.3);
  });

  it('with an evaluator of one fidelity, a multi-fidelity strategy runs on plain asks', async () => {
    const single = new TableEvaluator(TABLE, { metrics: ['acc'], known: new Set(), cost: { column: 'time', factor: 1 } });
    const { trials, tells } = await runStudy('asha', 100, 1, single as never);
    expect(trials.length).toBeGreaterThan(30);
    expect(trials.every((t) => t.fidelity.acc === 'table')).toBe(true);
    expect(tells.every((t) => t.fidelity === undefined)).toBe(true);
  });
});
