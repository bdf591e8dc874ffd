import { describe, expect, it } from 'vitest';
import type { ModelGraph, StudyRecord, TrialRecord } from '../../../shared/types/index.js';
import { retrainPlan, topTrials } from './retrain.js';
import { decodeWeightsFile, encodeWeightsFile } from './weights-file.js';
import { randomWeights } from './weights.js';

const study = (over: Partial<StudyRecord['spec']> = {}): StudyRecord => ({
  id: '4',
  status: 'complete',
  createdAt: 0,
  progress: { evals: 0, failed: 0, rejected: 0, costSeconds: 0, wallMs: 0 },
  spec: {
    name: 's', space: 'mobilenet', strategy: 'random', objectives: [{ metric: 'val_accuracy', direction: 'max' }], constraints: [], report: [],
    budget: { evals: 5 }, seed: 9, evaluator: { kind: 'train', epochs: 2, maxTrain: 300, batchSize: 16, lr: 0.01, patience: 1, data: 'builtin:fashion-mnist', val: 200 }, ...over,
  },
});

const trial = (number: number, state: TrialRecord['state'], acc?: number): TrialRecord =>
  ({ studyId: '4', number, key: `k${number}`, sample: [], state, cost: 1, startedAt: 0, fidelity: {}, metrics: acc === undefined ? {} : { val_accuracy: acc } });

describe('topTrials', () => {
  it('ranks complete trials with a value by the first objective, ties by trial number', () => {
    const ts = [trial(0, 'complete', 0.5), trial(1, 'failed', 0.99), trial(2, 'complete', 0.8), trial(3, 'complete'), trial(4, 'complete', 0.8), trial(5, 'complete', Number.NaN)];
    expect(topTrials(study(), ts, 2).map((t) => t.number)).toEqual([2, 4]);
    expect(topTrials(study(), ts, 10).map((t) => t.number)).toEqual([2, 4, 0]);
    expect(topTrials(study({ objectives: [{ metric: 'val_accuracy', direction: 'min' }] }), ts, 1).map((t) => t.number)).toEqual([0]);
  });
});

describe('retrainPlan', () => {
  it('keeps the search\'s split, seed and settings, drops the training cap and early stopping', () => {
    const p = retrainPlan(study(), { cwd: '/w' });
    expect(p.data).toEqual({ ref: 'builtin:fashion-mnist', val: 200, seed: 9, cwd: '/w' });
    expect(p.train).toMatchObject({ epochs: 2, batchSize: 16, lr: 0.01, patience: 0, seed: 9 });
    expect(retrainPlan(study(), { cwd: '/w', epochs: 7 }).train.epochs).toBe(7);
  });

  it('a table replay needs --data; bad epochs are refused', () => {
    const table = study({ space: 'nb201', evaluator: { kind: 'table', tables: [], knownTables: [] } });
    expect(() => retrainPlan(table, { cwd: '/w' })).toThrow("study 4 replayed table results and trained nothing: give --data (e.g. builtin:fashion-mnist) to train its architectures");
    expect(retrainPlan(table, { cwd: '/w', data: 'my-data' }).data.ref).toBe('my-data');
    expect(() => retrainPlan(study(), { cwd: '/w', epochs: 0 })).toThrow('epochs must be a positive integer, got 0');
  });
});

describe('weights files', () => {
  const g: ModelGraph = {
    input: [4, 4, 1], classes: 3, output: 'fc',
    nodes: [
      { id: 'c', op: 'Conv2D', inputs: ['input'], shape: [4, 4, 2], attrs: { kernel: 3, stride: 1, filters: 2, useBias: true } },
      { id: 'p', op: 'GlobalAvgPool', inputs: ['c'], shape: [2], attrs: { keepDims: false } },
      { id: 'fc', op: 'Dense', inputs: ['p'], shape: [3], attrs: { units: 3, useBias: true } },
    ],
  };

  it('round-trip the graph, every tensor and the metadata', () => {
    const w = randomWeights(g, 3);
    const back = decodeWeightsFile(encodeWeightsFile(g, w, { epochs: 2 }), 'x.fweights');
    expect(back.graph).toEqual(g);
    expect(back.meta).toEqual({ epochs: 2 });
    expect([...back.weights.map.keys()]).toEqual(['c/kernel', 'c/bias', 'fc/kernel', 'fc/bias']);
    for (const [k, v] of w.map) expect(back.weights.map.get(k)).toEqual(v);
  });

  it('round-trip a text model (Embedding, LayerNorm, Attention) and a 1-D conv with kernelW/strideW (#16)', () => {
    const seq: ModelGraph = {
      input: [6, 1, 1], classes: 2, output: 'fc',
      nodes: [
        { id: 'embed', op: 'Embedding', inputs: ['input'], shape: [6, 1, 4], attrs: { vocab: 20, units: 4 } },
        { id: 'ln', op: 'LayerNorm', inputs: ['embed'], shape: [6, 1, 4], attrs: { epsilon: 1e-6 } },
        { id: 'att', op: 'Attention', inputs: ['ln', 'ln', 'ln'], shape: [6, 1, 4], attrs: { heads: 2 } },
        { id: 'conv', op: 'Conv2D', inputs: ['att'], shape: [3, 1, 4], attrs: { kernel: 3, kernelW: 1, stride: 2, strideW: 1, filters: 4, useBias: false } },
        { id: 'p', op: 'GlobalAvgPool', inputs: ['conv'], shape: [4], attrs: { keepDims: false } },
        { id: 'fc', op: 'Dense', inputs: ['p'], shape: [2], attrs: { units: 2, useBias: true } },
      ],
    };
    const w = randomWeights(seq, 4);
    const back = decodeWeightsFile(encodeWeightsFile(seq, w), 'seq.fweights');
    expect(back.graph).toEqual(seq);
    expect([...back.weights.map.keys()]).toEqual(['embed/embeddings', 'ln/gamma', 'ln/beta', 'conv/kernel', 'fc/kernel', 'fc/bias']);
    expect(back.weights.map.get('conv/kernel')?.length).toBe(3 * 1 * 4 * 4);
    for (const [k, v] of w.map) expect(back.weights.map.get(k)).toEqual(v);
  });

  it('damaged files are refused with the reason', () => {
    const bytes = encodeWeightsFile(g, randomWeights(g, 3));
    expect(() => decodeWeightsFile(new Uint8Array(4), 'a')).toThrow('a is not a Frontier weights file: it does not start with FRWEIGHT');
    expect(() => decodeWeightsFile(bytes.subarray(0, bytes.length - 4), 'b')).toThrow('b is not a Frontier weights file: it ends inside tensor fc/bias');
    const extra = new Uint8Array(bytes.length + 2);
    extra.set(bytes);
    expect(() => decodeWeightsFile(extra, 'c')).toThrow('c is not a Frontier weights file: 2 bytes follow the last tensor');
    const huge = Uint8Array.from(bytes);
    new DataView(huge.buffer).setUint32(8, 1e9, true);
    expect(() => decodeWeightsFile(huge, 'd')).toThrow(/d is not a Frontier weights file: its header claims 1000000000 bytes/);
    const badGraph = encodeWeightsFile(g, randomWeights(g, 3));
    const text = new TextDecoder().decode(badGraph);
    const i = text.indexOf('"GlobalAvgPool"');
    badGraph.set(new TextEncoder().encode('"MBConv"       '), i);
    expect(() => decodeWeightsFile(badGraph, 'e')).toThrow('e is not a Frontier weights file: its model graph is malformed (weights file export: node 1 ("p"): MBConv is a composite layer op');
  });
});
