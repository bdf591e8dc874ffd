import { describe, expect, it } from 'vitest';
import type { Architecture, Sample } from '../../../shared/types/index.js';
import { CancellationTokenSource } from '../cancellation.js';
import type { EvaluationResult, Evaluator, TrialRef } from '../evaluator.js';
import { InMemoryStore } from '../in-memory-store.js';
import { Rng } from '../rng.js';
import { MobilenetSpace } from '../spaces/mobilenet.js';
import { createStrategy } from '../strategies.js';
import type { StrategyContext } from '../strategy.js';
import { PHASE_METRIC, Study } from '../study.js';
import { coarseChoices, decisionDistance, ProgressiveStrategy } from './progressive.js';

const SPACE = new MobilenetSpace();
const ONE = [{ metric: 'acc', direction: 'max' as const }];

/** A deterministic accuracy that rewards large kernels and widths, plus a per-architecture wiggle. */
function accuracy(s: Sample): number {
  const key = SPACE.freeze(s).key;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  const st = SPACE.stages(s);
  const k = st.reduce((a, x) => a + x.blocks.reduce((b, blk) => b + blk.kernel, 0) / x.blocks.length, 0);
  const w = st.reduce((a, x) => a + x.width, 0);
  return k / 28 + w / 4 + (h / 4294967296) * 0.2;
}

const ctxOf = (options: Record<string, unknown> = {}, seed = 3): StrategyContext => ({ space: SPACE, objectives: ONE, seed, options, fidelities: [1, 2, 3] });

function inCoarse(s: Sample, k = 2): boolean {
  return SPACE.dims.every((d, i) => !SPACE.isActive(s, i) || coarseChoices(d, k).includes(s[i] as number));
}

describe('progressive search (coarse → fine)', () => {
  it('picks coarse choices spread over each list, first and last kept', () => {
    expect(coarseChoices({ name: 'k', choices: [3, 5, 7] }, 2)).toEqual([0, 2]);
    expect(coarseChoices({ name: 'd', choices: [1, 2, 3, 4] }, 3)).toEqual([0, 2, 3]);
    expect(coarseChoices({ name: 'se', choices: [false, true] }, 2)).toEqual([0, 1]);
    expect(coarseChoices({ name: 'w', choices: [0.5, 0.75, 1] }, 1)).toEqual([0]);
    // Operations have no order to spread over: all kept.
    expect(coarseChoices({ name: 'op', choices: ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] }, 2)).toEqual([0, 1, 2, 3, 4]);
  });

  it('asks the coarse space at the lowest fidelity, then proposes around the coarse winners at the highest', () => {
    const s = new ProgressiveStrategy(ctxOf({ coarse: 20, top: 3, radius: 2 }));
    const coarse: { sample: Sample; acc: number }[] = [];
    for (let i = 0; i < 20; i++) {
      const a = s.askFidelity({ finished: i, pending: 0, fidelities: [1, 2, 3] });
      expect(a.fidelity).toBe(1);
      expect(s.askedPhase()).toEqual({ index: 0, name: 'coarse' });
      expect(inCoarse(a.sample), SPACE.freeze(a.sample).key).toBe(true);
      const acc = accuracy(a.sample);
      coarse.push({ sample: a.sample.slice(), acc });
      s.tell({ sample: a.sample, key: SPACE.freeze(a.sample).key, state: 'complete', values: [acc], fidelity: 1 });
    }
    expect(new Set(coarse.map((c) => SPACE.freeze(c.sample).key)).size).toBe(20);
    const winners = coarse.slice().sort((a, b) => b.acc - a.acc).slice(0, 3).map((c) => c.sample);
    const winnerKeys = winners.map((w) => SPACE.freeze(w).key);

    const fine: Sample[] = [];
    for (let i = 0; i < 40; i++) {
      const a = s.askFidelity({ finished: 20 + i, pending: 0, fidelities: [1, 2, 3] });
      expect(a.fidelity).toBe(3);
      expect(s.askedPhase()).toEqual({ index: 1, name: 'fine' });
      fine.push(a.sample.slice());
      s.tell({ sample: a.sample, key: SPACE.freeze(a.sample).key, state: 'complete', values: [accuracy(a.sample) + 0.05], fidelity: 3 });
    }
    // The winners first, evaluated again at full fidelity, best first.
    expect(fine.slice(0, 3).map((f) => SPACE.freeze(f).key)).toEqual(winnerKeys);
    // Every fine proposal lies within 2 decisions of a coarse winner.
    const nearest = fine.map((f) => Math.min(...winners.map((w) => decisionDistance(SPACE, f, w))));
    expect(Math.max(...nearest)).toBeLessThanOrEqual(2);
    expect(nearest.slice(3).every((d) => d >= 1)).toBe(true);
    // …while random architectures of the space are far from them.
    const rng = new Rng(9);
    const random = Array.from({ length: 40 }, () => SPACE.sample(rng)).map((r) => Math.min(...winners.map((w) => decisionDistance(SPACE, r, w))));
    expect(Math.min(...random)).toBeGreaterThan(2);
    // The fine phase uses the full space: choices the coarse pass could not try.
    expect(fine.some((f) => !inCoarse(f))).toBe(true);
    expect(new Set(fine.map((f) => SPACE.freeze(f).key)).size).toBe(40);
  });

  it('starts the fine phase only once a coarse result came back, and keeps asking coarse when all coarse trials fail', () => {
    const s = new ProgressiveStrategy(ctxOf({ coarse: 4 }));
    for (let i = 0; i < 10; i++) {
      const a = s.ask({ finished: i, pending: 0 });
      expect(s.askedPhase().name).toBe('coarse');
      s.tell({ sample: a, key: SPACE.freeze(a).key, state: 'failed' });
    }
    const a = s.ask({ finished: 10, pending: 0 });
    s.tell({ sample: a, key: SPACE.freeze(a).key, state: 'complete', values: [0.5] });
    s.ask({ finished: 11, pending: 0 });
    expect(s.askedPhase().name).toBe('fine');
  });

  it('refuses bad options with a readable error', () => {
    expect(() => createStrategy('progressive', { ...ctxOf({ radius: 0 }) })).toThrow("strategy option 'radius' must be a number in [1, 1000000], got 0");
  });

  it('a study records each trial\'s phase, the coarse ones at the low fidelity', async () => {
    const store = new InMemoryStore();
    const spec = {
      name: 'p', space: 'mobilenet', strategy: 'progressive', strategyOptions: { coarse: 6 }, objectives: ONE, constraints: [], report: [],
      budget: { evals: 14 }, seed: 1, evaluator: { kind: 'fake' },
    };
    const evaluator: Evaluator & { fidelities: number[] } = {
      fidelities: [1, 4],
      evaluate: async (a: Architecture, _r: unknown, _t: unknown, ref?: TrialRef): Promise<EvaluationResult> => ({ metrics: { acc: accuracy(a.sample) * (ref?.fidelity ?? 4) / 4 }, fidelity: `epochs:${ref?.fidelity}`, cost: 1 }),
    };
    const id = Study.create(store, spec, 0).id;
    const strategy = createStrategy('progressive', { space: SPACE, objectives: ONE, seed: 1, options: spec.strategyOptions, fidelities: evaluator.fidelities });
    const out = await new Study(id, { store, space: SPACE, strategy, evaluator, clock: { now: () => 0 } }).run(new CancellationTokenSource().token);
    expect(out.progress.evals).toBe(14);
    const trials = store.getTrials(id);
    expect(trials.map((t) => t.metrics[PHASE_METRIC])).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
    expect(trials.map((t) => t.fidelity[PHASE_METRIC])).toEqual([...new Array(6).fill('coarse'), ...new Array(8).fill('fine')]);
    expect(trials.map((t) => t.metrics.fidelity)).toEqual([...new Array(6).fill(1), ...new Array(8).fill(4)]);
  });
});
