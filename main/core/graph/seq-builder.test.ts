import { describe, expect, it } from 'vitest';
import { GraphBuilder } from './builder.js';

describe('GraphBuilder: sequence ops and per-axis windows', () => {
  it('computes shapes: a 1-D conv over time on [T, F, 1], embedding, layerNorm, attention, max over time', () => {
    const s = new GraphBuilder([49, 10, 1]);
    const c = s.conv('c', s.input, { kernel: 3, kernelW: 10, stride: 1, strideW: 10, filters: 16, useBias: false });
    expect(c.shape).toEqual([49, 1, 16]);
    expect(s.depthwise('d', c, { kernel: 9, kernelW: 1, stride: 2, strideW: 1, useBias: false }).shape).toEqual([25, 1, 16]);
    expect(s.pool('p', 'AvgPool', c, { kernel: 2, stride: 2, kernelW: 1, strideW: 1 }).shape).toEqual([25, 1, 16]);
    const t = new GraphBuilder([20, 1, 1]);
    const e = t.embedding('e', t.input, { vocab: 100, units: 12 });
    expect(e.shape).toEqual([20, 1, 12]);
    expect(t.layerNorm('n', e).shape).toEqual([20, 1, 12]);
    expect(t.attention('a', e, e, e, { heads: 3 }).shape).toEqual([20, 1, 12]);
    expect(t.pool('m', 'MaxPool', e, { kernel: 20, stride: 20, kernelW: 1, strideW: 1 }).shape).toEqual([1, 1, 12]);
  });

  it('stores kernelW/strideW only when given, and the LayerNorm epsilon', () => {
    const b = new GraphBuilder([8, 8, 3]);
    const g = b.finish(b.dense('h', b.flatten('f', b.layerNorm('n', b.input)), { units: 2, useBias: true }), 2);
    expect(g.nodes[0]?.attrs).toEqual({ epsilon: 1e-6 });
    const g2 = new GraphBuilder([8, 8, 3]);
    const c = g2.conv('c', g2.input, { kernel: 3, stride: 1, filters: 4, useBias: true });
    const w = g2.conv('w', c, { kernel: 3, kernelW: 1, stride: 2, strideW: 1, filters: 4, useBias: true });
    const graph = g2.finish(g2.dense('h', g2.flatten('f', w), { units: 2, useBias: true }), 2);
    expect(graph.nodes[0]?.attrs).toEqual({ kernel: 3, stride: 1, filters: 4, useBias: true });
    expect(graph.nodes[1]?.attrs).toEqual({ kernel: 3, stride: 2, kernelW: 1, strideW: 1, filters: 4, useBias: true });
    expect(graph.nodes[1]?.shape).toEqual([4, 8, 4]);
  });

  it('refuses bad inputs with clear errors', () => {
    const b = new GraphBuilder([10, 1, 4]);
    expect(() => b.embedding('e', b.input, { vocab: 10, units: 4 })).toThrow(/Embedding e needs token ids \[L, 1, 1\], got \[10, 1, 4\]/);
    const t = new GraphBuilder([10, 1, 1]);
    expect(() => t.embedding('e0', t.input, { vocab: 0, units: 4 })).toThrow(/vocab and units must be positive integers/);
    expect(() => b.attention('a', b.input, b.input, b.input, { heads: 3 })).toThrow(/heads \(3\) must be a positive integer dividing the 4 channels/);
    const other = b.conv('c', b.input, { kernel: 1, stride: 1, filters: 8, useBias: false });
    expect(() => b.attention('a2', b.input, other, b.input, { heads: 2 })).toThrow(/q, k and v must have the same shape/);
    const img = new GraphBuilder([4, 4, 4]);
    expect(() => img.attention('a3', img.input, img.input, img.input, { heads: 2 })).toThrow(/needs sequences \[L, 1, C\]/);
    expect(() => b.conv('c2', b.input, { kernel: 3, kernelW: 0, stride: 1, filters: 2, useBias: false })).toThrow(/kernelW must be a positive integer, got 0/);
    expect(() => b.pool('p', 'MaxPool', b.input, { kernel: 2, stride: 2, strideW: 1.5 })).toThrow(/strideW must be a positive integer, got 1.5/);
  });
});
