import { beforeAll, describe, expect, it } from 'vitest';
import { chooseBackend, tf } from './backend.js';

/** Runs `f` on a backend and returns its result as plain arrays (tensors disposed). */
async function on(backend: 'cpu' | 'wasm', f: () => tf.Tensor | tf.Tensor[]): Promise<number[][]> {
  await chooseBackend(backend);
  return tf.tidy(() => {
    const r = f();
    return (Array.isArray(r) ? r : [r]).map((t) => Array.from(t.dataSync()));
  });
}

function rand(shape: number[], seed: number): tf.Tensor {
  return tf.randomUniform(shape, -1, 1, 'float32', seed);
}

function close(a: number[][], b: number[][]): void {
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => {
    const y = b[i] as number[];
    expect(x.length).toBe(y.length);
    const scale = Math.max(1, ...y.map(Math.abs));
    const worst = Math.max(...x.map((v, j) => Math.abs(v - (y[j] as number))));
    expect(worst / scale).toBeLessThan(1e-4);
  });
}

const CASES = [
  { x: [2, 7, 7, 3], k: 3, s: 1, pad: 'same' as const, co: 4 },
  { x: [2, 8, 8, 3], k: 3, s: 2, pad: 'same' as const, co: 5 },
  { x: [1, 9, 6, 2], k: 5, s: 2, pad: 'same' as const, co: 3 },
  { x: [3, 7, 7, 4], k: 1, s: 1, pad: 'valid' as const, co: 2 },
  { x: [2, 9, 9, 2], k: 3, s: 2, pad: 'valid' as const, co: 3 },
  { x: [1, 14, 14, 3], k: 7, s: 2, pad: 'same' as const, co: 2 },
];

describe('wasm training kernels', () => {
  beforeAll(async () => {
    await chooseBackend('wasm');
  });

  it('are registered: the wasm backend now has the three kernels', () => {
    for (const k of ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput']) {
      expect(tf.getKernel(k, 'wasm'), k).toBeDefined();
    }
  });

  for (const c of CASES) {
    const name = `x ${c.x.join('×')}, ${c.k}×${c.k}/${c.s} ${c.pad}`;
    it(`conv2d gradients match the cpu backend (${name})`, async () => {
      const run = () => {
        const x = rand(c.x, 1);
        const w = rand([c.k, c.k, c.x[3] as number, c.co], 2);
        const loss = (xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.s, c.pad), rand(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.s, c.pad).shape, 3)));
        return tf.grads(loss)([x, w]);
      };
      close(await on('wasm', run), await on('cpu', run));
    });

    it(`depthwise conv gradients match the cpu backend (${name})`, async () => {
      const run = () => {
        const x = rand(c.x, 4);
        const w = rand([c.k, c.k, c.x[3] as number, 1], 5);
        const fwd = (xx: tf.Tensor, ww: tf.Tensor) => tf.depthwiseConv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, c.s, c.pad);
        const r = rand(fwd(x, w).shape, 6);
        return tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.mul(fwd(xx, ww), r)))([x, w]);
      };
      close(await on('wasm', run), await on('cpu', run));
    });
  }

  /** Central finite differences of scalar f at a few coordinates of x, against the analytic gradient. */
  function checkFiniteDifferences(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, at: number[], eps = 1e-2, digits = 2): void {
    const g = tf.grad(f)(x).dataSync();
    const base = x.dataSync();
    for (const i of at) {
      const plus = Float32Array.from(base);
      const minus = Float32Array.from(base);
      plus[i] = (plus[i] as number) + eps;
      minus[i] = (minus[i] as number) - eps;
      const num = ((f(tf.tensor(plus, x.shape)).dataSync()[0] as number) - (f(tf.tensor(minus, x.shape)).dataSync()[0] as number)) / (2 * eps);
      expect(g[i], `coordinate ${i}`).toBeCloseTo(num, digits);
    }
  }

  it('the replaced BatchNorm (training, batch statistics) and Relu6 gradients match finite differences', async () => {
    await chooseBackend('wasm');
    const r = rand([4, 3, 3, 2], 9);
    const bn = (x: tf.Tensor) => {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.sum(tf.mul(tf.batchNorm(x, mean, variance, tf.tensor1d([0.5, -1]), tf.tensor1d([1.5, 2]), 1e-3), r)) as tf.Scalar;
    };
    checkFiniteDifferences(bn, rand([4, 3, 3, 2], 10), [0, 7, 30, 71], 1e-2, 1);
    const gamma = (g: tf.Tensor) => {
      const x = rand([4, 3, 3, 2], 11);
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return tf.sum(tf.mul(tf.batchNorm(x, mean, variance, tf.tensor1d([0, 0]), g, 1e-3), r)) as tf.Scalar;
    };
    checkFiniteDifferences(gamma, tf.tensor1d([0.7, 1.3]), [0, 1]);
    const x6 = tf.tensor1d([-1, 0.5, 3, 5.5, 7]);
    expect(Array.from(tf.grad((x: tf.Tensor) => tf.sum(tf.relu6(x)) as tf.Scalar)(x6).dataSync())).toEqual([0, 1, 1, 1, 0]);
  });

  it('the filter gradient matches a finite difference', async () => {
    await chooseBackend('wasm');
    const x = rand([1, 5, 5, 2], 7);
    const w = rand([3, 3, 2, 1], 8);
    const f = (ww: tf.Tensor) => tf.sum(tf.square(tf.depthwiseConv2d(x as tf.Tensor4D, ww as tf.Tensor4D, 2, 'same')));
    const g = tf.grad(f)(w).dataSync();
    const base = w.dataSync();
    const eps = 1e-2;
    for (const i of [0, 5, 11, 17]) {
      const plus = Float32Array.from(base);
      const minus = Float32Array.from(base);
      plus[i] = (plus[i] as number) + eps;
      minus[i] = (minus[i] as number) - eps;
      const num = ((f(tf.tensor(plus, w.shape)).dataSync()[0] as number) - (f(tf.tensor(minus, w.shape)).dataSync()[0] as number)) / (2 * eps);
      expect(g[i]).toBeCloseTo(num, 2);
    }
  });
});

describe('AvgPool gradient', () => {
  it("leaves 'same' padding out of the divisor, as the forward pass does (by hand, every window size)", async () => {
    // 1-D along H: x = [x0..x4], kernel 3, stride 2, 'same' → windows {x0, x1} (pad above), {x1, x2, x3}, {x3, x4} (pad below).
    // L = 1·y0 + 10·y1 + 100·y2 → dL/dx = [1/2, 1/2 + 10/3, 10/3, 10/3 + 100/2, 100/2].
    const want = [0.5, 0.5 + 10 / 3, 10 / 3, 10 / 3 + 50, 50];
    for (const backend of ['cpu', 'wasm'] as const) {
      const [g] = await on(backend, () => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(x as tf.Tensor4D, [3, 1], [2, 1], 'same'), tf.tensor4d([1, 10, 100], [1, 3, 1, 1]))))(tf.zeros([1, 5, 1, 1])));
      (g as number[]).forEach((v, i) => expect(Math.abs(v - (want[i] as number)), `${backend} dx[${i}]`).toBeLessThan(1e-5));
    }
  });

  it('equals the numerical gradient on a 2-D pool with stride 1 and odd sizes', async () => {
    const x = tf.randomUniform([1, 5, 4, 2], -1, 1, 'float32', 3);
    const w = tf.randomUniform([1, 5, 4, 2], -1, 1, 'float32', 4);
    const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(t as tf.Tensor4D, 3, 1, 'same'), w));
    const [g] = await on('cpu', () => tf.grad(f)(x));
    const xs = Array.from(x.dataSync());
    const h = 1e-2;
    xs.forEach((_, i) => {
      const at = (d: number) => tf.tidy(() => f(tf.tensor4d(xs.map((v, j) => (j === i ? v + d : v)), [1, 5, 4, 2])).dataSync()[0] as number);
      expect(Math.abs((at(h) - at(-h)) / (2 * h) - ((g as number[])[i] as number)), `dx[${i}]`).toBeLessThan(1e-3);
    });
  });
});
