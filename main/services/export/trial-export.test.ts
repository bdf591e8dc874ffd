import { describe, expect, it } from 'vitest';
import type { ModelGraph } from '../../../shared/types/index.js';
import { loadSnippet, MODEL_FORMATS } from './trial-export.js';

const text: ModelGraph = {
  input: [16, 1, 1], classes: 3, output: 'fc',
  nodes: [
    { id: 'embed', op: 'Embedding', attrs: { vocab: 300, units: 8 }, inputs: ['input'], shape: [16, 1, 8] },
    { id: 'gap', op: 'GlobalAvgPool', attrs: { keepDims: false }, inputs: ['embed'], shape: [8] },
    { id: 'fc', op: 'Dense', attrs: { units: 3, useBias: true }, inputs: ['gap'], shape: [3] },
  ],
};
const image: ModelGraph = { ...text, input: [8, 8, 1], nodes: [{ id: 'gap', op: 'GlobalAvgPool', attrs: { keepDims: false }, inputs: ['input'], shape: [1] }, { id: 'fc', op: 'Dense', attrs: { units: 3, useBias: true }, inputs: ['gap'], shape: [3] }] };

describe('load snippets of an exported model', () => {
  it('a text model is fed token ids as they are; other models normalised as in training (#16)', () => {
    for (const f of MODEL_FORMATS) {
      const t = loadSnippet(f, '/x/model', text, { softmax: true });
      expect(t, f).toContain("token ids 0..299 from the study's tokenizer, as float32, not normalised");
      expect(t, f).not.toContain('normalised as in training');
      expect(loadSnippet(f, '/x/model', image, { softmax: true }), f).toContain('normalised as in training');
    }
  });
});
