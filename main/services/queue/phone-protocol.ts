import { createHash } from 'node:crypto';
import { errorMessage, NasError } from '../../../shared/errors.js';
import type { Architecture, LatencySample, ModelGraph, StudySpec } from '../../../shared/types/index.js';
import type { Evaluator } from '../../core/evaluator.js';
import { buildGraph, canBuildGraph, type GraphOptions } from '../../core/graph/index.js';
import { createSpace } from '../../core/spaces.js';
import { isPhoneLatency, studyMetrics } from '../evaluators.js';
import { studyGraphInput } from '../graph-input.js';
import { TrainEvaluator } from '../train/evaluator.js';
import { JOB_FORMAT } from './protocol.js';

/**
 * A latency measurement on a phone plugged into a worker: the trial's model (space, architecture and
 * the graph options it is built with; no code, no weights: latency does not depend on their values)
 * goes to that phone's own queue, which only the workers that announce the phone consume.
 */
export interface PhoneJobData {
  readonly v: number;
  readonly study: { readonly id: string; readonly uid: string };
  readonly trial: number;
  readonly serial: string;
  readonly space: string;
  readonly spaceOptions?: Readonly<Record<string, unknown>>;
  readonly arch: { readonly key: string; readonly sample: readonly number[] };
  readonly graph: GraphOptions;
}

export interface PhoneJobResult {
  /** The measurement, without study and trial (the coordinator adds them when it stores it). */
  readonly sample: Omit<LatencySample, 'studyId' | 'trialNumber'>;
  readonly worker: string;
}

/** The BullMQ queue of one phone: the serial in readable form and hashed (queue names may not hold ':'). */
export function phoneQueueName(queue: string, serial: string): string {
  const hash = createHash('sha256').update(serial).digest('hex').slice(0, 10);
  return `${queue}.phone.${serial.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40)}.${hash}`;
}

/** Phones (adb serials) whose latency a study measures on workers: its `latency:<serial>` metrics, except the local backends'. */
export function phoneSerials(spec: StudySpec): string[] {
  if (spec.evaluator.kind === 'lut') return [];
  return studyMetrics(spec).filter(isPhoneLatency).map((m) => m.slice('latency:'.length));
}

/**
 * How the coordinator builds a trial's model for the phones: a training search's (the data's input
 * and classes), or NAS-Bench-201's CIFAR input for the nb201 tables. Throws (invalid-input) when the
 * study has no model to measure.
 */
export function phoneGraphOptions(spec: StudySpec, local: Evaluator): (a: Architecture) => GraphOptions {
  const fixed = checkPhoneSpec(spec);
  if (fixed) return () => fixed;
  if (!(local instanceof TrainEvaluator)) throw new NasError('internal', `a ${spec.evaluator.kind} evaluator builds no models for the phones`);
  const e = spec.evaluator as { nb201?: GraphOptions['nb201']; mobilenet?: GraphOptions['mobilenet'] };
  return (a) => {
    const g: ModelGraph = local.graphOf(a);
    // Text data: the Embedding's rows are the tokenizer's vocabulary.
    const vocab = g.nodes.find((n) => n.op === 'Embedding')?.attrs.vocab;
    return { input: g.input, classes: g.classes, ...(vocab !== undefined ? { vocab } : {}), ...(e.nb201 ? { nb201: e.nb201 } : {}), ...(e.mobilenet ? { mobilenet: e.mobilenet } : {}) };
  };
}

/**
 * Refuses (invalid-input) a study that measures latency on phones but has no model to measure; gives
 * the graph options of a table search (the same for every trial), undefined for a training search
 * (they come from its data).
 */
export function checkPhoneSpec(spec: StudySpec): GraphOptions | undefined {
  const serials = phoneSerials(spec);
  if (serials.length === 0) return undefined;
  const space = createSpace(spec.space, spec.spaceOptions ?? {});
  if (!canBuildGraph(space)) throw new NasError('invalid-input', `latency on phones (${serials.join(', ')}) needs models of the architectures: space ${space.id} has no model builder`);
  if (spec.evaluator.kind === 'train') return undefined;
  const known = studyGraphInput(spec);
  if ('unknown' in known) throw new NasError('invalid-input', `latency on phones (${serials.join(', ')}) needs the models' input size, which this search does not know (${known.unknown}): train (--data) or use the nb201 tables`);
  return known.options;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a phone job before anything runs and builds its model: the shape, that it is for `serial`,
 * the space and architecture (its key), and the graph options. The subject of its latency sample is
 * `arch:<space>:<key>`, as `frontier device measure` stores it. Throws NasError('invalid-input').
 */
export function phoneJobModel(data: unknown, serial: string): { job: PhoneJobData; graph: ModelGraph; arch: Architecture; subject: string } {
  const bad = (why: string) => new NasError('invalid-input', `phone job refused: ${why}`);
  if (!isObject(data)) throw bad('its data is not an object');
  if (data.v !== JOB_FORMAT) throw bad(`job format ${String(data.v)}, this worker reads format ${JOB_FORMAT} (update one of the two)`);
  if (data.serial !== serial) throw bad(`it is for phone ${String(data.serial)}, this queue is ${serial}'s`);
  const study = data.study;
  if (!isObject(study) || typeof study.id !== 'string' || typeof study.uid !== 'string') throw bad('no study id');
  if (!Number.isInteger(data.trial) || (data.trial as number) < 0) throw bad('no trial number');
  const arch = data.arch;
  if (!isObject(arch) || typeof arch.key !== 'string' || !Array.isArray(arch.sample) || !arch.sample.every((x) => Number.isInteger(x))) throw bad('no architecture (key and sample)');
  if (typeof data.space !== 'string' || (data.spaceOptions !== undefined && !isObject(data.spaceOptions))) throw bad('no space');
  const g = data.graph;
  const dim = (x: unknown) => Number.isInteger(x) && (x as number) >= 1 && (x as number) <= 4096;
  if (!isObject(g) || !Array.isArray(g.input) || g.input.length !== 3 || !g.input.every(dim) || !Number.isInteger(g.classes) || (g.classes as number) < 1 || (g.classes as number) > 100_000) {
    throw bad('no graph options (input [H, W, C] and classes)');
  }
  if ((g.nb201 !== undefined && !isObject(g.nb201)) || (g.mobilenet !== undefined && !isObject(g.mobilenet))) throw bad('macro options are not objects');
  if (g.vocab !== undefined && (!Number.isInteger(g.vocab) || (g.vocab as number) < 1 || (g.vocab as number) > 1_000_000)) throw bad(`vocabulary ${String(g.vocab)} is not a positive integer`);
  try {
    const space = createSpace(data.space, (data.spaceOptions as Record<string, unknown> | undefined) ?? {});
    const sample = arch.sample as number[];
    const invalid = space.validate(sample);
    if (invalid) throw invalid;
    const a = space.freeze(sample);
    if (a.key !== arch.key) throw new NasError('invalid-input', `sample ${JSON.stringify(sample)} is ${a.key} in space ${space.id}, not ${arch.key}`);
    return { job: data as unknown as PhoneJobData, graph: buildGraph(space, a, g as unknown as GraphOptions), arch: a, subject: `arch:${space.id}:${a.key}` };
  } catch (e) {
    throw bad(errorMessage(e));
  }
}
