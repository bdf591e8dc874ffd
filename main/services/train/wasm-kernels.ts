/**
 * Training kernels missing from @tensorflow/tfjs-backend-wasm 4.22: `Conv2DBackpropFilter`,
 * `DepthwiseConv2dNativeBackpropFilter` and `DepthwiseConv2dNativeBackpropInput` (the wasm backend
 * is inference-first; checked with `tf.getKernel(name, 'wasm')`). Without them
 * `optimizer.minimize` throws "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'".
 *
 * Each is composed from kernels the wasm backend has (pad, strided slice, concat, batched matmul,
 * depthwise conv, reverse), so the heavy part still runs in XNNPACK:
 * - conv filter gradient: im2col of the padded input (one strided slice per tap, concatenated on
 *   channels) times dy, one [K·K·Cin, N] × [N, Cout] matmul;
 * - depthwise filter gradient: per tap, Σ over batch and space of slice(x) · dy;
 * - depthwise input gradient: dy dilated by the stride, padded, depthwise-convolved with the
 *   spatially flipped filter (a transposed convolution).
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

/** The input padded as the forward conv pads it, and its K·K strided taps [B, OH, OW, C] each. */
function taps(x: tf.Tensor4D, ci: tf.backend_util.Conv2DInfo): tf.Tensor4D[] {
  const { top, left, bottom, right } = ci.padInfo;
  const xp = top || left || bottom || right ? tf.pad(x, [[0, 0], [Math.max(0, top), Math.max(0, bottom)], [Math.max(0, left), Math.max(0, right)], [0, 0]]) : x;
  const [b, , , c] = x.shape;
  const out: tf.Tensor4D[] = [];
  for (let kh = 0; kh < ci.filterHeight; kh++) {
    for (let kw = 0; kw < ci.filterWidth; kw++) {
      out.push(tf.stridedSlice(xp, [0, kh, kw, 0],
        [b, kh + (ci.outHeight - 1) * ci.strideHeight + 1, kw + (ci.outWidth - 1) * ci.strideWidth + 1, c],
        [1, ci.strideHeight, ci.strideWidth, 1]) as tf.Tensor4D);
    }
  }
  return out;
}

export function conv2DBackpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: readonly number[], a: Attrs): tf.Tensor4D {
  const ci = info(x.shape, filterShape, a, false);
  return tf.tidy(() => {
    const t = taps(x, ci);
    const n = ci.batchSize * ci.outHeight * ci.outWidth;
    const patches = (t.length === 1 ? (t[0] as tf.Tensor4D) : tf.concat(t, 3)).reshape([n, t.length * ci.inChannels]);
    const dw = tf.matMul(patches, dy.reshape([n, ci.outChannels]), true, false);
    return dw.reshape(filterShape as [number, number, number, number]);
  });
}

export function depthwiseBackpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: readonly number[], a: Attrs): tf.Tensor4D {
  if (filterShape[3] !== 1) throw new Error('wasm training kernels: depthwise channel multipliers other than 1 are not supported');
  const ci = info(x.shape, filterShape, a, true);
  return tf.tidy(() => {
    const rows = taps(x, ci).map((t) => tf.sum(tf.mul(t, dy), [0, 1, 2]));
    return tf.stack(rows).reshape(filterShape as [number, number, number, number]);
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

let registered = false;

/** Registers the three kernels for the `wasm` backend (idempotent; never replaces existing ones). */
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
}
