import { describe, expect, it } from 'vitest';
import { architectureGraph } from '../core/analysis.js';
import { withShapes } from '../core/arch-shapes.js';
import { createSpace } from '../core/spaces.js';
import { studyGraphInput } from './graph-input.js';
import { textTrainingSpec } from './search-defaults.js';

describe('text search defaults and the drawn Trial graph', () => {
  it('the ready spec trains on the built-in Debian descriptions with the tokenizer settings stored', () => {
    const spec = textTrainingSpec();
    expect(spec.space).toBe('text');
    expect(spec.evaluator).toMatchObject({ kind: 'train', data: 'builtin:debian-descriptions', val: 500, epochs: 3, text: { length: 48, merges: 254 } });
    expect((spec.evaluator as { mobilenet?: object }).mobilenet).toBeUndefined();
  });

  it('a text trial graph: embedding, named decisions per block, pooling, with shapes from the study’s text settings', () => {
    const space = createSpace('text');
    const sample = space.parse('w64/max/c5-t2x128');
    const g = withShapes(architectureGraph(space, sample, space.freeze(sample).key), space, sample, studyGraphInput(textTrainingSpec()));
    expect(g.shapes).toBe('input 48×1×1 (Debian descriptions, 48 tokens)');
    expect(g.nodes.map((n) => [n.label, n.shape])).toEqual([
      ['input', '48×1×1'],
      ['embed: width 64', '48×1×64'],
      ['depth: 2', '48×1×64'],
      ['b1: type conv, kernel 5', '48×1×64'],
      ['b2: type transformer, heads 2, ffn 128', '48×1×64'],
      ['pool: max', '64'],
      ['output', '8'],
    ]);
    const longer = { ...textTrainingSpec(), evaluator: { ...textTrainingSpec().evaluator, text: { length: 80, merges: 10 } } };
    const input = studyGraphInput(longer);
    expect('options' in input && input.options).toMatchObject({ input: [80, 1, 1], classes: 8, vocab: 268 });
  });
});
