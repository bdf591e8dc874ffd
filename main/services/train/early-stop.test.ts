// Learning-curve early stopping and multi-fidelity (epochs) in real training studies.
import { describe, expect, it } from 'vitest';
import type { StudySpec } from '../../../shared/types/index.js';
import { CancellationToken, CancellationTokenSource } from '../../core/cancellation.js';
import { InMemoryStore } from '../../core/in-memory-store.js';
import { createSpace } from '../../core/spaces.js';
import { createStrategy } from '../../core/strategies.js';
import { Study } from '../../core/study.js';
import { createStudy, runStudy } from '../studies.js';
import { TrainEvaluator, type TrainEvaluatorSpec } from './evaluator.js';

const doc = [
  'name: es-small',
  'layers:',
  '  - {name: c1, op: Conv2D, kernel: [1, 3], filters: [4, 8], stride: 2, activation: relu}',
  '  - {name: c2, op: Conv2D, kernel: [1, 3], filters: [4, 8], stride: 2, activation: relu}',
  '  - {name: p, op: GlobalAvgPool}',
].join('\n');

function spec(strategy: string, evals: number, evaluator: Partial<TrainEvaluatorSpec>, strategyOptions: Record<string, unknown> = {}): StudySpec {
  return {
    name: 'es', space: 'custom', spaceOptions: { document: doc, source: 'es-small.yaml' }, strategy, strategyOptions,
    objectives: [{ metric: 'val_accuracy', direction: 'max' }], constraints: [], report: [], budget: { evals }, seed: 5,
    evaluator: { kind: 'train', maxTrain: 200, val: 64, batchSize: 32, latency: false, workers: 0, backend: 'wasm', patience: 0, ...evaluator },
  } as StudySpec;
}

async function run(s: StudySpec, prepare: (e: TrainEvaluator) => void = () => undefined) {
  const store = new InMemoryStore();
  const rec = store.createStudy(s, 0);
  const space = createSpace(s.space, s.spaceOptions ?? {});
  const evaluator = new TrainEvaluator(s, s.evaluator as TrainEvaluatorSpec);
  prepare(evaluator);
  try {
    const strategy = createStrategy(s.strategy, { space, objectives: s.objectives, seed: s.seed, options: s.strategyOptions ?? {} });
    const out = await new Study(rec.id, { store, space, evaluator, clock: { now: () => Date.now() }, strategy }).run(CancellationToken.None);
    return { out, store, id: rec.id, trials: store.getTrials(rec.id) };
  } finally {
    evaluator.dispose();
  }
}

describe('training with learning-curve early stopping', () => {
  it('stops a trial after 3 epochs when its projection cannot beat the best finished one, keeping its curve', async () => {
    const { trials, store, id } = await run(spec('random', 2, { epochs: 8, earlyStop: true }), (e) => e.stopper?.record([1]));
    expect(trials.map((t) => t.state)).toEqual(['pruned', 'pruned']);
    for (const t of trials) {
      expect(t.error).toMatch(/^pruned: optimistic projection to step 8 \(0\.\d+\) cannot beat the best finished trial \(1\.000\)/);
      const acc = store.getCurve(id, t.number).filter((p) => p.metric === 'val_accuracy');
      expect(acc.map((p) => p.step)).toEqual([1, 2, 3]);
    }
  }, 120_000);

  it('without a better finished trial, trials train to the end and become the front', async () => {
    const { trials } = await run(spec('random', 2, { epochs: 3, earlyStop: true }));
    expect(trials.map((t) => t.state)).toEqual(['complete', 'complete']);
    expect(trials.every((t) => t.metrics.epochs === 3)).toBe(true);
  }, 120_000);

  it('a resumed study compares with the trials it finished before', async () => {
    const store = new InMemoryStore();
    const s = spec('random', 3, { epochs: 8, earlyStop: true });
    const rec = createStudy(store, s);
    // A finished trial no later one can beat, as if an earlier run had found it.
    const space = createSpace(s.space, s.spaceOptions ?? {});
    const arch = space.freeze(space.dims.map(() => 0));
    const n = store.createTrial(rec.id, arch, 0);
    const strategy = createStrategy('random', { space, objectives: s.objectives, seed: s.seed, options: {} });
    strategy.ask({ finished: 0, pending: 0 });
    store.finishTrial(rec.id, n, { state: 'complete', metrics: { val_accuracy: 1 }, fidelity: {}, cost: 1, finishedAt: 0 }, {
      progress: { evals: 1, failed: 0, rejected: 0, costSeconds: 1, wallMs: 0 }, strategyState: strategy.snapshot(),
    });
    await runStudy(store, rec.id, new CancellationTokenSource().token);
    const later = store.getTrials(rec.id).slice(1);
    expect(later.map((t) => t.state)).toEqual(['pruned', 'pruned']);
    expect(later[0]!.error).toMatch(/cannot beat the best finished trial \(1\.000\)/);
  }, 120_000);

  it('a non-boolean earlyStop is refused', () => {
    expect(() => new TrainEvaluator(spec('random', 1, {}), { kind: 'train', earlyStop: 'yes' } as never)).toThrow('train evaluator: earlyStop must be true or false');
  });
});

describe('training at the epochs a multi-fidelity strategy asks for', () => {
  it('asha trains new architectures 1 epoch and promotes the best of 3 to the full 3 epochs (continuing from its 1-epoch weights), each charged its own time', async () => {
    const { trials } = await run(spec('asha', 4, { epochs: 3 }, { eta: 3 }));
    expect(trials.map((t) => t.state)).toEqual(['complete', 'complete', 'complete', 'complete']);
    expect(trials.map((t) => t.fidelity.val_accuracy)).toEqual(['epochs:1', 'epochs:1', 'epochs:1', 'epochs:3 (continued from 1)']);
    expect(trials.map((t) => t.metrics.epochs)).toEqual([1, 1, 1, 3]);
    const best = trials.slice(0, 3).reduce((a, b) => ((b.metrics.val_accuracy as number) > (a.metrics.val_accuracy as number) ? b : a));
    expect(trials[3]!.key).toBe(best.key);
    expect(trials.every((t) => t.cost > 0)).toBe(true);
  }, 120_000);
});
