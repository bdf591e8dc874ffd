import { NasError } from '../../../shared/errors.js';
import type { ModelGraph, Sample } from '../../../shared/types/index.js';
import type { TextSpace } from '../spaces/text.js';
import { GraphBuilder, type Tensor } from './builder.js';

/** A 1×1 convolution over [L, 1, C] with bias: the dense projections of a transformer block. */
function proj(b: GraphBuilder, id: string, x: Tensor, filters: number): Tensor {
  return b.conv(id, x, { kernel: 1, stride: 1, filters, useBias: true });
}

/** 1-D conv block over the tokens: conv k × 1 (C filters, 'same') → BN → ReLU, plus the input. */
function convBlock(b: GraphBuilder, id: string, x: Tensor, kernel: number): Tensor {
  const c = x.shape[2] as number;
  const h = b.convBn(id, x, { kernel, kernelW: 1, stride: 1, strideW: 1, filters: c }, 'relu');
  return b.addTensors(`${id}.add`, x, h);
}

/**
 * Transformer encoder block (pre-norm): LayerNorm → q, k, v 1×1 convs → Attention(heads) → 1×1 out
 * conv → Add; LayerNorm → 1×1 conv (ffn) → ReLU → 1×1 conv (C) → Add.
 */
function transformerBlock(b: GraphBuilder, id: string, x: Tensor, heads: number, ffn: number): Tensor {
  const c = x.shape[2] as number;
  const n1 = b.layerNorm(`${id}.ln1`, x);
  const att = b.attention(`${id}.attn`, proj(b, `${id}.q`, n1, c), proj(b, `${id}.k`, n1, c), proj(b, `${id}.v`, n1, c), { heads });
  const x1 = b.addTensors(`${id}.add1`, x, proj(b, `${id}.out`, att, c));
  const n2 = b.layerNorm(`${id}.ln2`, x1);
  const f = proj(b, `${id}.ffn2`, b.unary(`${id}.ffn.relu`, 'ReLU', proj(b, `${id}.ffn1`, n2, ffn)), c);
  return b.addTensors(`${id}.add2`, x1, f);
}

/**
 * A text encoder over token ids [L, 1, 1]: Embedding(vocab, width) → blocks → pooling over the
 * tokens (mean: GlobalAvgPool; max: MaxPool L × 1 then flatten) → Dense logits. No positional
 * encoding: order reaches the model through the conv blocks only.
 */
export function textGraph(space: TextSpace, sample: Sample, input: readonly [number, number, number], classes: number, vocab: number | undefined): ModelGraph {
  const [l, w, ch] = input;
  if (w !== 1 || ch !== 1) throw new NasError('invalid-input', `the text space needs token ids [L, 1, 1], the data has [${input.join(', ')}] (images or features, not text)`);
  if (vocab === undefined) throw new NasError('invalid-input', 'the text space needs text data (token ids): no vocabulary size was given');
  const n = space.network(sample);
  const b = new GraphBuilder(input);
  let x = b.embedding('embed', b.input, { vocab, units: n.width });
  n.blocks.forEach((blk, i) => {
    x = blk.type === 'conv' ? convBlock(b, `b${i + 1}`, x, blk.kernel) : transformerBlock(b, `b${i + 1}`, x, blk.heads, blk.ffn);
  });
  const pooled = n.pooling === 'mean' ? b.globalAvgPool('pool', x, false) : b.flatten('pool.flat', b.pool('pool', 'MaxPool', x, { kernel: l, stride: l, kernelW: 1, strideW: 1 }));
  return b.finish(b.dense('head.logits', pooled, { units: classes, useBias: true }), classes);
}
