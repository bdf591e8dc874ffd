/**
 * ENAS on the mobilenet space as one unit, for every front end (`frontier enas --space mobilenet`,
 * the workbench's New search over the contract): its settings read and checked from text (the CLI's
 * flags or a form's fields, one table of ranges and defaults), the hardware-aware reward from a
 * phone's latency table, the settings file beside its checkpoint (`<checkpoint>.json`, what
 * `--resume` / `frontier resume` / the workbench's Resume continue with), the study it is stored as
 * (OneShotStudyRecorder), and the run itself (runEnasMobilenet, services/train/enas-mobilenet.ts)
 * settled complete (checkpoint removed), stopped (checkpoint of the last finished epoch kept,
 * resumable) or failed.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Cancelled, errorMessage, NasError } from '../../../shared/errors.js';
import type { StrategyOptionInfo } from '../../../shared/strategy-info.js';
import type { StudyRecord } from '../../../shared/types/index.js';
import { CancellationTokenSource } from '../../core/cancellation.js';
import { buildGraph } from '../../core/graph/index.js';
import { LookupTableLatencyModel } from '../../core/latency/lookup-table.js';
import { MobilenetSpace } from '../../core/spaces/mobilenet.js';
import type { Store } from '../../core/store.js';
import { readLutFile } from '../devices/lut-evaluator.js';
import { processLease } from '../lease.js';
import {
  checkEnasMobilenetCheckpoint, enasMobilenetDerived, enasMobilenetPoints, enasMobilenetStudy, runEnasMobilenet,
  type EnasLatencyReward, type EnasMobilenetEpoch, type EnasMobilenetResult,
} from './enas-mobilenet.js';
import { oneShotSplits, type ImageSplits } from './nb201-one-shot.js';
import {
  checkNumber, infoPath, ONE_SHOT_NUMBERS, readCommon, removeCheckpoint, runWritingEpochs, type NumberSetting, type OneShotCommon, type SettingsReader,
  type OneShotResumePlan,
} from './one-shot-run.js';
import { isOneShotStrategy, OneShotStudyRecorder, SEARCH_TRIAL } from './one-shot-study.js';

/** The numeric settings only this run takes (by the CLI's flag names), with their ranges and defaults. */
export const ENAS_MOBILENET_NUMBERS = {
  'controller-steps': { integer: true, min: 0, max: 100_000, default: 10, meaning: 'controller updates per epoch, of 8 sub-networks each' },
  'controller-lr': { min: 0, max: 100, default: 0.1, meaning: "the controller's REINFORCE step size" },
  'stem-stride': { integer: true, min: 1, max: 2, default: 1, meaning: 'stride of the stem (2 quarters every activation)' },
  'latency-ms': { min: 1e-6, meaning: "hardware-aware reward (MnasNet): accuracy · (latency / X)^w, the latency from device's lookup table" },
  'latency-weight': { min: -10, max: 0, default: -0.07, meaning: 'w of the hardware-aware reward' },
} as const satisfies Record<string, NumberSetting>;

/**
 * The settings a run takes (the CLI's names; `data` is a form's field of its own). A form lists them
 * but the hardware-aware reward's three (LATENCY_SETTINGS: a phone's lookup table is picked on the CLI).
 */
export const ENAS_MOBILENET_SETTINGS: readonly string[] = [
  'controller-steps', 'controller-lr', 'stem-stride', 'latency-ms', 'device', 'latency-weight',
  'data', 'epochs', 'seed', 'train', 'val', 'downsample', 'batch-size', 'lr', 'threads',
];
const LATENCY_SETTINGS: readonly string[] = ['latency-ms', 'device', 'latency-weight'];

/** What a run was given, beside its checkpoint as <checkpoint>.json (what --resume continues with). */
export interface EnasMobilenetRunInfo {
  readonly version: 1;
  readonly kind: 'enas-mobilenet';
  readonly common: OneShotCommon;
  readonly controllerSteps: number;
  readonly controllerLr?: number;
  readonly stemStride: number;
  readonly latency?: { readonly ms: number; readonly device: string; readonly weight?: number };
}

const num = (r: SettingsReader, name: keyof typeof ENAS_MOBILENET_NUMBERS): number | undefined => checkNumber(r, name, ENAS_MOBILENET_NUMBERS[name]);

/** The latency settings as given (checked against their ranges; whether they go together is latencyReward's). */
export function readLatencySettings(r: SettingsReader): { ms?: number | undefined; device?: string | undefined; weight?: number | undefined } {
  return { ms: num(r, 'latency-ms'), device: r.text('device'), weight: num(r, 'latency-weight') };
}

/** A new run's settings, every one checked (NasError invalid-input naming the setting); `common` read before (readCommon). */
export function readNewEnasMobilenetRun(r: SettingsReader, common: OneShotCommon): EnasMobilenetRunInfo {
  const given = readLatencySettings(r);
  const { ms, device, weight } = given;
  const controllerLr = num(r, 'controller-lr');
  const info: EnasMobilenetRunInfo = {
    version: 1, kind: 'enas-mobilenet', common,
    controllerSteps: num(r, 'controller-steps') ?? 10,
    stemStride: num(r, 'stem-stride') ?? 1,
    ...(controllerLr !== undefined ? { controllerLr } : {}),
    ...(ms !== undefined && device !== undefined ? { latency: { ms, device, ...(weight !== undefined ? { weight } : {}) } } : {}),
  };
  latencyGiven(given);
  return info;
}

/** Whether the latency settings ask for a hardware-aware reward (NasError invalid-input when they do not go together). */
function latencyGiven(given: { ms?: number | undefined; device?: string | undefined; weight?: number | undefined }): boolean {
  const { ms, device, weight } = given;
  if (ms === undefined && device === undefined) {
    if (weight !== undefined) throw new NasError('invalid-input', 'enas: --latency-weight goes with --latency-ms X --device ID');
    return false;
  }
  if (ms === undefined || device === undefined) throw new NasError('invalid-input', 'enas: a hardware-aware reward needs both --latency-ms X and --device ID (a phone with a latency table)');
  return true;
}

/** The settings as a form offers them (defaults and ranges from the tables, the CLI's names). */
export function enasMobilenetSettingsInfo(): StrategyOptionInfo[] {
  return ENAS_MOBILENET_SETTINGS.filter((n) => n !== 'data' && !LATENCY_SETTINGS.includes(n)).map((name): StrategyOptionInfo => {
    if (name === 'stem-stride') return { name, meaning: ENAS_MOBILENET_NUMBERS[name].meaning, default: '1', range: '1 | 2', kind: 'choice', choices: ['1', '2'] };
    const o: NumberSetting = name in ENAS_MOBILENET_NUMBERS ? ENAS_MOBILENET_NUMBERS[name as keyof typeof ENAS_MOBILENET_NUMBERS] : ONE_SHOT_NUMBERS[name as keyof typeof ONE_SHOT_NUMBERS];
    const range = o.min !== undefined && o.max !== undefined ? `${o.min}..${o.max}` : o.min !== undefined ? `≥ ${o.min}` : '';
    const def = o.default !== undefined ? String(o.default) : name === 'lr' ? '0.05' : '';
    return { name, meaning: o.meaning, default: def, range, kind: o.integer ? 'integer' : 'number' };
  });
}

/**
 * The hardware-aware reward of the latency settings, the latency from `lutFile(device)` (a phone's
 * lookup table of the mobilenet space); undefined without them. NasError invalid-input when they do
 * not go together or the table is missing or of another space.
 */
export function latencyReward(
  given: { ms?: number | undefined; device?: string | undefined; weight?: number | undefined } | undefined, lutFile: (device: string) => string, space: MobilenetSpace,
): { reward: EnasLatencyReward; device: string } | undefined {
  const { ms, device, weight } = given ?? {};
  const bad = (m: string) => new NasError('invalid-input', m);
  if (!latencyGiven({ ms, device, weight }) || ms === undefined || device === undefined) return undefined;
  const file = lutFile(device);
  if (!existsSync(file)) throw bad(`enas: no latency table of ${device} at ${file}; build it with 'frontier device profile ${device} --space mobilenet'`);
  const lut = readLutFile(file);
  if (lut.space !== space.id) throw bad(`enas: the latency table ${file} was built for space ${lut.space}, not mobilenet ('frontier device profile ${device} --space mobilenet')`);
  return { reward: { model: new LookupTableLatencyModel(lut.table, (a) => buildGraph(space, a, lut.graph)), targetMs: ms, ...(weight !== undefined ? { weight } : {}) }, device };
}

/** The run's data split (NasError for a missing dataset or too few examples). */
export function enasMobilenetSplits(info: EnasMobilenetRunInfo, cwd?: string): ImageSplits {
  const c = info.common;
  return oneShotSplits(c.data, { train: c.train, val: c.val, seed: c.seed, downsample: c.downsample, ...(cwd !== undefined ? { cwd } : {}) });
}

/** A new run's checkpoint file in `dir` (beside the database: <db dir>/enas/). */
export function newEnasMobilenetCheckpoint(dir: string, seed: number): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return join(dir, 'enas', `enas-mobilenet-${stamp}-s${seed}-${process.pid}.ckpt`);
}

/** The settings beside a checkpoint (NasError invalid-input when missing or not of such a run); `what` starts the message. */
export function readEnasMobilenetRunInfo(checkpoint: string, what = 'enas --resume'): EnasMobilenetRunInfo {
  let info: EnasMobilenetRunInfo;
  try {
    info = JSON.parse(readFileSync(infoPath(checkpoint), 'utf8')) as EnasMobilenetRunInfo;
  } catch (e) {
    throw new NasError('invalid-input', `${what}: cannot read ${infoPath(checkpoint)}, the settings of the run of ${checkpoint}: ${errorMessage(e)}`);
  }
  if (info?.version !== 1 || info.kind !== 'enas-mobilenet' || typeof info.common?.data !== 'string') throw new NasError('invalid-input', `${what}: ${infoPath(checkpoint)} does not describe an ENAS run on the mobilenet space`);
  return info;
}

export function writeEnasMobilenetRunInfo(checkpoint: string, info: EnasMobilenetRunInfo): void {
  mkdirSync(dirname(checkpoint), { recursive: true });
  const tmp = `${infoPath(checkpoint)}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(info, null, 2)}\n`);
  renameSync(tmp, infoPath(checkpoint));
}

/** What the study of a run keeps of its settings (strategyOptions). */
export function enasMobilenetStudyOptions(info: EnasMobilenetRunInfo): Record<string, unknown> {
  const c = info.common;
  return {
    space: 'mobilenet', epochs: c.epochs, controllerSteps: info.controllerSteps, batchSize: c.batchSize, stemStride: info.stemStride, train: c.train, val: c.val, downsample: c.downsample,
    ...(c.lr !== undefined ? { lr: c.lr } : {}), ...(info.controllerLr !== undefined ? { controllerLr: info.controllerLr } : {}),
    ...(info.latency ? { latencyMs: info.latency.ms, device: info.latency.device, latencyWeight: info.latency.weight ?? -0.07 } : {}),
  };
}

/**
 * The study of a run: when resuming, the study of this checkpoint (reopened under this process's
 * lease: StudyBusy while a live process runs it), else a new one.
 */
export function openEnasMobilenetStudy(store: Store, info: EnasMobilenetRunInfo, checkpoint: string, o: { resuming: boolean; name?: string | undefined }): OneShotStudyRecorder {
  const mine = o.resuming ? store.listStudies().find((r) => isOneShotStrategy(r.spec.strategy) && r.spec.strategyOptions?.checkpoint === checkpoint) : undefined;
  if (mine) return OneShotStudyRecorder.reopen(store, mine);
  const c = info.common;
  const study = enasMobilenetStudy(c.data, info.latency?.device);
  return OneShotStudyRecorder.start(store, {
    kind: 'enas', seed: c.seed, data: c.data, epochs: c.epochs, options: enasMobilenetStudyOptions(info), checkpoint, study: { ...study, ...(o.name !== undefined ? { name: o.name } : {}) },
  });
}

/** A run ready to go: its settings, checkpoint, data and reward. */
export interface EnasMobilenetRunPlan {
  readonly info: EnasMobilenetRunInfo;
  readonly checkpoint: string;
  readonly data: ImageSplits;
  readonly latency: { reward: EnasLatencyReward; device: string } | undefined;
  readonly space: MobilenetSpace;
}

/** How a run ended; stopped or failed, `done` is the last epoch it finished and `error` why. */
export type EnasMobilenetRunEnd =
  | { readonly status: 'complete'; readonly result: EnasMobilenetResult }
  | { readonly status: 'stopped' | 'failed'; readonly error: unknown; readonly done: number };

/**
 * Runs it, each epoch written to `rec` (when stored) then given to `onEpoch`; a write that fails
 * (e.g. the study's lease was taken over) stops the run and is what it reports. Complete: the study
 * finished with its derived sub-network and the checkpoint removed. Stopped (`cts` cancelled) or
 * failed: nothing settled yet (settleEnasMobilenet).
 */
export async function runEnasMobilenetStudy(
  plan: EnasMobilenetRunPlan, rec: OneShotStudyRecorder | undefined, cts: CancellationTokenSource, onEpoch?: (e: EnasMobilenetEpoch) => void,
): Promise<EnasMobilenetRunEnd> {
  const { info, checkpoint, data, latency: lat, space } = plan;
  const c = info.common;
  const end = await runWritingEpochs(cts, (e: EnasMobilenetEpoch) => rec?.epoch({ epoch: e.epoch, seconds: e.seconds, points: enasMobilenetPoints(space, e) }), onEpoch,
    (each) => runEnasMobilenet(data, {
      epochs: c.epochs, seed: c.seed, controllerSteps: info.controllerSteps, batchSize: c.batchSize, stemStride: info.stemStride, threads: c.network.threads, space, checkpoint,
      ...(c.lr !== undefined ? { lr: c.lr } : {}), ...(info.controllerLr !== undefined ? { controllerLr: info.controllerLr } : {}), ...(lat ? { latency: lat.reward } : {}),
    }, each, cts.token));
  if (end.status !== 'complete') return { status: end.status, error: end.error, done: end.done };
  const r = end.result;
  // The search trial keeps the last epoch's numbers; the objective (shared_val_accuracy) is the derived trial's alone.
  const last = r.epochs.at(-1);
  const searched = Object.fromEntries(Object.entries({ mean_reward: last?.meanReward ?? NaN, derived_accuracy: last?.derivedAccuracy ?? NaN }).filter(([, v]) => Number.isFinite(v)));
  rec?.finish({ metrics: searched, seconds: r.seconds, epochs: r.epochs.length }, enasMobilenetDerived(r, lat?.device));
  removeCheckpoint(checkpoint);
  return { status: 'complete', result: r };
}

/**
 * A run stopped (Ctrl-C, Stop) or failed: the checkpoint of the last finished epoch stays and the
 * study is stopped (resumable) or failed. A new run stopped before its first epoch ended has no
 * checkpoint: with `dropEmpty` (the CLI) its settings file and study go (nothing stored), else its
 * study is stopped with its settings kept (its Resume starts it again). Returns whether a
 * checkpoint to continue from is kept.
 */
export function settleEnasMobilenet(
  o: { store?: Store | undefined; rec: OneShotStudyRecorder | undefined; checkpoint: string; resuming: boolean; done: number; error: unknown; dropEmpty: boolean },
): boolean {
  const { rec, checkpoint, resuming } = o;
  const cancelled = o.error instanceof Cancelled;
  if (rec && !cancelled) rec.failed(o.error);
  if (!existsSync(checkpoint) || (!resuming && o.done === 0)) {
    if (!o.dropEmpty) {
      if (rec && cancelled) rec.stopped();
      return false;
    }
    if (!resuming) removeCheckpoint(checkpoint);
    if (rec && cancelled) {
      if (resuming) rec.stopped();
      else {
        rec.dispose();
        o.store?.deleteStudy(rec.id, Date.now(), processLease().policy);
      }
    }
    return false;
  }
  if (rec && cancelled) rec.stopped();
  return true;
}

/** How a stored run going on in this process ended. */
export type EnasMobilenetOutcome =
  | { readonly status: 'complete'; readonly result: EnasMobilenetResult }
  | { readonly status: 'stopped'; readonly epoch: number }
  | { readonly status: 'failed'; readonly error: string };

/** A stored run going on in this process. */
export interface StoredEnasMobilenetRun {
  readonly id: string;
  readonly epochs: number;
  /** Stops it after the step under way (the checkpoint of the last finished epoch stays); `done` settles. */
  cancel(): void;
  /** Settles once the study is complete, stopped or failed (never rejects). */
  readonly done: Promise<EnasMobilenetOutcome>;
}

export interface EnasMobilenetHooks {
  /** After each epoch is written to the study (also those a resumed run reads back from its checkpoint). */
  readonly onEpoch?: (e: EnasMobilenetEpoch) => void;
}

/**
 * Starts a new run stored as a study: the reward's latency table and the data are checked first
 * (nothing is stored when they are wrong), the settings written beside the checkpoint, the study
 * created under this process's lease; the run goes on in the background (`done`).
 */
export function startStoredEnasMobilenet(
  store: Store, o: { info: EnasMobilenetRunInfo; checkpoint: string; lutFile: (device: string) => string; name?: string; cwd?: string } & EnasMobilenetHooks,
): StoredEnasMobilenetRun {
  const { info, checkpoint } = o;
  const space = new MobilenetSpace();
  const latency = latencyReward(info.latency, o.lutFile, space);
  const data = enasMobilenetSplits(info, o.cwd);
  writeEnasMobilenetRunInfo(checkpoint, info);
  let rec: OneShotStudyRecorder;
  try {
    rec = openEnasMobilenetStudy(store, info, checkpoint, { resuming: false, name: o.name });
  } catch (e) {
    removeCheckpoint(checkpoint);
    throw e;
  }
  return drive(store, rec, { info, checkpoint, data, latency, space }, false, o.onEpoch);
}

/**
 * How a stored ENAS study of the mobilenet space is resumed (the workbench's Resume and `frontier
 * resume`): from its checkpoint, or from the beginning when it was stopped before its first one (no
 * epoch recorded, its settings kept), as oneShotResumePlan for DARTS/ENAS on the NB201 cell.
 * invalid-input when it has ended, or its settings are gone or damaged, or it recorded epochs and
 * their checkpoint is gone.
 */
export function enasMobilenetResumePlan(store: Store, rec: StudyRecord): Omit<OneShotResumePlan, 'kind' | 'info'> & { readonly info: EnasMobilenetRunInfo } {
  if (rec.spec.strategy !== 'enas' || rec.spec.space !== 'mobilenet') throw new NasError('invalid-input', `study ${rec.id} is not an ENAS run on the mobilenet space`);
  const checkpoint = rec.spec.strategyOptions?.checkpoint;
  if (typeof checkpoint !== 'string') throw new NasError('invalid-input', `study ${rec.id} was stored after its ENAS run had ended: it has no checkpoint to continue from`);
  const startsOver = !existsSync(checkpoint) && store.getCurve(rec.id, SEARCH_TRIAL).length === 0;
  const gone = !existsSync(infoPath(checkpoint)) || (!startsOver && !existsSync(checkpoint));
  if (gone) throw new NasError('invalid-input', `the checkpoint of study ${rec.id}, ${checkpoint}, is gone (deleted or moved): its ENAS run cannot be continued`);
  return { checkpoint, info: readEnasMobilenetRunInfo(checkpoint, `resume of study ${rec.id}`), startsOver };
}

/**
 * Continues the stopped (or killed) run of an ENAS study of the mobilenet space from its checkpoint,
 * into the same study; ends exactly as a run never stopped. StudyBusy when a live process runs it;
 * invalid-input when it has ended, its checkpoint is gone or damaged (enasMobilenetResumePlan). A run
 * stopped before its first checkpoint starts again from the beginning (`startsOver`).
 */
export function resumeStoredEnasMobilenet(store: Store, rec: StudyRecord, o: { lutFile: (device: string) => string } & EnasMobilenetHooks): StoredEnasMobilenetRun & { readonly startsOver: boolean } {
  const { checkpoint, info, startsOver } = enasMobilenetResumePlan(store, rec);
  const space = new MobilenetSpace();
  const latency = latencyReward(info.latency, o.lutFile, space);
  const data = enasMobilenetSplits(info);
  // A damaged checkpoint is refused before the study is touched.
  if (existsSync(checkpoint)) checkEnasMobilenetCheckpoint(checkpoint);
  const recorder = OneShotStudyRecorder.reopen(store, rec);
  return { ...drive(store, recorder, { info, checkpoint, data, latency, space }, true, o.onEpoch), startsOver };
}

function drive(store: Store, rec: OneShotStudyRecorder, plan: EnasMobilenetRunPlan, resuming: boolean, onEpoch?: (e: EnasMobilenetEpoch) => void): StoredEnasMobilenetRun {
  const cts = new CancellationTokenSource();
  const run = async (): Promise<EnasMobilenetOutcome> => {
    try {
      const end = await runEnasMobilenetStudy(plan, rec, cts, onEpoch);
      if (end.status === 'complete') return end;
      try {
        settleEnasMobilenet({ store, rec, checkpoint: plan.checkpoint, resuming, done: end.done, error: end.error, dropEmpty: false });
      } catch {
        // The store went away under the run: the study stays `running` with no lease, resumable.
      }
      return end.status === 'stopped' ? { status: 'stopped', epoch: end.done } : { status: 'failed', error: errorMessage(end.error) };
    } catch (e) {
      // The study's last write failed (its lease lost): it is not this run's any more.
      return { status: 'failed', error: errorMessage(e) };
    } finally {
      cts.dispose();
    }
  };
  return { id: rec.id, epochs: plan.info.common.epochs, cancel: () => cts.cancel(), done: run() };
}

/** A form's (or the CLI's) settings of a new run: readCommon and readNewEnasMobilenetRun. */
export function readEnasMobilenetForm(r: SettingsReader, cwd: string): EnasMobilenetRunInfo {
  return readNewEnasMobilenetRun(r, readCommon(r, cwd));
}
