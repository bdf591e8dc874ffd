/**
 * "Retrain the top-k on the full data": a search trains each candidate briefly on a subset and keeps
 * its metrics, not its weights. Retraining builds a trial's model again, trains it on every
 * training example of the study's data (no `maxTrain` cap, the same validation split and seed),
 * scores it, and keeps graph and weights in a `.fweights` file recorded as a `weights` artifact of
 * the trial (with the settings and accuracy in its record), which the exporters then read.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NasError } from '../../../shared/errors.js';
import type { ArtifactRecord, CurvePoint, ModelGraph, StudyRecord, TrialRecord } from '../../../shared/types/index.js';
import { CancellationToken } from '../../core/cancellation.js';
import { buildGraph, canBuildGraph } from '../../core/graph/index.js';
import { createSpace } from '../../core/spaces.js';
import type { Store } from '../../core/store.js';
import { DEFAULT_DATASET } from '../data/builtin.js';
import { resizedDataRef } from '../data/resize.js';
import { chooseBackend, tf, type BackendName } from '../train/backend.js';
import type { TrainEvaluatorSpec } from '../train/evaluator.js';
import { buildModel } from '../train/model.js';
import { defaultTorchDevice, TorchModel } from '../train/torch-engine.js';
import { evaluateModel, TRAIN_DEFAULTS, trainModel, type TrainOptions, type TrainResult } from '../train/trainer.js';
import { prepareData, type DataSpec } from '../train/trial.js';
import { weightsFromTfjs } from './tfjs-weights.js';
import { encodeWeightsFile } from './weights-file.js';
import type { MapWeights } from './weights.js';

export interface RetrainOptions {
  readonly studyId: string;
  /** Trials to retrain, by number. */
  readonly trials: readonly number[];
  /** Folder for the weights files (a `study<id>` folder is made in it). */
  readonly dir: string;
  /** Epochs (default: the study's). */
  readonly epochs?: number;
  /** Dataset (default: the study's; required for studies that replayed tables). */
  readonly data?: string;
  /** Folder relative data paths are resolved against. */
  readonly cwd: string;
  /** Backend (default: the study's, else the best available). */
  readonly backend?: BackendName;
  readonly onProgress?: (e: { trial: number; index: number; of: number; point?: CurvePoint; done?: RetrainResult }) => void;
  readonly token?: CancellationToken;
  readonly now?: () => number;
}

export interface RetrainResult {
  readonly trial: number;
  readonly key: string;
  readonly artifact: ArtifactRecord;
  readonly valAccuracy: number;
  readonly testAccuracy?: number;
  readonly epochs: number;
  readonly trainExamples: number;
  readonly backend: string;
  readonly seconds: number;
}

/** The `top` complete trials by the study's first objective (ties: earlier trial first). */
export function topTrials(rec: StudyRecord, trials: readonly TrialRecord[], top: number): TrialRecord[] {
  const obj = rec.spec.objectives[0];
  if (!obj) throw new NasError('invalid-input', `study ${rec.id} has no objective to rank its trials by`);
  const sign = obj.direction === 'max' ? -1 : 1;
  return trials
    .filter((t) => t.state === 'complete' && Number.isFinite(t.metrics[obj.metric]))
    .sort((a, b) => sign * ((a.metrics[obj.metric] as number) - (b.metrics[obj.metric] as number)) || a.number - b.number)
    .slice(0, top);
}

/** How a study trained its candidates, with the retraining's changes (full data, epochs, data, backend). */
export function retrainPlan(rec: StudyRecord, o: Pick<RetrainOptions, 'epochs' | 'data' | 'cwd' | 'backend'>): { data: DataSpec; train: TrainOptions; evaluator: Partial<TrainEvaluatorSpec> } {
  const e = (rec.spec.evaluator.kind === 'train' ? rec.spec.evaluator : {}) as Partial<TrainEvaluatorSpec>;
  if (rec.spec.evaluator.kind !== 'train' && !o.data) {
    throw new NasError('invalid-input', `study ${rec.id} replayed ${rec.spec.evaluator.kind} results and trained nothing: give --data (e.g. builtin:fashion-mnist) to train its architectures`);
  }
  if (o.epochs !== undefined && (!Number.isInteger(o.epochs) || o.epochs < 1)) throw new NasError('invalid-input', `epochs must be a positive integer, got ${o.epochs}`);
  const data: DataSpec = { ref: o.data ?? e.data ?? DEFAULT_DATASET, val: e.val ?? 1000, seed: rec.spec.seed, cwd: o.data ? o.cwd : (e.cwd ?? o.cwd), ...(e.audio ? { audio: e.audio } : {}), ...(e.text ? { text: e.text } : {}) };
  const train: TrainOptions = {
    ...TRAIN_DEFAULTS,
    epochs: o.epochs ?? e.epochs ?? TRAIN_DEFAULTS.epochs,
    batchSize: e.batchSize ?? TRAIN_DEFAULTS.batchSize,
    lr: e.lr ?? TRAIN_DEFAULTS.lr,
    // The full budget: no early stop, no step cap.
    patience: 0,
    seed: rec.spec.seed,
    ...(e.augment ? { augment: e.augment } : {}),
  };
  return { data, train, evaluator: e };
}

async function trainOne(graph: ModelGraph, backend: BackendName, plan: ReturnType<typeof retrainPlan>, report: (p: CurvePoint) => void, token: CancellationToken): Promise<{ result: TrainResult; testAccuracy?: number; weights: MapWeights }> {
  const d = prepareData(plan.data);
  if (backend === 'torch') {
    const model = new TorchModel(graph, { seed: plan.train.seed, device: defaultTorchDevice() });
    try {
      const result = await model.train(d.train, d.val, plan.train, report, token);
      const testAccuracy = d.test ? (await model.evaluate(d.test, 256, token)).accuracy : undefined;
      return { result, ...(testAccuracy !== undefined ? { testAccuracy } : {}), weights: model.weights() };
    } finally {
      model.dispose();
    }
  }
  const model = buildModel(graph, plan.train.seed);
  try {
    const result = await trainModel(model, d.train, d.val, plan.train, report, token);
    let testAccuracy: number | undefined;
    if (d.test) {
      const xt = tf.tensor4d(d.test.x, [d.test.y.length, ...d.test.shape]);
      const yt = tf.tensor1d(Int32Array.from(d.test.y), 'int32');
      try {
        testAccuracy = evaluateModel(model, xt, yt, d.test.classes, 256).accuracy;
      } finally {
        xt.dispose();
        yt.dispose();
      }
    }
    return { result, ...(testAccuracy !== undefined ? { testAccuracy } : {}), weights: weightsFromTfjs(model, graph) };
  } finally {
    model.dispose();
  }
}

export async function retrainTrials(store: Store, o: RetrainOptions): Promise<RetrainResult[]> {
  const rec = store.getStudy(o.studyId);
  if (!rec) throw new NasError('not-found', `no study with id '${o.studyId}'`);
  const plan = retrainPlan(rec, o);
  const space = createSpace(rec.spec.space, rec.spec.spaceOptions ?? {});
  if (!canBuildGraph(space)) throw new NasError('invalid-input', `study ${rec.id}: space ${space.id} has no model builder, nothing to train`);
  const trials = o.trials.map((n) => {
    const t = store.getTrial(rec.id, n);
    if (!t) throw new NasError('not-found', `study ${rec.id} has no trial ${n}`);
    if (t.state !== 'complete') throw new NasError('invalid-input', `trial ${n} of study ${rec.id} is ${t.state}, not complete: only complete trials are retrained`);
    return t;
  });
  const d = prepareData(plan.data);
  const choice = await chooseBackend(o.backend ?? plan.evaluator.backend);
  const token = o.token ?? CancellationToken.None;
  const now = o.now ?? Date.now;
  const out: RetrainResult[] = [];
  for (const [index, t] of trials.entries()) {
    const arch = space.freeze(t.sample);
    const graph = buildGraph(space, arch, { input: d.train.shape, classes: d.train.classes, ...(d.text ? { vocab: d.text.vocab } : {}), ...(plan.evaluator.nb201 ? { nb201: plan.evaluator.nb201 } : {}), ...(plan.evaluator.mobilenet ? { mobilenet: plan.evaluator.mobilenet } : {}) });
    o.onProgress?.({ trial: t.number, index, of: trials.length });
    // A compound-scaled model (space 'scaled') takes the data resized to its resolution (cached beside the weights).
    const sized = graph.input[0] === d.train.shape[0] && graph.input[1] === d.train.shape[1] ? plan
      : { ...plan, data: { ...plan.data, ref: resizedDataRef(plan.data.ref, plan.data.cwd, [graph.input[0], graph.input[1]], path.join(path.dirname(o.dir), 'resized')) } };
    const { result, testAccuracy, weights } = await trainOne(graph, choice.info.name, sized, (point) => o.onProgress?.({ trial: t.number, index, of: trials.length, point }), token);
    const settings = {
      source: 'retrain',
      data: plan.data.ref,
      trainExamples: d.train.y.length,
      valExamples: d.val.y.length,
      epochs: result.epochs,
      batchSize: plan.train.batchSize,
      lr: plan.train.lr,
      seed: plan.train.seed,
      backend: choice.info.name,
      backendDetail: choice.info.detail,
      valAccuracy: result.valAccuracy,
      ...(testAccuracy !== undefined ? { testAccuracy } : {}),
      seconds: result.seconds,
      architecture: t.key,
    };
    const bytes = encodeWeightsFile(graph, weights, settings);
    const dir = path.join(o.dir, `study${rec.id}`);
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `trial${t.number}-${now()}.fweights`);
    writeFileSync(file, bytes);
    const artifact: ArtifactRecord = { studyId: rec.id, trialNumber: t.number, kind: 'weights', path: file, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), createdAt: now(), settings };
    store.addArtifact(artifact);
    const done: RetrainResult = {
      trial: t.number, key: t.key, artifact, valAccuracy: result.valAccuracy, ...(testAccuracy !== undefined ? { testAccuracy } : {}),
      epochs: result.epochs, trainExamples: d.train.y.length, backend: choice.info.name, seconds: result.seconds,
    };
    o.onProgress?.({ trial: t.number, index, of: trials.length, done });
    out.push(done);
  }
  return out;
}
