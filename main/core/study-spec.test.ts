import { describe, expect, it } from 'vitest';
import type { StudySpec } from '../../shared/types/index.js';
import { MAX_CONCURRENCY, validateStudySpec } from './study-spec.js';

const spec = (over: Partial<StudySpec> = {}): StudySpec => ({
  name: 's',
  space: 'nb201',
  strategy: 'evolution',
  strategyOptions: {},
  objectives: [{ metric: 'acc', direction: 'max' }],
  constraints: [],
  report: [],
  budget: { evals: 3 },
  seed: 0,
  evaluator: { kind: 'table', tables: ['t.csv'] },
  ...over,
} as StudySpec);

describe('validateStudySpec: checks before a study is created', () => {
  it('a known strategy option passes; a misspelt one is refused naming the valid ones', () => {
    expect(() => validateStudySpec(spec({ strategyOptions: { population: 20 } }))).not.toThrow();
    expect(() => validateStudySpec(spec({ strategyOptions: { populaton: 20 } }))).toThrow(
      "unknown strategy option 'populaton' for evolution (did you mean 'population'?); its options: population, tournament, crossover",
    );
  });

  it(`concurrency is bounded (at most ${MAX_CONCURRENCY} trials in flight)`, () => {
    expect(() => validateStudySpec(spec({ concurrency: MAX_CONCURRENCY }))).not.toThrow();
    expect(() => validateStudySpec(spec({ concurrency: 1e6 }))).toThrow(`concurrency must be at most ${MAX_CONCURRENCY}, got 1000000`);
  });
});
