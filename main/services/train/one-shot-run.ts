/**
 * A DARTS or ENAS run on the NB201 cell as one unit, for every front end (`frontier darts|enas`, the
 * workbench's New search over the contract): its settings read and checked from text (the CLI's
 * flags or a form's fields, one table of ranges and defaults), the settings file beside its
 * checkpoint (`<checkpoint>.json`, what `--resume` / `frontier resume` continue with), and
 * `startStoredOneShot`, which runs it (runDarts / runEnas) into its study (OneShotStudyRecorder) and
 * settles it as `frontier darts|enas` does: complete (checkpoint removed), stopped (checkpoint of
 * the last finished epoch kept, resumable) or failed.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Cancelled, errorMessage, NasError } from '../../../shared/errors.js';
import type { StrategyOptionInfo } from '../../../shared/strategy-info.js';
import type { StudyRecord } from '../../../shared/types/index.js';
import { CancellationTokenSource, type CancellationToken } from '../../core/cancellation.js';
import type { Store } from '../../core/store.js';
import { DEFAULT_DATASET } from '../data/builtin.js';
import {
  oneShotSplits, runDarts, runEnas,
  type DartsEpoch, type DartsRunResult, type EnasEpoch, type EnasRunResult, type ImageSplits, type NetworkOptions,
} from './nb201-one-shot.js';
import { isOneShotStrategy, OneShotStudyRecorder, SEARCH_TRIAL } from './one-shot-study.js';

export type OneShotKind = 'darts' | 'enas';

/** The settings both kinds share (the CLI's common options). */
export interface OneShotCommon {
  readonly epochs: number;
  readonly seed: number;
  readonly data: string;
  readonly train: number;
  readonly val: number;
  readonly downsample: number;
  readonly network: NetworkOptions;
  readonly batchSize: number;
  readonly lr: number | undefined;
}

/** What a run was given, kept beside its checkpoint as <checkpoint>.json. */
export type OneShotRunInfo =
  | { readonly version: 1; readonly kind: 'darts'; readonly common: OneShotCommon; readonly order: 1 | 2; readonly guard: boolean; readonly archLr: number }
  | { readonly version: 1; readonly kind: 'enas'; readonly common: OneShotCommon; readonly controllerSteps: number };

/** A numeric setting's range and default (a table of them per command). */
export interface NumberSetting {
  readonly integer?: boolean;
  readonly min?: number;
  readonly max?: number;
  readonly default?: number;
  readonly meaning: string;
}

/** Every numeric setting (by its CLI flag name) with its range and default: the one table the CLI and the workbench read. */
export const ONE_SHOT_NUMBERS = {
  epochs: { integer: true, min: 1, max: 10_000, default: 10, meaning: 'search epochs' },
  seed: { integer: true, min: 0, max: 2 ** 31, default: 0, meaning: 'seed of the split, the weights and the sampling' },
  train: { integer: true, min: 2, default: 2000, meaning: 'training examples for the weights' },
  val: { integer: true, min: 2, default: 1000, meaning: 'validation examples for the architecture / controller' },
  downsample: { integer: true, min: 1, max: 16, default: 2, meaning: 'average-pool images by this factor before training' },
  channels: { integer: true, min: 1, max: 256, default: 8, meaning: "first stage's channels (NAS-Bench-201: 16)" },
  cells: { integer: true, min: 1, max: 16, default: 1, meaning: 'cells per stage (NAS-Bench-201: 5)' },
  threads: { integer: true, min: 1, max: 256, default: 1, meaning: 'intra-op threads' },
  'batch-size': { integer: true, min: 2, max: 4096, default: 64, meaning: 'examples per step' },
  lr: { min: 1e-6, max: 10, meaning: "weights' learning rate, cosine to 0.001" },
  order: { integer: true, min: 1, max: 2, default: 1, meaning: 'DARTS first order, or second order (unrolled step; ~2.5x slower)' },
  'arch-lr': { min: 1e-6, max: 10, default: 3e-3, meaning: "alpha's Adam learning rate" },
  'controller-steps': { integer: true, min: 0, max: 100_000, default: 20, meaning: 'controller updates per epoch, of 8 cells each' },
} as const satisfies Record<string, NumberSetting>;

export type OneShotNumber = keyof typeof ONE_SHOT_NUMBERS;

/** The settings each kind reads: its own, then the common ones. */
const COMMON_NAMES: readonly OneShotNumber[] = ['epochs', 'seed', 'train', 'val', 'downsample', 'channels', 'cells', 'batch-size', 'lr', 'threads'];
export const ONE_SHOT_SETTINGS: { readonly [K in OneShotKind]: readonly string[] } = {
  darts: ['order', 'guard', 'arch-lr', 'data', ...COMMON_NAMES],
  enas: ['controller-steps', 'data', ...COMMON_NAMES],
};

/**
 * Where a run's settings come from: a setting's text (undefined or '' when not given), whether a
 * flag is set, and how an error names the setting (`--epochs` for the CLI, `epochs` for a form).
 */
export interface SettingsReader {
  text(name: string): string | undefined;
  flag(name: string): boolean;
  label(name: string): string;
}

/** A numeric setting checked against ONE_SHOT_NUMBERS; undefined when not given. */
export function readNumber(r: SettingsReader, name: OneShotNumber): number | undefined {
  return checkNumber(r, name, ONE_SHOT_NUMBERS[name]);
}

/** A numeric setting checked against its range (NasError invalid-input naming it); undefined when not given. */
export function checkNumber(r: SettingsReader, name: string, o: NumberSetting): number | undefined {
  const raw = r.text(name);
  if (raw === undefined) return undefined;
  const v = Number(raw);
  const { min, max } = o;
  if (raw.trim() === '' || !Number.isFinite(v) || (o.integer && !Number.isSafeInteger(v)) || (min !== undefined && v < min) || (max !== undefined && v > max)) {
    const what = o.integer ? 'a whole number' : 'a number';
    const range = min !== undefined && max !== undefined ? ` in ${min}..${max}` : min !== undefined ? ` ≥ ${min}` : max !== undefined ? ` ≤ ${max}` : '';
    throw new NasError('invalid-input', `${r.label(name)} must be ${what}${range}, got '${raw}'`);
  }
  return v;
}

const orDefault = (r: SettingsReader, name: OneShotNumber): number => readNumber(r, name) ?? (ONE_SHOT_NUMBERS[name] as NumberSetting).default ?? NaN;

/** The common settings; a data path is resolved against `cwd`. */
export function readCommon(r: SettingsReader, cwd: string): OneShotCommon {
  const data = r.text('data') ?? DEFAULT_DATASET;
  return {
    epochs: orDefault(r, 'epochs'),
    seed: orDefault(r, 'seed'),
    data: data.startsWith('builtin:') ? data : resolve(cwd, data),
    train: orDefault(r, 'train'),
    val: orDefault(r, 'val'),
    downsample: orDefault(r, 'downsample'),
    network: { channels: orDefault(r, 'channels'), cellsPerStage: orDefault(r, 'cells'), threads: orDefault(r, 'threads') },
    batchSize: orDefault(r, 'batch-size'),
    lr: readNumber(r, 'lr'),
  };
}

/** A new run's settings of `kind`, every one checked (NasError invalid-input naming the setting). */
export function readNewRunInfo(kind: OneShotKind, r: SettingsReader, cwd: string): OneShotRunInfo {
  const common = readCommon(r, cwd);
  if (kind === 'enas') return { version: 1, kind, common, controllerSteps: orDefault(r, 'controller-steps') };
  return { version: 1, kind, common, order: orDefault(r, 'order') as 1 | 2, guard: r.flag('guard'), archLr: orDefault(r, 'arch-lr') };
}

/** A form's settings (text, numbers or booleans by setting name) as a reader; unknown names are refused. */
export function formReader(kind: OneShotKind, settings: Readonly<Record<string, string | number | boolean>>): SettingsReader {
  return settingsReader(kind, ONE_SHOT_SETTINGS[kind], settings);
}

/** A form's settings of `what` as a reader, `known` being the names it takes (others are refused). */
export function settingsReader(what: string, known: readonly string[], settings: Readonly<Record<string, string | number | boolean>>): SettingsReader {
  const unknown = Object.keys(settings).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new NasError('invalid-input', `${what}: unknown setting${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')} (settings: ${known.join(', ')})`);
  return {
    text(name) {
      const v = settings[name];
      if (v === undefined || typeof v === 'boolean') return undefined;
      const t = String(v).trim();
      return t === '' ? undefined : t;
    },
    flag(name) {
      const v = settings[name];
      if (v === undefined || v === '' || v === false || v === 'off' || v === 'false' || v === 'no') return false;
      if (v === true || v === 'on' || v === 'true' || v === 'yes') return true;
      throw new NasError('invalid-input', `${name} must be on or off, got '${String(v)}'`);
    },
    label: (name) => name,
  };
}

/** The settings of each kind as a form offers them (defaults and ranges from ONE_SHOT_NUMBERS). */
export function oneShotSettingsInfo(kind: OneShotKind): StrategyOptionInfo[] {
  return ONE_SHOT_SETTINGS[kind].filter((n) => n !== 'data').map((name): StrategyOptionInfo => {
    if (name === 'guard') {
      return { name, meaning: 'collapse guard: stop when ≥ half the edges are parameter-free and keep the epoch before; at most 2 skip/pool edges', default: 'off', range: 'off | on', kind: 'choice', choices: ['off', 'on'] };
    }
    const o: NumberSetting = ONE_SHOT_NUMBERS[name as OneShotNumber];
    if (name === 'order') return { name, meaning: o.meaning, default: '1', range: '1 | 2', kind: 'choice', choices: ['1', '2'] };
    const range = o.min !== undefined && o.max !== undefined ? `${o.min}..${o.max}` : o.min !== undefined ? `≥ ${o.min}` : '';
    const fallback = name === 'lr' ? (kind === 'darts' ? '0.025' : '0.05') : '';
    return { name, meaning: o.meaning, default: o.default !== undefined ? String(o.default) : fallback, range, kind: o.integer ? 'integer' : 'number' };
  });
}

/** What the study of a run keeps of its settings (strategyOptions). */
export function studyOptions(info: OneShotRunInfo): Record<string, unknown> {
  const c = info.common;
  const rest = { batchSize: c.batchSize, ...(c.lr !== undefined ? { lr: c.lr } : {}), train: c.train, val: c.val, downsample: c.downsample, ...c.network };
  return info.kind === 'darts'
    ? { order: info.order, guard: info.guard, epochs: c.epochs, archLr: info.archLr, ...rest }
    : { epochs: c.epochs, controllerSteps: info.controllerSteps, ...rest };
}

/** The run's data split (NasError for a missing dataset or too few examples). */
export function runSplits(info: OneShotRunInfo, cwd?: string): ImageSplits {
  const c = info.common;
  return oneShotSplits(c.data, { train: c.train, val: c.val, seed: c.seed, downsample: c.downsample, ...(cwd !== undefined ? { cwd } : {}) });
}

type RunInfoOf<K extends OneShotKind> = Extract<OneShotRunInfo, { kind: K }>;

/** Runs the search of `info` (runDarts or runEnas) with its checkpoint: the one mapping of a run's settings to their options. */
export function runOneShot(info: RunInfoOf<'darts'>, data: ImageSplits, checkpoint: string, onEpoch: (e: DartsEpoch) => void, token: CancellationToken): Promise<DartsRunResult>;
export function runOneShot(info: RunInfoOf<'enas'>, data: ImageSplits, checkpoint: string, onEpoch: (e: EnasEpoch) => void, token: CancellationToken): Promise<EnasRunResult>;
export function runOneShot(info: OneShotRunInfo, data: ImageSplits, checkpoint: string, onEpoch: (e: DartsEpoch | EnasEpoch) => void, token: CancellationToken): Promise<DartsRunResult | EnasRunResult>;
export function runOneShot(info: OneShotRunInfo, data: ImageSplits, checkpoint: string, onEpoch: ((e: DartsEpoch) => void) | ((e: EnasEpoch) => void), token: CancellationToken): Promise<DartsRunResult | EnasRunResult> {
  const c = info.common;
  const shared = { epochs: c.epochs, seed: c.seed, batchSize: c.batchSize, ...(c.lr !== undefined ? { lr: c.lr } : {}), network: c.network, checkpoint };
  // The overloads pair each kind's settings with its epochs' callback.
  return info.kind === 'darts'
    ? runDarts(data, { ...shared, order: info.order, guard: info.guard, archLr: info.archLr }, onEpoch as (e: DartsEpoch) => void, token)
    : runEnas(data, { ...shared, controllerSteps: info.controllerSteps }, onEpoch as (e: EnasEpoch) => void, token);
}

export const infoPath = (checkpoint: string): string => `${checkpoint}.json`;

/** A new run's checkpoint file in `dir` (beside the database: <db dir>/<kind>/). */
export function newCheckpointPath(dir: string, kind: OneShotKind, seed: number): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return join(dir, kind, `${kind}-${stamp}-s${seed}-${process.pid}-${Math.random().toString(36).slice(2, 6)}.ckpt`);
}

export function writeRunInfo(checkpoint: string, info: OneShotRunInfo): void {
  mkdirSync(dirname(checkpoint), { recursive: true });
  const tmp = `${infoPath(checkpoint)}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(info, null, 2)}\n`);
  renameSync(tmp, infoPath(checkpoint));
}

/** The settings beside a checkpoint (NasError invalid-input when missing or not of `kind`). */
export function readRunInfo<K extends OneShotKind>(checkpoint: string, kind: K, what = `${kind} --resume`): Extract<OneShotRunInfo, { kind: K }> {
  let info: OneShotRunInfo;
  try {
    info = JSON.parse(readFileSync(infoPath(checkpoint), 'utf8')) as OneShotRunInfo;
  } catch (e) {
    throw new NasError('invalid-input', `${what}: cannot read ${infoPath(checkpoint)}, the settings of the run of ${checkpoint}: ${errorMessage(e)}`);
  }
  if (info?.version !== 1 || info.kind !== kind || typeof info.common?.data !== 'string') throw new NasError('invalid-input', `${what}: ${infoPath(checkpoint)} does not describe ${kind === 'darts' ? 'a DARTS' : 'an ENAS'} run`);
  return info as Extract<OneShotRunInfo, { kind: K }>;
}

export function removeCheckpoint(checkpoint: string): void {
  rmSync(checkpoint, { force: true });
  rmSync(infoPath(checkpoint), { force: true });
}

/** How an epoch-by-epoch run ended: stopped or failed, `done` is the last epoch it finished and `error` why. */
export type EpochRunEnd<R> =
  | { readonly status: 'complete'; readonly result: R; readonly done: number }
  | { readonly status: 'stopped' | 'failed'; readonly error: unknown; readonly done: number };

/**
 * Runs `run` with an epoch callback that writes each epoch (`write`) then gives it to `onEpoch`; a
 * write that fails (e.g. the study's lease was taken over) cancels `cts` and is what the run
 * reports. Stopped: it ended with `Cancelled` (`cts` cancelled); any other error: failed.
 */
export async function runWritingEpochs<E extends { readonly epoch: number }, R>(
  cts: CancellationTokenSource, write: (e: E) => void, onEpoch: ((e: E) => void) | undefined, run: (each: (e: E) => void) => Promise<R>,
): Promise<EpochRunEnd<R>> {
  let done = 0;
  let lost: unknown;
  try {
    const result = await run((e) => {
      done = e.epoch;
      try {
        write(e);
      } catch (err) {
        lost ??= err;
        cts.cancel();
      }
      onEpoch?.(e);
    });
    if (lost !== undefined) throw lost;
    return { status: 'complete', result, done };
  } catch (e) {
    const why = lost ?? e;
    return { status: why instanceof Cancelled ? 'stopped' : 'failed', error: why, done };
  }
}

/** How a stored run ended. */
export type OneShotOutcome =
  | { readonly status: 'complete'; readonly result: DartsRunResult | EnasRunResult }
  | { readonly status: 'stopped'; readonly epoch: number }
  | { readonly status: 'failed'; readonly error: string };

/** A stored run going on in this process. */
export interface StoredOneShotRun {
  readonly id: string;
  readonly kind: OneShotKind;
  readonly epochs: number;
  /** Stops it after the step under way (the checkpoint of the last finished epoch stays); `done` settles. */
  cancel(): void;
  /** Settles once the study is complete, stopped or failed (never rejects). */
  readonly done: Promise<OneShotOutcome>;
}

export interface StoredRunHooks {
  /** After each epoch is written to the study (also the epochs a resumed run reads back from its checkpoint). */
  readonly onEpoch?: (e: DartsEpoch | EnasEpoch) => void;
}

/**
 * Starts a new DARTS/ENAS run stored as a study: the data and settings are checked first (nothing is
 * stored when they are wrong), the settings written beside the checkpoint, the study created under
 * this process's lease; the run goes on in the background (`done`).
 */
export function startStoredOneShot(store: Store, o: { info: OneShotRunInfo; checkpoint: string; name?: string; cwd?: string } & StoredRunHooks): StoredOneShotRun {
  const { info, checkpoint } = o;
  const data = runSplits(info, o.cwd);
  writeRunInfo(checkpoint, info);
  let rec: OneShotStudyRecorder;
  try {
    const c = info.common;
    rec = OneShotStudyRecorder.start(store, { kind: info.kind, seed: c.seed, data: c.data, epochs: c.epochs, options: studyOptions(info), checkpoint, ...(o.name !== undefined ? { name: o.name } : {}) });
  } catch (e) {
    removeCheckpoint(checkpoint);
    throw e;
  }
  return drive(store, rec, info, data, checkpoint, o.onEpoch);
}

/** What resuming a stored DARTS/ENAS study continues with: its settings and checkpoint, and whether it starts over. */
export interface OneShotResumePlan {
  readonly kind: OneShotKind;
  readonly checkpoint: string;
  readonly info: OneShotRunInfo;
  /** Stopped before its first checkpoint (no epoch recorded, none written): nothing trained to lose, it starts again from the beginning. */
  readonly startsOver: boolean;
}

/** The line each front end shows when a run resumes from the beginning. */
export function startsOverNotice(id: string, kind: string): string {
  return `study ${id} was stopped before its first checkpoint: its ${kind} run starts over from the beginning`;
}

/**
 * How a stored DARTS/ENAS study is resumed (the workbench's Resume and `frontier resume`): from its
 * checkpoint, or from the beginning when it was stopped before its first one (its settings are kept
 * beside where the checkpoint goes). invalid-input when it has ended, or its settings are gone or
 * damaged, or it recorded epochs and their checkpoint is gone.
 */
export function oneShotResumePlan(store: Store, rec: StudyRecord): OneShotResumePlan {
  if (!isOneShotStrategy(rec.spec.strategy) || rec.spec.space !== 'nb201') throw new NasError('invalid-input', `study ${rec.id} is not a DARTS or ENAS run on the NB201 cell`);
  const kind = rec.spec.strategy;
  const checkpoint = rec.spec.strategyOptions?.checkpoint;
  if (typeof checkpoint !== 'string') throw new NasError('invalid-input', `study ${rec.id} was stored after its ${kind} run had ended: it has no checkpoint to continue from`);
  const startsOver = !existsSync(checkpoint) && store.getCurve(rec.id, SEARCH_TRIAL).length === 0;
  const gone = !existsSync(infoPath(checkpoint)) || (!startsOver && !existsSync(checkpoint));
  if (gone) throw new NasError('invalid-input', `the checkpoint of study ${rec.id}, ${checkpoint}, is gone (deleted or moved): its ${kind} run cannot be continued`);
  return { kind, checkpoint, info: readRunInfo(checkpoint, kind, `resume of study ${rec.id}`), startsOver };
}

/**
 * Continues the stopped (or killed) run of a DARTS/ENAS study from its checkpoint, into the same
 * study; ends exactly as a run never stopped. StudyBusy when a live process runs it; invalid-input
 * when it has ended or its settings are gone (oneShotResumePlan). A run stopped before its first
 * checkpoint starts again from the beginning (`startsOver`).
 */
export function resumeStoredOneShot(store: Store, rec: StudyRecord, hooks: StoredRunHooks = {}): StoredOneShotRun & { readonly startsOver: boolean } {
  const plan = oneShotResumePlan(store, rec);
  const data = runSplits(plan.info);
  const recorder = OneShotStudyRecorder.reopen(store, rec);
  return { ...drive(store, recorder, plan.info, data, plan.checkpoint, hooks.onEpoch), startsOver: plan.startsOver };
}

function drive(store: Store, rec: OneShotStudyRecorder, info: OneShotRunInfo, data: ImageSplits, checkpoint: string, onEpoch?: (e: DartsEpoch | EnasEpoch) => void): StoredOneShotRun {
  const cts = new CancellationTokenSource();
  let done = 0;
  const run = async (): Promise<OneShotOutcome> => {
    try {
      const end = await runWritingEpochs(cts, (e: DartsEpoch | EnasEpoch) => rec.epoch(e), onEpoch, (each) => runOneShot(info, data, checkpoint, each, cts.token));
      done = end.done;
      if (end.status !== 'complete') throw end.error;
      const { result } = end;
      rec.complete(result);
      removeCheckpoint(checkpoint);
      return { status: 'complete', result };
    } catch (why) {
      if (why instanceof Cancelled) {
        // The checkpoint of the last finished epoch (none before the first) and the settings stay: resumable.
        safely(() => rec.stopped());
        return { status: 'stopped', epoch: done };
      }
      safely(() => rec.failed(why));
      return { status: 'failed', error: errorMessage(why) };
    } finally {
      cts.dispose();
    }
  };
  return { id: rec.id, kind: info.kind, epochs: info.common.epochs, cancel: () => cts.cancel(), done: run() };
}

function safely(f: () => void): void {
  try {
    f();
  } catch {
    // The store went away under the run: the study stays `running` with no lease, resumable.
  }
}
