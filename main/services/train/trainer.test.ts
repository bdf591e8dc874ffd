import { describe, expect, it } from 'vitest';
import { Cancelled } from '../../../shared/errors.js';
import type { CurvePoint } from '../../../shared/types/index.js';
import { CancellationTokenSource } from '../../core/cancellation.js';
import { buildGraph } from '../../core/graph/index.js';
import { parseSpaceDocument } from '../../core/spaces/custom.js';
import { chooseBackend, tf } from './backend.js';
import { measureLatency, quantile } from './latency.js';
import { buildModel } from './model.js';
import { DivergedError, recalibrateBatchNorm, trainModel, type TensorData, type TrainOptions } from './trainer.js';

const space = parseSpaceDocument('name: t\nlayers:\n  - { name: c, op: Conv2D, kernel: 3, filters: 4 }\n', 't');
const graph = buildGraph(space, space.freeze([]), { input: [6, 6, 1], classes: 2 });

/** Two separable classes: bright vs dark 6×6 images (with noise). */
function data(n: number, seed: number): TensorData {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const y = Array.from({ length: n }, (_, i) => i % 2);
  const x = new Float32Array(n * 36);
  for (let i = 0; i < n; i++) for (let j = 0; j < 36; j++) x[i * 36 + j] = (y[i] === 1 ? 1 : -1) + (rnd() - 0.5);
  return { x, y, shape: [6, 6, 1], classes: 2 };
}

const opts: TrainOptions = { epochs: 3, batchSize: 16, lr: 0.01, schedule: 'cosine', patience: 0, seed: 1 };
const never = new CancellationTokenSource().token;

describe('trainer', () => {
  it('learns a separable problem and reports train/val loss and accuracy per epoch', async () => {
    await chooseBackend('wasm');
    const model = buildModel(graph, 1);
    const points: CurvePoint[] = [];
    const r = await trainModel(model, data(128, 1), data(64, 2), opts, (p) => points.push(p), never);
    model.dispose();
    expect(r.epochs).toBe(3);
    expect(r.steps).toBe(24);
    expect(r.valAccuracy).toBeGreaterThan(0.9);
    expect(points.map((p) => `${p.step}:${p.metric}`)).toEqual(['1:train_loss', '1:val_loss', '1:val_accuracy', '2:train_loss', '2:val_loss', '2:val_accuracy', '3:train_loss', '3:val_loss', '3:val_accuracy']);
    expect(tf.memory().numTensors).toBeLessThan(50);
  });

  it('trains with augmentation (random flips and shifts of each batch)', async () => {
    const model = buildModel(graph, 1);
    const r = await trainModel(model, data(128, 1), data(64, 2), { ...opts, augment: { flip: true, shift: 1 } }, () => undefined, never);
    model.dispose();
    expect(r.valAccuracy).toBeGreaterThan(0.9);
  });

  it('stops early when validation accuracy stops improving (patience)', async () => {
    const model = buildModel(graph, 1);
    const r = await trainModel(model, data(64, 1), data(32, 2), { ...opts, epochs: 10, lr: 1e-12, patience: 2 }, () => undefined, never);
    model.dispose();
    expect(r.stoppedEarly).toBe(true);
    expect(r.epochs).toBe(3);
    expect(r.bestEpoch).toBe(1);
  });

  it('honours a step budget', async () => {
    const model = buildModel(graph, 1);
    const r = await trainModel(model, data(64, 1), data(32, 2), { ...opts, epochs: 10, steps: 5 }, () => undefined, never);
    model.dispose();
    expect(r.steps).toBe(5);
    expect(r.epochs).toBe(2);
  });

  it('fails the trial with the reason when the loss becomes NaN', async () => {
    const bad = data(32, 1);
    bad.x[5] = NaN;
    const model = buildModel(graph, 1);
    await expect(trainModel(model, bad, data(16, 2), opts, () => undefined, never)).rejects.toThrow(DivergedError);
    await expect(trainModel(model, bad, data(16, 2), opts, () => undefined, never)).rejects.toThrow(/training diverged: loss is NaN at step 2/);
    model.dispose();
  });

  it('stops soon after the token fires', async () => {
    const cts = new CancellationTokenSource();
    const model = buildModel(graph, 1);
    const points: CurvePoint[] = [];
    const run = trainModel(model, data(256, 1), data(16, 2), { ...opts, batchSize: 8, epochs: 50 }, (p) => {
      points.push(p);
      cts.cancel();
    }, cts.token);
    await expect(run).rejects.toThrow(Cancelled);
    model.dispose();
    expect(points.filter((p) => p.metric === 'val_accuracy')).toHaveLength(1);
  });

  it('recalibrates BatchNorm moving statistics to the mean over training batches', () => {
    const bnSpace = parseSpaceDocument('name: b\nlayers:\n  - { name: bn, op: BatchNorm }\n', 'b');
    const model = buildModel(buildGraph(bnSpace, bnSpace.freeze([]), { input: [1, 2, 1], classes: 2 }), 1);
    // two batches of two 1×2 examples: values {0, 2, 1, 1} and {3, 7, 5, 5}, means 1 and 5, variances 0.5 and 2
    const x = tf.tensor4d([0, 2, 1, 1, 3, 7, 5, 5], [4, 1, 2, 1]);
    recalibrateBatchNorm(model, x, 2, 2);
    const bn = model.getLayer('bn');
    const [, , movingMean, movingVar] = bn.getWeights().map((w) => w.dataSync()[0] as number);
    expect(movingMean).toBeCloseTo(3, 5);
    expect(movingVar).toBeCloseTo(1.25, 5);
    expect((bn as unknown as { momentum: number }).momentum).toBe(0.9);
    model.dispose();
    x.dispose();
  });

  it('times batch-1 inference: median ≤ p90, at least 5 runs', async () => {
    const model = buildModel(graph, 1);
    const l = await measureLatency(model, [6, 6, 1], { warmup: 2, runs: 10, maxMs: 1000 });
    model.dispose();
    expect(l.runs).toBeGreaterThanOrEqual(5);
    expect(l.medianMs).toBeGreaterThan(0);
    expect(l.medianMs).toBeLessThanOrEqual(l.p90Ms);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBeCloseTo(9.1);
    expect(quantile([4], 0.5)).toBe(4);
  });
});
