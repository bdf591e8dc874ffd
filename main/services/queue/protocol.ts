import { NasError, errorMessage } from '../../../shared/errors.js';
import type { Architecture, LatencySample, StudySpec } from '../../../shared/types/index.js';
import type { EvaluationResult } from '../../core/evaluator.js';
import type { SearchSpace } from '../../core/search-space.js';
import { createSpace } from '../../core/spaces.js';
import { validateStudySpec } from '../../core/study-spec.js';
import type { WeightsRef } from './weights-transfer.js';

/** Version of the job format; a worker refuses jobs of another version. */
export const JOB_FORMAT = 1;

/** Evaluator kinds a worker runs (a phone lookup table lives in the coordinator's database). */
export const REMOTE_KINDS = ['table', 'train'] as const;

/** A dataset the job's spec names by path, identified by content (see datasets.ts). */
export interface DatasetRef {
  /** The path as the coordinator's spec names it. */
  readonly ref: string;
  /** sha256 of the file, or of a folder's listing of (path, size, sha256) entries. */
  readonly hash: string;
  readonly kind: 'file' | 'dir';
  readonly bytes: number;
  /** The file's bytes are in Redis under its hash (else the worker must have the path, same content). */
  readonly shipped: boolean;
}

/** Why a worker would not run a job: the job goes to another worker, or fails once all refused. */
export interface Refusal {
  readonly worker: string;
  readonly reason: string;
}

/**
 * One evaluation, as data only: the architecture (sample and key), the study spec that says how to
 * evaluate it (no code), and the datasets by content hash. Job id: the study's uid and the trial
 * number, so adding it again (a retry, a resumed coordinator) finds the same job.
 */
export interface EvalJobData {
  readonly v: number;
  readonly study: { readonly id: string; readonly uid: string };
  readonly trial: number;
  /** The fidelity a multi-fidelity strategy asked for (epochs, a table's fidelity); absent: the full one. */
  readonly fidelity?: number;
  readonly arch: { readonly key: string; readonly sample: readonly number[] };
  readonly spec: StudySpec;
  readonly datasets: readonly DatasetRef[];
  /** Send the trained weights back (training jobs; the coordinator keeps them as the trial's `weights` artifact). */
  readonly weights?: boolean;
  readonly refusals?: readonly Refusal[];
}

export interface EvalJobResult {
  readonly result: EvaluationResult;
  /** Latency samples the evaluation measured (recorded in the coordinator's store). */
  readonly latency: readonly LatencySample[];
  /** The trained weights, left in Redis for the coordinator (asked by `EvalJobData.weights`). */
  readonly weights?: WeightsRef;
  readonly worker: string;
}

/** Progress of a running job: the learning curve so far. */
export interface EvalJobProgress {
  readonly curve: readonly { readonly step: number; readonly metric: string; readonly value: number }[];
}

/** BullMQ job ids may not contain ':'. */
export function jobIdFor(studyUid: string, trial: number): string {
  return `${studyUid}-t${trial}`;
}

/** A study's id in the queue: its id and creation time, so two databases sharing a Redis do not collide. */
export function studyUid(id: string, createdAt: number): string {
  return `s${id}.${createdAt.toString(36)}`;
}

/** Failure reasons that end a trial as pruned rather than failed start with this. */
export const PRUNED_PREFIX = 'pruned: ';

/** Paths of the datasets a spec names (built-in ones excluded: every worker has them). */
export function datasetPaths(spec: StudySpec): string[] {
  const e = spec.evaluator as { kind: string; tables?: unknown; knownTables?: unknown; data?: unknown };
  const refs: unknown[] = e.kind === 'table' ? [...(Array.isArray(e.tables) ? e.tables : []), ...(Array.isArray(e.knownTables) ? e.knownTables : [])] : e.kind === 'train' ? [e.data] : [];
  return [...new Set(refs.filter((r): r is string => typeof r === 'string' && !r.startsWith('builtin:')))];
}

/** The spec with each dataset path replaced by where this worker has it. */
export function withDatasetPaths(spec: StudySpec, local: ReadonlyMap<string, string>): StudySpec {
  const e = spec.evaluator as Record<string, unknown>;
  const swap = (v: unknown) => (typeof v === 'string' && local.has(v) ? local.get(v) : v);
  if (e.kind === 'table') {
    return { ...spec, evaluator: { ...e, kind: 'table', tables: ((e.tables as unknown[]) ?? []).map(swap) as string[], knownTables: ((e.knownTables as unknown[]) ?? []).map(swap) as string[] } };
  }
  if (e.kind === 'train') return { ...spec, evaluator: { ...e, kind: 'train', data: swap(e.data) } };
  return spec;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a job's data before anything runs: its shape, the spec (as a study would be checked), the
 * evaluator kind, and that the sample is an architecture of the space whose key is the one sent.
 * Throws NasError('invalid-input') with the reason.
 */
export function validateJobData(data: unknown): EvalJobData {
  const bad = (why: string) => new NasError('invalid-input', `job refused: ${why}`);
  if (!isObject(data)) throw bad('its data is not an object');
  if (data.v !== JOB_FORMAT) throw bad(`job format ${String(data.v)}, this worker reads format ${JOB_FORMAT} (update one of the two)`);
  const study = data.study;
  if (!isObject(study) || typeof study.id !== 'string' || typeof study.uid !== 'string') throw bad('no study id');
  if (!Number.isInteger(data.trial) || (data.trial as number) < 0) throw bad('no trial number');
  if (data.fidelity !== undefined && (typeof data.fidelity !== 'number' || !Number.isFinite(data.fidelity) || data.fidelity <= 0)) throw bad(`fidelity ${JSON.stringify(data.fidelity)} is not a positive number`);
  const arch = data.arch;
  if (!isObject(arch) || typeof arch.key !== 'string' || !Array.isArray(arch.sample) || !arch.sample.every((x) => Number.isInteger(x))) throw bad('no architecture (key and sample)');
  if (!isObject(data.spec) || !isObject(data.spec.evaluator)) throw bad('no study spec');
  const spec = data.spec as unknown as StudySpec;
  if (!(REMOTE_KINDS as readonly string[]).includes(spec.evaluator.kind)) throw bad(`evaluator '${String(spec.evaluator.kind)}' does not run on workers (${REMOTE_KINDS.join(', ')} do)`);
  if (!Array.isArray(data.datasets)) throw bad('no dataset list');
  for (const d of data.datasets as unknown[]) {
    if (!isObject(d) || typeof d.ref !== 'string' || typeof d.hash !== 'string' || !/^[0-9a-f]{64}$/.test(d.hash) || (d.kind !== 'file' && d.kind !== 'dir')) throw bad('a dataset entry is not {ref, hash, kind}');
  }
  try {
    const space = checkedSpace(spec);
    const sample = arch.sample as number[];
    const invalid = space.validate(sample);
    if (invalid) throw invalid;
    const key = space.freeze(sample).key;
    if (key !== arch.key) throw new NasError('invalid-input', `sample ${JSON.stringify(sample)} is ${key} in space ${space.id}, not ${arch.key}`);
  } catch (e) {
    throw bad(errorMessage(e));
  }
  return data as unknown as EvalJobData;
}

const checked = new Map<string, SearchSpace>();

/** The spec checked as a study's would be, and its space: once per distinct spec (a few kept). */
function checkedSpace(spec: StudySpec): SearchSpace {
  const key = JSON.stringify(spec);
  const hit = checked.get(key);
  if (hit) return hit;
  validateStudySpec(spec);
  const space = createSpace(spec.space, spec.spaceOptions ?? {});
  if (checked.size >= 8) checked.delete(checked.keys().next().value as string);
  checked.set(key, space);
  return space;
}

/** The job's architecture, frozen by its (checked) space. */
export function architectureOf(data: EvalJobData): Architecture {
  return checkedSpace(data.spec).freeze([...data.arch.sample]);
}
