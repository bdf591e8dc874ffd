/**
 * The libtorch training engine (native/torch): the only module that loads the addon. Nothing above
 * main/services knows libtorch exists; its failures arrive as NasError.
 *
 * The addon is found at FRONTIER_TORCH_ADDON, else at `native/torch/build/Release/frontier_torch.node`
 * in this checkout or package (searched upwards from this file, so bundled builds find it too). When
 * it is missing, `loadTorch()` says why in one sentence and the caller falls back to TensorFlow.js.
 *
 * A model lives in the addon: weights go in and out as Float32Arrays keyed `<node id>/<kind>` in
 * Keras layouts (main/services/export/weights.ts), so a model trained here exports through the same
 * TFLite path. train, evaluate and latency run on threads the addon owns (the event loop stays free)
 * with `threads` intra-op threads each; latency runs alone (training steps of every model in the
 * process wait for it).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import { Cancelled, errorMessage, NasError } from '../../../shared/errors.js';
import type { ModelGraph } from '../../../shared/types/index.js';
import type { CancellationToken } from '../../core/cancellation.js';
import { MapWeights } from '../export/weights.js';
import type { LatencyOptions, LatencyResult } from './latency.js';
import { DivergedError, type TrainOptions, type TrainResult } from './trainer.js';

export interface TorchInfo {
  /** libtorch version. */
  readonly torch: string;
  /** CUDA usable now (a CUDA build and a visible GPU). */
  readonly cuda: boolean;
  readonly cudaDevices: number;
  readonly builtWithCuda: boolean;
  readonly mkldnn: boolean;
  readonly openmp: boolean;
}

interface NativeTrainResult {
  valAccuracy: number;
  valLoss: number;
  trainLoss: number;
  epochs: number;
  bestEpoch: number;
  steps: number;
  seconds: number;
  imagesPerSecond: number;
  stoppedEarly: boolean;
  cancelled: boolean;
  divergedAt?: number;
  divergedLoss?: string;
}

interface NativeModel {
  paramCount(): number;
  device(): string;
  getWeights(): Record<string, Float32Array>;
  setWeights(w: Record<string, Float32Array>): void;
  predict(x: Float32Array): Float32Array;
  gradients(x: Float32Array, y: Int32Array): Record<string, Float32Array>;
  train(
    trainX: Float32Array, trainY: Int32Array, valX: Float32Array, valY: Int32Array,
    o: Record<string, unknown>, onEpoch: (p: { epoch: number; trainLoss: number; valLoss: number; valAccuracy: number }) => void,
  ): Promise<NativeTrainResult>;
  evaluate(x: Float32Array, y: Int32Array, batchSize?: number): Promise<{ accuracy: number; loss: number }>;
  latency(o: LatencyOptions): Promise<LatencyResult>;
  cancel(): void;
  dispose(): void;
}

/** A mobilenet supernet in the addon (native/torch/src/supernet_object.h); used through supernet-engine.ts. */
export interface NativeSupernet {
  paramCount(): number;
  setData(trainX: Float32Array, trainY: Int32Array, valX: Float32Array, valY: Int32Array): void;
  train(o: Record<string, unknown>, onProgress: (p: { step: number; steps: number; loss: number; lr: number; seconds: number }) => void): Promise<{
    steps: number; resumedFrom: number; loss: number; seconds: number; imagesPerSecond: number; cancelled: boolean; checkpointed: boolean; divergedAt?: number; divergedLoss?: string;
  }>;
  evaluate(active: unknown, o: Record<string, unknown>): Promise<{ accuracy: number; loss: number }>;
  trainSubnets(subnets: unknown[], o: Record<string, unknown>): Promise<{ steps: number; loss: number; cancelled: boolean; divergedAt?: number; divergedLoss?: string }>;
  predict(active: unknown, x: Float32Array): Float32Array;
  getWeights(): Record<string, Float32Array>;
  subnetWeights(active: unknown): Record<string, Float32Array>;
  setWeights(w: Record<string, Float32Array>): void;
  loadCheckpoint(path: string): number;
  saveSubnetState(path: string): void;
  loadSubnetState(path: string): void;
  cancel(): void;
  dispose(): void;
}

interface Addon {
  info(): TorchInfo;
  memory(): { cachedBytes: number; liveBytes: number };
  trimCache(): void;
  stopAll(ms: number): void;
  Model: new (graph: ModelGraph, o: { seed: number; device: string; threads: number; fastDepthwise: boolean }) => NativeModel;
  Supernet: new (spec: unknown, o: { seed: number; device: string; threads: number }) => NativeSupernet;
}

const ADDON = 'native/torch/build/Release/frontier_torch.node';
let loaded: Addon | string | undefined;

function addonPath(): string | undefined {
  const env = process.env.FRONTIER_TORCH_ADDON;
  if (env) return env;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const p = join(dir, ADDON);
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  return undefined;
}

/** The addon, or why it cannot be used here (one sentence). Loaded once per thread. */
export function loadTorch(): Addon | string {
  if (loaded !== undefined) return loaded;
  const path = addonPath();
  if (!path) {
    loaded = 'the libtorch engine is not built (no libtorch was found at install; `npm run build:native` after installing libtorch-dev or PyTorch)';
  } else if (!existsSync(path)) {
    loaded = `the libtorch engine is not at ${path}`;
  } else {
    try {
      const a = createRequire(import.meta.url)(path) as Addon;
      // process.exit() runs no environment cleanup: stop the addon's jobs first, or exit() tears
      // libtorch down under their threads (a segfault instead of the exit code).
      if (isMainThread) process.once('exit', () => a.stopAll(10_000));
      loaded = a;
    } catch (e) {
      loaded = `the libtorch engine at ${path} does not load: ${errorMessage(e).split('\n')[0]}`;
    }
  }
  return loaded;
}

function addon(): Addon {
  const a = loadTorch();
  if (typeof a === 'string') throw new NasError('device-unavailable', a);
  return a;
}

export function torchInfo(): TorchInfo {
  return addon().info();
}

/** Where models train: `cuda` when this libtorch has it and a GPU is visible, else `cpu`. */
export function defaultTorchDevice(): string {
  return torchInfo().cuda ? 'cuda' : 'cpu';
}

/** A new native supernet (spec as supernet-engine.ts builds it); NasError when the engine is missing or the spec is wrong. */
export function newNativeSupernet(spec: unknown, o: { seed?: number; device?: string; threads?: number }): NativeSupernet {
  const a = addon();
  try {
    return new a.Supernet(spec, { seed: o.seed ?? 0, device: o.device ?? defaultTorchDevice(), threads: o.threads ?? 1 });
  } catch (e) {
    throw toNasError(e);
  }
}

/** An addon failure as a NasError (cancelled: Cancelled; a bad graph or spec: invalid-input). */
export function toNasError(e: unknown): NasError {
  if (e instanceof NasError) return e;
  const code = (e as { code?: string }).code;
  const msg = errorMessage(e);
  if (code === 'cancelled') return new Cancelled();
  if (code === 'graph') return new NasError('invalid-input', `libtorch cannot run this model: ${msg}`);
  return new NasError('internal', `libtorch: ${msg}`);
}

export interface TorchModelOptions {
  readonly seed?: number;
  /** `cpu`, `cuda` or `cuda:N` (default: defaultTorchDevice()). */
  readonly device?: string;
  /** Intra-op threads per call (default 1: with cores shared, one thread per candidate is fastest). */
  readonly threads?: number;
  /**
   * Depthwise convolutions on the CPU train with the engine's own backward pass where it beats
   * libtorch's (stride 1, or kernels ≥ 5: up to 6× faster); false uses libtorch's (default true).
   */
  readonly fastDepthwise?: boolean;
}

/** NHWC examples as the addon takes them. */
export interface TorchExamples {
  readonly x: Float32Array;
  readonly y: ArrayLike<number>;
}

const labels = (y: ArrayLike<number>) => (y instanceof Int32Array ? y : Int32Array.from(y));

/** One model graph in libtorch. The caller owns it: `dispose()` frees it (after a running call ends). */
export class TorchModel {
  private readonly m: NativeModel;

  constructor(readonly graph: ModelGraph, o: TorchModelOptions = {}) {
    const a = addon();
    try {
      this.m = new a.Model(graph, { seed: o.seed ?? 0, device: o.device ?? defaultTorchDevice(), threads: o.threads ?? 1, fastDepthwise: o.fastDepthwise ?? true });
    } catch (e) {
      throw toNasError(e);
    }
  }

  get device(): string {
    return this.m.device();
  }

  /** Parameters and BatchNorm statistics (as graphCost counts them). */
  paramCount(): number {
    return this.m.paramCount();
  }

  weights(): MapWeights {
    return new MapWeights(new Map(Object.entries(this.wrap(() => this.m.getWeights()))));
  }

  setWeights(w: ReadonlyMap<string, Float32Array>): void {
    this.wrap(() => this.m.setWeights(Object.fromEntries(w)));
  }

  /** Logits of NHWC examples (inference mode), row-major [n, classes]. */
  predict(x: Float32Array): Float32Array {
    return this.wrap(() => this.m.predict(x));
  }

  /**
   * Gradients of the mean cross-entropy of one batch (training mode) with respect to every trainable
   * weight, in the weights' Keras layouts; the model itself is left as it was.
   */
  gradients(batch: TorchExamples): MapWeights {
    return new MapWeights(new Map(Object.entries(this.wrap(() => this.m.gradients(batch.x, labels(batch.y))))));
  }

  /**
   * Trains in place (the semantics of trainModel in trainer.ts): `report` gets train_loss, val_loss
   * and val_accuracy per epoch; throws Cancelled when the token fires, DivergedError on NaN/Inf.
   */
  async train(train: TorchExamples, val: TorchExamples, o: TrainOptions, report: (p: { step: number; metric: string; value: number }) => void, token: CancellationToken): Promise<TrainResult> {
    if (token.isCancellationRequested) throw new Cancelled('training cancelled');
    const sub = token.onCancellationRequested(() => this.m.cancel());
    let r: NativeTrainResult;
    try {
      r = await this.m.train(train.x, labels(train.y), val.x, labels(val.y), { ...o, augment: o.augment ? { flip: o.augment.flip, shift: o.augment.shift } : undefined }, (p) => {
        report({ step: p.epoch, metric: 'train_loss', value: p.trainLoss });
        report({ step: p.epoch, metric: 'val_loss', value: p.valLoss });
        report({ step: p.epoch, metric: 'val_accuracy', value: p.valAccuracy });
      });
    } catch (e) {
      throw toNasError(e);
    } finally {
      sub.dispose();
    }
    if (r.cancelled) throw new Cancelled('training cancelled');
    if (r.divergedAt !== undefined) throw new DivergedError(r.divergedAt, Number(r.divergedLoss));
    return {
      valAccuracy: r.valAccuracy,
      valLoss: r.valLoss,
      trainLoss: r.trainLoss,
      epochs: r.epochs,
      bestEpoch: r.bestEpoch,
      steps: r.steps,
      seconds: r.seconds,
      imagesPerSecond: r.imagesPerSecond,
      stoppedEarly: r.stoppedEarly,
    };
  }

  /** Accuracy and mean loss in inference mode; Cancelled when the token fires (between batches). */
  evaluate(d: TorchExamples, batchSize = 256, token?: CancellationToken): Promise<{ accuracy: number; loss: number }> {
    return this.cancellable(token, () => this.m.evaluate(d.x, labels(d.y), batchSize));
  }

  /** Batch-1 inference latency on the model's device, measured while no training step runs. */
  latency(o: LatencyOptions, token?: CancellationToken): Promise<LatencyResult> {
    return this.cancellable(token, () => this.m.latency(o));
  }

  private cancellable<T>(token: CancellationToken | undefined, f: () => Promise<T>): Promise<T> {
    return cancellableJob(this.m, token, f, toNasError);
  }

  dispose(): void {
    this.m.dispose();
  }

  private wrap<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw toNasError(e);
    }
  }
}

/**
 * The loaded addon for the other engine modules of this folder (one-shot-engine.ts), and the error
 * mapping every native failure goes through; NasError('device-unavailable') when it is missing.
 */
/**
 * Runs one job of a native object: Cancelled at once when the token has already fired, the object's
 * cancel() when it fires during the job, and the job's failure mapped by `toError`.
 */
export async function cancellableJob<T>(
  m: { cancel(): void },
  token: CancellationToken | undefined,
  f: () => Promise<T>,
  toError: (e: unknown) => Error,
): Promise<T> {
  if (token?.isCancellationRequested) throw new Cancelled();
  const sub = token?.onCancellationRequested(() => m.cancel());
  try {
    return await f();
  } catch (e) {
    throw toError(e);
  } finally {
    sub?.dispose();
  }
}

export function torchAddon(): unknown {
  return addon();
}
export { toNasError as torchError };
