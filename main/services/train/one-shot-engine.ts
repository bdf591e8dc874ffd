/**
 * The NB201 weight-sharing network of the libtorch engine (native/torch/src/darts.cpp), through the
 * addon handle torch-engine.ts exports. One network holds every operation of every cell edge; DARTS
 * runs on the engine's own thread (alpha per epoch back here), ENAS asks it for weight steps and
 * validation accuracies of cells a TypeScript controller samples. Native failures arrive as NasError.
 */
import { NasError } from '../../../shared/errors.js';
import type { Sample } from '../../../shared/types/index.js';
import type { CancellationToken } from '../../core/cancellation.js';
import { cancellableJob, torchAddon, torchError } from './torch-engine.js';

export interface OneShotNetOptions {
  /** [H, W, C] of one example. */
  readonly input: readonly [number, number, number];
  readonly classes: number;
  /** First stage's channels (NAS-Bench-201: 16). */
  readonly channels?: number;
  /** Cells per stage (NAS-Bench-201: 5; default 1). */
  readonly cellsPerStage?: number;
  /** 3: NAS-Bench-201's skeleton with two residual reductions (default); 1: cells at the input's size. */
  readonly stages?: 1 | 2 | 3;
  /** 3 (default) or 1: a 1×1 stem leaves all spatial mixing to the cells (the toy tasks'). */
  readonly stemKernel?: 1 | 3;
  readonly seed?: number;
  readonly device?: string;
  readonly threads?: number;
}

export interface DartsEngineOptions {
  readonly epochs: number;
  readonly order: 1 | 2;
  readonly batchSize?: number;
  /** Steps (one architecture step + one weight step each) per epoch; default one pass over the training split. */
  readonly stepsPerEpoch?: number;
  /** Weights: SGD, cosine from lr to lrMin (DARTS: 0.025 → 0.001), momentum 0.9, weight decay 3e-4, clip 5. */
  readonly lr?: number;
  readonly lrMin?: number;
  readonly weightDecay?: number;
  /** Alpha: Adam (β 0.5, 0.999), DARTS: 3e-4, weight decay 1e-3. */
  readonly archLr?: number;
  readonly archWeightDecay?: number;
  readonly seed?: number;
  /**
   * A checkpoint file: written (temp file + rename) after every epoch with the shared weights, alpha,
   * both optimisers' states, the step and the sampler's RNG; when it exists the run resumes from it
   * and continues exactly as if never stopped (a checkpoint of a run with other settings is refused).
   */
  readonly checkpoint?: string;
}

export interface DartsEpochReport {
  /** Read back from the checkpoint (reported before the epochs this call runs). */
  readonly resumed?: boolean;
  readonly epoch: number;
  readonly trainLoss: number;
  readonly valLoss: number;
  /** The mixed (softmax-weighted) network's validation accuracy. */
  readonly valAccuracy: number;
  readonly seconds: number;
  /** 30 values: 6 edges × 5 operations (NB201 order). */
  readonly alpha: Float32Array;
}

export interface DartsEngineResult {
  readonly epochs: number;
  readonly steps: number;
  /** Ended by stop() (the collapse guard) before its epochs. */
  readonly stopped: boolean;
  /** The checkpoint's epoch when this call resumed one. */
  readonly resumedFrom?: number;
  /** A checkpoint was written. */
  readonly checkpointed: boolean;
  readonly seconds: number;
  readonly alpha: Float32Array;
  /** epochs × 30: alpha after each completed epoch. */
  readonly history: Float32Array;
  readonly divergedAt?: number;
  readonly divergedLoss?: string;
}

interface NativeOneShot {
  setData(trX: Float32Array, trY: Int32Array, vaX: Float32Array, vaY: Int32Array): void;
  darts(o: Record<string, unknown>, onEpoch: (r: DartsEpochReport) => void): Promise<DartsEngineResult>;
  trainSampled(cells: Int32Array, o: Record<string, unknown>): Promise<{ loss: number; steps: number }>;
  evalSampled(cells: Int32Array, o: Record<string, unknown>): Promise<Float32Array>;
  alpha(): Float32Array;
  saveState(path: string, meta: string): void;
  loadState(path: string): string;
  paramCount(): number;
  stop(): void;
  cancel(): void;
  dispose(): void;
}

type OneShotCtor = new (o: Record<string, unknown>) => NativeOneShot;

/** Examples as the engine takes them: NHWC float32 (normalised) and labels. */
export interface OneShotExamples {
  readonly x: Float32Array;
  readonly y: Int32Array;
}

function oneShotError(e: unknown): NasError {
  // The addon's argument checks throw TypeError/RangeError, its misuse errors carry a code.
  if (e instanceof NasError) return e;
  const code = (e as { code?: string }).code;
  if (e instanceof TypeError || e instanceof RangeError || code === 'busy' || code === 'disposed' || code === 'no-data' || code === 'graph') {
    return new NasError('invalid-input', `one-shot network: ${(e as Error).message}`);
  }
  return torchError(e);
}

const cellsArray = (cells: readonly Sample[]): Int32Array => {
  const out = new Int32Array(cells.length * 6);
  cells.forEach((c, i) => {
    if (c.length !== 6) throw new NasError('invalid-sample', `an NB201 cell has 6 edges, got ${c.length}`);
    c.forEach((op, e) => (out[i * 6 + e] = op as number));
  });
  return out;
};

/** The shared-weight NB201 network. The caller owns it: dispose() frees it (after a running call). */
export class Nb201OneShotNet {
  private readonly m: NativeOneShot;

  constructor(o: OneShotNetOptions) {
    const addon = torchAddon() as { Nb201OneShot?: OneShotCtor };
    if (!addon.Nb201OneShot) throw new NasError('device-unavailable', 'the libtorch engine was built without the one-shot network (rebuild it: npm run build:native)');
    const Ctor = addon.Nb201OneShot;
    try {
      this.m = new Ctor({ ...o, input: [...o.input] });
    } catch (e) {
      throw oneShotError(e);
    }
  }

  paramCount(): number {
    return this.m.paramCount();
  }

  /** The architecture weights now, 30 values (6 edges × 5 operations). */
  alpha(): Float32Array {
    return this.wrap(() => this.m.alpha());
  }

  setData(train: OneShotExamples, val: OneShotExamples): void {
    this.wrap(() => this.m.setData(train.x, train.y, val.x, val.y));
  }

  /**
   * Writes the state ENAS carries between calls (shared weights, alpha, the weights' optimiser, the
   * batch orders and cursors, the RNG) and `meta` (the caller's own state) to `path`, atomically
   * (temp file + rename). Not while a call runs.
   */
  saveState(path: string, meta: string): void {
    this.wrap(() => this.m.saveState(path, meta));
  }

  /** Reads saveState's file (of a network of the same options; after setData); returns its meta. invalid-input for another network's or a damaged file. */
  loadState(path: string): string {
    return this.wrap(() => this.m.loadState(path));
  }

  /** DARTS's bi-level search; throws Cancelled when the token fires. */
  async darts(o: DartsEngineOptions, onEpoch: (r: DartsEpochReport) => void, token?: CancellationToken): Promise<DartsEngineResult> {
    return this.cancellable(token, () => this.m.darts({ ...o }, onEpoch));
  }

  /** Ends a running darts() after its current step (its result says stopped). */
  stop(): void {
    this.m.stop();
  }

  /** ENAS: one shared-weight SGD step per cell, each on the next training batch; mean loss (NaN: a step diverged, and was not taken). */
  async trainSampled(cells: readonly Sample[], o: { lr: number; batchSize?: number }, token?: CancellationToken): Promise<{ loss: number; steps: number }> {
    const arr = cellsArray(cells);
    return this.cancellable(token, () => this.m.trainSampled(arr, { ...o }));
  }

  /** ENAS: each cell's accuracy with the shared weights, on its next validation batch (full: on the whole split). */
  async evalSampled(cells: readonly Sample[], o: { batchSize?: number; full?: boolean } = {}, token?: CancellationToken): Promise<Float32Array> {
    const arr = cellsArray(cells);
    return this.cancellable(token, () => this.m.evalSampled(arr, { ...o }));
  }

  dispose(): void {
    this.m.dispose();
  }

  private cancellable<T>(token: CancellationToken | undefined, f: () => Promise<T>): Promise<T> {
    return cancellableJob(this.m, token, f, oneShotError);
  }

  private wrap<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw oneShotError(e);
    }
  }
}
