import { describe, expect, it } from 'vitest';
import { architectureGraph } from '../core/analysis.js';
import { withShapes } from '../core/arch-shapes.js';
import { createSpace } from '../core/spaces.js';
import { studyGraphInput } from './graph-input.js';
import { kwsTrainingSpec } from './search-defaults.js';

describe('kws search defaults and the drawn Trial graph', () => {
  it('the ready spec trains on the built-in keywords with MFCC settings stored in full', () => {
    const spec = kwsTrainingSpec();
    expect(spec.space).toBe('kws');
    expect(spec.evaluator).toMatchObject({ kind: 'train', data: 'builtin:speech-keywords', val: 0.2, epochs: 10 });
    expect((spec.evaluator as { backend?: string }).backend).toBeUndefined();
    expect((spec.evaluator as { audio?: object }).audio).toEqual({ kind: 'mfcc', sampleRate: 16000, clipMs: 1000, windowMs: 30, hopMs: 20, nMels: 40, nMfcc: 10, fmin: 20, fmax: 7600, noiseProbability: 0.8, noiseVolume: 0.1 });
    expect((spec.evaluator as { mobilenet?: object }).mobilenet).toBeUndefined();
  });

  it('a kws trial graph: named decisions per block, with shapes from the study’s feature settings', () => {
    const space = createSpace('kws');
    const sample = space.parse('ds-cnn:16/k3w24s2-k5w32s1');
    const g = withShapes(architectureGraph(space, sample, space.freeze(sample).key), space, sample, studyGraphInput(kwsTrainingSpec()));
    expect(g.shapes).toBe('input 49×10×1 (spoken keywords, MFCC frames × features)');
    expect(g.nodes.map((n) => [n.label, n.shape])).toEqual([
      ['input', '49×10×1'],
      ['type: ds-cnn', '49×10×1'],
      ['stem: width 16', '25×5×16'],
      ['depth: 2', '25×5×16'],
      ['b1: kernel 3, width 24, stride 2', '13×5×24'],
      ['b2: kernel 5, width 32, stride 1', '13×5×32'],
      ['output', '10'],
    ]);
    // Log-mel with 64 bands every 10 ms: the TC-ResNet stem spans the 64 bands.
    const logmel = { ...kwsTrainingSpec(), evaluator: { ...kwsTrainingSpec().evaluator, audio: { kind: 'logmel', hopMs: 10, nMels: 64 } } };
    const t = space.parse('tc-resnet:16/k9w24s2');
    const tg = withShapes(architectureGraph(space, t, space.freeze(t).key), space, t, studyGraphInput(logmel));
    expect(tg.nodes.map((n) => n.shape)).toEqual(['98×64×1', '98×64×1', '98×1×16', '98×1×16', '49×1×24', '10']);
  });
});
