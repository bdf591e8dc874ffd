/**
 * The once-for-all supernet of the `mobilenet` space on the native engine (native/torch/src/
 * supernet.cpp): one set of the largest weights, trained once with the sandwich rule (largest,
 * smallest and N random sub-networks per step) or uniform sampling, checkpointed (weights and
 * optimizer state) so that a killed or cancelled training resumes where it stopped. A sub-network is
 * an Architecture of the space; `evaluate` recalibrates its BatchNorm statistics on training batches,
 * then scores it on the validation split with the shared weights. `standalone` cuts its weights out
 * into an ordinary TorchModel of buildGraph's graph, which exports through the TFLite path.
 *
 * BatchNorm statistics are shared like every other weight (as in once-for-all): after `evaluate(a)`
 * the supernet holds `a`'s statistics, which is what `predict`, `subnetWeights` and `standalone` use.
 */
import { Cancelled, NasError } from '../../../shared/errors.js';
import type { Architecture, ModelGraph } from '../../../shared/types/index.js';
import type { CancellationToken } from '../../core/cancellation.js';
import type { EvaluationResult, Evaluator } from '../../core/evaluator.js';
import { costMetrics, graphCost } from '../../core/graph/cost.js';
import { latencyMetric, type LatencyModel } from '../../core/latency/lookup-table.js';
import type { MobilenetSpace } from '../../core/spaces/mobilenet.js';
import { activeOf, supernetSpec, type SupernetSpec } from '../../core/supernet.js';
import { MapWeights } from '../export/weights.js';
import { standaloneSubnet, subnetGraph, type SupernetEngine } from './supernet-api.js';
import { newNativeSupernet, toNasError, TorchModel, type NativeSupernet, type TorchExamples } from './torch-engine.js';
import { DivergedError } from './trainer.js';

export interface SupernetOptions {
  readonly input: readonly [number, number, number];
  readonly classes: number;
  /** Stride of the stem conv (2 quarters every activation: fast CPU training on 28×28). */
  readonly stemStride?: number;
  readonly seed?: number;
  readonly device?: string;
  readonly threads?: number;
}

export interface SupernetTrainOptions {
  /** Optimizer steps in all (a resumed training counts the steps done before). */
  readonly steps: number;
  readonly batchSize?: number;
  readonly lr?: number;
  readonly optimizer?: 'adam' | 'sgd';
  readonly weightDecay?: number;
  readonly schedule?: 'cosine' | 'constant';
  /** Random sub-networks per step besides the largest and smallest; 'uniform': one random sub-network per step. */
  readonly sandwich?: number | 'uniform';
  /** Sandwich rule: the other sub-networks learn the largest's softened outputs (in-place distillation; default true). */
  readonly distill?: boolean;
  /**
   * Progressive shrinking (default true): the first 20% of the steps train the largest network only,
   * then kernels become elastic, from 40% depths, from 60% expansions, squeeze-excite and widths.
   */
  readonly progressive?: boolean;
  readonly seed?: number;
  /** File of weights + optimizer state: resumed from when it exists, written every `checkpointEvery` steps and on cancel. */
  readonly checkpoint?: string;
  readonly checkpointEvery?: number;
  readonly reportEvery?: number;
  /**
   * Every `snapshotEvery` steps (default 0: never) the weights and statistics of that step (no
   * optimizer state) go to a file of their own, `snapshotPath` with `{step}` replaced by the step,
   * written atomically (temp file + rename) before that step's checkpoint and progress report;
   * loadCheckpoint reads one. The training computes exactly the same with or without them.
   */
  readonly snapshotEvery?: number;
  readonly snapshotPath?: string;
}

export interface SupernetProgress {
  readonly step: number;
  readonly steps: number;
  readonly loss: number;
  readonly lr: number;
  readonly seconds: number;
}

export interface SupernetTrainResult {
  readonly steps: number;
  /** The checkpoint's step when this call resumed one. */
  readonly resumedFrom?: number;
  readonly loss: number;
  readonly seconds: number;
  readonly imagesPerSecond: number;
}

export interface SubnetScoreOptions {
  /** Training batches for BatchNorm recalibration (default 8; 0 keeps the current statistics). */
  readonly calibrationBatches?: number;
  readonly calibrationBatchSize?: number;
  /** Score on the first N validation examples only. */
  readonly valLimit?: number;
}

/** trainSubnets: SGD settings and where the batches start. */
export interface SubnetStepsOptions {
  readonly lr: number;
  readonly batchSize?: number;
  /** Nesterov momentum (default 0.9). */
  readonly momentum?: number;
  /** Default 0: weights outside the sub-networks trained so far never change. */
  readonly weightDecay?: number;
  readonly seed?: number;
  /** Steps done before this call (the batch order continues from there). */
  readonly firstStep?: number;
}

const labels = (y: ArrayLike<number>) => (y instanceof Int32Array ? y : Int32Array.from(y));

export class Supernet implements SupernetEngine {
  readonly spec: SupernetSpec;
  private readonly n: NativeSupernet;
  private readonly stemStride: number;

  constructor(readonly space: MobilenetSpace, readonly o: SupernetOptions) {
    this.stemStride = o.stemStride ?? 1;
    this.spec = supernetSpec(space, o.input, o.classes, this.stemStride);
    this.n = newNativeSupernet(this.spec, { seed: o.seed ?? 0, ...(o.device ? { device: o.device } : {}), threads: o.threads ?? 1 });
  }

  /** Parameters and BatchNorm statistics of the largest network (what the supernet stores). */
  paramCount(): number {
    return this.n.paramCount();
  }

  /** Training examples (also the BatchNorm recalibration source) and validation examples, NHWC. */
  setData(train: TorchExamples, val: TorchExamples): void {
    this.wrap(() => this.n.setData(train.x, labels(train.y), val.x, labels(val.y)));
  }

  async train(o: SupernetTrainOptions, onProgress: (p: SupernetProgress) => void, token: CancellationToken): Promise<SupernetTrainResult> {
    if (!Number.isInteger(o.steps) || o.steps < 1) throw new NasError('invalid-input', `supernet training needs steps ≥ 1, got ${o.steps}`);
    if (token.isCancellationRequested) throw new Cancelled('supernet training cancelled');
    const sub = token.onCancellationRequested(() => this.n.cancel());
    const { sandwich, ...rest } = o;
    let r: Awaited<ReturnType<NativeSupernet['train']>>;
    try {
      r = await this.n.train({ ...rest, sandwich: sandwich === 'uniform' ? -1 : (sandwich ?? 2) }, onProgress);
    } catch (e) {
      throw toNasError(e);
    } finally {
      sub.dispose();
    }
    if (r.cancelled) throw new Cancelled(`supernet training cancelled at step ${r.steps}${r.checkpointed ? ` (checkpoint ${o.checkpoint})` : ''}`);
    if (r.divergedAt !== undefined) throw new DivergedError(r.divergedAt, Number(r.divergedLoss));
    return { steps: r.steps, ...(r.resumedFrom >= 0 ? { resumedFrom: r.resumedFrom } : {}), loss: r.loss, seconds: r.seconds, imagesPerSecond: r.imagesPerSecond };
  }

  /**
   * ENAS's shared-weight phase: one SGD step (Nesterov momentum) per given architecture, in order,
   * each on the next training batch (batches follow (seed, firstStep + i), as in `train`). Only the
   * given sub-networks' slices of the weights get gradients; the optimizer's momentum persists
   * across calls. Cancelled between steps.
   */
  async trainSubnets(archs: readonly Architecture[], o: SubnetStepsOptions, token?: CancellationToken): Promise<{ steps: number; loss: number }> {
    const active = archs.map((a) => activeOf(this.space, a));
    if (token?.isCancellationRequested) throw new Cancelled();
    const sub = token?.onCancellationRequested(() => this.n.cancel());
    let r: Awaited<ReturnType<NativeSupernet['trainSubnets']>>;
    try {
      r = await this.n.trainSubnets(active, { ...o });
    } catch (e) {
      throw toNasError(e);
    } finally {
      sub?.dispose();
    }
    if (r.cancelled) throw new Cancelled(`shared-weight training cancelled after ${r.steps} steps`);
    if (r.divergedAt !== undefined) throw new DivergedError(r.divergedAt, Number(r.divergedLoss));
    return { steps: r.steps, loss: r.loss };
  }

  /**
   * Saves trainSubnets' optimizer state (the shared weights' momentum buffers, not the weights) to
   * `path`, atomically (temp file + rename); loadSubnetState reads it back into a supernet of the
   * same spec, so that a run whose weights are kept elsewhere continues with its momentum exactly.
   */
  saveSubnetState(path: string): void {
    this.wrap(() => this.n.saveSubnetState(path));
  }

  /** Loads a saveSubnetState file (invalid-input when it is not one, or is of another supernet). */
  loadSubnetState(path: string): void {
    this.wrap(() => this.n.loadSubnetState(path));
  }

  /** Recalibrates the sub-network's BatchNorm statistics, then its validation accuracy and loss. */
  async evaluate(a: Architecture, o: SubnetScoreOptions = {}, token?: CancellationToken): Promise<{ accuracy: number; loss: number }> {
    const active = activeOf(this.space, a);
    if (token?.isCancellationRequested) throw new Cancelled();
    const sub = token?.onCancellationRequested(() => this.n.cancel());
    try {
      return await this.n.evaluate(active, { ...o });
    } catch (e) {
      throw toNasError(e);
    } finally {
      sub?.dispose();
    }
  }

  /** Logits of the sub-network (inference mode, current statistics), row-major [n, classes]. */
  predict(a: Architecture, x: Float32Array): Float32Array {
    return this.wrap(() => this.n.predict(activeOf(this.space, a), x));
  }

  /** Every weight at its largest, Keras layouts, keyed `<node id>/<kind>` as the largest network's graph. */
  weights(): MapWeights {
    return new MapWeights(new Map(Object.entries(this.wrap(() => this.n.getWeights()))));
  }

  setWeights(w: ReadonlyMap<string, Float32Array>): void {
    this.wrap(() => this.n.setWeights(Object.fromEntries(w)));
  }

  /** The sub-network's weights, cut from the shared ones, keyed and laid out as `graph(a)`'s nodes. */
  subnetWeights(a: Architecture): MapWeights {
    return new MapWeights(new Map(Object.entries(this.wrap(() => this.n.subnetWeights(activeOf(this.space, a))))));
  }

  /** The sub-network's standalone model graph (what buildGraph gives the architecture). */
  graph(a: Architecture): ModelGraph {
    return subnetGraph(this.space, this.spec, a);
  }

  /** The sub-network as an ordinary model with its inherited weights (the caller disposes it). */
  standalone(a: Architecture, o: { device?: string; threads?: number } = {}): TorchModel {
    return standaloneSubnet(this, a, o);
  }

  /** Loads a checkpoint's weights and statistics (not its optimizer state); returns its step. */
  loadCheckpoint(path: string): number {
    return this.wrap(() => this.n.loadCheckpoint(path));
  }

  dispose(): void {
    this.n.dispose();
  }

  private wrap<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw toNasError(e);
    }
  }
}

/** How a SupernetEvaluator scores and which latencies it knows. */
export interface SupernetEvaluatorOptions extends SubnetScoreOptions {
  /** Per-device latency predictors (lookup tables): `latency:<device>` known before scoring. */
  readonly latency?: readonly LatencyModel[];
}

/**
 * Scores architectures with the supernet's shared weights (no training): `val_accuracy` and `val_loss`
 * after BatchNorm recalibration (fidelity `supernet`), the analytic costs, and each device table's
 * latency, known up front so that latency constraints prune before anything is scored.
 */
export class SupernetEvaluator implements Evaluator {
  constructor(
    readonly supernet: SupernetEngine,
    private readonly o: SupernetEvaluatorOptions = {},
  ) {}

  known(a: Architecture): Record<string, number> {
    const out: Record<string, number> = costMetrics(graphCost(this.supernet.graph(a)));
    for (const m of this.o.latency ?? []) {
      const p = m.predict(a);
      if (p.missing.length === 0) out[latencyMetric(m.deviceId)] = p.ms;
    }
    return out;
  }

  async evaluate(a: Architecture, _report: unknown, token: CancellationToken): Promise<EvaluationResult> {
    const t0 = performance.now();
    const r = await this.supernet.evaluate(a, this.o, token);
    const metrics = { val_accuracy: r.accuracy, val_loss: r.loss, ...this.known(a) };
    const fidelity: Record<string, string> = {};
    for (const k of Object.keys(metrics)) fidelity[k] = k.startsWith('latency:') ? 'lut' : k === 'val_accuracy' || k === 'val_loss' ? 'supernet' : 'analytic';
    return { metrics, fidelity, cost: (performance.now() - t0) / 1000 };
  }
}
