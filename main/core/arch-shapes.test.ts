import { describe, expect, it } from 'vitest';
import { architectureGraph } from './analysis.js';
import { withShapes } from './arch-shapes.js';
import { Rng } from './rng.js';
import { createSpace } from './spaces.js';

describe('tensor shapes on the drawn architecture', () => {
  it('gives the NB201 cell its shape at each stage of the CIFAR network', () => {
    const space = createSpace('nb201');
    const sample = [1, 2, 3, 4, 0, 1];
    const g = withShapes(architectureGraph(space, sample, space.freeze(sample).key), space, sample, { options: { input: [32, 32, 3], classes: 10 }, source: 'cifar' });
    expect(g.nodes.map((n) => n.shape)).toEqual(Array(4).fill('32×32×16 · 16×16×32 · 8×8×64'));
  });

  it('gives each mobilenet block its output shape, from the input through the strides to the logits', () => {
    const space = createSpace('mobilenet');
    const sample = space.sample(new Rng(3));
    const a = space.freeze(sample);
    const g = withShapes(architectureGraph(space, sample, a.key), space, sample, { options: { input: [28, 28, 1], classes: 10, mobilenet: { stemStride: 2 } }, source: 'fmnist' });
    expect(g.nodes[0]!.shape).toBe('28×28×1');
    expect(g.nodes.at(-1)!.shape).toBe('10');
    const blocks = g.nodes.filter((n) => /^s\d+\.b\d+:/.test(n.label));
    expect(blocks.length).toBeGreaterThan(3);
    for (const b of blocks) expect(b.shape).toMatch(/^\d+×\d+×\d+$/);
    // Stem stride 2 halves 28 to 14; later strides only shrink it.
    const sides = blocks.map((b) => Number(b.shape!.split('×')[0]));
    expect(sides[0]).toBeLessThanOrEqual(14);
    for (let i = 1; i < sides.length; i++) expect(sides[i]).toBeLessThanOrEqual(sides[i - 1]!);
    expect(Math.min(...sides)).toBeLessThan(14);
    // Each block outputs its stage's channels (the projection's, not the expansion's).
    const stages = (space as unknown as { stages(s: readonly number[]): { channels: number }[] }).stages(sample);
    for (const b of blocks) expect(Number(b.shape!.split('×')[2])).toBe(stages[Number(/^s(\d+)/.exec(b.label)![1]) - 1]!.channels);
    // A stage's own node (depth, width) is settings, not a tensor.
    for (const n of g.nodes.filter((n) => /^s\d+:/.test(n.label))) expect(n.shape).toBeUndefined();
    expect(g.shapes).toBe('fmnist');
  });

  it('shows no shape at all when the input size is unknown', () => {
    const space = createSpace('mobilenet');
    const sample = space.sample(new Rng(1));
    const g = withShapes(architectureGraph(space, sample, space.freeze(sample).key), space, sample, { unknown: 'input size unknown (user data)' });
    expect(g.nodes.every((n) => n.shape === undefined)).toBe(true);
    expect(g.shapes).toBe('input size unknown (user data)');
  });
});
