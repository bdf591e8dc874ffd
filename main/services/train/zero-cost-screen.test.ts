// Zero-cost proxies inside a real training study: as metrics known before training, and as the
// filter that picks which candidates are trained.
import { describe, expect, it } from 'vitest';
import { NasError } from '../../../shared/errors.js';
import type { StudySpec } from '../../../shared/types/index.js';
import { CancellationTokenSource } from '../../core/cancellation.js';
import { InMemoryStore } from '../../core/in-memory-store.js';
import { createSpace } from '../../core/spaces.js';
import { Rng } from '../../core/rng.js';
import { createStudy, runStudy } from '../studies.js';
import { nb201EvaluatorSpec } from '../evaluators.js';
import { TrainEvaluator } from './evaluator.js';
import { proxyBatch } from './zero-cost-screen.js';

const doc = [
  'name: zc-small',
  'layers:',
  '  - {name: c1, op: Conv2D, kernel: [1, 3], filters: [4, 8], stride: 2, activation: relu}',
  '  - {name: c2, op: Conv2D, kernel: [1, 3], filters: [4, 8], stride: 2, activation: relu}',
  '  - {name: p, op: GlobalAvgPool}',
].join('\n');

function spec(over: Partial<StudySpec> = {}): StudySpec {
  return {
    name: 'zc',
    space: 'custom',
    spaceOptions: { document: doc, source: 'zc-small.yaml' },
    strategy: 'random',
    strategyOptions: {},
    objectives: [{ metric: 'val_accuracy', direction: 'max' }],
    constraints: [],
    report: ['synflow', 'naswot'],
    budget: { evals: 3 },
    seed: 3,
    evaluator: { kind: 'train', maxTrain: 200, val: 50, epochs: 1, batchSize: 32, latency: false, workers: 0, backend: 'wasm' },
    ...over,
  } as StudySpec;
}

describe('zero-cost proxies in a training study', () => {
  it('records the requested proxies (known before training) and trains only the best-scored of k candidates', async () => {
    const store = new InMemoryStore();
    const s = spec({ strategyOptions: { zcFilter: '4', zcProxy: 'synflow' } });
    const rec = createStudy(store, s);
    const out = await runStudy(store, rec.id, new CancellationTokenSource().token);
    expect(out.status).toBe('complete');
    const trials = store.getTrials(rec.id);
    expect(trials).toHaveLength(3);
    const ev = new TrainEvaluator(s, s.evaluator as never);
    const space = createSpace(s.space, s.spaceOptions ?? {});
    try {
      for (const t of trials) {
        expect(t.state).toBe('complete');
        expect(t.fidelity.synflow).toBe('zero-cost');
        expect(t.metrics.naswot).toBeGreaterThan(0);
        // the recorded proxy is the screen's score of that architecture
        expect(t.metrics.synflow).toBe(ev.screen(space.freeze(t.sample), 'synflow'));
      }
      // each trained candidate beats most random candidates on the proxy
      const rng = new Rng(99);
      const random = Array.from({ length: 40 }, () => ev.screen(space.freeze(space.sample(rng)), 'synflow')).sort((a, b) => a - b);
      const median = random[20] as number;
      expect(trials.every((t) => (t.metrics.synflow as number) >= median)).toBe(true);
    } finally {
      ev.dispose();
    }
  }, 120_000);

  it('refuses a zero-cost filter on a table evaluator, and spreads the proxies\' batch over the data', () => {
    const store = new InMemoryStore();
    const table = { ...spec(), space: 'nb201', spaceOptions: {}, report: [], objectives: [{ metric: 'c10_valid_12ep', direction: 'max' as const }], strategyOptions: { zcFilter: 4 }, evaluator: nb201EvaluatorSpec({}) };
    expect(() => createStudy(store, table)).toThrow(NasError);
    expect(() => createStudy(store, table)).toThrow(/zcFilter .* needs an evaluator that builds the models/);
    expect(store.listStudies()).toHaveLength(0);
    const b = proxyBatch({ x: Float32Array.from({ length: 10 * 2 }, (_, i) => i), y: Array.from({ length: 10 }, (_, i) => i), shape: [1, 1, 2], classes: 10 }, 4);
    expect(Array.from(b.y)).toEqual([0, 2, 5, 7]);
    expect(Array.from(b.x)).toEqual([0, 1, 4, 5, 10, 11, 14, 15]);
  });
});
