import { describe, expect, it } from 'vitest';
import type { ModelGraph } from '../../../shared/types/index.js';
import { Rng } from '../rng.js';
import { buildGraph } from '../graph/index.js';
import { MobilenetSpace } from '../spaces/mobilenet.js';
import { KwsSpace } from '../spaces/kws.js';
import { TextSpace } from '../spaces/text.js';
import { distinctKernels, kernelGraph, latencyKernels } from './kernels.js';
import { accuracy, fitLatency, kernelSum, LookupTableLatencyModel, predictGraph, type LookupTable } from './lookup-table.js';

const g: ModelGraph = {
  input: [8, 8, 3], classes: 4, output: 'fc',
  nodes: [
    { id: 'c', op: 'Conv2D', attrs: { kernel: 3, stride: 1, filters: 8, useBias: false }, inputs: ['input'], shape: [8, 8, 8] },
    { id: 'c.bn', op: 'BatchNorm', attrs: { epsilon: 1e-3 }, inputs: ['c'], shape: [8, 8, 8] },
    { id: 'c.act', op: 'ReLU6', attrs: {}, inputs: ['c.bn'], shape: [8, 8, 8] },
    { id: 'd', op: 'DepthwiseConv2D', attrs: { kernel: 3, stride: 2, useBias: false }, inputs: ['c.act'], shape: [4, 4, 8] },
    { id: 'd.bn', op: 'BatchNorm', attrs: { epsilon: 1e-3 }, inputs: ['d'], shape: [4, 4, 8] },
    { id: 'p', op: 'MaxPool', attrs: { kernel: 2, stride: 2 }, inputs: ['c.act'], shape: [4, 4, 8] },
    { id: 'sum', op: 'Add', attrs: {}, inputs: ['d.bn', 'p'], shape: [4, 4, 8] },
    { id: 'sum.act', op: 'ReLU', attrs: {}, inputs: ['sum'], shape: [4, 4, 8] },
    { id: 'gap', op: 'GlobalAvgPool', attrs: { keepDims: false }, inputs: ['sum.act'], shape: [8] },
    { id: 'fc', op: 'Dense', attrs: { units: 4, useBias: true }, inputs: ['gap'], shape: [4] },
  ],
};

describe('latency kernels', () => {
  it('folds BatchNorm and fuses activations the way the exporter does', () => {
    const ks = latencyKernels(g);
    expect(ks.map((k) => [k.op, k.key])).toEqual([
      ['Conv2D', 'in=8x8x3|k=3|s=1|f=8|bias=1|act=ReLU6'],
      ['DepthwiseConv2D', 'in=8x8x8|k=3|s=2|bias=1|act=none'],
      ['MaxPool', 'in=8x8x8|k=2|s=2|act=none'],
      ['Add', 'in=4x4x8+4x4x8|act=ReLU'],
      ['GlobalAvgPool', 'in=4x4x8|kd=0|act=none'],
      ['Dense', 'in=8|u=4|bias=1|act=none'],
    ]);
    expect(ks.flatMap((k) => k.nodes).sort()).toEqual(g.nodes.map((n) => n.id).sort());
  });

  it('does not fold a BatchNorm whose conv output is also used elsewhere', () => {
    const shared: ModelGraph = { ...g, nodes: g.nodes.map((n) => (n.id === 'p' ? { ...n, inputs: ['c'] } : n)) };
    const ks = latencyKernels(shared);
    expect(ks.map((k) => k.op)).toContain('BatchNorm');
  });

  it('builds a runnable one-kernel graph, reshaping vector inputs', () => {
    const [conv, , , add, , dense] = latencyKernels(g);
    const cg = kernelGraph(conv!);
    expect(cg.input).toEqual([8, 8, 3]);
    expect(cg.nodes.map((n) => n.op)).toEqual(['Conv2D', 'BatchNorm', 'ReLU6']);
    expect(latencyKernels(cg)[0]?.key).toBe(conv!.key);
    expect(kernelGraph(add!).nodes[0]?.inputs).toEqual(['input', 'input']);
    const dg = kernelGraph(dense!);
    expect(dg.input).toEqual([1, 1, 8]);
    expect(dg.nodes.map((n) => n.op)).toEqual(['Reshape', 'Dense']);
    expect(latencyKernels(dg)[1]?.key).toBe(dense!.key);
  });

  it('counts distinct kernels over a space sample', () => {
    const space = new MobilenetSpace();
    const rng = new Rng(1);
    const graphs = Array.from({ length: 5 }, () => buildGraph(space, space.freeze(space.sample(rng)), { input: [32, 32, 3], classes: 10 }));
    const d = distinctKernels(graphs);
    const total = graphs.reduce((n, x) => n + latencyKernels(x).length, 0);
    expect(d.reduce((n, e) => n + e.count, 0)).toBe(total);
    expect(new Set(d.map((e) => `${e.kernel.op}|${e.kernel.key}`)).size).toBe(d.length);
  });
});

describe('latency kernels of speech and text graphs (#16)', () => {
  const kws = new KwsSpace();
  const text = new TextSpace();
  const rng = new Rng(5);
  const kwsGraphs = Array.from({ length: 12 }, () => buildGraph(kws, kws.freeze(kws.sample(rng)), { input: [49, 10, 1], classes: 12 }));
  const textGraphs = Array.from({ length: 12 }, () => buildGraph(text, text.freeze(text.sample(rng)), { input: [32, 1, 1], classes: 8, vocab: 300 }));

  it('keys carry kernel and stride along W where they differ, and vocab, units and heads', () => {
    const keys = distinctKernels([...kwsGraphs, ...textGraphs]).map((e) => `${e.kernel.op}|${e.kernel.key}`);
    // TC-ResNet's first conv spans the 10 features: kernel 3×10, stride 1×10 on [49, 10, 1].
    expect(keys.some((k) => /^Conv2D\|in=49x10x1\|k=\d+\|kw=10\|s=1\|sw=10\|/.test(k))).toBe(true);
    // 1-D convs over time: kernelW 1.
    expect(keys.some((k) => /^(Depthwise)?Conv2D\|in=\d+x1x\d+\|k=(3|5|9)\|kw=1\|/.test(k))).toBe(true);
    expect(keys.some((k) => /^Embedding\|in=32x1x1\|v=300\|u=\d+\|act=none$/.test(k))).toBe(true);
    expect(keys.some((k) => /^Attention\|in=32x1x(\d+)\+32x1x\1\+32x1x\1\|h=\d\|act=none$/.test(k))).toBe(true);
    expect(keys.some((k) => /^LayerNorm\|in=32x1x\d+\|act=/.test(k))).toBe(true);
    // A square kernel's key is as before (no kw/sw part).
    expect(latencyKernels(g)[0]?.key).toBe('in=8x8x3|k=3|s=1|f=8|bias=1|act=ReLU6');
  });

  it('every node belongs to exactly one kernel, and each kernel\'s one-kernel graph has that kernel\'s key', () => {
    for (const graph of [...kwsGraphs, ...textGraphs]) {
      const ks = latencyKernels(graph);
      expect(ks.flatMap((k) => k.nodes).sort()).toEqual(graph.nodes.map((n) => n.id).sort());
    }
    for (const { kernel } of distinctKernels([...kwsGraphs, ...textGraphs])) {
      const kg = kernelGraph(kernel);
      const own = latencyKernels(kg).filter((k) => k.op === kernel.op);
      expect(own.map((k) => k.key), `${kernel.op}|${kernel.key}`).toEqual([kernel.key]);
      if (kernel.op === 'Attention') expect(kg.nodes.find((n) => n.id === 'op')?.inputs).toEqual(['input', 'input', 'input']);
    }
  });
});

describe('lookup-table predictor', () => {
  const entries: LookupTable['entries'] = {
    Conv2D: { 'in=8x8x3|k=3|s=1|f=8|bias=1|act=ReLU6': 2 }, DepthwiseConv2D: { 'in=8x8x8|k=3|s=2|bias=1|act=none': 1 },
    MaxPool: { 'in=8x8x8|k=2|s=2|act=none': 0.5 }, Add: { 'in=4x4x8+4x4x8|act=ReLU': 0.25 },
    GlobalAvgPool: { 'in=4x4x8|kd=0|act=none': 0.15 }, Dense: { 'in=8|u=4|bias=1|act=none': 0.1 },
  };

  it('sums kernels and applies the fit; reports missing kernels', () => {
    const t: LookupTable = { deviceId: 'd', entries, fit: { scale: 2, perKernel: -0.1, overhead: 0.3 } };
    expect(kernelSum(t, g)).toMatchObject({ sum: 4, count: 6, missing: [] });
    expect(predictGraph(t, g).ms).toBeCloseTo(2 * 4 - 0.6 + 0.3);
    const partial: LookupTable = { ...t, entries: { ...entries, Dense: {} } };
    expect(predictGraph(partial, g).missing).toEqual(['Dense|in=8|u=4|bias=1|act=none']);
    const m = new LookupTableLatencyModel(t, () => g);
    expect(m.deviceId).toBe('d');
    expect(m.predict({ key: 'x', sample: [] } as never).ms).toBeCloseTo(7.7);
  });

  it('never predicts less than the slowest kernel measured alone (a fit extrapolating below it)', () => {
    const t: LookupTable = { deviceId: 'd', entries, fit: { scale: 1, perKernel: -1, overhead: 0 } };
    expect(kernelSum(t, g)).toMatchObject({ sum: 4, max: 2 });
    expect(predictGraph(t, g).ms).toBe(2); // 4 − 6 = −2 fitted
  });

  it('recovers the overhead model from exact data and keeps the plain sum with none', () => {
    const rows = [[10, 5], [20, 8], [4, 3], [30, 12], [15, 6]].map(([sum, count]) => ({ sum: sum!, count: count!, measured: 0.9 * sum! - 0.2 * count! + 1.5 }));
    const fit = fitLatency(rows, 1e-9, 5);
    expect(fit.scale).toBeCloseTo(0.9, 4);
    expect(fit.perKernel).toBeCloseTo(-0.2, 3);
    expect(fit.overhead).toBeCloseTo(1.5, 3);
    expect(fitLatency([])).toEqual({ scale: 1, perKernel: 0, overhead: 0 });
    // Few calibration models: the scale stays 1, the overheads are fitted.
    const few = [[10, 5], [20, 8], [4, 3]].map(([sum, count]) => ({ sum: sum!, count: count!, measured: sum! - 0.1 * count! + 2 }));
    const f2 = fitLatency(few, 1e-9);
    expect(f2.scale).toBe(1);
    expect(f2.perKernel).toBeCloseTo(-0.1, 4);
    expect(f2.overhead).toBeCloseTo(2, 3);
  });

  it('reports RMSE and the share within ±10%', () => {
    const r = accuracy([{ predicted: 10, measured: 10 }, { predicted: 11, measured: 10 }, { predicted: 8, measured: 10 }, { predicted: 10.5, measured: 10 }]);
    expect(r.n).toBe(4);
    expect(r.within10).toBe(0.75);
    expect(r.rmseMs).toBeCloseTo(Math.sqrt((0 + 1 + 4 + 0.25) / 4));
  });
});
