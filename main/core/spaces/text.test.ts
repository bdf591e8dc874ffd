import { describe, expect, it } from 'vitest';
import { buildGraph, canBuildGraph, graphCost } from '../graph/index.js';
import { Rng } from '../rng.js';
import { enumerate } from '../search-space.js';
import { createSpace } from '../spaces.js';
import { TextSpace } from './text.js';

const input = [64, 1, 1] as const;
const vocab = 512;
const graphOf = (s: TextSpace, key: string) => buildGraph(s, s.freeze(s.parse(key)), { input, classes: 8, vocab });
const nodeOf = (g: ReturnType<typeof graphOf>, id: string) => g.nodes.find((n) => n.id === id);

describe('text space', () => {
  const space = new TextSpace();

  it('names its decisions and counts its architectures exactly', () => {
    expect(space.dims.map((d) => d.name)).toEqual(['embed.width', 'depth', ...[1, 2, 3].flatMap((b) => ['type', 'kernel', 'heads', 'ffn'].map((k) => `b${b}.${k}`)), 'pool']);
    // 3 widths × 2 poolings × Σ_{d=1..3} (3 kernels + 3 heads × 3 ffn)^d
    expect(space.count()).toBe(6n * (12n + 144n + 1728n));
    const small = new TextSpace({ widths: [8], depths: [1, 2], kernels: [3, 5], heads: [1, 2], ffn: [16], poolings: ['mean'] });
    expect(BigInt(enumerate(small).length)).toBe(small.count());
    expect(small.count()).toBe(4n + 16n);
    expect(createSpace('text')).toBeInstanceOf(TextSpace);
    expect(canBuildGraph(space)).toBe(true);
  });

  it('a conv block ignores heads and ffn, a transformer block the kernel: same architecture, one key, not mutated', () => {
    const s = space.parse('w64/mean/c5');
    const typeAt = space.dimIndex('b1.type');
    const heads = space.dimIndex('b1.heads');
    const other = s.slice();
    other[heads] = 2;
    expect(space.freeze(other)).toEqual(space.freeze(s));
    expect(space.isActive(s, heads)).toBe(false);
    expect(space.isActive(s, space.dimIndex('b1.kernel'))).toBe(true);
    const rng = new Rng(5);
    for (let i = 0; i < 50; i++) {
      const m = space.mutate(s, rng);
      expect(space.freeze(m).key).not.toBe('w64/mean/c5');
    }
    const t = s.slice();
    t[typeAt] = 1;
    expect(space.freeze(t).key).toBe('w64/mean/t1x64');
  });

  it('keys round-trip and every sampled architecture builds', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 60; i++) {
      const a = space.freeze(space.sample(rng));
      expect(space.freeze(space.parse(a.key))).toEqual(a);
      expect(buildGraph(space, a, { input: [32, 1, 1], classes: 3, vocab: 300 }).nodes.length).toBeGreaterThan(2);
    }
    expect(() => space.parse('w64/mean/c4')).toThrow(/kernel 4 is not allowed \(choices: 3, 5, 7\)/);
    expect(() => space.parse('w64/sum/c3')).toThrow(/pooling sum is not allowed/);
    expect(() => space.parse('w64/mean/g3')).toThrow(/block 'g3' must look like c<kernel> or t<heads>x<ffn>/);
    expect(() => space.parse('w64/mean/c3-c3-c3-c3')).toThrow(/4 blocks, at most 3/);
  });

  it('conv block: k × 1 conv over the tokens; params and FLOPs by hand (mean pooling)', () => {
    const g = graphOf(space, 'w32/mean/c5');
    expect(nodeOf(g, 'embed')?.shape).toEqual([64, 1, 32]);
    expect(nodeOf(g, 'b1.conv')?.attrs).toMatchObject({ kernel: 5, kernelW: 1, stride: 1, strideW: 1, filters: 32 });
    expect(nodeOf(g, 'pool')?.op).toBe('GlobalAvgPool');
    const c = graphCost(g);
    // embedding 512·32; conv 5·32·32; BN 4·32; Dense 32·8 + 8
    expect(c.params).toBe(512 * 32 + 5 * 32 * 32 + 128 + 264);
    expect(c.flops).toBe(64 * 32 * 5 * 32 + 32 * 8);
  });

  it('transformer block: LayerNorm, q/k/v 1×1 convs, Attention, out conv, Add, LayerNorm, FFN, Add; max pooling is MaxPool L × 1', () => {
    const g = graphOf(space, 'w32/max/t4x64');
    expect(g.nodes.map((n) => n.op)).toEqual([
      'Embedding', 'LayerNorm', 'Conv2D', 'Conv2D', 'Conv2D', 'Attention', 'Conv2D', 'Add', 'LayerNorm', 'Conv2D', 'ReLU', 'Conv2D', 'Add', 'MaxPool', 'Reshape', 'Dense',
    ]);
    expect(nodeOf(g, 'b1.attn')?.attrs).toEqual({ heads: 4 });
    expect(nodeOf(g, 'pool')?.attrs).toEqual({ kernel: 64, stride: 64, kernelW: 1, strideW: 1 });
    expect(nodeOf(g, 'pool')?.shape).toEqual([1, 1, 32]);
    const c = graphCost(g);
    // embedding; 2 LayerNorms 2·32 each; q, k, v, out 32·32 + 32 each; ffn 32·64 + 64 and 64·32 + 32; Dense 32·8 + 8
    expect(c.params).toBe(512 * 32 + 2 * 64 + 4 * (1024 + 32) + (2048 + 64) + (2048 + 32) + 264);
    expect(c.flops).toBe(4 * 64 * 32 * 32 + 2 * 64 * 64 * 32 + 64 * 64 * 32 + 64 * 32 * 64 + 32 * 8);
  });

  it('refuses non-text inputs, a missing vocabulary and bad options', () => {
    const a = space.freeze(space.parse('w32/mean/c3'));
    expect(() => buildGraph(space, a, { input: [28, 28, 1], classes: 10, vocab })).toThrow(/token ids \[L, 1, 1\], the data has \[28, 28, 1\]/);
    expect(() => buildGraph(space, a, { input, classes: 10 })).toThrow(/needs text data/);
    expect(() => new TextSpace({ heads: [3] })).toThrow(/3 heads do not divide width 32/);
    expect(() => new TextSpace({ poolings: ['sum' as never] })).toThrow(/poolings must be/);
  });
});
