/**
 * A trained supernet as a file and as a study's evaluator. `frontier supernet train` writes the
 * checkpoint (weights + optimizer state, native/torch/src/supernet.cpp) and beside it
 * `<checkpoint>.json`, what it was trained on (space options, data, split, stem stride), so that
 * evaluator spec `{ kind: 'supernet', checkpoint, tables }` rebuilds the same supernet and data for a
 * stored, resumable search: every sub-network scored with the shared weights, latency from each
 * device's lookup table (known before scoring) or measured here (`local: true`).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { errorMessage, NasError } from '../../../shared/errors.js';
import type { Architecture, StudySpec } from '../../../shared/types/index.js';
import type { CancellationToken } from '../../core/cancellation.js';
import type { EvaluationResult, Evaluator } from '../../core/evaluator.js';
import { buildGraph } from '../../core/graph/index.js';
import { LookupTableLatencyModel, type LatencyModel } from '../../core/latency/lookup-table.js';
import { MobilenetSpace, type MobilenetOptions } from '../../core/spaces/mobilenet.js';
import { DEFAULT_DATASET } from '../data/builtin.js';
import { readLutFile } from '../devices/lut-evaluator.js';
import { LATENCY_DEFAULTS } from './latency.js';
import type { SupernetEngine } from './supernet-api.js';
import { Supernet, SupernetEvaluator } from './supernet-engine.js';
import { isTfjsCheckpoint, TfjsSupernet } from './supernet-tfjs.js';
import { prepareData, type PreparedData } from './trial.js';

/** What a supernet checkpoint was trained on (`<checkpoint>.json`). */
export interface SupernetMeta {
  readonly version: 1;
  readonly space: 'mobilenet';
  readonly spaceOptions: Partial<MobilenetOptions>;
  readonly data: string;
  readonly cwd: string;
  readonly val: number;
  readonly maxTrain?: number;
  readonly seed: number;
  readonly stemStride: number;
  readonly input: readonly [number, number, number];
  readonly classes: number;
  /** How sub-networks were sampled (--sandwich: 'uniform' or N); absent in checkpoints from before it was recorded (N = 2). */
  readonly sandwich?: string;
  /** Steps asked for, and reached so far. */
  readonly steps: number;
  readonly trainedSteps: number;
  readonly trainSeconds: number;
}

export const metaPath = (checkpoint: string): string => `${checkpoint}.json`;

export function writeSupernetMeta(checkpoint: string, meta: SupernetMeta): void {
  const tmp = `${metaPath(checkpoint)}.tmp`;
  writeFileSync(tmp, JSON.stringify(meta, null, 1));
  renameSync(tmp, metaPath(checkpoint));
}

export function readSupernetMeta(checkpoint: string): SupernetMeta {
  if (!existsSync(checkpoint)) throw new NasError('invalid-input', `no supernet checkpoint at ${checkpoint} (train one with 'frontier supernet train')`);
  let meta: SupernetMeta;
  try {
    meta = JSON.parse(readFileSync(metaPath(checkpoint), 'utf8')) as SupernetMeta;
  } catch (e) {
    throw new NasError('invalid-input', `cannot read ${metaPath(checkpoint)}, the description of the supernet ${checkpoint}: ${errorMessage(e)}`);
  }
  if (meta.version !== 1 || meta.space !== 'mobilenet' || !Array.isArray(meta.input)) throw new NasError('invalid-input', `${metaPath(checkpoint)} does not describe a Frontier supernet`);
  return meta;
}

/** The supernet's data split (as the training used it: same reference, split and seed). */
export function supernetData(meta: Pick<SupernetMeta, 'data' | 'cwd' | 'val' | 'maxTrain' | 'seed'>): PreparedData {
  return prepareData({ ref: meta.data, val: meta.val, seed: meta.seed, cwd: meta.cwd, ...(meta.maxTrain !== undefined ? { maxTrain: meta.maxTrain } : {}) });
}

/** A supernet with the checkpoint's weights and its data loaded, on the engine that wrote the checkpoint (libtorch, or the tfjs fallback). */
export function openSupernet(checkpoint: string, o: { threads?: number } = {}): { supernet: SupernetEngine; meta: SupernetMeta; data: PreparedData } {
  const meta = readSupernetMeta(checkpoint);
  const space = new MobilenetSpace(meta.spaceOptions);
  const data = supernetData(meta);
  const options = { input: meta.input, classes: meta.classes, stemStride: meta.stemStride, seed: meta.seed };
  const supernet: SupernetEngine = isTfjsCheckpoint(checkpoint) ? new TfjsSupernet(space, options) : new Supernet(space, { ...options, device: 'cpu', threads: o.threads ?? 1 });
  try {
    supernet.loadCheckpoint(checkpoint);
    supernet.setData(data.train, data.val);
  } catch (e) {
    supernet.dispose();
    throw e;
  }
  return { supernet, meta, data };
}

/** Evaluator spec of a search over a trained supernet's sub-networks. */
export interface SupernetEvaluatorSpec {
  readonly kind: 'supernet';
  readonly checkpoint: string;
  /** Device id → its lookup-table file (`frontier device profile`): `latency:<device>` known up front. */
  readonly tables?: Readonly<Record<string, string>>;
  /** Also time each sub-network here (standalone, libtorch CPU, batch 1): metric `latency:local:torch`. */
  readonly local?: boolean;
  readonly calibrationBatches?: number;
}

export const LOCAL_LATENCY = 'latency:local:torch';

/** A SupernetEvaluator that owns its supernet (freed on dispose) and can time sub-networks here. */
class OwnedSupernetEvaluator implements Evaluator {
  private readonly inner: SupernetEvaluator;

  constructor(
    private readonly supernet: SupernetEngine,
    latency: readonly LatencyModel[],
    private readonly local: boolean,
    calibrationBatches?: number,
  ) {
    this.inner = new SupernetEvaluator(supernet, { latency, ...(calibrationBatches !== undefined ? { calibrationBatches } : {}) });
  }

  known(a: Architecture): Record<string, number> {
    return this.inner.known(a);
  }

  async evaluate(a: Architecture, report: unknown, token: CancellationToken): Promise<EvaluationResult> {
    const r = await this.inner.evaluate(a, report, token);
    if (!this.local) return r;
    const m = this.supernet.standalone(a);
    try {
      const l = await m.latency(LATENCY_DEFAULTS, token);
      const fidelity = typeof r.fidelity === 'string' ? {} : r.fidelity;
      return { ...r, metrics: { ...r.metrics, [LOCAL_LATENCY]: l.medianMs }, fidelity: { ...fidelity, [LOCAL_LATENCY]: 'local:torch' } };
    } finally {
      m.dispose();
    }
  }

  dispose(): void {
    this.supernet.dispose();
  }
}

export function createSupernetEvaluator(spec: StudySpec): Evaluator {
  const e = spec.evaluator as unknown as SupernetEvaluatorSpec;
  if (typeof e.checkpoint !== 'string') throw new NasError('invalid-input', 'a supernet evaluator needs its checkpoint file');
  if (spec.space !== 'mobilenet') throw new NasError('invalid-input', `a supernet search is over the mobilenet space, not ${spec.space}`);
  const space = new MobilenetSpace((spec.spaceOptions ?? {}) as Partial<MobilenetOptions>);
  const models: LatencyModel[] = [];
  for (const [device, file] of Object.entries(e.tables ?? {})) {
    const lut = readLutFile(file);
    if (lut.table.deviceId !== device) throw new NasError('invalid-input', `${file} is the table of ${lut.table.deviceId}, not ${device}`);
    if (lut.space !== space.id) throw new NasError('invalid-input', `${file} was built for space ${lut.space}, the supernet is of ${space.id}`);
    models.push(new LookupTableLatencyModel(lut.table, (a) => buildGraph(space, a, lut.graph)));
  }
  const { supernet, meta } = openSupernet(e.checkpoint);
  if (JSON.stringify(meta.spaceOptions) !== JSON.stringify(spec.spaceOptions ?? {})) {
    supernet.dispose();
    throw new NasError('invalid-input', `the study's space options differ from those the supernet ${e.checkpoint} was trained with`);
  }
  return new OwnedSupernetEvaluator(supernet, models, e.local === true, e.calibrationBatches);
}

export const DEFAULT_SUPERNET_DATA = DEFAULT_DATASET;
