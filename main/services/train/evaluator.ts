import { NasError } from '../../../shared/errors.js';
import type { Architecture, CurvePoint, LatencySample, Metrics, ModelGraph, StudySpec } from '../../../shared/types/index.js';
import type { CancellationToken } from '../../core/cancellation.js';
import { EarlyStopper, withEarlyStopping } from '../../core/early-stopping.js';
import type { EvaluationResult, Evaluator, TrialRef } from '../../core/evaluator.js';
import type { Screen } from '../../core/strategies/zc-filter.js';
import { buildGraph, type MobilenetMacroOptions, type Nb201MacroOptions } from '../../core/graph/index.js';
import { costMetrics, graphCost } from '../../core/graph/cost.js';
import type { SearchSpace } from '../../core/search-space.js';
import { Rng } from '../../core/rng.js';
import { createSpace } from '../../core/spaces.js';
import { audioOptions, type AudioFeatureOptions } from '../data/audio-features.js';
import type { ByteTokenizer } from '../data/tokenizer.js';
import { DEFAULT_DATASET } from '../data/builtin.js';
import { isBackendName, type BackendName } from './backend.js';
import { LATENCY_DEFAULTS } from './latency.js';
import { loadTorch } from './torch-engine.js';
import { TrainerPool } from './pool.js';
import { prepareData, runTrial, threadBackend, type DataSpec, type PreparedData, type TrialJob, type TrialOutput } from './trial.js';
import { TRAIN_DEFAULTS, type TrainOptions } from './trainer.js';
import { isZeroCostProxy } from './zero-cost.js';
import { proxyBatch, ZeroCostScreen } from './zero-cost-screen.js';

/** `evaluator` of a study spec with kind `train` (all optional but the kind). */
export interface TrainEvaluatorSpec {
  readonly kind: 'train';
  /** Dataset reference (default the built-in Fashion-MNIST subset). */
  readonly data?: string;
  /** Folder relative data paths are resolved against (the CLI's working directory). */
  readonly cwd?: string;
  /** Validation examples (fraction or count; default 1000). */
  readonly val?: number;
  /** Training examples used at most (stratified subset; default all). */
  readonly maxTrain?: number;
  readonly epochs?: number;
  readonly steps?: number;
  readonly batchSize?: number;
  readonly lr?: number;
  readonly patience?: number;
  /**
   * Stop hopeless trials by their learning curve: when the optimistic projection of the objective
   * curves (val_accuracy, val_loss) to the last epoch cannot beat the best finished trial, or cannot
   * enter the Pareto front (other objectives at their known values: params, flops, zero-cost), the
   * trial ends as pruned. An objective measured only after training (latency_ms) could be the best,
   * so with one such objective no trial is stopped.
   */
  readonly earlyStop?: boolean;
  /** Random horizontal flips and ±`shift`-pixel translations of training batches. */
  readonly augment?: { readonly flip: boolean; readonly shift: number };
  /** Force a tfjs backend (default: the best available). */
  readonly backend?: BackendName;
  /** Measure batch-1 latency after training (default true). */
  readonly latency?: boolean;
  /** Also time the trained model on these local backends: metrics `latency_<backend>_ms`. */
  readonly latencyBackends?: readonly BackendName[];
  /** Worker threads training in parallel (0: in this thread; default 0). */
  readonly workers?: number;
  /** NAS-Bench-201 macro skeleton options. */
  readonly nb201?: Partial<Nb201MacroOptions>;
  /** mobilenet macro skeleton options (stem stride). */
  readonly mobilenet?: Partial<MobilenetMacroOptions>;
  /** Speech data: how clips become features (window, hop, mel bands, MFCCs, noise); defaults for what is not given. */
  readonly audio?: Partial<AudioFeatureOptions>;
  /**
   * Text data: tokenizer settings (tokens per example `length`, default 64; byte-pair `merges`,
   * default 254) and the tokenizer fitted on the training split, which createStudy stores here so
   * that resuming, retraining and exporting encode texts the same (see data/tokenizer.ts).
   */
  readonly text?: { readonly length?: number; readonly merges?: number; readonly tokenizer?: ByteTokenizer };
}

/** The latency device id of a local backend: `local:<backend>`, with the GPU named for the native engine on CUDA. */
function localDevice(b: TrialOutput['backend']): string {
  const device = b.provenance.device;
  return typeof device === 'string' && device !== 'cpu' ? `local:${b.name}-${device}` : `local:${b.name}`;
}

/** Where latency samples go (the study's store), and under which study. */
export interface LatencySink {
  addLatencySample(s: LatencySample): number;
}

/**
 * Where each trial's trained weights go (a worker sends them back to its coordinator, which keeps them
 * as the trial's `weights` artifact): the model, its weights by `<node id>/<kind>`, how they were trained.
 */
export type WeightsSink = (w: { readonly key: string; readonly graph: ModelGraph; readonly weights: ReadonlyMap<string, Float32Array>; readonly settings: Readonly<Record<string, unknown>> }) => void;

export interface EvaluatorContext {
  readonly store?: LatencySink;
  readonly studyId?: string;
  /** Keep every trial's trained weights here. */
  readonly weights?: WeightsSink;
}

/**
 * Training examples per candidate in a default search: the native engine trains ~10× faster than
 * TensorFlow.js, and spends that time on ten times the data.
 */
export function defaultMaxTrain(backend: BackendName | 'auto'): number {
  const torch = backend === 'torch' || (backend === 'auto' && typeof loadTorch() !== 'string');
  return torch ? 10_000 : 1_000;
}

export const TRAIN_METRICS = ['val_accuracy', 'val_loss', 'train_loss', 'test_accuracy', 'epochs', 'train_images_per_s', 'latency_ms', 'latency_p90_ms'] as const;

/**
 * The field types of a train evaluator spec, which may come from a web page (serve) or a stored study:
 * a wrong type is one readable error, not a TypeError deep inside the data loader.
 */
function checkShape(e: TrainEvaluatorSpec): void {
  const bad = (field: string, want: string) => new NasError('invalid-input', `train evaluator: ${field} must be ${want}`);
  const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  for (const f of ['data', 'cwd', 'backend'] as const) if (e[f] !== undefined && typeof e[f] !== 'string') throw bad(f, 'text');
  for (const f of ['latency', 'earlyStop'] as const) if (e[f] !== undefined && typeof e[f] !== 'boolean') throw bad(f, 'true or false');
  if (e.latencyBackends !== undefined && !Array.isArray(e.latencyBackends)) throw bad('latencyBackends', 'a list of backend names');
  for (const f of ['augment', 'nb201', 'mobilenet', 'audio', 'text'] as const) if (e[f] !== undefined && !isObject(e[f])) throw bad(f, 'an object');
  if (e.augment !== undefined && typeof e.augment.flip !== 'boolean') throw bad('augment.flip', 'true or false');
}

function num(v: unknown, name: string, ok: (n: number) => boolean): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !ok(v)) throw new NasError('invalid-input', `train evaluator: ${name} ${String(v)} is out of range`);
  return v;
}

/**
 * Trains each architecture for real (tfjs) and scores it: validation accuracy and loss, test
 * accuracy when the data has a test split, batch-1 local latency on the training backend. `known`
 * gives the analytic costs (params, flops, peak_activation_bytes, model_bytes) before any training.
 */
export class TrainEvaluator implements Evaluator {
  private readonly space: SearchSpace;
  private readonly data: DataSpec;
  private readonly train: TrainOptions;
  private readonly input: readonly [number, number, number];
  private readonly classes: number;
  /** Text data: the tokenizer (fitted or stored) and the Embedding's vocabulary size. */
  private readonly text?: PreparedData['text'];
  private readonly pool?: TrainerPool;
  /** Epochs a trial may be trained for (a multi-fidelity strategy picks one; default all). */
  readonly fidelities: readonly number[];
  /** Early stopping (spec `earlyStop`): its front is what finished trials of this run reached. */
  readonly stopper?: EarlyStopper;
  /** Zero-cost proxies the study records (objectives, constraints, report): known before training. */
  private readonly proxies: readonly string[];
  private zeroCost?: ZeroCostScreen;

  constructor(
    spec: StudySpec,
    private readonly e: TrainEvaluatorSpec,
    private readonly ctx: EvaluatorContext = {},
  ) {
    checkShape(e);
    for (const b of [e.backend, ...(e.latencyBackends ?? [])]) {
      if (b !== undefined && !isBackendName(b)) throw new NasError('invalid-input', `train evaluator: unknown backend '${String(b)}'`);
    }
    this.space = createSpace(spec.space, spec.spaceOptions ?? {});
    this.data = {
      ref: e.data ?? DEFAULT_DATASET,
      val: num(e.val, 'val', (n) => n > 0) ?? 1000,
      ...(e.maxTrain !== undefined ? { maxTrain: num(e.maxTrain, 'maxTrain', (n) => n >= 1) as number } : {}),
      seed: spec.seed,
      cwd: e.cwd ?? process.cwd(),
      ...(e.audio ? { audio: audioOptions(e.audio) } : {}),
      ...(e.text ? { text: e.text } : {}),
    };
    const prepared = prepareData(this.data);
    this.input = prepared.train.shape;
    this.classes = prepared.train.classes;
    if (prepared.text) this.text = prepared.text;
    this.train = {
      ...TRAIN_DEFAULTS,
      epochs: num(e.epochs, 'epochs', (n) => Number.isInteger(n) && n >= 1) ?? TRAIN_DEFAULTS.epochs,
      ...(e.steps !== undefined ? { steps: num(e.steps, 'steps', (n) => Number.isInteger(n) && n >= 1) as number } : {}),
      batchSize: num(e.batchSize, 'batchSize', (n) => Number.isInteger(n) && n >= 1) ?? TRAIN_DEFAULTS.batchSize,
      lr: num(e.lr, 'lr', (n) => n > 0) ?? TRAIN_DEFAULTS.lr,
      patience: num(e.patience, 'patience', (n) => Number.isInteger(n) && n >= 0) ?? TRAIN_DEFAULTS.patience,
      seed: spec.seed,
      ...(e.augment ? { augment: { flip: Boolean(e.augment.flip), shift: num(e.augment.shift, 'augment.shift', (n) => Number.isInteger(n) && n >= 0) ?? 0 } } : {}),
    };
    this.checkSpaceFitsData();
    this.fidelities = Array.from({ length: this.train.epochs }, (_, i) => i + 1);
    if (e.earlyStop) this.stopper = new EarlyStopper({ objectives: spec.objectives, horizon: this.train.epochs });
    this.proxies = [...new Set([...spec.objectives.map((o) => o.metric), ...spec.constraints.map((c) => c.metric), ...spec.report])].filter(isZeroCostProxy);
    const workers = num(e.workers, 'workers', (n) => Number.isInteger(n) && n >= 0) ?? 0;
    if (workers > 0) this.pool = new TrainerPool(workers);
  }

  /**
   * A space that cannot build a model for the data's input shape is refused here, before a study
   * exists, not trial by trial once training starts. A shape the space rejects outright fails at once;
   * otherwise a few architectures (the first, then random ones) must include one that builds.
   */
  private checkSpaceFitsData(): void {
    const rng = new Rng(0);
    let first: NasError | undefined;
    for (let i = 0; i < 16; i++) {
      const sample = i === 0 ? this.space.dims.map(() => 0) : this.space.sample(rng);
      try {
        this.graph(this.space.freeze(sample));
        return;
      } catch (e) {
        const shape = `[${this.input.join(', ')}]`;
        if (!(e instanceof NasError) || e.code !== 'invalid-sample') {
          throw new NasError('invalid-input', `${e instanceof Error ? e.message : String(e)} (data ${this.data.ref})`);
        }
        first ??= new NasError('invalid-input', `no architecture of space ${this.space.id} tried builds a model for the data's input ${shape} (data ${this.data.ref}); the first: ${e.message}`);
      }
    }
    if (first) throw first;
  }

  /** The model an architecture is trained as (the data's input and classes; the spec's macro settings). */
  graphOf(a: Architecture): ModelGraph {
    return this.graph(a);
  }

  private graph(a: Architecture) {
    return buildGraph(this.space, a, { input: this.input, classes: this.classes, ...(this.text ? { vocab: this.text.vocab } : {}), ...(this.e.nb201 ? { nb201: this.e.nb201 } : {}), ...(this.e.mobilenet ? { mobilenet: this.e.mobilenet } : {}) });
  }

  /**
   * The spec to store for a study of this evaluator: for text data, with the tokenizer fitted on the
   * training split (so a resumed study or a retraining never refits it on data that may have changed).
   */
  storedSpec(spec: StudySpec): StudySpec {
    if (!this.text || this.e.text?.tokenizer) return spec;
    return { ...spec, evaluator: { ...spec.evaluator, text: { ...this.e.text, tokenizer: this.text.tokenizer } } };
  }

  known(a: Architecture): Metrics {
    const g = this.graph(a);
    return { ...costMetrics(graphCost(g)), ...this.proxyMetrics(g) };
  }

  /** The study's zero-cost metrics of a candidate; one that cannot be computed is left out (the trial then fails, naming it). */
  private proxyMetrics(g: ModelGraph): Metrics {
    const out: Record<string, number> = {};
    for (const p of this.proxies) {
      try {
        Object.assign(out, this.screenOf().metrics(g, [p]));
      } catch {
        // e.g. synflow of a network too deep for float32
      }
    }
    return out;
  }

  private screenOf(): ZeroCostScreen {
    this.zeroCost ??= new ZeroCostScreen(proxyBatch(prepareData(this.data).train), this.train.seed);
    return this.zeroCost;
  }

  /** A zero-cost proxy (or params, flops) of an untrained candidate: the zero-cost filter's Screen. */
  readonly screen = (a: Architecture, proxy: string): number => this.screenOf().score(this.graph(a), proxy);

  /** Activates a fast tfjs backend for the proxies on this thread, before the first ask. */
  async prepare(): Promise<void> {
    await this.screenOf().prepare();
  }

  /**
   * Trains for `trial.fidelity` epochs when a multi-fidelity strategy asks. A promoted architecture
   * (asked again at more epochs) continues from the weights its lower rung left, trained only for
   * the extra epochs (a fresh cosine schedule over them, a warm restart) and charged only their time;
   * its curve and `epochs` count from the start. Weights of the last RUNG_WEIGHTS lower-rung runs are
   * kept in memory; one no longer kept (or lost with a restart) is trained from scratch.
   */
  async evaluate(a: Architecture, report: (p: CurvePoint) => void, token: CancellationToken, trial?: TrialRef): Promise<EvaluationResult> {
    const epochs = trial?.fidelity ?? this.train.epochs;
    if (!this.fidelities.includes(epochs)) throw new NasError('invalid-input', `train evaluator: fidelity ${epochs} is not a number of epochs in 1..${this.train.epochs}`);
    const kept = trial?.fidelity !== undefined ? this.rungWeights.get(a.key) : undefined;
    const from = kept && kept.epochs < epochs ? kept : undefined;
    const run = epochs - (from?.epochs ?? 0);
    const train = run === this.train.epochs ? this.train : { ...this.train, epochs: run };
    const rung: Rung = { ...(from ? { from } : {}), keep: trial?.fidelity !== undefined && epochs < this.train.epochs };
    if (!this.stopper) return this.trainOnce(a, train, report, token, rung);
    return withEarlyStopping(this.stopper, (rep, tok) => this.trainOnce(a, train, rep, tok, rung), report, token, {
      known: costMetrics(graphCost(this.graph(a))),
      horizon: epochs,
    });
  }

  /** Trained weights of lower-rung runs by architecture key (insertion order: oldest first). */
  private readonly rungWeights = new Map<string, RungWeights>();

  private keepRung(key: string, epochs: number, weights: ReadonlyMap<string, Float32Array>): void {
    this.rungWeights.delete(key);
    this.rungWeights.set(key, { epochs, weights });
    for (const k of this.rungWeights.keys()) {
      if (this.rungWeights.size <= RUNG_WEIGHTS) break;
      this.rungWeights.delete(k);
    }
  }

  private async trainOnce(a: Architecture, train: TrainOptions, curve: (p: CurvePoint) => void, token: CancellationToken, rung: Rung = { keep: false }): Promise<EvaluationResult> {
    const offset = rung.from?.epochs ?? 0;
    const report = offset ? (p: CurvePoint) => curve({ ...p, step: p.step + offset }) : curve;
    const graph = this.graph(a);
    // Resolve the backend once here, so that workers use the same one without probing again.
    const backend = this.pool ? (await threadBackend(this.e.backend)).info.name : this.e.backend;
    const job: TrialJob = {
      graph,
      data: this.data,
      train,
      ...(backend ? { backend } : {}),
      ...(this.e.latency === false ? {} : { latency: LATENCY_DEFAULTS }),
      ...(this.e.latencyBackends?.length ? { latencyBackends: this.e.latencyBackends } : {}),
      ...(rung.from ? { startFrom: rung.from.weights } : {}),
      ...(rung.keep || this.ctx.weights ? { keepWeights: true } : {}),
    };
    const out: TrialOutput = this.pool ? await this.pool.run(job, report, token) : await runTrial(job, report, token);
    const r = out.result;
    if (out.weights && rung.keep) this.keepRung(a.key, offset + r.epochs, out.weights);
    const trained = `epochs:${offset + r.epochs}${rung.from ? ` (continued from ${offset})` : ''}`;
    const metrics: Record<string, number> = {
      val_accuracy: r.valAccuracy,
      val_loss: r.valLoss,
      train_loss: r.trainLoss,
      epochs: offset + r.epochs,
      train_images_per_s: r.imagesPerSecond,
      ...(out.testAccuracy !== undefined ? { test_accuracy: out.testAccuracy } : {}),
      ...costMetrics(graphCost(graph)),
    };
    const fidelity: Record<string, string> = { ...Object.fromEntries(this.proxies.map((p) => [p, 'zero-cost'])), val_accuracy: trained, val_loss: trained, train_loss: trained, epochs: trained, train_images_per_s: localDevice(out.backend), test_accuracy: trained, params: 'analytic', flops: 'analytic', peak_activation_bytes: 'analytic', model_bytes: 'analytic' };
    const record = (backend: TrialOutput['backend'], l: NonNullable<TrialOutput['latency']>, device = localDevice(backend)) => this.ctx.store?.addLatencySample({
      deviceId: device,
      subject: a.key,
      ...(this.ctx.studyId ? { studyId: this.ctx.studyId } : {}),
      medianMs: l.medianMs,
      p90Ms: l.p90Ms,
      runs: l.runs,
      provenance: { ...backend.provenance, detail: backend.detail, batch: 1, warmup: LATENCY_DEFAULTS.warmup, space: a.space, tool: 'frontier train evaluator', workerThreads: this.pool?.size ?? 0 },
      measuredAt: Date.now(),
    });
    if (out.latency) {
      metrics.latency_ms = out.latency.medianMs;
      metrics.latency_p90_ms = out.latency.p90Ms;
      fidelity.latency_ms = fidelity.latency_p90_ms = localDevice(out.backend);
      record(out.backend, out.latency);
    }
    for (const o of out.otherLatency ?? []) {
      const device = localDevice(o.backend);
      metrics[`latency_${o.label ?? o.backend.name}_ms`] = o.latency.medianMs;
      fidelity[`latency_${o.label ?? o.backend.name}_ms`] = device;
      record(o.backend, o.latency, device);
    }
    if (out.weights && this.ctx.weights) {
      const d = prepareData(this.data);
      this.ctx.weights({
        key: a.key, graph, weights: out.weights,
        settings: {
          source: 'search', data: this.data.ref, trainExamples: d.train.y.length, valExamples: d.val.y.length, epochs: offset + r.epochs, batchSize: train.batchSize, lr: train.lr, seed: train.seed,
          backend: out.backend.name, backendDetail: out.backend.detail, valAccuracy: r.valAccuracy, ...(out.testAccuracy !== undefined ? { testAccuracy: out.testAccuracy } : {}), seconds: r.seconds, architecture: a.key,
        },
      });
    }
    return { metrics, fidelity, cost: r.seconds };
  }

  dispose(): void {
    void this.pool?.dispose();
  }
}

/** How many architectures' lower-rung weights a training evaluator keeps for promotions. */
export const RUNG_WEIGHTS = 32;

interface RungWeights {
  readonly epochs: number;
  readonly weights: ReadonlyMap<string, Float32Array>;
}

/** A run's place in successive halving: the lower rung it continues from, whether to keep its weights. */
interface Rung {
  readonly from?: RungWeights;
  readonly keep: boolean;
}

/** What a strategy context gets from a study's evaluator: a training evaluator's zero-cost screen. */
export function screenContext(e: Evaluator): { screen?: Screen } {
  return e instanceof TrainEvaluator ? { screen: e.screen } : {};
}

/** Readies what a study's evaluator computes on this thread before the first ask (the zero-cost proxies' backend). */
export async function prepareEvaluator(e: Evaluator): Promise<void> {
  if (e instanceof TrainEvaluator) await e.prepare();
}
