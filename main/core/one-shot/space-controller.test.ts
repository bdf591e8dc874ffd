// ENAS's controller over a space's decisions: REINFORCE learns a clearly better choice, decisions
// inactive in a sample get no credit for its reward, and everything is a function of the seed.
import { describe, expect, it } from 'vitest';
import type { Architecture } from '../../../shared/types/index.js';
import { MobilenetSpace } from '../spaces/mobilenet.js';
import { SpaceController } from './space-controller.js';

const space = new MobilenetSpace({
  stages: [
    { channels: 16, stride: 1, depths: [1, 2] },
    { channels: 24, stride: 2, depths: [1, 2] },
  ],
  kernels: [3, 5],
  expansions: [1, 3],
  widths: [0.5, 1],
  squeezeExcite: true,
});
const dim = (name: string) => space.dimIndex(name);

/** `updates` REINFORCE steps of 8 samples each; returns the mean reward of each step. */
function train(ctl: SpaceController, reward: (a: Architecture) => number, updates: number): number[] {
  const means: number[] = [];
  for (let i = 0; i < updates; i++) {
    const archs = ctl.sample(8);
    const r = archs.map(reward);
    ctl.update(archs.map((a) => a.sample), r);
    means.push(r.reduce((x, y) => x + y, 0) / r.length);
  }
  return means;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('SpaceController (ENAS controller over a space)', () => {
  it('learns a clearly better choice: its probability and the reward rise, and the argmax takes it', () => {
    const k = dim('s2.b1.kernel');
    const ctl = new SpaceController(space, { seed: 5 });
    expect(ctl.probabilities()[k]).toEqual([0.5, 0.5]);
    // kernel 5 in stage 2's first block scores 0.8, kernel 3 0.7 (accuracies a few points apart)
    const means = train(ctl, (a) => (a.sample[k] === 1 ? 0.8 : 0.7), 60);
    expect(ctl.probabilities()[k]?.[1]).toBeGreaterThan(0.9);
    expect(mean(means.slice(-10))).toBeGreaterThan(mean(means.slice(0, 10)) + 0.03);
    expect(ctl.best().sample[k]).toBe(1);
    expect(ctl.entropy()).toBeLessThan(Math.log(2));
  });

  it('gives a decision no credit for the rewards of samples where it is inactive', () => {
    const depth = dim('s1.depth');
    const b2 = dim('s1.b2.kernel'); // inactive when stage 1 has depth 1
    const ctl = new SpaceController(space, { seed: 9 });
    // depth 1 scores higher: its samples carry the canonical 0 in s1.b2.kernel, which must not be credited
    train(ctl, (a) => (a.sample[depth] === 0 ? 0.9 : 0.6), 60);
    expect(ctl.probabilities()[depth]?.[0]).toBeGreaterThan(0.9);
    expect(Math.abs((ctl.probabilities()[b2]?.[0] as number) - 0.5)).toBeLessThan(0.1);
  });

  it('is a function of the seed', () => {
    const reward = (a: Architecture) => a.sample.reduce((x, v) => x + v, 0) / 10;
    const run = (seed: number) => {
      const ctl = new SpaceController(space, { seed });
      train(ctl, reward, 5);
      return { p: ctl.probabilities(), next: ctl.sample(3).map((a) => a.key) };
    };
    expect(run(3)).toEqual(run(3));
    expect(run(3).next).not.toEqual(run(4).next);
  });

  it('continues from its state() (through JSON) exactly as if never stopped; a state of another space is refused', () => {
    const reward = (a: Architecture) => (a.sample[dim('s1.width')] === 1 ? 0.8 : 0.6) + a.sample[dim('s2.b1.kernel')]! * 0.05;
    const straight = new SpaceController(space, { seed: 9 });
    train(straight, reward, 6);
    const first = new SpaceController(space, { seed: 9 });
    train(first, reward, 3);
    expect(first.baselineValue()).not.toBeNull();
    const saved = JSON.parse(JSON.stringify(first.state())) as ReturnType<SpaceController['state']>;
    train(first, reward, 2); // what a killed run did after its checkpoint is lost
    const resumed = new SpaceController(space, { seed: 9 });
    resumed.restore(saved);
    train(resumed, reward, 3);
    expect(resumed.probabilities()).toEqual(straight.probabilities());
    expect(resumed.baselineValue()).toBe(straight.baselineValue());
    expect(resumed.sample(4).map((a) => a.key)).toEqual(straight.sample(4).map((a) => a.key));
    const small = new MobilenetSpace({ stages: [{ channels: 16, stride: 1, depths: [1] }], kernels: [3], expansions: [1], widths: [1], squeezeExcite: false });
    expect(() => new SpaceController(small, { seed: 9 }).restore(saved)).toThrow(/not a state of an ENAS controller over the mobilenet space/);
    expect(() => resumed.restore({ ...saved, variance: -1 })).toThrow(/not a state/);
  });

  it('refuses mismatched batches, non-finite rewards and bad settings', () => {
    const ctl = new SpaceController(space, { seed: 1 });
    const [a] = ctl.sample(1) as [Architecture];
    expect(() => ctl.update([a.sample], [])).toThrow(/1 samples for 0 rewards/);
    expect(() => ctl.update([a.sample], [Number.NaN])).toThrow(/not finite/);
    expect(() => new SpaceController(space, { seed: 1, lr: -1 })).toThrow(/lr must be a number ≥ 0/);
    expect(() => new SpaceController(space, { seed: 1, baselineDecay: 2 })).toThrow(/baselineDecay must be ≤ 1/);
  });
});
