import type { ModelGraph, Sample } from '../../../shared/types/index.js';
import type { KwsBlock, KwsSpace } from '../spaces/kws.js';
import { classifier, GraphBuilder, type Tensor } from './builder.js';

/** DS-CNN stem (Hello Edge): a 5 × 3 (time × frequency) conv with stride 2 on both axes. */
export const DSCNN_STEM = { kernel: 5, kernelW: 3, stride: 2, strideW: 2 } as const;
/** Frequency extent of a DS-CNN block's depthwise kernel (its time extent is the block's kernel). */
export const DSCNN_KERNEL_W = 3;
/** TC-ResNet stem: a 3-frame conv over all F features (the contract's 1-D conv over time). */
export const TCRESNET_STEM_KERNEL = 3;

/** DS-CNN block: depthwise k × 3 (stride s along time) → BN → ReLU → 1×1 conv → BN → ReLU. */
function dsBlock(b: GraphBuilder, id: string, x: Tensor, blk: KwsBlock): Tensor {
  const dw = b.depthwise(`${id}.dw.conv`, x, { kernel: blk.kernel, kernelW: DSCNN_KERNEL_W, stride: blk.stride, strideW: 1, useBias: false });
  const h = b.activation(`${id}.dw.act`, b.batchNorm(`${id}.dw.bn`, dw), 'relu');
  return b.convBn(`${id}.pw`, h, { kernel: 1, stride: 1, filters: blk.width }, 'relu');
}

/**
 * TC-ResNet block over [T, 1, C]: conv k × 1 (stride s) → BN → ReLU → conv k × 1 → BN, plus the input
 * (through a 1×1 conv (stride s) → BN → ReLU when the stride or width changes), then ReLU.
 */
function tcBlock(b: GraphBuilder, id: string, x: Tensor, blk: KwsBlock): Tensor {
  const one = { kernelW: 1, strideW: 1 };
  let h = b.convBn(`${id}.conv1`, x, { kernel: blk.kernel, stride: blk.stride, filters: blk.width, ...one }, 'relu');
  h = b.batchNorm(`${id}.conv2.bn`, b.conv(`${id}.conv2.conv`, h, { kernel: blk.kernel, stride: 1, filters: blk.width, useBias: false, ...one }));
  const skip = blk.stride !== 1 || x.shape[2] !== blk.width ? b.convBn(`${id}.skip`, x, { kernel: 1, stride: blk.stride, filters: blk.width, ...one }, 'relu') : x;
  return b.unary(`${id}.relu`, 'ReLU', b.addTensors(`${id}.add`, h, skip));
}

/**
 * A kws network over features [T, F, 1]. DS-CNN: stem conv 5×3 stride 2×2 → BN → ReLU, then DS-CNN
 * blocks. TC-ResNet: stem conv 3 × F with strideW F (→ [T, 1, C]) → BN → ReLU, then TC-ResNet blocks.
 * Both end in global average pooling → Dense logits.
 */
export function kwsGraph(space: KwsSpace, sample: Sample, input: readonly [number, number, number], classes: number): ModelGraph {
  const n = space.network(sample);
  const b = new GraphBuilder(input);
  const f = input[1];
  let x =
    n.type === 'ds-cnn'
      ? b.convBn('stem', b.input, { ...DSCNN_STEM, filters: n.stemWidth }, 'relu')
      : b.convBn('stem', b.input, { kernel: TCRESNET_STEM_KERNEL, kernelW: f, stride: 1, strideW: f, filters: n.stemWidth }, 'relu');
  n.blocks.forEach((blk, i) => {
    x = (n.type === 'ds-cnn' ? dsBlock : tcBlock)(b, `b${i + 1}`, x, blk);
  });
  return b.finish(classifier(b, x, classes), classes);
}
