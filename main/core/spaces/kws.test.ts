import { describe, expect, it } from 'vitest';
import { buildGraph, canBuildGraph, graphCost } from '../graph/index.js';
import { Rng } from '../rng.js';
import { createSpace } from '../spaces.js';
import { KwsSpace } from './kws.js';

const input = [49, 10, 1] as const;
const graphOf = (s: KwsSpace, key: string) => buildGraph(s, s.freeze(s.parse(key)), { input, classes: 10 });
const shapeOf = (g: ReturnType<typeof graphOf>, id: string) => g.nodes.find((n) => n.id === id)?.shape;

describe('kws space', () => {
  const space = new KwsSpace();

  it('names its decisions and counts its architectures', () => {
    expect(space.dims.slice(0, 6).map((d) => d.name)).toEqual(['type', 'stem.width', 'depth', 'b1.kernel', 'b1.width', 'b1.stride']);
    // 2 types × 3 stem widths × Σ_{d=1..4} (3 kernels × 4 widths × 2 strides)^d
    const per = 24n;
    expect(space.count()).toBe(2n * 3n * (per + per ** 2n + per ** 3n + per ** 4n));
    expect(createSpace('kws')).toBeInstanceOf(KwsSpace);
    expect(canBuildGraph(space)).toBe(true);
  });

  it('keys round-trip and every sampled architecture builds for [49, 10, 1] and [49, 40, 1]', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 60; i++) {
      const a = space.freeze(space.sample(rng));
      expect(space.freeze(space.parse(a.key))).toEqual(a);
      for (const f of [10, 40]) expect(buildGraph(space, a, { input: [49, f, 1], classes: 12 }).nodes.length).toBeGreaterThan(4);
    }
    expect(() => space.parse('tc-resnet:16/k4w24s2')).toThrow(/kernel 4 is not allowed \(choices: 3, 5, 9\)/);
    expect(() => space.parse('lstm:16/k3w24s2')).toThrow(/block type lstm is not allowed/);
    expect(() => space.parse('tc-resnet/k3')).toThrow(/expected <type>:<stem width>\/<blocks>/);
  });

  it('TC-ResNet: the stem conv spans all F features (kernelW = strideW = F), blocks are 1-D over time; params and FLOPs by hand', () => {
    const g = graphOf(space, 'tc-resnet:16/k9w24s2');
    expect(g.nodes.find((n) => n.id === 'stem.conv')?.attrs).toMatchObject({ kernel: 3, kernelW: 10, stride: 1, strideW: 10, filters: 16 });
    expect(shapeOf(g, 'stem.conv')).toEqual([49, 1, 16]);
    expect(shapeOf(g, 'b1.conv1.conv')).toEqual([25, 1, 24]);
    expect(g.nodes.find((n) => n.id === 'b1.conv2.conv')?.attrs).toMatchObject({ kernel: 9, kernelW: 1, strideW: 1 });
    expect(shapeOf(g, 'b1.add')).toEqual([25, 1, 24]);
    const c = graphCost(g);
    // stem 3·10·16 + BN 4·16; conv1 9·16·24 + BN; conv2 9·24·24 + BN; skip 1·16·24 + BN; Dense 24·10 + 10
    expect(c.params).toBe(480 + 64 + 3456 + 96 + 5184 + 96 + 384 + 96 + 250);
    expect(c.flops).toBe(49 * 16 * 3 * 10 + 25 * 24 * 9 * 16 + 25 * 24 * 9 * 24 + 25 * 24 * 16 + 240);
    // Same width, stride 1: the identity shortcut, no skip conv.
    expect(graphOf(space, 'tc-resnet:32/k3w32s1').nodes.some((n) => n.id.startsWith('b1.skip'))).toBe(false);
  });

  it('DS-CNN: 5×3 stride-2 stem, depthwise k × 3 over time × frequency then 1×1; params and FLOPs by hand', () => {
    const g = graphOf(space, 'ds-cnn:16/k3w32s1');
    expect(shapeOf(g, 'stem.conv')).toEqual([25, 5, 16]);
    expect(g.nodes.find((n) => n.id === 'b1.dw.conv')?.attrs).toMatchObject({ kernel: 3, kernelW: 3, stride: 1, strideW: 1 });
    expect(shapeOf(g, 'b1.pw.conv')).toEqual([25, 5, 32]);
    const c = graphCost(g);
    expect(c.params).toBe(240 + 64 + 144 + 64 + 512 + 128 + 330);
    expect(c.flops).toBe(25 * 5 * 16 * 15 + 25 * 5 * 16 * 9 + 25 * 5 * 32 * 16 + 320);
    expect(shapeOf(graphOf(space, 'ds-cnn:16/k9w32s2-k5w48s2'), 'b2.dw.conv')).toEqual([7, 5, 32]);
  });

  it('refuses bad options', () => {
    expect(() => new KwsSpace({ types: ['gru' as never] })).toThrow(/kws space: types must be/);
    expect(() => new KwsSpace({ kernels: [] })).toThrow(/kernels must be a non-empty list/);
  });
});
