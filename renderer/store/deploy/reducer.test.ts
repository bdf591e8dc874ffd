import { describe, expect, it } from 'vitest';
import type { ModelExport } from '../../api/index.js';
import { addExport, fmtBytes, settingsText, shortSha } from './reducer.js';
import { deploySelectors } from './selectors.js';

const e = (path: string, trial: number, over: Partial<ModelExport> = {}): ModelExport => ({
  trial, format: 'onnx', path, bytes: 10, sha256: 'ab'.repeat(32), createdAt: 1, settings: {}, runtime: 'Python (onnxruntime)', snippet: '', ...over,
});

describe('deploy slice', () => {
  it('lists a new export first and replaces one with the same path', () => {
    const list = [e('/a', 1), e('/b', 2)];
    expect(addExport(list, e('/c', 3)).map((x) => x.path)).toEqual(['/c', '/a', '/b']);
    expect(addExport(list, e('/b', 2, { bytes: 99 })).map((x) => [x.path, x.bytes])).toEqual([['/b', 99], ['/a', 10]]);
  });
  it('filters a trial\'s exports', () => {
    const s = { exports: [e('/a', 1), e('/b', 2), e('/c', 1)] };
    expect(deploySelectors.exportsOf(s, 1).map((x) => x.path)).toEqual(['/a', '/c']);
    expect(deploySelectors.exportsOf(s)).toHaveLength(3);
  });
  it('shows the settings that matter', () => {
    expect(settingsText(e('/a', 1, { settings: { opset: 13, inputLayout: 'nchw', softmax: true, weights: { epochs: 2, valAccuracy: 0.81234 } } }))).toBe('opset 13 · NCHW · softmax · 2 epochs · val_accuracy 0.8123');
    expect(settingsText(e('/a', 1, { format: 'tflite', settings: { inputLayout: 'nhwc', softmax: false } }))).toBe('NHWC · logits');
    expect(shortSha('0123456789abcdef')).toBe('0123456789ab…');
    expect([fmtBytes(999), fmtBytes(12_345), fmtBytes(2_500_000)]).toEqual(['999 B', '12.3 kB', '2.5 MB']);
  });
});
