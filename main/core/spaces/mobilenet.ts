import { NasError } from '../../../shared/errors.js';
import type { Architecture, Choice, Dimension, Sample } from '../../../shared/types/index.js';
import { DimensionalSpace } from '../search-space.js';
import { choiceSetter, depthGatedBlockDims, keyError } from './dims.js';

export interface MobilenetStage {
  /** Output channels at width multiplier 1. */
  readonly channels: number;
  /** Stride of the stage's first block. */
  readonly stride: number;
  /** Allowed numbers of blocks. */
  readonly depths: readonly number[];
}

export interface MobilenetOptions {
  readonly stages: readonly MobilenetStage[];
  readonly kernels: readonly number[];
  readonly expansions: readonly number[];
  /** Whether squeeze-and-excitation is a choice (false: never used). */
  readonly squeezeExcite: boolean;
  readonly widths: readonly number[];
}

/** Defaults sized for small images (28×28 to 32×32), MnasNet/ProxylessNAS style. */
export const MOBILENET_DEFAULTS: MobilenetOptions = {
  stages: [
    { channels: 16, stride: 1, depths: [1, 2, 3, 4] },
    { channels: 24, stride: 2, depths: [1, 2, 3, 4] },
    { channels: 40, stride: 2, depths: [1, 2, 3, 4] },
    { channels: 80, stride: 2, depths: [1, 2, 3, 4] },
  ],
  kernels: [3, 5, 7],
  expansions: [1, 3, 6],
  squeezeExcite: true,
  widths: [0.5, 0.75, 1],
};

/** One MBConv block of a frozen architecture. */
export interface MobilenetBlock {
  readonly kernel: number;
  readonly expansion: number;
  readonly se: boolean;
}

export interface MobilenetStageChoice {
  readonly width: number;
  readonly channels: number;
  readonly stride: number;
  readonly blocks: readonly MobilenetBlock[];
}

function checkOptions(o: MobilenetOptions): void {
  const bad = (m: string) => new NasError('invalid-space', `mobilenet space: ${m}`);
  if (o.stages.length === 0) throw bad('needs at least one stage');
  o.stages.forEach((st, i) => {
    if (st.depths.length === 0 || st.depths.some((d) => !Number.isInteger(d) || d < 1)) throw bad(`stage ${i + 1} depths must be integers ≥ 1`);
    if (!(st.channels > 0) || !(st.stride >= 1)) throw bad(`stage ${i + 1} needs channels > 0 and stride ≥ 1`);
  });
  for (const [name, list] of [['kernels', o.kernels], ['expansions', o.expansions], ['widths', o.widths]] as const) {
    if (list.length === 0 || list.some((v) => !(v > 0))) throw bad(`${name} must be a non-empty list of positive numbers`);
  }
}

/**
 * A chain of MBConv blocks in stages (the MnasNet / ProxylessNAS family). Per stage: depth and width
 * multiplier; per block: kernel, expansion, optional squeeze-excite. Blocks beyond a stage's depth are
 * inactive. Key: stages joined by `/`, each `w<width>:` then its blocks `k<k>e<e>[se]` joined by `-`,
 * e.g. `w1:k3e6se-k5e3/w0.75:k7e1`.
 */
export class MobilenetSpace extends DimensionalSpace {
  readonly id = 'mobilenet';
  readonly title = 'MobileNet-style block chain (MnasNet/ProxylessNAS)';
  readonly options: MobilenetOptions;

  constructor(options: Partial<MobilenetOptions> = {}) {
    const o: MobilenetOptions = { ...MOBILENET_DEFAULTS, ...options };
    checkOptions(o);
    const dims: Dimension[] = [];
    o.stages.forEach((st, i) => {
      const p = `s${i + 1}`;
      dims.push({ name: `${p}.depth`, choices: [...st.depths].sort((a, b) => a - b) });
      dims.push({ name: `${p}.width`, choices: o.widths });
      const blockFields: [string, readonly Choice[]][] = [['kernel', o.kernels], ['expand', o.expansions]];
      if (o.squeezeExcite) blockFields.push(['se', [false, true]]);
      dims.push(...depthGatedBlockDims(`${p}.depth`, Math.max(...st.depths), `${p}.`, blockFields));
    });
    super(dims);
    this.options = o;
  }

  /** The structured form of a sample, for model builders and cost models. */
  stages(s: Sample): MobilenetStageChoice[] {
    this.assertValid(s);
    return this.options.stages.map((st, i) => {
      const p = `s${i + 1}`;
      const depth = this.value(s, this.dimIndex(`${p}.depth`)) as number;
      const width = this.value(s, this.dimIndex(`${p}.width`)) as number;
      const blocks: MobilenetBlock[] = [];
      for (let b = 1; b <= depth; b++) {
        blocks.push({
          kernel: this.value(s, this.dimIndex(`${p}.b${b}.kernel`)) as number,
          expansion: this.value(s, this.dimIndex(`${p}.b${b}.expand`)) as number,
          se: this.options.squeezeExcite ? (this.value(s, this.dimIndex(`${p}.b${b}.se`)) as boolean) : false,
        });
      }
      return { width, channels: Math.max(8, Math.round((st.channels * width) / 8) * 8), stride: st.stride, blocks };
    });
  }

  freeze(s: Sample): Architecture {
    const c = this.canonical(s);
    const key = this.stages(c)
      .map((st) => `w${st.width}:` + st.blocks.map((b) => `k${b.kernel}e${b.expansion}${b.se ? 'se' : ''}`).join('-'))
      .join('/');
    return { space: this.id, key, sample: c };
  }

  parse(key: string): Sample {
    const bad = keyError(this, key);
    const parts = key.trim().split('/');
    if (parts.length !== this.options.stages.length) throw bad(`expected ${this.options.stages.length} stages separated by /, got ${parts.length}`);
    const s = this.dims.map(() => 0);
    const set = choiceSetter(this, s, bad);
    parts.forEach((part, i) => {
      const p = `s${i + 1}`;
      const m = /^w([0-9.]+):(.+)$/.exec(part);
      if (!m) throw bad(`stage ${i + 1} '${part}' must look like w<width>:<blocks>`);
      set(`${p}.width`, Number(m[1]), `stage ${i + 1} width`);
      const blocks = (m[2] as string).split('-');
      set(`${p}.depth`, blocks.length, `stage ${i + 1} depth`);
      blocks.forEach((blk, j) => {
        const bm = /^k(\d+)e(\d+)(se)?$/.exec(blk);
        if (!bm) throw bad(`block '${blk}' must look like k<kernel>e<expansion>[se]`);
        set(`${p}.b${j + 1}.kernel`, Number(bm[1]), 'kernel');
        set(`${p}.b${j + 1}.expand`, Number(bm[2]), 'expansion');
        if (this.options.squeezeExcite) set(`${p}.b${j + 1}.se`, bm[3] === 'se', 'squeeze-excite');
        else if (bm[3]) throw bad('squeeze-excite is not part of this space');
      });
    });
    return this.canonical(s);
  }
}
