import { NasError } from '../../../shared/errors.js';
import type { Architecture, Dimension, Sample } from '../../../shared/types/index.js';
import { DimensionalSpace } from '../search-space.js';
import { checkPositiveIntegerLists, choiceSetter, depthGatedBlockDims, keyError } from './dims.js';

/**
 * Block families of the keyword-spotting space: `ds-cnn` (Zhang et al. 2017, "Hello Edge": 2-D
 * depthwise-separable convolutions over time × frequency) and `tc-resnet` (Choi et al. 2019: 1-D
 * residual convolutions over time, the features as channels).
 */
export const KWS_BLOCK_TYPES = ['ds-cnn', 'tc-resnet'] as const;
export type KwsBlockType = (typeof KWS_BLOCK_TYPES)[number];

export interface KwsOptions {
  readonly types: readonly KwsBlockType[];
  /** Filters of the first convolution. */
  readonly stemWidths: readonly number[];
  /** Allowed numbers of blocks. */
  readonly depths: readonly number[];
  /** Per block: kernel along time, output filters, stride along time. */
  readonly kernels: readonly number[];
  readonly widths: readonly number[];
  readonly strides: readonly number[];
}

/** Sized for 1 s clips of 49 frames (MFCC or log-mel) and a few minutes of CPU training per search. */
export const KWS_DEFAULTS: KwsOptions = {
  types: KWS_BLOCK_TYPES,
  stemWidths: [16, 32, 64],
  depths: [1, 2, 3, 4],
  kernels: [3, 5, 9],
  widths: [16, 24, 32, 48],
  strides: [1, 2],
};

export interface KwsBlock {
  readonly kernel: number;
  readonly width: number;
  readonly stride: number;
}

export interface KwsNetwork {
  readonly type: KwsBlockType;
  readonly stemWidth: number;
  readonly blocks: readonly KwsBlock[];
}

function checkOptions(o: KwsOptions): void {
  const bad = (m: string) => new NasError('invalid-space', `kws space: ${m}`);
  if (o.types.length === 0 || o.types.some((t) => !KWS_BLOCK_TYPES.includes(t))) throw bad(`types must be a non-empty list of ${KWS_BLOCK_TYPES.join(', ')}`);
  checkPositiveIntegerLists(bad, [['stemWidths', o.stemWidths], ['depths', o.depths], ['kernels', o.kernels], ['widths', o.widths], ['strides', o.strides]]);
}

/**
 * Keyword-spotting networks over speech features [T, F, 1]: a first convolution, then `depth`
 * blocks of the chosen family, each with its own kernel (along time), width and stride (along time),
 * then global average pooling and the classifier (lowering: graph/kws.ts). Key: the family, the stem
 * width, the blocks `k<kernel>w<width>s<stride>` joined by `-`, e.g. `tc-resnet:16/k9w24s2-k9w32s1`.
 */
export class KwsSpace extends DimensionalSpace {
  readonly id = 'kws';
  readonly title = 'Keyword spotting (DS-CNN 2-D / TC-ResNet 1-D blocks)';
  readonly options: KwsOptions;

  constructor(options: Partial<KwsOptions> = {}) {
    const o: KwsOptions = { ...KWS_DEFAULTS, ...options };
    checkOptions(o);
    const maxDepth = Math.max(...o.depths);
    const dims: Dimension[] = [
      { name: 'type', choices: o.types },
      { name: 'stem.width', choices: o.stemWidths },
      { name: 'depth', choices: [...o.depths].sort((a, b) => a - b) },
      ...depthGatedBlockDims('depth', maxDepth, '', [['kernel', o.kernels], ['width', o.widths], ['stride', o.strides]]),
    ];
    super(dims);
    this.options = o;
  }

  /** The structured form of a sample, for the model builder. */
  network(s: Sample): KwsNetwork {
    this.assertValid(s);
    const v = (name: string) => this.value(s, this.dimIndex(name)) as number;
    const blocks: KwsBlock[] = [];
    for (let b = 1; b <= v('depth'); b++) blocks.push({ kernel: v(`b${b}.kernel`), width: v(`b${b}.width`), stride: v(`b${b}.stride`) });
    return { type: this.value(s, this.dimIndex('type')) as KwsBlockType, stemWidth: v('stem.width'), blocks };
  }

  freeze(s: Sample): Architecture {
    const c = this.canonical(s);
    const n = this.network(c);
    return { space: this.id, key: `${n.type}:${n.stemWidth}/${n.blocks.map((b) => `k${b.kernel}w${b.width}s${b.stride}`).join('-')}`, sample: c };
  }

  parse(key: string): Sample {
    const bad = keyError(this, key);
    const m = /^([a-z-]+):(\d+)\/(.+)$/.exec(key.trim());
    if (!m) throw bad('expected <type>:<stem width>/<blocks>, e.g. tc-resnet:16/k9w24s2-k9w32s1');
    const s = this.dims.map(() => 0);
    const set = choiceSetter(this, s, bad);
    set('type', m[1], 'block type');
    set('stem.width', Number(m[2]), 'stem width');
    const blocks = (m[3] as string).split('-');
    set('depth', blocks.length, 'depth');
    blocks.forEach((blk, j) => {
      const bm = /^k(\d+)w(\d+)s(\d+)$/.exec(blk);
      if (!bm) throw bad(`block '${blk}' must look like k<kernel>w<width>s<stride>`);
      set(`b${j + 1}.kernel`, Number(bm[1]), 'kernel');
      set(`b${j + 1}.width`, Number(bm[2]), 'width');
      set(`b${j + 1}.stride`, Number(bm[3]), 'stride');
    });
    return this.canonical(s);
  }
}
