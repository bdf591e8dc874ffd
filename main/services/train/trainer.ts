/**
 * Trains a tfjs model on in-memory data with a budget, a learning-rate schedule and early stopping,
 * reporting one learning-curve point per epoch. The whole training and validation sets live in
 * backend tensors; each step gathers its batch on the backend (no per-step copies through JS).
 */
import { Cancelled, NasError } from '../../../shared/errors.js';
import type { CurvePoint } from '../../../shared/types/index.js';
import type { CancellationToken } from '../../core/cancellation.js';
import { Rng } from '../../core/rng.js';
import { tf } from './backend.js';

export interface TrainOptions {
  /** Maximum epochs (passes over the training set). */
  readonly epochs: number;
  /** Maximum optimizer steps in all (optional; whichever budget is reached first ends training). */
  readonly steps?: number;
  readonly batchSize: number;
  /** Peak learning rate (Adam). */
  readonly lr: number;
  /** `cosine`: lr · ½(1 + cos(π·t/T)) over the planned steps; `constant`. */
  readonly schedule: 'cosine' | 'constant';
  /** Stop when validation accuracy has not improved for this many epochs (0: never). */
  readonly patience: number;
  readonly seed: number;
  /** Random horizontal flips and ±`shift` pixel translations of training batches. */
  readonly augment?: { readonly flip: boolean; readonly shift: number };
}

export const TRAIN_DEFAULTS: TrainOptions = { epochs: 3, batchSize: 64, lr: 3e-3, schedule: 'cosine', patience: 2, seed: 0 };

/** Normalised float32 examples in NHWC order with their labels. */
export interface TensorData {
  readonly x: Float32Array;
  readonly y: ArrayLike<number>;
  readonly shape: readonly [number, number, number];
  readonly classes: number;
}

export interface TrainResult {
  /** Best validation accuracy over the epochs (the weights of that epoch are kept). */
  readonly valAccuracy: number;
  readonly valLoss: number;
  readonly trainLoss: number;
  readonly epochs: number;
  readonly bestEpoch: number;
  readonly steps: number;
  readonly seconds: number;
  /** Training images per second (forward + backward + update), over the whole run. */
  readonly imagesPerSecond: number;
  readonly stoppedEarly: boolean;
}

/** Thrown when the loss becomes NaN or infinite: the trial fails with this reason. */
export class DivergedError extends NasError {
  constructor(step: number, loss: number) {
    super('invalid-input', `training diverged: loss is ${loss} at step ${step} (try a lower learning rate)`);
    this.name = 'DivergedError';
  }
}

/** Wraps each step (a worker uses it to pause while another thread times latency). */
export type StepHook = <T>(f: () => T) => T;

/** Training batches (of at least 64) used to re-estimate BatchNorm statistics before each evaluation. */
export const RECALIBRATION_BATCHES = 8;

const tick = () => new Promise<void>((r) => setImmediate(r));

function toTensors(d: TensorData): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const n = d.y.length;
  return { x: tf.tensor4d(d.x, [n, ...d.shape]), y: tf.tensor1d(Int32Array.from(d.y), 'int32') };
}

/** Accuracy and mean loss of `model` on data (inference mode, in batches). */
export function evaluateModel(
  model: tf.LayersModel, x: tf.Tensor4D, y: tf.Tensor1D, classes: number, batchSize = 256, step: StepHook = (f) => f(),
): { accuracy: number; loss: number } {
  const n = y.shape[0];
  let correct = 0;
  let lossSum = 0;
  for (let i = 0; i < n; i += batchSize) {
    const m = Math.min(batchSize, n - i);
    const [c, l] = step(() => tf.tidy(() => {
      const xb = x.slice([i, 0, 0, 0], [m, -1, -1, -1]);
      const yb = y.slice([i], [m]);
      const logits = model.apply(xb, { training: false }) as tf.Tensor2D;
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), yb), 'float32'));
      const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(yb, classes), logits, undefined, undefined, tf.Reduction.SUM);
      return [hits.dataSync()[0] as number, loss.dataSync()[0] as number];
    }));
    correct += c;
    lossSum += l;
  }
  return { accuracy: n ? correct / n : 0, loss: n ? lossSum / n : 0 };
}

/**
 * Re-estimates every BatchNorm layer's moving mean and variance as the plain average over `batches`
 * training batches (forward passes in training mode, no weight update). After a short, high
 * learning-rate training the exponential moving averages lag far behind the weights, and inference
 * accuracy collapses to chance; recalibrated statistics fix that (as in once-for-all NAS).
 */
export function recalibrateBatchNorm(model: tf.LayersModel, x: tf.Tensor4D, batches: number, batchSize: number, step: StepHook = (f) => f()): void {
  const bns = model.layers.filter((l) => l.getClassName() === 'BatchNormalization') as unknown as { momentum: number }[];
  if (bns.length === 0) return;
  const saved = bns.map((l) => l.momentum);
  const n = x.shape[0];
  try {
    for (let k = 0; k < batches && k * batchSize < n; k++) {
      // momentum k/(k+1): the k-th batch gets weight 1/(k+1), so the result is the mean over batches.
      for (const l of bns) l.momentum = k / (k + 1);
      step(() => tf.tidy(() => {
        model.apply(x.slice([k * batchSize, 0, 0, 0], [Math.min(batchSize, n - k * batchSize), -1, -1, -1]), { training: true });
      }));
    }
  } finally {
    bns.forEach((l, i) => (l.momentum = saved[i] as number));
  }
}

function augmentBatch(xb: tf.Tensor4D, a: NonNullable<TrainOptions['augment']>, rng: Rng): tf.Tensor4D {
  return tf.tidy(() => {
    let out = xb;
    if (a.flip && rng.int(2) === 1) out = tf.reverse(out, 2);
    if (a.shift > 0) {
      const [, h, w] = out.shape;
      const dy = rng.int(2 * a.shift + 1) - a.shift;
      const dx = rng.int(2 * a.shift + 1) - a.shift;
      const padded = tf.pad(out, [[0, 0], [a.shift, a.shift], [a.shift, a.shift], [0, 0]]);
      out = tf.slice(padded, [0, a.shift + dy, a.shift + dx, 0], [-1, h, w, -1]);
    }
    return out;
  });
}

/**
 * Trains `model` in place. `report` receives, per epoch, `train_loss`, `val_loss` and `val_accuracy`
 * points (step = epoch). Throws Cancelled when the token fires (checked between steps), DivergedError
 * on a NaN/Inf loss. On return the model holds the weights of the best validation epoch.
 */
export async function trainModel(
  model: tf.LayersModel,
  train: TensorData,
  val: TensorData,
  o: TrainOptions,
  report: (p: CurvePoint) => void,
  token: CancellationToken,
  stepHook: StepHook = (f) => f(),
): Promise<TrainResult> {
  const started = performance.now();
  const tr = toTensors(train);
  const va = toTensors(val);
  const optimizer = tf.train.adam(o.lr);
  const rng = new Rng(o.seed);
  const n = train.y.length;
  const stepsPerEpoch = Math.ceil(n / o.batchSize);
  const planned = Math.min(o.epochs * stepsPerEpoch, o.steps ?? Infinity);
  let step = 0;
  let best = { accuracy: -1, loss: Infinity, epoch: 0 };
  let bestWeights: tf.Tensor[] | undefined;
  let trainLoss = NaN;
  let epoch = 0;
  let stoppedEarly = false;
  let trainSeconds = 0;
  const images = { n: 0 };
  try {
    while (epoch < o.epochs && step < planned) {
      epoch++;
      const order = Int32Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [order[i], order[j]] = [order[j] as number, order[i] as number];
      }
      const perm = tf.tensor1d(order, 'int32');
      const sum = tf.variable(tf.scalar(0), false);
      let batches = 0;
      const t0 = performance.now();
      try {
        for (let b = 0; b < n && step < planned; b += o.batchSize) {
          if (token.isCancellationRequested) throw new Cancelled('training cancelled');
          const m = Math.min(o.batchSize, n - b);
          const lr = o.schedule === 'cosine' ? (o.lr * (1 + Math.cos((Math.PI * step) / planned))) / 2 : o.lr;
          (optimizer as unknown as { learningRate: number }).learningRate = lr;
          stepHook(() => tf.tidy(() => {
            const idx = perm.slice([b], [m]);
            let xb = tf.gather(tr.x, idx) as tf.Tensor4D;
            if (o.augment) xb = augmentBatch(xb, o.augment, rng);
            const yb = tf.oneHot(tf.gather(tr.y, idx), train.classes);
            const loss = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(yb, model.apply(xb, { training: true }) as tf.Tensor2D) as tf.Scalar, true);
            sum.assign(tf.add(sum, loss as tf.Scalar));
          }));
          step++;
          batches++;
          images.n += m;
          // Let timers and signals (cancellation) run; also keeps the event loop responsive.
          if (step % 4 === 0) await tick();
        }
        trainLoss = (sum.dataSync()[0] as number) / Math.max(1, batches);
      } finally {
        perm.dispose();
        sum.dispose();
      }
      trainSeconds += (performance.now() - t0) / 1000;
      if (!Number.isFinite(trainLoss)) throw new DivergedError(step, trainLoss);
      recalibrateBatchNorm(model, tr.x, RECALIBRATION_BATCHES, Math.max(o.batchSize, 64), stepHook);
      const v = evaluateModel(model, va.x, va.y, val.classes, 256, stepHook);
      report({ step: epoch, metric: 'train_loss', value: trainLoss });
      report({ step: epoch, metric: 'val_loss', value: v.loss });
      report({ step: epoch, metric: 'val_accuracy', value: v.accuracy });
      if (v.accuracy > best.accuracy) {
        best = { accuracy: v.accuracy, loss: v.loss, epoch };
        bestWeights?.forEach((t) => t.dispose());
        bestWeights = epoch < o.epochs && step < planned ? model.getWeights().map((w) => w.clone()) : undefined;
      } else if (o.patience > 0 && epoch - best.epoch >= o.patience) {
        stoppedEarly = true;
        break;
      }
      await tick();
    }
    if (bestWeights && best.epoch !== epoch) model.setWeights(bestWeights);
  } finally {
    bestWeights?.forEach((t) => t.dispose());
    optimizer.dispose();
    tr.x.dispose();
    tr.y.dispose();
    va.x.dispose();
    va.y.dispose();
  }
  return {
    valAccuracy: best.accuracy,
    valLoss: best.loss,
    trainLoss,
    epochs: epoch,
    bestEpoch: best.epoch,
    steps: step,
    seconds: (performance.now() - started) / 1000,
    imagesPerSecond: trainSeconds > 0 ? images.n / trainSeconds : 0,
    stoppedEarly,
  };
}
