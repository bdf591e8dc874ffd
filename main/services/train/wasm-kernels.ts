/**
 * Training kernels missing from @tensorflow/tfjs-backend-wasm 4.22: `Conv2DBackpropFilter`,
 * `DepthwiseConv2dNativeBackpropFilter`, `DepthwiseConv2dNativeBackpropInput` and
 * `UnsortedSegmentSum` (the gradient of an Embedding's gather; a plain loop) (the wasm backend
 * is inference-first; checked with `tf.getKernel(name, 'wasm')`). Without them
 * `optimizer.minimize` throws "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'".
 *
 * Each is composed from kernels the wasm backend runs fast (pad, transpose, dilated conv and
 * depthwise conv in XNNPACK); its generic slice/strided-slice/tile/concat kernels are 5–100× slower
 * than an elementwise op, so they are avoided (measured on tfjs 4.22, [64, 30, 30, 8] tensors):
 * - conv filter gradient: one dilated convolution (see `conv2DBackpropFilter`);
 * - depthwise filter gradient: one dilated depthwise convolution, summed over the batch;
 * - depthwise input gradient: dy dilated by the stride, padded, depthwise-convolved with the
 *   spatially flipped filter (a transposed convolution).
 *
 * Two gradients are also replaced for every backend by equal ones without those slow kernels:
 * `FusedBatchNorm` (tfjs tiles 1/√(σ²+ε) to the input's shape; a broadcast multiply does the same)
 * and `Relu6` (tfjs builds its mask from comparisons and a logical and; step(x)·step(6−x) is the
 * same mask except at exactly 0 and 6). A third is corrected for every backend: `AvgPool`, whose
 * forward pass leaves 'same' padding out of the mean but whose tfjs gradient divides by the whole
 * window (so edge inputs got too small a gradient); see avgPoolGrad.
 * Dilations other than 1 and channel multipliers other than 1 are not supported (the model builder
 * never makes them); they throw a clear error.
 */
import * as tf from '@tensorflow/tfjs';

type Attrs = Record<string, unknown>;
type Pad = 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;

function info(xShape: readonly number[], filterShape: readonly number[], a: Attrs, depthwise: boolean) {
  const dil = (a.dilations ?? 1) as number | [number, number];
  if ((Array.isArray(dil) ? dil : [dil, dil]).some((d) => d !== 1)) throw new Error('wasm training kernels: dilations other than 1 are not supported');
  if (a.dataFormat !== undefined && a.dataFormat !== 'NHWC') throw new Error(`wasm training kernels: data format ${String(a.dataFormat)} is not supported (NHWC only)`);
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    a.strides as [number, number], 1, a.pad as Pad, a.dimRoundingMode as Rounding, depthwise, 'channelsLast',
  );
}

/** The input padded as the forward conv pads it (bottom/right grown so every tap fits). */
function padded(x: tf.Tensor4D, ci: tf.backend_util.Conv2DInfo): tf.Tensor4D {
  const { top, left } = ci.padInfo;
  const needH = (ci.outHeight - 1) * ci.strideHeight + ci.filterHeight;
  const needW = (ci.outWidth - 1) * ci.strideWidth + ci.filterWidth;
  const bottom = Math.max(0, needH - top - (x.shape[1] as number));
  const right = Math.max(0, needW - left - (x.shape[2] as number));
  return top || left || bottom || right ? tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]) : x;
}

/**
 * dW[kh, kw, ci, co] = Σ_{b, oh, ow} xp[b, oh·s + kh, ow·s + kw, ci] · dy[b, oh, ow, co]: a valid
 * convolution of the padded input with batch and channels swapped ([Ci, Hp, Wp, B]) by dy as the
 * filter ([OH, OW, B, Co]), dilated by the stride (the usual TensorFlow identity).
 */
export function conv2DBackpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: readonly number[], a: Attrs): tf.Tensor4D {
  const ci = info(x.shape, filterShape, a, false);
  return tf.tidy(() => {
    const xt = tf.transpose(padded(x, ci), [3, 1, 2, 0]) as tf.Tensor4D;
    const dyt = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D;
    let dw = tf.conv2d(xt, dyt, 1, 'valid', 'NHWC', [ci.strideHeight, ci.strideWidth]);
    if (dw.shape[1] !== ci.filterHeight || dw.shape[2] !== ci.filterWidth) dw = tf.slice(dw, [0, 0, 0, 0], [-1, ci.filterHeight, ci.filterWidth, -1]);
    return tf.transpose(dw, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

/**
 * dW[kh, kw, c] = Σ_{b, oh, ow} xp[b, oh·s + kh, ow·s + kw, c] · dy[b, oh, ow, c]: a depthwise
 * convolution over batch·channel planes ([1, Hp, Wp, B·C]) by dy ([OH, OW, B·C, 1], dilated by the
 * stride), then summed over the batch.
 */
export function depthwiseBackpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: readonly number[], a: Attrs): tf.Tensor4D {
  if (filterShape[3] !== 1) throw new Error('wasm training kernels: depthwise channel multipliers other than 1 are not supported');
  const ci = info(x.shape, filterShape, a, true);
  return tf.tidy(() => {
    const xp = padded(x, ci);
    const [b, hp, wp, c] = xp.shape;
    const [, oh, ow] = dy.shape;
    const planes = tf.transpose(xp, [1, 2, 0, 3]).reshape([1, hp, wp, b * c]) as tf.Tensor4D;
    const filt = tf.transpose(dy, [1, 2, 0, 3]).reshape([oh, ow, b * c, 1]) as tf.Tensor4D;
    let dw = tf.depthwiseConv2d(planes, filt, 1, 'valid', 'NHWC', [ci.strideHeight, ci.strideWidth]);
    if (dw.shape[1] !== ci.filterHeight || dw.shape[2] !== ci.filterWidth) dw = tf.slice(dw, [0, 0, 0, 0], [-1, ci.filterHeight, ci.filterWidth, -1]);
    return tf.sum(dw.reshape([ci.filterHeight, ci.filterWidth, b, c]), 2).reshape(filterShape as [number, number, number, number]);
  });
}

export function depthwiseBackpropInput(dy: tf.Tensor4D, filter: tf.Tensor4D, inputShape: readonly number[], a: Attrs): tf.Tensor4D {
  if (filter.shape[3] !== 1) throw new Error('wasm training kernels: depthwise channel multipliers other than 1 are not supported');
  const ci = info(inputShape, filter.shape, a, true);
  return tf.tidy(() => {
    const [b, oh, ow, c] = dy.shape;
    const sh = ci.strideHeight;
    const sw = ci.strideWidth;
    // Dilate: put each dy value at stride-spaced positions, zeros between.
    let d: tf.Tensor4D = dy;
    if (sh > 1 || sw > 1) {
      const spread = tf.pad(dy.reshape([b, oh, 1, ow, 1, c]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
      d = tf.slice(spread.reshape([b, oh * sh, ow * sw, c]), [0, 0, 0, 0], [b, (oh - 1) * sh + 1, (ow - 1) * sw + 1, c]) as tf.Tensor4D;
    }
    const kh = ci.filterHeight;
    const kw = ci.filterWidth;
    const { top, left } = ci.padInfo;
    const [, h, w] = inputShape as [number, number, number, number];
    const padT = kh - 1 - top;
    const padL = kw - 1 - left;
    const padB = h + kh - 1 - padT - (d.shape[1] as number);
    const padR = w + kw - 1 - padL - (d.shape[2] as number);
    d = tf.pad(d, [[0, 0], [Math.max(0, padT), Math.max(0, padB)], [Math.max(0, padL), Math.max(0, padR)], [0, 0]]);
    if (padT < 0 || padL < 0 || padB < 0 || padR < 0) {
      d = tf.slice(d, [0, Math.max(0, -padT), Math.max(0, -padL), 0], [b, h + kh - 1, w + kw - 1, c]);
    }
    const flipped = tf.reverse(filter, [0, 1]) as tf.Tensor4D;
    return tf.depthwiseConv2d(d, flipped, 1, 'valid');
  });
}

/**
 * out[s, …] = Σ_{i: ids[i] = s} x[i, …] (ids outside 0..numSegments−1 are dropped, as in TensorFlow):
 * one pass over x, O(x.size), where a one-hot matMul would cost O(x.size · numSegments).
 */
export function unsortedSegmentSum(x: tf.Tensor, segmentIds: tf.Tensor, numSegments: number): tf.Tensor {
  const inner = x.size / (x.shape[0] as number);
  const xs = x.dataSync() as Float32Array;
  const ids = segmentIds.dataSync();
  const out = new Float32Array(numSegments * inner);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i] as number;
    if (s < 0 || s >= numSegments) continue;
    const o = s * inner;
    const b = i * inner;
    for (let j = 0; j < inner; j++) out[o + j] = (out[o + j] as number) + (xs[b + j] as number);
  }
  return tf.tensor(out, [numSegments, ...x.shape.slice(1)], 'float32');
}

/** tfjs-core's FusedBatchNorm gradient with the tile of derX replaced by a broadcast multiply. */
const fusedBatchNormGrad: tf.GradConfig = {
  kernelName: 'FusedBatchNorm',
  inputsToSave: ['x', 'mean', 'variance', 'scale'],
  gradFunc: (dy, saved, attrs) => {
    const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
    const [x, mean, variance, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
    const g = dy as tf.Tensor;
    const scaleValue = scale ?? tf.scalar(1);
    const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
    const reduce = (t: tf.Tensor) => (mean.rank === 1 ? tf.sum(t, axes) : t).reshape(mean.shape);
    const xMinusMean = tf.sub(x, mean);
    const dyTimesScale = tf.mul(g, scaleValue);
    const rstd = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
    const minusHalfRCube = tf.mul(tf.mul(tf.mul(rstd, rstd), rstd), tf.scalar(-0.5));
    return {
      x: () => tf.mul(tf.mul(g, rstd), scaleValue).reshape(x.shape),
      mean: () => reduce(tf.mul(tf.mul(rstd, tf.scalar(-1)), dyTimesScale)),
      variance: () => reduce(tf.mul(tf.mul(minusHalfRCube, xMinusMean), dyTimesScale)),
      scale: () => reduce(tf.mul(g, tf.mul(xMinusMean, rstd))),
      offset: () => reduce(g),
    };
  },
};

/**
 * The AvgPool gradient with the forward pass's divisor: dy scaled by k·kW / (real inputs in each
 * output's window), then tfjs's AvgPoolGrad (which divides every window by k·kW) spreads it.
 */
const avgPoolGrad: tf.GradConfig = {
  kernelName: 'AvgPool',
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor4D];
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as { filterSize: number | [number, number]; strides: number | [number, number]; pad: Pad; dimRoundingMode?: Rounding };
    const ci = tf.backend_util.computePool2DInfo(x.shape, filterSize, strides, 1, pad, dimRoundingMode);
    const counts = (out: number, k: number, s: number, before: number, size: number) =>
      Array.from({ length: out }, (_, o) => Math.min(o * s - before + k, size) - Math.max(o * s - before, 0));
    const rows = counts(ci.outHeight, ci.filterHeight, ci.strideHeight, ci.padInfo.top, ci.inHeight);
    const cols = counts(ci.outWidth, ci.filterWidth, ci.strideWidth, ci.padInfo.left, ci.inWidth);
    const area = ci.filterHeight * ci.filterWidth;
    const scale = new Float32Array(ci.outHeight * ci.outWidth);
    rows.forEach((r, i) => cols.forEach((c, j) => (scale[i * ci.outWidth + j] = area / (r * c))));
    return {
      x: () => {
        const scaled = tf.mul(dy as tf.Tensor, tf.tensor4d(scale, [1, ci.outHeight, ci.outWidth, 1]));
        return tf.engine().runKernel('AvgPoolGrad', { dy: scaled, input: x }, { filterSize, strides, pad, dimRoundingMode } as unknown as tf.NamedAttrMap) as tf.Tensor;
      },
    };
  },
};

const relu6Grad: tf.GradConfig = {
  kernelName: 'Relu6',
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const [x] = saved as [tf.Tensor];
    return { x: () => tf.mul(dy as tf.Tensor, tf.mul(tf.step(x), tf.step(tf.sub(tf.scalar(6), x)))) };
  },
};

let registered = false;

/** Registers the four kernels for the `wasm` backend (idempotent; never replaces existing ones). */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  registered = true;
  const add = (kernelName: string, fn: (inputs: Record<string, tf.Tensor4D>, attrs: Attrs) => tf.Tensor4D) => {
    if (tf.getKernel(kernelName, 'wasm')) return;
    tf.registerKernel({
      kernelName,
      backendName: 'wasm',
      // The engine accepts a Tensor as a kernel result (it has a rank), so composing ops is allowed.
      kernelFunc: ({ inputs, attrs }) => fn(inputs as unknown as Record<string, tf.Tensor4D>, attrs as Attrs) as unknown as tf.TensorInfo,
    });
  };
  add('Conv2DBackpropFilter', (i, a) => conv2DBackpropFilter(i.x as tf.Tensor4D, i.dy as tf.Tensor4D, a.filterShape as number[], a));
  add('DepthwiseConv2dNativeBackpropFilter', (i, a) => depthwiseBackpropFilter(i.x as tf.Tensor4D, i.dy as tf.Tensor4D, a.filterShape as number[], a));
  add('DepthwiseConv2dNativeBackpropInput', (i, a) => depthwiseBackpropInput(i.dy as tf.Tensor4D, i.filter as tf.Tensor4D, a.inputShape as number[], a));
  add('UnsortedSegmentSum', (i, a) => unsortedSegmentSum(i.x as tf.Tensor, i.segmentIds as tf.Tensor, a.numSegments as number) as tf.Tensor4D);
  tf.registerGradient(fusedBatchNormGrad);
  tf.registerGradient(relu6Grad);
}

// A correction rather than a speed-up: on every backend as soon as the trainer's backend module loads.
tf.registerGradient(avgPoolGrad);
