import type { ModelGraph, Sample } from '../../../shared/types/index.js';
import type { MobilenetSpace } from '../spaces/mobilenet.js';
import { classifier, GraphBuilder, type Tensor } from './builder.js';

/** Stem width of the mobilenet network (3×3 conv, stride 1: inputs are small). */
export const MOBILENET_STEM = 16;

export interface MbConvOptions {
  readonly kernel: number;
  readonly stride: number;
  readonly filters: number;
  readonly expansion: number;
  readonly se: boolean;
}

/** Channels of the squeeze-excite bottleneck of an MBConv with `inChannels` inputs (EfficientNet: ¼). */
export function seChannels(inChannels: number): number {
  return Math.max(1, Math.floor(inChannels / 4));
}

/**
 * MBConv (MobileNetV2 inverted residual, MnasNet/EfficientNet squeeze-excite), lowered:
 * expand 1×1 conv → BN → ReLU6 (left out when expansion is 1), k×k depthwise conv (stride) → BN →
 * ReLU6, optional squeeze-excite (global average pool keepDims → 1×1 conv with bias → ReLU → 1×1 conv
 * with bias → Sigmoid → Mul), project 1×1 conv → BN (linear), plus the input when stride is 1 and the
 * channels match. Hidden channels: round(in · expansion).
 */
export function mbConv(b: GraphBuilder, id: string, x: Tensor, o: MbConvOptions): Tensor {
  const cin = x.shape[2] as number;
  const hidden = Math.max(1, Math.round(cin * o.expansion));
  let h = x;
  if (hidden !== cin || o.expansion !== 1) h = b.convBn(`${id}.expand`, h, { kernel: 1, stride: 1, filters: hidden }, 'relu6');
  h = b.activation(`${id}.dw.act`, b.batchNorm(`${id}.dw.bn`, b.depthwise(`${id}.dw.conv`, h, { kernel: o.kernel, stride: o.stride, useBias: false })), 'relu6');
  if (o.se) {
    const sq = seChannels(cin);
    const p = b.globalAvgPool(`${id}.se.pool`, h, true);
    const r = b.unary(`${id}.se.relu`, 'ReLU', b.conv(`${id}.se.reduce`, p, { kernel: 1, stride: 1, filters: sq, useBias: true }));
    const g = b.unary(`${id}.se.sigmoid`, 'Sigmoid', b.conv(`${id}.se.expand`, r, { kernel: 1, stride: 1, filters: hidden, useBias: true }));
    h = b.mul(`${id}.se.mul`, h, g);
  }
  h = b.batchNorm(`${id}.project.bn`, b.conv(`${id}.project.conv`, h, { kernel: 1, stride: 1, filters: o.filters, useBias: false }));
  return o.stride === 1 && cin === o.filters ? b.addTensors(`${id}.add`, x, h) : h;
}

export interface MobilenetMacroOptions {
  /** Stride of the stem conv (1 keeps full resolution; 2 quarters every activation, for fast CPU searches). */
  readonly stemStride: number;
}

/**
 * The mobilenet network: stem 3×3 conv (16, stride `stemStride`, default 1) → BN → ReLU6, then each
 * stage's MBConv blocks (the first with the stage's stride), global average pool → Dense logits.
 */
export function mobilenetGraph(space: MobilenetSpace, sample: Sample, input: readonly [number, number, number], classes: number, o: Partial<MobilenetMacroOptions> = {}): ModelGraph {
  const b = new GraphBuilder(input);
  let x = b.convBn('stem', b.input, { kernel: 3, stride: o.stemStride ?? 1, filters: MOBILENET_STEM }, 'relu6');
  space.stages(sample).forEach((st, i) => {
    st.blocks.forEach((blk, j) => {
      x = mbConv(b, `s${i + 1}.b${j + 1}`, x, { kernel: blk.kernel, stride: j === 0 ? st.stride : 1, filters: st.channels, expansion: blk.expansion, se: blk.se });
    });
  });
  return b.finish(classifier(b, x, classes), classes);
}
