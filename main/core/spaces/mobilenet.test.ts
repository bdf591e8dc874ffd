import { describe, expect, it } from 'vitest';
import { NasError } from '../../../shared/errors.js';
import { sampleProblems } from '../../../test/fixtures/space-checks.js';
import { Rng } from '../rng.js';
import { enumerate } from '../search-space.js';
import { MOBILENET_DEFAULTS, MobilenetSpace, type MobilenetOptions } from './mobilenet.js';

/** Option sets small enough to enumerate (the raw product of choices stays under ~20k). */
const SMALL: Record<string, Partial<MobilenetOptions>> = {
  oneStage: {
    stages: [{ channels: 16, stride: 1, depths: [1, 2, 3] }],
    kernels: [3, 5, 7],
    expansions: [1, 6],
    squeezeExcite: true,
    widths: [0.5, 1],
  },
  twoStagesNoSe: {
    stages: [
      { channels: 16, stride: 1, depths: [1, 2] },
      { channels: 24, stride: 2, depths: [2, 4] },
    ],
    kernels: [3, 5],
    expansions: [3],
    squeezeExcite: false,
    widths: [1],
  },
  unsortedDepths: {
    stages: [
      { channels: 16, stride: 1, depths: [3, 1] },
      { channels: 32, stride: 2, depths: [2] },
    ],
    kernels: [3],
    expansions: [1, 3, 6],
    squeezeExcite: false,
    widths: [0.5, 0.75, 1],
  },
  threeStagesSe: {
    stages: [
      { channels: 8, stride: 1, depths: [1] },
      { channels: 16, stride: 2, depths: [1, 2] },
      { channels: 24, stride: 2, depths: [1] },
    ],
    kernels: [3, 5],
    expansions: [6],
    squeezeExcite: true,
    widths: [0.75, 1],
  },
};

/** Π over stages of |widths| · Σ over depths d of (|kernels|·|expansions|·|se|)^d. */
function closedForm(o: MobilenetOptions): bigint {
  const perBlock = BigInt(o.kernels.length * o.expansions.length * (o.squeezeExcite ? 2 : 1));
  let total = 1n;
  for (const st of o.stages) {
    let sum = 0n;
    for (const d of st.depths) sum += perBlock ** BigInt(d);
    total *= BigInt(o.widths.length) * sum;
  }
  return total;
}

describe('MobilenetSpace.count()', () => {
  for (const [name, opts] of Object.entries(SMALL)) {
    it(`${name}: equals brute-force enumeration and the closed form`, () => {
      const space = new MobilenetSpace(opts);
      const all = enumerate(space);
      expect(space.count()).toBe(BigInt(all.length));
      expect(space.count()).toBe(closedForm(space.options));
      expect(new Set(all.map((s) => space.freeze(s).key)).size).toBe(all.length);
    });
  }

  it('hand-computed sizes of the small sets', () => {
    expect(new MobilenetSpace(SMALL.oneStage).count()).toBe(2n * (12n + 144n + 1728n));
    expect(new MobilenetSpace(SMALL.twoStagesNoSe).count()).toBe((2n + 4n) * (4n + 16n));
  });

  it('default space: (3·(18 + 18² + 18³ + 18⁴))⁴, beyond 2^53', () => {
    const space = new MobilenetSpace();
    const expected = (3n * (18n + 18n ** 2n + 18n ** 3n + 18n ** 4n)) ** 4n;
    expect(space.count()).toBe(expected);
    expect(expected > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(space.count().toString()).toBe('12362972039154506250000') // 333450⁴;
  });
});

describe('MobilenetSpace keys', () => {
  const space = new MobilenetSpace({
    stages: [
      { channels: 16, stride: 1, depths: [1, 2, 3] },
      { channels: 40, stride: 2, depths: [1, 2] },
    ],
  });

  it('freezes to the documented key format and parses it back', () => {
    const s = space.parse('w1:k3e6se-k5e3/w0.75:k7e1');
    const a = space.freeze(s);
    expect(a.key).toBe('w1:k3e6se-k5e3/w0.75:k7e1');
    expect(a.sample).toEqual(s);
    expect(space.stages(s)).toEqual([
      { width: 1, channels: 16, stride: 1, blocks: [{ kernel: 3, expansion: 6, se: true }, { kernel: 5, expansion: 3, se: false }] },
      { width: 0.75, channels: 32, stride: 2, blocks: [{ kernel: 7, expansion: 1, se: false }] },
    ]);
  });

  it('keys ignore the decisions of blocks beyond the depth', () => {
    const s = space.parse('w0.5:k3e1/w0.5:k3e1').slice();
    const i = space.dimIndex('s1.b3.kernel');
    const j = space.dimIndex('s2.b2.se');
    s[i] = 2;
    s[j] = 1;
    expect(space.freeze(s).key).toBe('w0.5:k3e1/w0.5:k3e1');
    expect(space.freeze(s).sample[i]).toBe(0);
    expect(space.freeze(s).sample[j]).toBe(0);
  });

  it('channels follow the width, rounded to a multiple of 8, at least 8', () => {
    const tiny = new MobilenetSpace({ stages: [{ channels: 12, stride: 1, depths: [1] }, { channels: 80, stride: 2, depths: [1] }] });
    expect(tiny.stages(tiny.parse('w0.5:k3e1/w0.75:k3e1')).map((s) => s.channels)).toEqual([8, 64]);
    expect(tiny.stages(tiny.parse('w1:k3e1/w1:k3e1')).map((s) => s.channels)).toEqual([16, 80]);
  });

  it('parse(freeze(s).key) round-trips for many random samples of the default space', () => {
    const d = new MobilenetSpace();
    const rng = new Rng(31337);
    const problems: string[] = [];
    const keys = new Set<string>();
    for (let i = 0; i < 1500; i++) {
      const s = d.sample(rng);
      const a = d.freeze(s);
      keys.add(a.key);
      const back = d.parse(a.key);
      if (back.join(',') !== s.join(',')) problems.push(`${a.key}: ${back.join(',')} vs ${s.join(',')}`);
    }
    expect(problems).toEqual([]);
    expect(keys.size).toBeGreaterThan(1490);
  });

  const badKeys: [string, RegExp][] = [
    ['w1:k3e6', /expected 2 stages separated by \/, got 1/],
    ['w1:k3e6/w1:k3e6/w1:k3e6', /expected 2 stages/],
    ['1:k3e6/w1:k3e6', /stage 1 '1:k3e6' must look like w<width>:<blocks>/],
    ['w0.6:k3e6/w1:k3e6', /stage 1 width 0\.6 is not allowed \(choices: 0\.5, 0\.75, 1\)/],
    ['w1:k3e6-k3e6-k3e6-k3e6/w1:k3e6', /stage 1 depth 4 is not allowed \(choices: 1, 2, 3\)/],
    ['w1:k3e6/w1:k3e6-k3e6-k3e6', /stage 2 depth 3 is not allowed/],
    ['w1:k4e6/w1:k3e6', /kernel 4 is not allowed \(choices: 3, 5, 7\)/],
    ['w1:k3e2/w1:k3e6', /expansion 2 is not allowed/],
    ['w1:k3e6SE/w1:k3e6', /block 'k3e6SE' must look like k<kernel>e<expansion>\[se\]/],
    ['w1:k3/w1:k3e6', /block 'k3' must look like/],
    ['w1:/w1:k3e6', /must look like w<width>:<blocks>/],
    ['w1:k3e6--k3e6/w1:k3e6', /block '' must look like/],
  ];
  for (const [key, msg] of badKeys) {
    it(`parse rejects '${key}' with a readable NasError`, () => {
      let err: unknown;
      try {
        space.parse(key);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(NasError);
      expect((err as NasError).code).toBe('invalid-sample');
      expect((err as NasError).message).toContain(`'${key}' is not a mobilenet architecture`);
      expect((err as NasError).message).toMatch(msg);
    });
  }

  it('parse rejects squeeze-excite in a space without it', () => {
    const noSe = new MobilenetSpace(SMALL.twoStagesNoSe);
    expect(noSe.freeze(noSe.parse('w1:k3e3/w1:k5e3-k5e3')).key).toBe('w1:k3e3/w1:k5e3-k5e3');
    expect(() => noSe.parse('w1:k3e3se/w1:k5e3-k5e3')).toThrow(/squeeze-excite is not part of this space/);
  });
});

describe('MobilenetSpace sample / mutate / neighbours / features', () => {
  for (const [name, opts] of Object.entries(SMALL)) {
    it(`${name}: every architecture passes the protocol checks`, () => {
      const space = new MobilenetSpace(opts);
      const rng = new Rng(4);
      const all = enumerate(space);
      const step = Math.max(1, Math.floor(all.length / 400));
      const problems = all.filter((_, i) => i % step === 0).flatMap((s) => sampleProblems(space, s, rng));
      expect(problems).toEqual([]);
    });
  }

  it('default space: random samples are canonical and pass the protocol checks', () => {
    const space = new MobilenetSpace();
    const rng = new Rng(77);
    const problems: string[] = [];
    for (let i = 0; i < 80; i++) problems.push(...sampleProblems(space, space.sample(rng), rng));
    expect(problems).toEqual([]);
    // 4 stages × (depth, width, 4 blocks × (kernel, expand, se)).
    expect(space.dims.length).toBe(4 * (2 + 4 * 3));
    expect(space.features(space.sample(rng)).length).toBe(4 * (4 + 3 + 4 * (3 + 3 + 2)));
  });

  it('mutating the depth down and up again restores canonical blocks, not the old ones', () => {
    const space = new MobilenetSpace(SMALL.oneStage);
    const s = space.parse('w1:k7e6se-k7e6se-k7e6se');
    const depth = space.dimIndex('s1.depth');
    const down = space.neighbours(s).find((n) => n[depth] === 0) as number[];
    expect(space.freeze(down).key).toBe('w1:k7e6se');
    const up = space.neighbours(down).find((n) => n[depth] === 2) as number[];
    expect(space.freeze(up).key).toBe('w1:k7e6se-k3e1-k3e1');
  });
});

describe('MobilenetSpace options', () => {
  const bad: [Partial<MobilenetOptions>, RegExp][] = [
    [{ stages: [] }, /needs at least one stage/],
    [{ stages: [{ channels: 16, stride: 1, depths: [] }] }, /stage 1 depths must be integers ≥ 1/],
    [{ stages: [{ channels: 16, stride: 1, depths: [0, 1] }] }, /stage 1 depths/],
    [{ stages: [{ channels: 16, stride: 1, depths: [1.5] }] }, /stage 1 depths/],
    [{ stages: [{ channels: 16, stride: 1, depths: [1] }, { channels: 0, stride: 1, depths: [1] }] }, /stage 2 needs channels > 0/],
    [{ stages: [{ channels: 16, stride: 0, depths: [1] }] }, /stride ≥ 1/],
    [{ kernels: [] }, /kernels must be a non-empty list of positive numbers/],
    [{ expansions: [3, -1] }, /expansions must be/],
    [{ widths: [0] }, /widths must be/],
  ];
  for (const [opts, msg] of bad) {
    it(`rejects ${JSON.stringify(opts)}`, () => {
      expect(() => new MobilenetSpace(opts)).toThrow(msg);
      try {
        new MobilenetSpace(opts);
      } catch (e) {
        expect(e).toBeInstanceOf(NasError);
        expect((e as NasError).code).toBe('invalid-space');
      }
    });
  }

  it('defaults are the documented ones', () => {
    const space = new MobilenetSpace();
    expect(space.options).toEqual(MOBILENET_DEFAULTS);
    expect(space.dims.map((d) => d.name).slice(0, 5)).toEqual(['s1.depth', 's1.width', 's1.b1.kernel', 's1.b1.expand', 's1.b1.se']);
  });
});
