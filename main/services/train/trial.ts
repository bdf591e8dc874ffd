/**
 * One training trial as plain data in, plain data out, so it runs the same in-process or on a
 * worker thread: build the tfjs model from the graph, train it, score it, time it.
 */
import type { CurvePoint, ModelGraph } from '../../../shared/types/index.js';
import type { CancellationToken } from '../../core/cancellation.js';
import type { AudioFeatureOptions } from '../data/audio-features.js';
import { loadDataset } from '../data/builtin.js';
import { dataNormalisation, normalise, splitDataset, type Normalisation } from '../data/dataset.js';
import { textEncoding } from '../data/text-encode.js';
import { checkTextSettings, type ByteTokenizer, type TextSettings } from '../data/tokenizer.js';
import { setTfjsWeights, weightsFromTfjs } from '../export/tfjs-weights.js';
import { MapWeights } from '../export/weights.js';
import { chooseBackend, tf, type BackendChoice, type BackendName } from './backend.js';
import { measureLatency, type LatencyOptions, type LatencyResult } from './latency.js';
import { buildModel } from './model.js';
import { runTorchTrial, torchCpuLatency } from './torch-trial.js';
import { evaluateModel, trainModel, type TensorData, type TrainOptions, type TrainResult } from './trainer.js';

/** Which data a trial trains on: a dataset reference and how it is split (same everywhere under the seed). */
export interface DataSpec {
  /** `builtin:fashion-mnist` or a path (see `readDataset`). */
  readonly ref: string;
  /** Validation examples held out of the training data (fraction or count). */
  readonly val: number;
  /** At most this many training examples (stratified); default all. */
  readonly maxTrain?: number;
  readonly seed: number;
  /** Folder relative paths are resolved against. */
  readonly cwd: string;
  /** Speech data: how clips become features (audio-features.ts; defaults for what is not given). */
  readonly audio?: Partial<AudioFeatureOptions>;
  /** Text data: tokenizer settings and, once a study stored it, the fitted tokenizer (else fitted on the training split). */
  readonly text?: Partial<TextSettings> & { readonly tokenizer?: ByteTokenizer };
}

export interface TrialJob {
  readonly graph: ModelGraph;
  readonly data: DataSpec;
  readonly train: TrainOptions;
  /** Forced backend, or the best available. */
  readonly backend?: BackendName;
  /** Batch-1 latency on the training backend after training; undefined: not measured. */
  readonly latency?: LatencyOptions;
  /** Other local backends to time the trained model on as well (each must initialise here). */
  readonly latencyBackends?: readonly BackendName[];
  /**
   * Weights to start from, keyed `<nodeId>/<kind>` (the trained weights of the same graph at a lower
   * fidelity): training continues from them instead of from a fresh initialisation.
   */
  readonly startFrom?: ReadonlyMap<string, Float32Array>;
  /** Return the trained weights in the output (so that a longer run can continue from them). */
  readonly keepWeights?: boolean;
}

export interface TrialOutput {
  readonly result: TrainResult;
  readonly testAccuracy?: number;
  readonly latency?: LatencyResult;
  readonly backend: BackendInfoData;
  /** Latency on each of `latencyBackends`. */
  readonly otherLatency?: readonly { readonly backend: BackendInfoData; readonly latency: LatencyResult; readonly label?: string }[];
  /** The trained weights, when the job asked to keep them. */
  readonly weights?: ReadonlyMap<string, Float32Array>;
}

export interface BackendInfoData {
  readonly name: BackendName;
  readonly detail: string;
  readonly provenance: Readonly<Record<string, unknown>>;
}

/**
 * Times a trained model on other backends: the same graph rebuilt there with the trained weights,
 * batch 1; the thread's backend is active again afterwards. `torch` times it in the native engine
 * on the CPU.
 */
export async function latencyOnBackends(graph: ModelGraph, weights: MapWeights, backends: readonly BackendName[], o: LatencyOptions, home: BackendName): Promise<{ backend: BackendInfoData; latency: LatencyResult }[]> {
  const out: { backend: BackendInfoData; latency: LatencyResult }[] = [];
  try {
    for (const b of backends) {
      if (b === home) continue;
      const choice = await chooseBackend(b);
      if (b === 'torch') {
        out.push({ backend: choice.info, latency: await torchCpuLatency(graph, weights, o) });
        continue;
      }
      const copy = buildModel(graph, 0);
      try {
        setTfjsWeights(copy, graph, weights, (v, shape) => tf.tensor(v, shape));
        out.push({ backend: choice.info, latency: await measureLatency(copy, graph.input, o) });
      } finally {
        copy.dispose();
      }
    }
  } finally {
    await chooseBackend(home);
  }
  return out;
}

export interface PreparedData {
  readonly train: TensorData;
  readonly val: TensorData;
  readonly test?: TensorData;
  /** Text data: the tokenizer used (fitted on the training split, or the stored one) and the embedding's vocabulary size. */
  readonly text?: { readonly tokenizer: ByteTokenizer; readonly vocab: number };
  /** The training split's normalisation the examples were given (the identity for text): exports write it beside speech models. */
  readonly normalisation: Normalisation;
}

const cache = new Map<string, PreparedData>();

/**
 * Loads, splits and normalises (training-split statistics; the identity for text) a dataset; text is
 * first tokenised with a tokenizer fitted on the training split (or the stored one). Cached per spec.
 */
export function prepareData(d: DataSpec): PreparedData {
  const key = JSON.stringify(d);
  const hit = cache.get(key);
  if (hit) return hit;
  const { data, test } = loadDataset(d.ref, d.cwd, { seed: d.seed, ...(d.audio ? { audio: d.audio } : {}) });
  let s = splitDataset(data, { val: d.val, seed: d.seed, ...(d.maxTrain !== undefined ? { maxTrain: d.maxTrain } : {}) });
  let testData = test;
  let text: PreparedData['text'];
  if (data.modality === 'text') {
    const enc = textEncoding(s.train, checkTextSettings(d.text ?? {}), d.text?.tokenizer);
    s = { train: enc.encode(s.train), val: enc.encode(s.val) };
    testData = test && enc.encode(test);
    text = { tokenizer: enc.tokenizer, vocab: enc.vocab };
  }
  const stats = dataNormalisation(s.train);
  const t = (x: typeof data): TensorData => ({ x: normalise(x, stats), y: x.y, shape: x.shape, classes: data.classes });
  const out: PreparedData = { train: t(s.train), val: t(s.val), ...(testData ? { test: t(testData) } : {}), ...(text ? { text } : {}), normalisation: stats };
  cache.set(key, out);
  return out;
}

let active: Promise<BackendChoice> | undefined;
let activeFor: BackendName | 'auto' | undefined;

/** The backend for this thread (chosen once; forced by the job when it names one). */
export function threadBackend(forced?: BackendName): Promise<BackendChoice> {
  const want = forced ?? 'auto';
  if (!active || activeFor !== want) {
    active = chooseBackend(forced);
    activeFor = want;
  }
  return active;
}

/** Hooks a worker thread uses to pause training while another thread times latency. */
export interface TrialHooks {
  /** Called around each training/evaluation step; may block briefly. */
  readonly step?: <T>(f: () => T) => T;
  /** Runs `f` with every other thread's training paused. */
  readonly exclusive?: <T>(f: () => Promise<T>) => Promise<T>;
}

export async function runTrial(job: TrialJob, report: (p: CurvePoint) => void, token: CancellationToken, hooks: TrialHooks = {}): Promise<TrialOutput> {
  const choice = await threadBackend(job.backend);
  const data = prepareData(job.data);
  if (data.train.shape.join() !== job.graph.input.join()) {
    throw new Error(`the model expects inputs [${job.graph.input.join(', ')}], the data has [${data.train.shape.join(', ')}]`);
  }
  if (choice.info.name === 'torch') return runTorchTrial(job, choice.info, data, report, token, hooks);
  const model = buildModel(job.graph, job.train.seed);
  try {
    if (job.startFrom) setTfjsWeights(model, job.graph, new MapWeights(job.startFrom), (v, shape) => tf.tensor(v, shape));
    const result = await trainModel(model, data.train, data.val, job.train, report, token, hooks.step);
    let testAccuracy: number | undefined;
    if (data.test) {
      const test = data.test;
      const xt = tf.tensor4d(test.x, [test.y.length, ...test.shape]);
      const yt = tf.tensor1d(Int32Array.from(test.y), 'int32');
      try {
        testAccuracy = evaluateModel(model, xt, yt, test.classes, 256, hooks.step).accuracy;
      } finally {
        xt.dispose();
        yt.dispose();
      }
    }
    const measure = () => measureLatency(model, job.graph.input, job.latency as LatencyOptions);
    const latency = job.latency ? await (hooks.exclusive ? hooks.exclusive(measure) : measure()) : undefined;
    const others = () => latencyOnBackends(job.graph, weightsFromTfjs(model, job.graph), job.latencyBackends ?? [], job.latency as LatencyOptions, choice.info.name);
    const otherLatency = job.latency && job.latencyBackends?.length ? await (hooks.exclusive ? hooks.exclusive(others) : others()) : undefined;
    return {
      result,
      ...(testAccuracy !== undefined ? { testAccuracy } : {}),
      ...(latency ? { latency } : {}),
      ...(otherLatency ? { otherLatency } : {}),
      ...(job.keepWeights ? { weights: weightsFromTfjs(model, job.graph).map } : {}),
      backend: choice.info,
    };
  } finally {
    model.dispose();
  }
}
