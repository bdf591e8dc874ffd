import type { Sample } from '../../../shared/types/index.js';
import type { ModelGraph } from '../../../shared/types/index.js';
import { NB201_EDGES, NB201_OPS, type Nb201Op } from '../spaces/nb201.js';
import { classifier, GraphBuilder, type Tensor } from './builder.js';

export interface Nb201MacroOptions {
  /** Channels of the first stage (NAS-Bench-201: 16); doubled at each of the two reductions. */
  readonly channels: number;
  /** Cells per stage (NAS-Bench-201: 5). */
  readonly cellsPerStage: number;
}

/**
 * Scaled down for 28×28 to 32×32 inputs and CPU training: one cell per stage instead of five, same
 * channel widths. Pass `{ cellsPerStage: 5 }` for the benchmark's own skeleton.
 */
export const NB201_MACRO_DEFAULTS: Nb201MacroOptions = { channels: 16, cellsPerStage: 1 };

/**
 * The NAS-Bench-201 network: stem (3×3 conv, BN) → N cells (C) → residual reduction (2C) → N cells
 * → residual reduction (4C) → N cells → BN → ReLU → global average pool → Dense. Each cell edge
 * lowers to: `nor_conv_k×k` ReLU → conv k×k (no bias) → BN; `avg_pool_3x3` a 3×3 stride-1 average
 * pool; `skip_connect` the edge's input itself; `none` nothing (a zero term). A node is the sum of its
 * non-zero terms; a node with none is zero, and so are edges leaving it. A cell whose output is zero
 * becomes a Zero node. The reduction block is NAS-Bench-201's ResNet basic block: ReLU-conv3×3/2-BN,
 * ReLU-conv3×3-BN, plus a shortcut of 2×2/2 average pool then 1×1 conv.
 */
export function nb201Graph(sample: Sample, input: readonly [number, number, number], classes: number, options: Partial<Nb201MacroOptions> = {}): ModelGraph {
  const o = { ...NB201_MACRO_DEFAULTS, ...options };
  const b = new GraphBuilder(input);
  let x = b.batchNorm('stem.bn', b.conv('stem.conv', b.input, { kernel: 3, stride: 1, filters: o.channels, useBias: false }));
  let c = o.channels;
  for (let stage = 0; stage < 3; stage++) {
    if (stage > 0) {
      c *= 2;
      x = resBlock(b, `reduce${stage}`, x, c);
    }
    for (let i = 0; i < o.cellsPerStage; i++) x = cell(b, `stage${stage + 1}.cell${i + 1}`, x, sample);
  }
  x = b.activation('lastact.relu', b.batchNorm('lastact.bn', x), 'relu');
  return b.finish(classifier(b, x, classes), classes);
}

function reluConvBn(b: GraphBuilder, id: string, x: Tensor, kernel: number, stride: number, filters: number): Tensor {
  const r = b.unary(`${id}.relu`, 'ReLU', x);
  return b.batchNorm(`${id}.bn`, b.conv(`${id}.conv`, r, { kernel, stride, filters, useBias: false }));
}

function resBlock(b: GraphBuilder, id: string, x: Tensor, filters: number): Tensor {
  const a = reluConvBn(b, `${id}.a`, x, 3, 2, filters);
  const bb = reluConvBn(b, `${id}.b`, a, 3, 1, filters);
  const pooled = b.pool(`${id}.shortcut.pool`, 'AvgPool', x, { kernel: 2, stride: 2 });
  const short = b.conv(`${id}.shortcut.conv`, pooled, { kernel: 1, stride: 1, filters, useBias: false });
  return b.addTensors(`${id}.add`, short, bb);
}

function cell(b: GraphBuilder, id: string, x: Tensor, sample: Sample): Tensor {
  const c = x.shape[2] as number;
  const nodes: (Tensor | undefined)[] = [x];
  for (let to = 1; to <= 3; to++) {
    const terms: Tensor[] = [];
    NB201_EDGES.forEach(([t, from], e) => {
      if (t !== to) return;
      const src = nodes[from];
      const op = NB201_OPS[sample[e] as number] as Nb201Op;
      if (!src || op === 'none') return;
      const eid = `${id}.e${to}${from}`;
      if (op === 'skip_connect') terms.push(src);
      else if (op === 'avg_pool_3x3') terms.push(b.pool(`${eid}.pool`, 'AvgPool', src, { kernel: 3, stride: 1 }));
      else terms.push(reluConvBn(b, eid, src, op === 'nor_conv_3x3' ? 3 : 1, 1, c));
    });
    nodes.push(terms.length ? b.sum(`${id}.n${to}`, terms) : undefined);
  }
  return nodes[3] ?? b.unary(`${id}.zero`, 'Zero', x);
}
