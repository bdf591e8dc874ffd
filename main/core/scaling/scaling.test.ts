import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { customGraph } from '../graph/custom.js';
import { Rng } from '../rng.js';
import { parseSpaceDocument } from '../spaces/custom.js';
import { graphCost } from '../graph/cost.js';
import { mobilenetGraph } from '../graph/mobilenet.js';
import { MobilenetSpace } from '../spaces/mobilenet.js';
import { coefficientGrid, EFFICIENTNET_COEFFICIENTS, fitPhi, flopsFactor, multipliersAt, parseTargets } from './compound.js';
import { roundFilters, roundRepeats, scaledStages } from './mobilenet-scaled.js';
import { ScaledSpace, scaledInput } from './space.js';

const BASE = new MobilenetSpace();
const KEY = 'w0.5:k5e1-k7e3se/w1:k3e3se/w1:k3e1se/w0.75:k3e6-k5e1';
const space = (divisor?: number) => new ScaledSpace({ base: { space: 'mobilenet', spaceOptions: {}, key: KEY }, ...(divisor ? { divisor } : {}) });
const INPUT: [number, number, number] = [28, 28, 1];

describe('EfficientNet rounding', () => {
  it('rounds filters to the nearest multiple of the divisor, never below 90 % of c·w', () => {
    expect(roundFilters(32, 1.1)).toBe(32);
    expect(roundFilters(24, 1.4)).toBe(32);
    expect(roundFilters(40, 2)).toBe(80);
    expect(roundFilters(16, 0.25)).toBe(8);
    expect(roundFilters(40, 1.3)).toBe(56); // 52 rounds to 56
    expect(roundFilters(20, 0.5)).toBe(16); // 10 rounds to 8, below 90 % of 10: one divisor more
    expect(roundFilters(20, 1, 4)).toBe(20);
    expect(roundFilters(20, 1)).toBe(24);
    expect(roundFilters(12, 1.5, 4)).toBe(20); // 18 → 20
  });

  it('repeats blocks ⌈d·n⌉ times', () => {
    expect([roundRepeats(3, 1.2), roundRepeats(1, 1.4), roundRepeats(4, 0.5), roundRepeats(1, 1), roundRepeats(2, 1.5), roundRepeats(1, 0.3)]).toEqual([4, 2, 2, 1, 3, 1]);
  });
});

describe('compound coefficients', () => {
  it('the grid keeps α·β²·γ² within the tolerance of 2, α, β, γ ≥ 1.1, at most limit of them spread out', () => {
    const all = coefficientGrid({ limit: 10_000 });
    expect(all.length).toBe(22);
    expect(all).toContainEqual({ alpha: 1.2, beta: 1.1, gamma: 1.15 }); // EfficientNet's
    for (const c of all) {
      expect(Math.abs(flopsFactor(c) - 2)).toBeLessThanOrEqual(0.1 + 1e-9);
      expect(Math.min(c.alpha, c.beta, c.gamma)).toBeGreaterThanOrEqual(1.1);
    }
    expect(coefficientGrid({ min: 1, limit: 10_000 }).length).toBeGreaterThan(100);
    expect(coefficientGrid({ limit: 4 })).toEqual([{ alpha: 1.1, beta: 1.1, gamma: 1.2 }, { alpha: 1.15, beta: 1.1, gamma: 1.2 }, { alpha: 1.2, beta: 1.2, gamma: 1.1 }, { alpha: 1.4, beta: 1.1, gamma: 1.1 }]);
    const six = coefficientGrid();
    expect(six.length).toBe(6);
    expect(six[0]).toEqual(all[0]);
    expect(six[5]).toEqual(all[all.length - 1]);
    expect(coefficientGrid({ tolerance: 0.02, limit: 10_000 }).length).toBeLessThan(all.length);
  });

  it('multipliers at φ are the coefficients to the power φ, to 0.01', () => {
    expect(multipliersAt(EFFICIENTNET_COEFFICIENTS, 0)).toEqual({ depth: 1, width: 1, resolution: 1 });
    expect(multipliersAt(EFFICIENTNET_COEFFICIENTS, 1)).toEqual({ depth: 1.2, width: 1.1, resolution: 1.15 });
    expect(multipliersAt(EFFICIENTNET_COEFFICIENTS, 2)).toEqual({ depth: 1.44, width: 1.21, resolution: 1.32 });
    expect(multipliersAt(EFFICIENTNET_COEFFICIENTS, -1)).toEqual({ depth: 0.83, width: 0.91, resolution: 0.87 });
  });

  it('fitPhi finds the largest φ within a FLOPs budget', () => {
    const s = space();
    const flops = (m: { depth: number; width: number; resolution: number }) => graphCost(s.graph(s.sampleOf(m), INPUT, 10)).flops;
    const base = flops({ depth: 1, width: 1, resolution: 1 });
    const fit = fitPhi(EFFICIENTNET_COEFFICIENTS, (m) => flops(m) <= 4 * base);
    expect(fit).toBeDefined();
    expect(flops(fit!.multipliers)).toBeLessThanOrEqual(4 * base);
    expect(fit!.multipliers).toEqual(multipliersAt(EFFICIENTNET_COEFFICIENTS, fit!.phi));
    expect(fit!.phi).toBe(Number(fit!.phi.toFixed(4)));
    expect(flops(multipliersAt(EFFICIENTNET_COEFFICIENTS, fit!.phi + 0.05))).toBeGreaterThan(4 * base);
    expect(fitPhi(EFFICIENTNET_COEFFICIENTS, () => false)).toBeUndefined();
  });

  it('parses targets (FLOPs, params, latency here or on phones by serial), refusing bad ones with a reason', () => {
    expect(parseTargets('flops:20M, params:150k,latency:local=1.5')).toEqual([
      { kind: 'flops', value: 20e6, label: 'flops:20M' },
      { kind: 'params', value: 150e3, label: 'params:150k' },
      { kind: 'latency', device: 'local', value: 1.5, label: 'latency:local=1.5' },
    ]);
    expect(parseTargets('latency:R5CT1234=5,latency:127.0.0.1:5555=12')).toEqual([
      { kind: 'latency', device: 'R5CT1234', value: 5, label: 'latency:R5CT1234=5' }, { kind: 'latency', device: '127.0.0.1:5555', value: 12, label: 'latency:127.0.0.1:5555=12' },
    ]);
    expect(() => parseTargets('latency:my phone=5')).toThrow("target 'latency:my phone=5': 'my phone' is not a phone's adb serial");
    expect(() => parseTargets('latency:pixel=fast')).toThrow("target 'latency:pixel=fast': the latency must be a positive number of milliseconds");
    expect(() => parseTargets('flops:lots')).toThrow("target flops 'lots' must be a positive number");
    expect(() => parseTargets('speed:3')).toThrow("target 'speed:3' must be flops:N, params:N, latency:local=MS or latency:<serial>=MS");
  });
});

describe('the scaled space and its models', () => {
  it('at d = w = r = 1 builds the base network, node for node', () => {
    const s = space();
    const g = s.graph(s.sampleOf({ depth: 1, width: 1, resolution: 1 }), INPUT, 10, { stemStride: 2 });
    expect(g).toEqual(mobilenetGraph(BASE, BASE.parse(KEY), INPUT, 10, { stemStride: 2 }));
  });

  it('scales blocks by ⌈d·n⌉, channels by round_filters(c, w) and the input by r; FLOPs grow with each', () => {
    const s = space();
    const m = { depth: 1.5, width: 1.3, resolution: 1.15 };
    const g = s.graph(s.sampleOf(m), INPUT, 10);
    const base = BASE.stages(BASE.parse(KEY));
    const scaled = scaledStages(BASE, BASE.parse(KEY), { ...m, divisor: 8 });
    expect(scaled.map((st) => st.blocks.length)).toEqual(base.map((st) => Math.ceil(1.5 * st.blocks.length)));
    expect(scaled.map((st) => st.channels)).toEqual(base.map((st) => roundFilters(st.channels, 1.3)));
    expect(g.input).toEqual([32, 32, 1]);
    expect(g.nodes.find((n) => n.id === 'stem.conv')?.attrs.filters).toBe(roundFilters(16, 1.3));
    const projects = g.nodes.filter((n) => n.id.endsWith('.project.conv'));
    expect(projects.length).toBe(scaled.reduce((a, st) => a + st.blocks.length, 0));
    // An added block repeats its stage's last one.
    expect(g.nodes.find((n) => n.id === 's1.b3.dw.conv')?.attrs.kernel).toBe(7);
    const cost = (d: number, w: number, r: number) => graphCost(s.graph(s.sampleOf({ depth: d, width: w, resolution: r }), INPUT, 10)).flops;
    const f0 = cost(1, 1, 1);
    expect(cost(2, 1, 1)).toBeGreaterThan(1.6 * f0);
    expect(cost(1, 2, 1)).toBeGreaterThan(3 * f0);
    expect(cost(1, 1, 2)).toBeGreaterThan(3.5 * f0);
    const stem = (divisor: number) => space(divisor).graph(s.sampleOf({ depth: 1, width: 1.25, resolution: 1 }), INPUT, 10).nodes.find((n) => n.id === 'stem.conv')?.attrs.filters;
    expect([stem(4), stem(8)]).toEqual([20, 24]);
  });

  it('keys name the base and the multipliers, and parse back', () => {
    const s = space();
    const a = s.freeze(s.sampleOf({ depth: 1.2, width: 1.1, resolution: 1.15 }));
    expect(a.key).toBe(`${KEY} @d1.2,w1.1,r1.15`);
    expect(s.parse(a.key)).toEqual(a.sample);
    expect(() => s.parse(`${KEY} @d9,w1,r1`)).toThrow('depth multiplier 9 is not one of 0.25..4 by 0.01');
    expect(() => s.parse('w1:k3e6/w1:k3e6/w1:k3e6/w1:k3e6 @d1,w1,r1')).toThrow(`scales w1:k3e6/w1:k3e6/w1:k3e6/w1:k3e6, this space scales ${KEY}`);
    expect(scaledInput([28, 20, 3], 1.15)).toEqual([32, 23, 3]);
    expect(() => new ScaledSpace({ base: { space: 'nb201', key: 'x' } })).toThrow('compound scaling needs a mobilenet or space-document architecture');
  });
});

describe('scaling an architecture of a space document (width and resolution)', () => {
  const document = readFileSync(new URL('../../../resources/spaces/tiny-cnn.yaml', import.meta.url), 'utf8');
  const doc = parseSpaceDocument(document, 'tiny-cnn.yaml');
  const arch = doc.freeze(doc.sample(new Rng(3)));
  const s = new ScaledSpace({ base: { space: 'custom', spaceOptions: { document, source: 'tiny-cnn.yaml' }, key: arch.key } });

  it('at w = r = 1 builds the document\'s network; filters scale by round_filters, inputs by r; depth stays 1', () => {
    expect(s.graph(s.sampleOf({ depth: 1, width: 1, resolution: 1 }), INPUT, 10)).toEqual(customGraph(doc, arch.sample, INPUT, 10));
    const g = s.graph(s.sampleOf({ depth: 1, width: 1.25, resolution: 1.15 }), INPUT, 10);
    expect(g.input).toEqual([32, 32, 1]);
    const stem = doc.layers(arch.sample)[0]?.params.filters as number;
    expect(g.nodes.find((n) => n.id === 'stem.conv')?.attrs.filters).toBe(roundFilters(stem, 1.25));
    expect(graphCost(g).flops).toBeGreaterThan(1.3 * graphCost(customGraph(doc, arch.sample, INPUT, 10)).flops);
    expect(() => s.graph(s.sampleOf({ depth: 1.2, width: 1, resolution: 1 }), INPUT, 10)).toThrow('scales in width and resolution only: its depth multiplier must be 1, got 1.2');
    expect(s.parse(s.freeze(s.sampleOf({ depth: 1, width: 1.25, resolution: 1.15 })).key)).toEqual(s.sampleOf({ depth: 1, width: 1.25, resolution: 1.15 }));
  });

  it('its coefficient grid keeps α at 1 with β²·γ² ≈ 2', () => {
    const grid = coefficientGrid({ depth: false, limit: 100 });
    expect(grid.length).toBeGreaterThan(2);
    for (const c of grid) {
      expect(c.alpha).toBe(1);
      expect(Math.abs(c.beta ** 2 * c.gamma ** 2 - 2)).toBeLessThanOrEqual(0.1 + 1e-9);
    }
  });
});
