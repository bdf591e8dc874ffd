import type { ModelGraph, Sample } from '../../../shared/types/index.js';
import { classifier, GraphBuilder } from '../graph/builder.js';
import { MOBILENET_STEM, mbConv, type MobilenetMacroOptions } from '../graph/mobilenet.js';
import type { MobilenetSpace, MobilenetStageChoice } from '../spaces/mobilenet.js';

/** EfficientNet's `round_filters`: c·w to the nearest multiple of `divisor` (at least one), never below 90 % of c·w. */
export function roundFilters(channels: number, width: number, divisor = 8): number {
  const f = channels * width;
  let n = Math.max(divisor, Math.floor((f + divisor / 2) / divisor) * divisor);
  if (n < 0.9 * f) n += divisor;
  return n;
}

/** EfficientNet's `round_repeats`: ⌈d·blocks⌉. */
export function roundRepeats(blocks: number, depth: number): number {
  return Math.max(1, Math.ceil(depth * blocks - 1e-9));
}

export interface GlobalScale {
  /** Depth multiplier d: each stage gets ⌈d·blocks⌉ blocks. */
  readonly depth: number;
  /** Width multiplier w: stem and stage channels round_filters(c, w, divisor). */
  readonly width: number;
  /** Channel rounding (EfficientNet: 8). */
  readonly divisor: number;
}

/**
 * The stages of a mobilenet architecture under global width and depth multipliers: channels
 * `roundFilters(c, w)`, ⌈d·n⌉ blocks per stage. Added blocks repeat the stage's last block (kernel,
 * expansion, squeeze-excite); a stage made shallower keeps its first blocks.
 */
export function scaledStages(space: MobilenetSpace, sample: Sample, s: GlobalScale): MobilenetStageChoice[] {
  return space.stages(sample).map((st) => {
    const n = roundRepeats(st.blocks.length, s.depth);
    const last = st.blocks[st.blocks.length - 1] as MobilenetStageChoice['blocks'][number];
    const blocks = Array.from({ length: n }, (_, i) => st.blocks[i] ?? last);
    return { ...st, channels: roundFilters(st.channels, s.width, s.divisor), blocks };
  });
}

/**
 * The mobilenet network (graph/mobilenet.ts's `mobilenetGraph`) with global multipliers: stem of
 * `roundFilters(16, w)` channels, the scaled stages, the same head. `input` is already the scaled
 * resolution. With d = w = 1 it is the unscaled network, node for node.
 */
export function scaledMobilenetGraph(space: MobilenetSpace, sample: Sample, input: readonly [number, number, number], classes: number, s: GlobalScale, o: Partial<MobilenetMacroOptions> = {}): ModelGraph {
  const b = new GraphBuilder(input);
  let x = b.convBn('stem', b.input, { kernel: 3, stride: o.stemStride ?? 1, filters: roundFilters(MOBILENET_STEM, s.width, s.divisor) }, 'relu6');
  scaledStages(space, sample, s).forEach((st, i) => {
    st.blocks.forEach((blk, j) => {
      x = mbConv(b, `s${i + 1}.b${j + 1}`, x, { kernel: blk.kernel, stride: j === 0 ? st.stride : 1, filters: st.channels, expansion: blk.expansion, se: blk.se });
    });
  });
  return b.finish(classifier(b, x, classes), classes);
}
