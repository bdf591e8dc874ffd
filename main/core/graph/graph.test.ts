import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GRAPH_INPUT, type ModelGraph } from '../../../shared/types/index.js';
import { Rng } from '../rng.js';
import { parseSpaceDocument } from '../spaces/custom.js';
import { MobilenetSpace } from '../spaces/mobilenet.js';
import { Nb201Space, parseNb201ArchStr } from '../spaces/nb201.js';
import { costMetrics, graphCost } from './cost.js';
import { buildGraph } from './index.js';

/** Structural invariants every graph must satisfy. */
function checkGraph(g: ModelGraph): void {
  const seen = new Map<string, readonly number[]>([[GRAPH_INPUT, g.input]]);
  for (const n of g.nodes) {
    expect(seen.has(n.id), `duplicate id ${n.id}`).toBe(false);
    for (const i of n.inputs) expect(seen.has(i), `${n.id} reads ${i} before it exists`).toBe(true);
    const ins = n.inputs.map((i) => seen.get(i) as readonly number[]);
    const arity = { Add: 2, Mul: 2 } as Record<string, number>;
    if (n.op === 'Concat') expect(n.inputs.length).toBeGreaterThanOrEqual(2);
    else expect(n.inputs.length, n.id).toBe(arity[n.op] ?? 1);
    if (n.op === 'Add') expect(ins[0]).toEqual(ins[1]);
    if (['Conv2D', 'DepthwiseConv2D', 'MaxPool', 'AvgPool'].includes(n.op)) {
      const [h, w] = ins[0] as number[];
      const s = n.attrs.stride as number;
      expect(n.shape.slice(0, 2)).toEqual([Math.ceil((h as number) / s), Math.ceil((w as number) / s)]);
    }
    expect(n.shape.every((d) => Number.isInteger(d) && d > 0)).toBe(true);
    seen.set(n.id, n.shape);
  }
  expect(seen.get(g.output)).toEqual([g.classes]);
  // every node contributes to the output
  const used = new Set<string>([g.output]);
  for (const n of [...g.nodes].reverse()) if (used.has(n.id)) n.inputs.forEach((i) => used.add(i));
  for (const n of g.nodes) expect(used.has(n.id), `${n.id} is dead`).toBe(true);
}

const ops = (g: ModelGraph) => g.nodes.map((n) => n.op);
const count = (g: ModelGraph, op: string) => ops(g).filter((o) => o === op).length;

describe('nb201 graphs', () => {
  const space = new Nb201Space();
  const opts = { input: [32, 32, 3] as const, classes: 10 };

  it('builds valid graphs for random cells, shrinking 32 → 16 → 8', () => {
    const rng = new Rng(1);
    for (let i = 0; i < 200; i++) {
      const g = buildGraph(space, space.freeze(space.sample(rng)), opts);
      checkGraph(g);
      expect(g.nodes.find((n) => n.id === 'reduce2.add')?.shape).toEqual([8, 8, 64]);
    }
  });

  it('lowers edges: conv edges ReLU→Conv→BN, pools, skips and zeros removed', () => {
    const conv = buildGraph(space, space.freeze(parseNb201ArchStr('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|')), opts);
    const cellConvs = conv.nodes.filter((n) => n.id.startsWith('stage1.cell1') && n.op === 'Conv2D');
    expect(cellConvs.map((n) => n.attrs.kernel)).toEqual([3, 3, 1, 3, 3, 3]);
    // node 3 sums three terms: two binary Adds
    expect(conv.nodes.filter((n) => n.id.startsWith('stage1.cell1.n3')).map((n) => n.op)).toEqual(['Add', 'Add']);
    const skips = buildGraph(space, space.freeze(parseNb201ArchStr('|skip_connect~0|+|none~0|skip_connect~1|+|none~0|none~1|avg_pool_3x3~2|')), opts);
    expect(skips.nodes.filter((n) => n.id.startsWith('stage1.cell1')).map((n) => n.op)).toEqual(['AvgPool']);
  });

  it('a cell with no path to its output is a Zero node', () => {
    const g = buildGraph(space, space.freeze(parseNb201ArchStr('|nor_conv_3x3~0|+|none~0|none~1|+|none~0|nor_conv_3x3~1|none~2|')), opts);
    checkGraph(g);
    // node 2 is zero, node 3 = conv(node1): not zero
    expect(count(g, 'Zero')).toBe(0);
    const z = buildGraph(space, space.freeze(parseNb201ArchStr('|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|')), opts);
    checkGraph(z);
    expect(count(z, 'Zero')).toBe(3);
    expect(count(z, 'Conv2D')).toBe(1 + 2 * 3); // stem + two reductions (a, b, shortcut)
  });

  it('the benchmark skeleton (5 cells, C=16) has the benchmark parameter count', () => {
    // NAS-Bench-201 reports 1.531546 M params on CIFAR-10 for the all-3×3 cell (index 1462 in cost.csv);
    // the benchmark's count leaves out BN running statistics.
    const key = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|';
    const g = buildGraph(space, space.freeze(parseNb201ArchStr(key)), { ...opts, nb201: { cellsPerStage: 5 } });
    expect(graphCost(g).trainableParams).toBe(1_531_546);
  });
});

describe('mobilenet graphs', () => {
  const space = new MobilenetSpace();
  const opts = { input: [28, 28, 1] as const, classes: 10 };

  it('builds valid graphs for random architectures: 28 → 28 → 14 → 7 → 4', () => {
    const rng = new Rng(2);
    for (let i = 0; i < 60; i++) {
      const a = space.freeze(space.sample(rng));
      const g = buildGraph(space, a, opts);
      checkGraph(g);
      const pool = g.nodes.find((n) => n.id === 'head.pool');
      expect(pool?.inputs.length).toBe(1);
      const last = g.nodes.find((n) => n.id === pool?.inputs[0]);
      expect(last?.shape.slice(0, 2)).toEqual([4, 4]);
      const seBlocks = space.stages(a.sample).flatMap((s) => s.blocks).filter((b) => b.se).length;
      expect(count(g, 'Mul')).toBe(seBlocks);
      expect(count(g, 'Sigmoid')).toBe(seBlocks);
      expect(count(g, 'DepthwiseConv2D')).toBe(space.stages(a.sample).reduce((n, s) => n + s.blocks.length, 0));
    }
  });

  it('lowers MBConv with a residual only when stride 1 and channels match', () => {
    const a = space.freeze(space.parse('w1:k3e6se-k5e1/w1:k3e3/w1:k3e3/w1:k3e3'));
    const g = buildGraph(space, a, opts);
    const b1 = g.nodes.filter((n) => n.id.startsWith('s1.b1.')).map((n) => `${n.id}:${n.op}`);
    expect(b1).toEqual([
      's1.b1.expand.conv:Conv2D', 's1.b1.expand.bn:BatchNorm', 's1.b1.expand.act:ReLU6',
      's1.b1.dw.conv:DepthwiseConv2D', 's1.b1.dw.bn:BatchNorm', 's1.b1.dw.act:ReLU6',
      's1.b1.se.pool:GlobalAvgPool', 's1.b1.se.reduce:Conv2D', 's1.b1.se.relu:ReLU', 's1.b1.se.expand:Conv2D',
      's1.b1.se.sigmoid:Sigmoid', 's1.b1.se.mul:Mul',
      's1.b1.project.conv:Conv2D', 's1.b1.project.bn:BatchNorm', 's1.b1.add:Add',
    ]);
    const b2 = g.nodes.filter((n) => n.id.startsWith('s1.b2.')).map((n) => n.op);
    expect(b2).toEqual(['DepthwiseConv2D', 'BatchNorm', 'ReLU6', 'Conv2D', 'BatchNorm', 'Add']);
    expect(g.nodes.some((n) => n.id === 's2.b1.add')).toBe(false);
    expect(g.nodes.find((n) => n.id === 's1.b1.expand.conv')?.shape).toEqual([28, 28, 96]);
    expect(g.nodes.find((n) => n.id === 's1.b1.se.reduce')?.shape).toEqual([1, 1, 4]);
  });

  it('is deterministic: the same architecture gives the same graph', () => {
    const a = space.freeze(space.sample(new Rng(3)));
    expect(JSON.stringify(buildGraph(space, a, opts))).toBe(JSON.stringify(buildGraph(space, a, opts)));
  });
});

describe('custom-space graphs', () => {
  it('builds every shipped example space for random samples', () => {
    for (const [file, input] of [['tiny-cnn.yaml', [28, 28, 1]], ['resnet-like.json', [32, 32, 3]]] as const) {
      const space = parseSpaceDocument(readFileSync(new URL(`../../../resources/spaces/${file}`, import.meta.url), 'utf8'), file);
      const rng = new Rng(4);
      for (let i = 0; i < 100; i++) checkGraph(buildGraph(space, space.freeze(space.sample(rng)), { input, classes: 10 }));
    }
  });

  it('lowers skip and dense connections with projections when shapes differ', () => {
    const space = parseSpaceDocument(`
name: conn
layers:
  - { name: a, op: Conv2D, kernel: 3, filters: 8 }
  - { name: b, op: Conv2D, kernel: 3, filters: 16, stride: 2, connection: skip }
  - { name: c, op: SeparableConv2D, filters: 8, activation: swish, connection: dense }
  - { name: d, op: MaxPool, connection: dense }
  - { name: z, op: Zero, connection: skip }
  - { name: i, op: Identity, connection: skip }
`, 'conn.yaml');
    const g = buildGraph(space, space.freeze([]), { input: [28, 28, 1], classes: 5 });
    checkGraph(g);
    const by = (id: string) => g.nodes.find((n) => n.id === id);
    expect(by('b.skip.conv')?.attrs).toMatchObject({ kernel: 1, stride: 2, filters: 16 });
    expect(by('b.skip.add')?.shape).toEqual([14, 14, 16]);
    expect(by('c.dense.concat')?.shape).toEqual([14, 14, 24]);
    expect(by('c.pw.act.sigmoid')?.op).toBe('Sigmoid');
    expect(by('c.pw.act.mul')?.op).toBe('Mul');
    expect(by('d.dense.pool')?.attrs).toMatchObject({ kernel: 2, stride: 2 });
    expect(by('d.dense.concat')?.shape).toEqual([7, 7, 48]);
    expect(by('z')).toBeUndefined(); // x + 0 = x
    expect(by('i.skip.add')?.inputs).toEqual(['d.dense.concat', 'd.dense.concat']);
    expect(by('head.logits')?.shape).toEqual([5]);
  });

  it('uses a final linear Dense with `classes` units as the logits, else appends a head', () => {
    const doc = (units: number) => `
name: h
layers:
  - { name: a, op: Conv2D, filters: 4 }
  - { name: fc, op: Dense, units: ${units} }
`;
    const own = buildGraph(parseSpaceDocument(doc(10), 'h'), { space: 'x', key: '', sample: [] }, { input: [8, 8, 1], classes: 10 });
    expect(own.output).toBe('fc');
    expect(ops(own)).toContain('Reshape');
    const more = buildGraph(parseSpaceDocument(doc(32), 'h'), { space: 'x', key: '', sample: [] }, { input: [8, 8, 1], classes: 10 });
    expect(more.output).toBe('head.logits');
  });

  it('rejects data whose shape differs from the space input, and impossible connections', () => {
    const space = parseSpaceDocument('name: s\ninput: [28, 28, 1]\nlayers:\n  - { name: a, op: Conv2D }\n', 's');
    expect(() => buildGraph(space, space.freeze([]), { input: [32, 32, 3], classes: 10 })).toThrow(/space s is for inputs \[28, 28, 1\], the data has \[32, 32, 3\]/);
    const bad = parseSpaceDocument('name: s\nlayers:\n  - { name: p, op: GlobalAvgPool, connection: skip }\n', 's');
    expect(() => buildGraph(bad, bad.freeze([]), { input: [8, 8, 2], classes: 3 })).toThrow(/layer p: a skip connection cannot join/);
  });
});

describe('analytic cost', () => {
  it('matches a hand count on a one-conv model', () => {
    const space = parseSpaceDocument('name: one\nlayers:\n  - { name: c, op: Conv2D, kernel: 3, filters: 8 }\n', 'one');
    const g = buildGraph(space, space.freeze([]), { input: [28, 28, 1], classes: 10 });
    expect(ops(g)).toEqual(['Conv2D', 'BatchNorm', 'ReLU', 'GlobalAvgPool', 'Dense']);
    const c = graphCost(g);
    expect(c.params).toBe(72 + 4 * 8 + 8 * 10 + 10);
    expect(c.trainableParams).toBe(72 + 2 * 8 + 8 * 10 + 10);
    expect(c.flops).toBe(28 * 28 * 8 * 9 + 80);
    // conv output and BN output alive together (the input is freed after the conv): 2 · 28·28·8 floats
    expect(c.peakActivationBytes).toBe(4 * (28 * 28 * 8 * 2));
    expect(c.modelBytes).toBe(4 * c.params);
    expect(costMetrics(c)).toEqual({ params: c.params, flops: c.flops, peak_activation_bytes: c.peakActivationBytes, model_bytes: c.modelBytes });
  });

  it('keeps a residual input alive across its block', () => {
    const space = parseSpaceDocument('name: r\nlayers:\n  - { name: c, op: Conv2D, filters: 1, activation: linear, connection: skip }\n', 'r');
    const g = buildGraph(space, space.freeze([]), { input: [10, 10, 1], classes: 2 });
    expect(ops(g)).toEqual(['Conv2D', 'BatchNorm', 'Add', 'GlobalAvgPool', 'Dense']);
    // at the BN: input (kept for the add) + conv out + bn out = 3 · 100 floats
    expect(graphCost(g).peakActivationBytes).toBe(4 * 300);
  });

  it('grows with width and depth in the mobilenet space', () => {
    const space = new MobilenetSpace();
    const o = { input: [28, 28, 1] as const, classes: 10 };
    const small = graphCost(buildGraph(space, space.freeze(space.parse('w0.5:k3e1/w0.5:k3e1/w0.5:k3e1/w0.5:k3e1')), o));
    const big = graphCost(buildGraph(space, space.freeze(space.parse('w1:k7e6se-k7e6se/w1:k7e6se/w1:k7e6se/w1:k7e6se')), o));
    expect(big.params).toBeGreaterThan(5 * small.params);
    expect(big.flops).toBeGreaterThan(10 * small.flops);
    expect(big.peakActivationBytes).toBeGreaterThan(small.peakActivationBytes);
  });
});
