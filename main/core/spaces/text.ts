import { NasError } from '../../../shared/errors.js';
import type { Architecture, Dimension, Sample } from '../../../shared/types/index.js';
import { DimensionalSpace } from '../search-space.js';
import { checkPositiveIntegerLists, choiceSetter, depthGatedBlockDims, keyError } from './dims.js';

export const TEXT_BLOCK_TYPES = ['conv', 'transformer'] as const;
export type TextBlockType = (typeof TEXT_BLOCK_TYPES)[number];
export const TEXT_POOLINGS = ['mean', 'max'] as const;
export type TextPooling = (typeof TEXT_POOLINGS)[number];

export interface TextSpaceOptions {
  /** Embedding width (the width of every block). */
  readonly widths: readonly number[];
  /** Allowed numbers of blocks. */
  readonly depths: readonly number[];
  /** A conv block's kernel along the tokens. */
  readonly kernels: readonly number[];
  /** A transformer block's attention heads (each must divide every width). */
  readonly heads: readonly number[];
  /** A transformer block's feed-forward width. */
  readonly ffn: readonly number[];
  readonly poolings: readonly TextPooling[];
}

/** Sized for short texts (64 tokens) and a few minutes of CPU training per search. */
export const TEXT_SPACE_DEFAULTS: TextSpaceOptions = {
  widths: [32, 64, 96],
  depths: [1, 2, 3],
  kernels: [3, 5, 7],
  heads: [1, 2, 4],
  ffn: [64, 128, 256],
  poolings: TEXT_POOLINGS,
};

export type TextBlock = { readonly type: 'conv'; readonly kernel: number } | { readonly type: 'transformer'; readonly heads: number; readonly ffn: number };

export interface TextNetwork {
  readonly width: number;
  readonly pooling: TextPooling;
  readonly blocks: readonly TextBlock[];
}

function checkOptions(o: TextSpaceOptions): void {
  const bad = (m: string) => new NasError('invalid-space', `text space: ${m}`);
  checkPositiveIntegerLists(bad, [['widths', o.widths], ['depths', o.depths], ['kernels', o.kernels], ['heads', o.heads], ['ffn', o.ffn]]);
  if (!Array.isArray(o.poolings) || o.poolings.length === 0 || o.poolings.some((p) => !TEXT_POOLINGS.includes(p))) throw bad(`poolings must be a non-empty list of ${TEXT_POOLINGS.join(', ')}`);
  for (const h of o.heads) for (const w of o.widths) if (w % h !== 0) throw bad(`${h} heads do not divide width ${w}`);
}

/**
 * Small text encoders over token ids [L, 1, 1]: an embedding of the chosen width, `depth` blocks,
 * each a 1-D convolution (kernel) or a transformer encoder block (heads, feed-forward width), then
 * mean or max pooling over the tokens and the classifier (lowering: graph/text.ts). A block's kernel
 * counts only for a conv block, its heads and feed-forward width only for a transformer block.
 * Key: `w<width>/<pool>/` then the blocks joined by `-`, `c<kernel>` or `t<heads>x<ffn>`,
 * e.g. `w64/mean/c5-t2x128`.
 */
export class TextSpace extends DimensionalSpace {
  readonly id = 'text';
  readonly title = 'Text encoders (1-D conv / transformer blocks)';
  readonly options: TextSpaceOptions;
  private readonly maxDepth: number;

  constructor(options: Partial<TextSpaceOptions> = {}) {
    const o: TextSpaceOptions = { ...TEXT_SPACE_DEFAULTS, ...options };
    checkOptions(o);
    const maxDepth = Math.max(...o.depths);
    const dims: Dimension[] = [
      { name: 'embed.width', choices: o.widths },
      { name: 'depth', choices: [...o.depths].sort((a, b) => a - b) },
      ...depthGatedBlockDims('depth', maxDepth, '', [['type', TEXT_BLOCK_TYPES], ['kernel', o.kernels], ['heads', o.heads], ['ffn', o.ffn]]),
    ];
    // Last, so the drawn chain (embedding, blocks, pooling) follows the network's order.
    dims.push({ name: 'pool', choices: o.poolings });
    super(dims);
    this.options = o;
    this.maxDepth = maxDepth;
  }

  /** Depth-gated as usual; besides, a block's kernel counts only for conv, its heads and ffn only for transformer. */
  override isActive(s: Sample, i: number): boolean {
    if (!super.isActive(s, i)) return false;
    const m = /^b(\d+)\.(kernel|heads|ffn)$/.exec((this.dims[i] as Dimension).name);
    if (!m) return true;
    const type = this.value(s, this.dimIndex(`b${m[1]}.type`));
    return m[2] === 'kernel' ? type === 'conv' : type === 'transformer';
  }

  /** Exact: per block, a conv kernel or a transformer (heads × ffn). */
  override count(): bigint {
    const o = this.options;
    const perBlock = BigInt(o.kernels.length + o.heads.length * o.ffn.length);
    let depths = 0n;
    for (const d of o.depths) depths += perBlock ** BigInt(d);
    return BigInt(o.widths.length * o.poolings.length) * depths;
  }

  /** The structured form of a sample, for the model builder. */
  network(s: Sample): TextNetwork {
    this.assertValid(s);
    const v = (name: string) => this.value(s, this.dimIndex(name));
    const blocks: TextBlock[] = [];
    for (let b = 1; b <= (v('depth') as number); b++) {
      blocks.push(v(`b${b}.type`) === 'conv' ? { type: 'conv', kernel: v(`b${b}.kernel`) as number } : { type: 'transformer', heads: v(`b${b}.heads`) as number, ffn: v(`b${b}.ffn`) as number });
    }
    return { width: v('embed.width') as number, pooling: v('pool') as TextPooling, blocks };
  }

  freeze(s: Sample): Architecture {
    const c = this.canonical(s);
    const n = this.network(c);
    const blocks = n.blocks.map((b) => (b.type === 'conv' ? `c${b.kernel}` : `t${b.heads}x${b.ffn}`)).join('-');
    return { space: this.id, key: `w${n.width}/${n.pooling}/${blocks}`, sample: c };
  }

  parse(key: string): Sample {
    const bad = keyError(this, key);
    const m = /^w(\d+)\/([a-z]+)\/(.+)$/.exec(key.trim());
    if (!m) throw bad('expected w<width>/<pool>/<blocks>, e.g. w64/mean/c5-t2x128');
    const s = this.dims.map(() => 0);
    const set = choiceSetter(this, s, bad);
    set('embed.width', Number(m[1]), 'width');
    set('pool', m[2], 'pooling');
    const blocks = (m[3] as string).split('-');
    if (blocks.length > this.maxDepth) throw bad(`${blocks.length} blocks, at most ${this.maxDepth}`);
    set('depth', blocks.length, 'depth');
    blocks.forEach((blk, j) => {
      const p = `b${j + 1}`;
      const c = /^c(\d+)$/.exec(blk);
      const t = /^t(\d+)x(\d+)$/.exec(blk);
      if (c) {
        set(`${p}.type`, 'conv', 'block type');
        set(`${p}.kernel`, Number(c[1]), 'kernel');
      } else if (t) {
        set(`${p}.type`, 'transformer', 'block type');
        set(`${p}.heads`, Number(t[1]), 'heads');
        set(`${p}.ffn`, Number(t[2]), 'feed-forward width');
      } else throw bad(`block '${blk}' must look like c<kernel> or t<heads>x<ffn>`);
    });
    return this.canonical(s);
  }
}
