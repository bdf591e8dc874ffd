import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NasError } from '../../shared/errors.js';
import type { StudySpec } from '../../shared/types/index.js';
import { InMemoryStore } from '../core/in-memory-store.js';
import { createStudy } from './studies.js';

const dir = mkdtempSync(join(tmpdir(), 'frontier-studies-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A CSV dataset of 4 numeric features and 3 classes: its input shape is [1, 1, 4]. */
const csv = join(dir, 'features.csv');
writeFileSync(csv, ['a,b,c,d,label', ...Array.from({ length: 120 }, (_, i) => `${i % 7},${i % 5},${i % 3},${(i * 7) % 11},${i % 3}`)].join('\n') + '\n');

const tinyCnn = readFileSync(new URL('../../resources/spaces/tiny-cnn.yaml', import.meta.url), 'utf8');

function trainSpec(spaceOptions: Record<string, unknown>, space = 'custom'): StudySpec {
  return {
    name: 'fit',
    space,
    spaceOptions,
    strategy: 'random',
    strategyOptions: {},
    objectives: [{ metric: 'val_accuracy', direction: 'max' }],
    constraints: [],
    report: [],
    budget: { evals: 2 },
    seed: 0,
    evaluator: { kind: 'train', data: csv, val: 30, epochs: 1, latency: false, workers: 0 },
  } as StudySpec;
}

function refusal(spec: StudySpec): { error: NasError; studies: number } {
  const store = new InMemoryStore();
  try {
    createStudy(store, spec);
  } catch (e) {
    expect(e).toBeInstanceOf(NasError);
    return { error: e as NasError, studies: store.listStudies().length };
  }
  throw new Error('expected the study to be refused');
}

describe('createStudy: the space must fit the data before a study exists', () => {
  it('a space for 28×28×1 images with data of shape [1, 1, 4]: refused, naming both shapes, no study', () => {
    // Before: the study was created and failed once training started ("study 1 failed").
    const { error, studies } = refusal(trainSpec({ document: tinyCnn, source: 'tiny-cnn.yaml' }));
    expect(error.code).toBe('invalid-input');
    expect(error.message).toBe(`space tiny-cnn is for inputs [28, 28, 1], the data has [1, 1, 4] (data ${csv})`);
    expect(studies).toBe(0);
  });

  it('a space none of whose architectures builds a model (a convolution after a Dense layer): refused, no study', () => {
    const doc = 'name: flat\nlayers:\n  - {name: d, op: Dense, units: [4, 8]}\n  - {name: c, op: Conv2D, filters: 4}\n';
    const { error, studies } = refusal(trainSpec({ document: doc, source: 'flat.yaml' }));
    expect(error.code).toBe('invalid-input');
    expect(error.message).toMatch(new RegExp(`^no architecture of space custom:flat tried builds a model for the data's input \\[1, 1, 4\\] \\(data .*features\\.csv\\); the first: layer c: .*needs a feature map`));
    expect(studies).toBe(0);
  });

  it('a space that fits (shape-agnostic) is created', () => {
    const doc = 'name: fits\nlayers:\n  - {name: c, op: Conv2D, kernel: [1, 3], filters: 4}\n  - {name: p, op: GlobalAvgPool}\n';
    const store = new InMemoryStore();
    const rec = createStudy(store, trainSpec({ document: doc, source: 'fits.yaml' }));
    expect(store.listStudies().map((s) => s.id)).toEqual([rec.id]);
  });
});
