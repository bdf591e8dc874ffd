import { NasError } from '../../../shared/errors.js';
import type { Activation } from '../../../shared/ops.js';
import type { ModelGraph, Sample } from '../../../shared/types/index.js';
import type { CustomLayer, CustomSpace } from '../spaces/custom.js';
import { classifier, GraphBuilder, type Tensor } from './builder.js';
import { mbConv } from './mobilenet.js';

/**
 * Defaults for the params a space document leaves out: kernel 3 (pools 2), stride 1 (pools: their
 * kernel), filters = the input's channels, expansion 6, no squeeze-excite, Dense units = classes,
 * activation relu for convolutions and linear for Dense.
 */
export const CUSTOM_DEFAULTS = { kernel: 3, poolKernel: 2, stride: 1, expansion: 6, convActivation: 'relu', denseActivation: 'linear' } as const;

/**
 * Lowers each layer of a user-defined space (see `CustomSpace.layers`):
 * - Conv2D: conv (no bias) → BN → activation; DepthwiseConv2D: depthwise → BN → activation;
 *   SeparableConv2D: depthwise → BN → 1×1 conv → BN → activation; MBConv: as in the mobilenet space;
 *   MaxPool/AvgPool, GlobalAvgPool, BatchNorm, ReLU, ReLU6 as themselves; Identity: nothing;
 *   Zero: a Zero node; Dense: flatten when spatial, Dense (bias) → activation.
 * - connection `skip`: x + op(x), x first projected by a 1×1 conv (stride as needed) → BN when the
 *   shapes differ (Dense projection for vectors); `Zero` with skip is x itself.
 * - connection `dense`: concat(x, op(x)) on channels, x average-pooled first when op(x) is smaller.
 * - The head: if the last layer is a linear Dense with `classes` units it gives the logits; otherwise
 *   global average pooling (when spatial) and a Dense(classes) are appended.
 */
export function customGraph(space: CustomSpace, sample: Sample, input: readonly [number, number, number], classes: number): ModelGraph {
  const want = space.spec.input;
  if (want && want.join() !== input.join()) {
    throw new NasError('invalid-input', `space ${space.spec.name} is for inputs [${want.join(', ')}], the data has [${input.join(', ')}]`);
  }
  const b = new GraphBuilder(input);
  let x = b.input;
  const layers = space.layers(sample);
  for (const l of layers) x = connect(b, l, x, lower(b, l, x, classes));
  const last = layers[layers.length - 1];
  const isHead = last && last.op === 'Dense' && (last.params.units ?? classes) === classes
    && (last.params.activation ?? CUSTOM_DEFAULTS.denseActivation) === 'linear' && last.connection === 'sequential';
  return b.finish(isHead ? x : classifier(b, x, classes), classes);
}

function lower(b: GraphBuilder, l: CustomLayer, x: Tensor, classes: number): Tensor | 'zero' {
  const p = l.params;
  const id = l.name;
  const cin = x.shape[x.shape.length - 1] as number;
  const kernel = p.kernel ?? CUSTOM_DEFAULTS.kernel;
  const stride = p.stride ?? CUSTOM_DEFAULTS.stride;
  const filters = p.filters ?? cin;
  const act: Activation = p.activation ?? CUSTOM_DEFAULTS.convActivation;
  const spatial = (what: string) => {
    if (x.shape.length !== 3) throw new NasError('invalid-sample', `layer ${id}: ${what} needs a feature map, but its input is a vector [${x.shape.join(', ')}]`);
  };
  switch (l.op) {
    case 'Conv2D':
      spatial('Conv2D');
      return b.convBn(id, x, { kernel, stride, filters }, act);
    case 'DepthwiseConv2D':
      spatial('DepthwiseConv2D');
      return b.activation(`${id}.act`, b.batchNorm(`${id}.bn`, b.depthwise(`${id}.dw`, x, { kernel, stride, useBias: false })), act);
    case 'SeparableConv2D': {
      spatial('SeparableConv2D');
      const d = b.batchNorm(`${id}.dw.bn`, b.depthwise(`${id}.dw.conv`, x, { kernel, stride, useBias: false }));
      return b.convBn(`${id}.pw`, d, { kernel: 1, stride: 1, filters }, act);
    }
    case 'MBConv':
      spatial('MBConv');
      return mbConv(b, id, x, { kernel, stride, filters, expansion: p.expansion ?? CUSTOM_DEFAULTS.expansion, se: p.se ?? false });
    case 'MaxPool':
    case 'AvgPool': {
      spatial(l.op);
      const k = p.kernel ?? CUSTOM_DEFAULTS.poolKernel;
      return b.pool(id, l.op, x, { kernel: k, stride: p.stride ?? k });
    }
    case 'GlobalAvgPool':
      spatial('GlobalAvgPool');
      return b.globalAvgPool(id, x, false);
    case 'Identity':
      return x;
    case 'Zero':
      return 'zero';
    case 'Dense': {
      const v = b.flatten(`${id}.flatten`, x);
      return b.activation(`${id}.act`, b.dense(id, v, { units: p.units ?? classes, useBias: true }), p.activation ?? CUSTOM_DEFAULTS.denseActivation);
    }
    case 'BatchNorm':
      return b.batchNorm(id, x);
    case 'ReLU':
    case 'ReLU6':
      return b.unary(id, l.op, x);
    default:
      throw new NasError('invalid-sample', `layer ${id}: ${l.op} is a graph primitive, not a layer op`);
  }
}

/** The stride s with ceil(from / s) = to on both axes. */
function strideBetween(id: string, from: readonly number[], to: readonly number[]): number {
  for (let s = 1; s <= (from[0] as number); s++) {
    if (Math.ceil((from[0] as number) / s) === to[0] && Math.ceil((from[1] as number) / s) === to[1]) return s;
  }
  throw new NasError('invalid-sample', `layer ${id}: cannot connect [${from.join(', ')}] to [${to.join(', ')}]`);
}

function connect(b: GraphBuilder, l: CustomLayer, x: Tensor, y: Tensor | 'zero'): Tensor {
  const id = l.name;
  if (l.connection === 'sequential') return y === 'zero' ? b.unary(id, 'Zero', x) : y;
  if (y === 'zero') return l.connection === 'skip' ? x : b.concat(`${id}.dense.concat`, [x, b.unary(id, 'Zero', x)]);
  if (x.shape.length !== y.shape.length) {
    throw new NasError('invalid-sample', `layer ${id}: a ${l.connection} connection cannot join its input [${x.shape.join(', ')}] with its output [${y.shape.join(', ')}]`);
  }
  const vector = y.shape.length === 1;
  if (l.connection === 'skip') {
    let s = x;
    if (x.shape.join() !== y.shape.join()) {
      s = vector
        ? b.dense(`${id}.skip.proj`, x, { units: y.shape[0] as number, useBias: false })
        : b.batchNorm(`${id}.skip.bn`, b.conv(`${id}.skip.conv`, x, { kernel: 1, stride: strideBetween(id, x.shape, y.shape), filters: y.shape[2] as number, useBias: false }));
    }
    return b.addTensors(`${id}.skip.add`, s, y);
  }
  let s = x;
  if (!vector && x.shape.slice(0, 2).join() !== y.shape.slice(0, 2).join()) {
    const k = strideBetween(id, x.shape, y.shape);
    s = b.pool(`${id}.dense.pool`, 'AvgPool', x, { kernel: k, stride: k });
  }
  return b.concat(`${id}.dense.concat`, [s, y]);
}
