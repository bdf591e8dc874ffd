import { describe, expect, it } from 'vitest';
import { NasError } from '../../../shared/errors.js';
import type { StudySpec } from '../../../shared/types/index.js';
import { TrainEvaluator, type TrainEvaluatorSpec } from './evaluator.js';

const spec: StudySpec = {
  name: 't', space: 'mobilenet', strategy: 'random', objectives: [{ metric: 'val_accuracy', direction: 'max' }],
  constraints: [], report: [], budget: { evals: 1 }, seed: 0, evaluator: { kind: 'train' },
};

describe('TrainEvaluator: a spec from outside (a web page, a stored study) is checked field by field', () => {
  it.each([
    [{ data: 5 }, 'train evaluator: data must be text'],
    [{ cwd: ['x'] }, 'train evaluator: cwd must be text'],
    [{ backend: 3 }, 'train evaluator: backend must be text'],
    [{ latency: 'yes' }, 'train evaluator: latency must be true or false'],
    [{ latencyBackends: 'wasm' }, 'train evaluator: latencyBackends must be a list of backend names'],
    [{ augment: [] }, 'train evaluator: augment must be an object'],
    [{ augment: { shift: 2 } }, 'train evaluator: augment.flip must be true or false'],
    [{ mobilenet: 'x' }, 'train evaluator: mobilenet must be an object'],
    [{ backend: 'gpu' }, "train evaluator: unknown backend 'gpu'"],
    [{ epochs: 0 }, 'train evaluator: epochs 0 is out of range'],
  ])('%j → %s', (fields, message) => {
    let err: unknown;
    try {
      new TrainEvaluator(spec, { kind: 'train', ...fields } as unknown as TrainEvaluatorSpec).dispose();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NasError);
    expect((err as NasError).code).toBe('invalid-input');
    expect((err as NasError).message).toBe(message);
  });
});
