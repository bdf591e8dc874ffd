/**
 * "Retrain the top-k" of a supernet search: each chosen sub-network becomes a standalone model that
 * starts from the weights it has in the supernet (cut out after BatchNorm recalibration, so before
 * any step it scores what the supernet scored it), then is fine-tuned on the supernet's training data
 * (libtorch, or tfjs when asked). A fine-tune is a study like any other (evaluator
 * `supernet-finetune`, the source trials' architectures asked in order by a warm start), so it shows
 * progress and learning curves, stops cleanly and resumes; each trial links to its source trial
 * (metric `source_trial`, `sourceStudy` in the spec) and keeps the fine-tuned weights as an artifact.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NasError } from '../../../shared/errors.js';
import type { Architecture, CurvePoint, Metrics, StudyRecord, StudySpec, TrialRecord } from '../../../shared/types/index.js';
import type { CancellationToken } from '../../core/cancellation.js';
import type { EvaluationResult, Evaluator, TrialRef } from '../../core/evaluator.js';
import { costMetrics, graphCost } from '../../core/graph/cost.js';
import { violated } from '../../core/objectives.js';
import type { Store } from '../../core/store.js';
import { encodeWeightsFile } from '../export/weights-file.js';
import { setTfjsWeights, weightsFromTfjs } from '../export/tfjs-weights.js';
import type { MapWeights } from '../export/weights.js';
import { chooseBackend, tf } from './backend.js';
import type { EvaluatorContext } from './evaluator.js';
import { buildModel } from './model.js';
import { openSupernet, type SupernetEvaluatorSpec } from './supernet-study.js';
import type { SupernetEngine as Supernet } from './supernet-api.js';
import { defaultTorchDevice, TorchModel } from './torch-engine.js';
import { evaluateModel, trainModel, type TensorData, type TrainOptions, type TrainResult } from './trainer.js';
import type { PreparedData } from './trial.js';

export interface FinetuneEvaluatorSpec {
  readonly kind: 'supernet-finetune';
  readonly checkpoint: string;
  readonly sourceStudy: string;
  /** Architecture key → its source trial and the metrics known there without scoring (latency, cost). */
  readonly sources: Readonly<Record<string, { readonly trial: number; readonly known: Metrics }>>;
  readonly epochs: number;
  readonly lr: number;
  readonly batchSize: number;
  /** torch (default) or tfjs (the fallback engine) for the fine-tuning. */
  readonly backend?: 'torch' | 'tfjs';
  readonly calibrationBatches?: number;
  /** Folder of the fine-tuned weights files (default: `finetuned` beside the checkpoint). */
  readonly weightsDir?: string;
}

export const FINETUNE_DEFAULTS = { epochs: 3, lr: 1e-3, batchSize: 64 } as const;

/** The `top` complete trials of a supernet search that meet its constraints, best first by its first objective. */
export function topSubnets(rec: StudyRecord, trials: readonly TrialRecord[], top: number): TrialRecord[] {
  const obj = rec.spec.objectives[0];
  if (!obj) throw new NasError('invalid-input', `study ${rec.id} has no objective to rank its trials by`);
  const sign = obj.direction === 'max' ? -1 : 1;
  return trials
    .filter((t) => t.state === 'complete' && Number.isFinite(t.metrics[obj.metric]) && violated(t.metrics, rec.spec.constraints).length === 0)
    .sort((a, b) => sign * ((a.metrics[obj.metric] as number) - (b.metrics[obj.metric] as number)) || a.number - b.number)
    .slice(0, top);
}

/** The study that fine-tunes `trials` of the supernet search `rec`. */
export function finetuneStudySpec(rec: StudyRecord, trials: readonly TrialRecord[], o: { epochs?: number; lr?: number; batchSize?: number; backend?: 'torch' | 'tfjs' } = {}): StudySpec {
  const e = rec.spec.evaluator as unknown as Partial<SupernetEvaluatorSpec>;
  if (e.kind !== 'supernet' || typeof e.checkpoint !== 'string') throw new NasError('invalid-input', `study ${rec.id} is not a supernet search (its evaluator is ${rec.spec.evaluator.kind}): fine-tuning starts from a supernet's sub-networks`);
  if (trials.length === 0) throw new NasError('invalid-input', `study ${rec.id} has no complete sub-network within its constraints to fine-tune`);
  const epochs = o.epochs ?? FINETUNE_DEFAULTS.epochs;
  if (!Number.isInteger(epochs) || epochs < 1) throw new NasError('invalid-input', `fine-tuning needs epochs ≥ 1, got ${epochs}`);
  const sources: Record<string, { trial: number; known: Metrics }> = {};
  for (const t of trials) {
    const known = Object.fromEntries(Object.entries(t.metrics).filter(([k]) => k.startsWith('latency:') || k === 'params' || k === 'flops'));
    sources[t.key] = { trial: t.number, known };
  }
  const evaluator: FinetuneEvaluatorSpec = {
    kind: 'supernet-finetune', checkpoint: e.checkpoint, sourceStudy: rec.id, sources, epochs,
    lr: o.lr ?? FINETUNE_DEFAULTS.lr, batchSize: o.batchSize ?? FINETUNE_DEFAULTS.batchSize,
    ...(o.backend ? { backend: o.backend } : {}), ...(e.calibrationBatches !== undefined ? { calibrationBatches: e.calibrationBatches } : {}),
  };
  return {
    name: `fine-tune of study ${rec.id} (top ${trials.length}, ${epochs} epoch${epochs === 1 ? '' : 's'})`,
    space: rec.spec.space,
    ...(rec.spec.spaceOptions ? { spaceOptions: rec.spec.spaceOptions } : {}),
    strategy: 'random',
    strategyOptions: { warmStart: trials.map((t) => t.key), warmStartFrom: [rec.id] },
    objectives: rec.spec.objectives,
    constraints: [],
    report: ['supernet_val_accuracy', 'inherited_val_accuracy', 'source_trial'],
    budget: { evals: trials.length },
    seed: rec.spec.seed,
    concurrency: 1,
    evaluator: evaluator as unknown as StudySpec['evaluator'],
  };
}

/** Accuracy before any step, then the fine-tuning (the weights of the best epoch are kept). */
async function finetune(
  supernet: Supernet, a: Architecture, d: PreparedData, o: TrainOptions, backend: 'torch' | 'tfjs', report: (p: CurvePoint) => void, token: CancellationToken,
): Promise<{ before: number; result: TrainResult; weights: MapWeights }> {
  const graph = supernet.graph(a);
  const inherited = supernet.subnetWeights(a);
  if (backend === 'torch') {
    const m = new TorchModel(graph, { seed: o.seed, device: defaultTorchDevice() });
    try {
      m.setWeights(inherited.map);
      const before = (await m.evaluate(d.val, 256, token)).accuracy;
      const result = await m.train(d.train, d.val, o, report, token);
      return { before, result, weights: m.weights() };
    } finally {
      m.dispose();
    }
  }
  await chooseBackend(undefined, ['torch']);
  const m = buildModel(graph, o.seed);
  try {
    setTfjsWeights(m, graph, inherited, (v, s) => tf.tensor(v, s));
    const before = tfjsAccuracy(m, d.val);
    const result = await trainModel(m, d.train, d.val, o, report, token);
    return { before, result, weights: weightsFromTfjs(m, graph) };
  } finally {
    m.dispose();
  }
}

function tfjsAccuracy(m: tf.LayersModel, d: TensorData): number {
  const x = tf.tensor4d(d.x, [d.y.length, ...d.shape]);
  const y = tf.tensor1d(Int32Array.from(d.y), 'int32');
  try {
    return evaluateModel(m, x, y, d.classes, 256).accuracy;
  } finally {
    x.dispose();
    y.dispose();
  }
}

class FinetuneEvaluator implements Evaluator {
  constructor(
    private readonly e: FinetuneEvaluatorSpec,
    private readonly supernet: Supernet,
    private readonly data: PreparedData,
    private readonly seed: number,
    private readonly ctx: EvaluatorContext | undefined,
  ) {}

  known(a: Architecture): Metrics {
    const src = this.e.sources[a.key];
    return { ...costMetrics(graphCost(this.supernet.graph(a))), ...(src?.known ?? {}), ...(src ? { source_trial: src.trial } : {}) };
  }

  async evaluate(a: Architecture, report: (p: CurvePoint) => void, token: CancellationToken, trial?: TrialRef): Promise<EvaluationResult> {
    const src = this.e.sources[a.key];
    if (!src) throw new NasError('invalid-input', `${a.key} is not one of the sub-networks this fine-tune was made for (study ${this.e.sourceStudy})`);
    // The supernet's score, after recalibrating the sub-network's BatchNorm statistics (which the cut-out weights then carry).
    const scored = await this.supernet.evaluate(a, this.e.calibrationBatches !== undefined ? { calibrationBatches: this.e.calibrationBatches } : {}, token);
    const o: TrainOptions = { epochs: this.e.epochs, batchSize: this.e.batchSize, lr: this.e.lr, schedule: 'cosine', patience: 0, seed: this.seed };
    const backend = this.e.backend ?? 'torch';
    const { before, result, weights } = await finetune(this.supernet, a, this.data, o, backend, report, token);
    const metrics: Record<string, number> = {
      ...this.known(a),
      val_accuracy: result.valAccuracy, val_loss: result.valLoss,
      supernet_val_accuracy: scored.accuracy, inherited_val_accuracy: before, finetune_epochs: result.epochs,
    };
    if (trial) this.keepWeights(a, trial, weights, { backend, valAccuracy: result.valAccuracy, inheritedValAccuracy: before, seconds: result.seconds, ...o });
    const fidelity: Record<string, string> = {};
    for (const k of Object.keys(metrics)) fidelity[k] = k.startsWith('latency:') ? 'lut' : k === 'supernet_val_accuracy' ? 'supernet' : k === 'source_trial' ? 'link' : k === 'params' || k === 'flops' ? 'analytic' : `finetune:${result.epochs}ep`;
    return { metrics, fidelity, cost: 0 };
  }

  /** The fine-tuned weights as a `weights` artifact of the trial (what `frontier export` reads). */
  private keepWeights(a: Architecture, trial: TrialRef, weights: MapWeights, settings: Record<string, unknown>): void {
    // The study's store (a run's evaluator context carries the whole store; a bare latency sink keeps no artifacts).
    const store = this.ctx?.store as Partial<Pick<Store, 'addArtifact'>> | undefined;
    if (typeof store?.addArtifact !== 'function') return;
    const bytes = encodeWeightsFile(this.supernet.graph(a), weights, { source: 'supernet-finetune', sourceStudy: this.e.sourceStudy, sourceTrial: this.e.sources[a.key]?.trial, architecture: a.key, ...settings });
    const dir = path.join(this.e.weightsDir ?? path.join(path.dirname(this.e.checkpoint), 'finetuned'), `study${trial.studyId}`);
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `trial${trial.number}.fweights`);
    writeFileSync(`${file}.tmp`, bytes);
    renameSync(`${file}.tmp`, file);
    store.addArtifact.call(store, { studyId: trial.studyId, trialNumber: trial.number, kind: 'weights', path: file, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), createdAt: Date.now(), settings });
  }

  dispose(): void {
    this.supernet.dispose();
  }
}

export function createFinetuneEvaluator(spec: StudySpec, ctx?: EvaluatorContext): Evaluator {
  const e = spec.evaluator as unknown as Partial<FinetuneEvaluatorSpec>;
  if (typeof e.checkpoint !== 'string' || typeof e.sourceStudy !== 'string' || !e.sources || typeof e.sources !== 'object') {
    throw new NasError('invalid-input', 'a supernet fine-tune needs its checkpoint, source study and source trials');
  }
  for (const [k, v] of [['epochs', e.epochs], ['batchSize', e.batchSize]] as const) {
    if (!Number.isInteger(v) || (v as number) < 1) throw new NasError('invalid-input', `supernet fine-tune: ${k} must be an integer ≥ 1, got ${String(v)}`);
  }
  if (typeof e.lr !== 'number' || !(e.lr > 0)) throw new NasError('invalid-input', `supernet fine-tune: lr must be a number > 0, got ${String(e.lr)}`);
  if (e.backend !== undefined && e.backend !== 'torch' && e.backend !== 'tfjs') throw new NasError('invalid-input', `supernet fine-tune: backend must be torch or tfjs, got ${String(e.backend)}`);
  const { supernet, meta, data } = openSupernet(e.checkpoint);
  if (JSON.stringify(meta.spaceOptions) !== JSON.stringify(spec.spaceOptions ?? {})) {
    supernet.dispose();
    throw new NasError('invalid-input', `the study's space options differ from those the supernet ${e.checkpoint} was trained with`);
  }
  return new FinetuneEvaluator(e as FinetuneEvaluatorSpec, supernet, data, spec.seed, ctx);
}
