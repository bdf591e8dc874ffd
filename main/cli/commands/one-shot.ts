import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Cancelled, NasError } from '../../../shared/errors.js';
import type { CancellationToken } from '../../core/cancellation.js';
import { softmax, type Alpha } from '../../core/one-shot/nb201-alpha.js';
import { NB201_EDGES, NB201_OPS } from '../../core/spaces/nb201.js';
import type { DartsEpoch, DartsRunResult, EnasEpoch, EnasRunResult, ImageSplits } from '../../services/train/nb201-one-shot.js';
import {
  newCheckpointPath, oneShotResumePlan, readCommon, readNewRunInfo, readRunInfo, removeCheckpoint, runOneShot, runSplits, startsOverNotice, studyOptions, writeRunInfo,
  type OneShotCommon, type OneShotRunInfo, type SettingsReader,
} from '../../services/train/one-shot-run.js';
import { isOneShotStrategy, OneShotStudyRecorder } from '../../services/train/one-shot-study.js';
import type { Store } from '../../core/store.js';
import type { StudyRecord } from '../../../shared/types/index.js';
import { flag, formatDuration, parse, str, type Parsed } from '../args.js';
import { DB_OPTION, dbPath, openStore } from '../common.js';
import { table } from '../format.js';
import { UsageError, type CliIO } from '../io.js';
import { armInterrupt, interruptible, progress, type Interrupt } from './one-shot-progress.js';
import { ENAS_MOBILENET_HELP, enasMobilenetCommand, MOBILENET_ONLY, NB201_ONLY } from './enas-mobilenet.js';

const COMMON_HELP = `  --epochs N               search epochs (default 10)
  --seed N                 seed of the split, the weights and the sampling (default 0)
  --data REF               builtin:fashion-mnist (default) or a dataset path, as for search
  --train N                training examples for the weights (default 2000)
  --val N                  validation examples for the architecture / controller (default 1000)
  --downsample F           average-pool images by F before training (default 2: 28×28 → 14×14)
  --channels C             first stage's channels (default 8; NAS-Bench-201: 16)
  --cells N                cells per stage (default 1; NAS-Bench-201: 5)
  --batch-size N           (default 64)
  --lr X                   weights' learning rate, cosine to 0.001 (DARTS 0.025, ENAS 0.05)
  --threads N              intra-op threads (default 1)
  --name NAME, --db PATH   the study it is stored as
  --no-store               do not store the run
  --json                   one JSON document instead of the tables
  -h, --help               this help`;

export const DARTS_HELP = `Usage: frontier darts [options]

DARTS on the NAS-Bench-201 cell: a network whose cell edges mix all five NB201 operations with
softmax(alpha) weights, trained on your data (weights on the training split, alpha on the validation
split, in alternation), then discretised (per edge the strongest operation, 'none' excluded). Prints
alpha per edge, the collapse indicator (edges taken by parameter-free operations), the derived cell and
its CIFAR-10/100 test accuracy looked up in the NAS-Bench-201 table. Stored as a study (show/export).

Options:
  --order 1|2              first order, or second order (unrolled step, finite-difference
                           Hessian-vector product; ~2.5x slower) (default 1)
  --guard                  collapse guard: stop when ≥ half the edges' operations are parameter-free
                           and keep the epoch before (DARTS+ early stopping), then at most 2 edges
                           of skip_connect or avg_pool_3x3 (P-DARTS's skip limit, extended to pools)
  --arch-lr X              alpha's Adam learning rate (default 3e-3; DARTS: 3e-4 over 50 epochs)
  --resume FILE            continue a stopped run from its checkpoint, with its settings (only
                           --name, --db, --json and --no-store may be given with it)
${COMMON_HELP}

The study is stored as the run goes (each epoch's alpha, losses and collapse indicator), so the
workbench shows it live. Every epoch writes a checkpoint (shared weights, alpha, both optimisers'
states, the step and the sampler's RNG) to darts/ beside the database; Ctrl-C (or a kill) keeps it,
and 'frontier resume <study>' continues the run, ending exactly as one never stopped (stopped before
its first epoch ended, the study is kept and resume starts it over). The checkpoint is removed once
the run has ended.
`;

export const ENAS_HELP = `Usage: frontier enas [--space nb201|mobilenet] [options]

--space nb201 (default): ENAS on the NAS-Bench-201 cell: one shared-weight network; each step
trains the cell a REINFORCE controller samples (one operation per edge), and the controller learns
from the validation accuracy of the cells it samples, in alternation. The derived cell is the best of
the controller's most probable cell and 10 samples on the whole validation split. Prints the
controller's probabilities, the derived cell and its looked-up NAS-Bench-201 CIFAR-10/100 test
accuracy. Stored as a study.

Options:
  --controller-steps N     controller updates per epoch (default 20), of 8 cells each
  --resume FILE            continue a stopped run from its checkpoint, with its settings (only
                           --name, --db, --json and --no-store may be given with it)
${COMMON_HELP}

The study is stored as the run goes (each epoch's mean reward and controller probabilities). Every
epoch writes a checkpoint (shared weights, the weights' optimiser, the batch orders and RNG, the
controller) to enas/ beside the database; Ctrl-C (or a kill) keeps it, and 'frontier resume <study>'
continues the run, ending exactly as one never stopped (stopped before its first epoch ended, the study
is kept and resume starts it over). The checkpoint is removed once the run has ended.

${ENAS_MOBILENET_HELP}`;

const OPTIONS = {
  epochs: { type: 'string' }, seed: { type: 'string' }, data: { type: 'string' }, train: { type: 'string' }, val: { type: 'string' },
  downsample: { type: 'string' }, channels: { type: 'string' }, cells: { type: 'string' }, 'batch-size': { type: 'string' },
  lr: { type: 'string' }, threads: { type: 'string' }, name: { type: 'string' }, 'no-store': { type: 'boolean' }, json: { type: 'boolean' },
  ...DB_OPTION,
} as const;

/** The options both commands share (see services/train/one-shot-run.ts, which reads and checks them). */
export type Common = OneShotCommon;

/** The command's flags as the settings of a run (errors name the flag: `--epochs must be …`). */
function cliReader(p: Parsed): SettingsReader {
  return { text: (name) => str(p, name), flag: (name) => flag(p, name), label: (name) => `--${name}` };
}

function common(p: Parsed, io: CliIO): Common {
  return readCommon(cliReader(p), io.cwd);
}

const EDGE_NAMES = NB201_EDGES.map(([to, from]) => `${to}<-${from}`);

/** Rows of softmax weights (or probabilities) per edge, the derived op starred. */
function weightTable(rows: readonly (readonly number[])[], cell: readonly number[]): string {
  return table(['edge', ...NB201_OPS], rows.map((row, e) => [EDGE_NAMES[e] as string, ...row.map((v, k) => `${v.toFixed(3)}${cell[e] === k ? '*' : ''}`)]));
}

function lookupLines(r: DartsRunResult | EnasRunResult): string {
  return `NAS-Bench-201 (200 epochs, mean over seeds): CIFAR-10 test ${r.nb201.c10_test.toFixed(2)}%, CIFAR-100 test ${r.nb201.c100_test.toFixed(2)}% (index ${r.nb201.index})\n`;
}

/** A run's checkpoint file, and whether the run resumes from it. */
type Ck = { readonly checkpoint: string; readonly resuming: boolean };

/** The run's study, stored as it runs (see one-shot-study.ts); a resumed run continues the study of its checkpoint. */
interface Recording {
  readonly store: Store;
  readonly rec: OneShotStudyRecorder;
}

function startRecording(io: CliIO, p: Parsed, c: Common, kind: 'darts' | 'enas', options: Record<string, unknown>, ck: Ck): Recording | undefined {
  if (flag(p, 'no-store')) return undefined;
  const store = openStore(io, str(p, 'db'));
  try {
    const mine = ck.resuming ? store.listStudies().find((r) => isOneShotStrategy(r.spec.strategy) && r.spec.strategyOptions?.checkpoint === ck.checkpoint) : undefined;
    const name = str(p, 'name');
    const rec = mine
      ? OneShotStudyRecorder.reopen(store, mine)
      : OneShotStudyRecorder.start(store, { kind, seed: c.seed, data: c.data, epochs: c.epochs, options, checkpoint: ck.checkpoint, ...(name !== undefined ? { name } : {}) });
    return { store, rec };
  } catch (e) {
    store.close();
    throw e;
  }
}

/**
 * Stores the run's study (Ctrl-C armed before it: see armInterrupt), runs `f` under that Ctrl-C and
 * closes the store after.
 */
async function recorded(
  io: CliIO, p: Parsed, c: Common, kind: 'darts' | 'enas', options: Record<string, unknown>, ck: Ck,
  f: (rec: Recording | undefined, intr: Interrupt) => Promise<number>,
): Promise<number> {
  const intr = armInterrupt(io, kind === 'darts' ? 'DARTS' : 'ENAS');
  try {
    const rec = startRecording(io, p, c, kind, options, ck);
    try {
      return await f(rec, intr);
    } finally {
      rec?.store.close();
    }
  } finally {
    intr.dispose();
  }
}

/** What a DARTS or ENAS checkpoint's run was given, beside it as <checkpoint>.json. */
type ResumeInfo = OneShotRunInfo;

function readResumeInfo<K extends ResumeInfo['kind']>(checkpoint: string, kind: K, startsOver: boolean): Extract<ResumeInfo, { kind: K }> {
  if (!startsOver && !existsSync(checkpoint)) throw new UsageError(`${kind} --resume: no ${kind === 'darts' ? 'DARTS' : 'ENAS'} checkpoint at ${checkpoint}`);
  return readRunInfo(checkpoint, kind);
}

/** --resume's checkpoint, refusing the flags that shape a run; or a new checkpoint's path beside the database. */
function checkpointOf(kind: 'darts' | 'enas', p: Parsed, io: CliIO, seed: () => number): { checkpoint: string; resuming: boolean } {
  const ref = str(p, 'resume');
  if (ref !== undefined) {
    const other = Object.keys(p.values).filter((k) => p.values[k] !== undefined && !RESUME_KEEPS.has(k));
    if (other.length > 0) throw new UsageError(`${kind} --resume continues the run with its own settings: drop ${other.map((k) => `--${k}`).join(', ')}`);
    return { checkpoint: resolve(io.cwd, ref), resuming: true };
  }
  return { checkpoint: newCheckpointPath(dirname(dbPath(io, str(p, 'db'))), kind, seed()), resuming: false };
}

/**
 * Ctrl-C or a failure: the checkpoint of the last epoch stays (with how to continue) and the study is
 * stopped (resumable) or failed. A stored run stopped before its first epoch keeps its study and its
 * settings, as the workbench does: `frontier resume` starts it over; unstored, it leaves nothing.
 */
function onStopped(io: CliIO, p: Parsed, kind: 'darts' | 'enas', c: Ck, done: number, epochs: number, error: unknown, r: Recording | undefined): void {
  const what = kind === 'darts' ? 'DARTS' : 'ENAS';
  const cancelled = error instanceof Cancelled;
  const kept = existsSync(c.checkpoint) && (c.resuming || done > 0);
  if (r && !cancelled) r.rec.failed(error);
  const db = str(p, 'db') !== undefined ? ` --db ${dbPath(io, str(p, 'db'))}` : '';
  if (!kept) {
    if (!c.resuming && !(r && cancelled)) removeCheckpoint(c.checkpoint);
    if (r && cancelled) {
      r.rec.stopped();
      io.err(`${what} stopped before its first epoch ended: study ${r.rec.id} kept (stopped); 'frontier resume ${r.rec.id}${db}' starts it over\n`);
    } else if (cancelled) io.err(`${what} stopped before its first epoch ended: nothing stored\n`);
    return;
  }
  if (r && cancelled) r.rec.stopped();
  const resume = r ? `frontier resume ${r.rec.id}${db} (or: frontier ${kind} --resume ${c.checkpoint}${db})` : `frontier ${kind} --resume ${c.checkpoint}${db}`;
  if (cancelled) io.err(`${what} stopped after epoch ${done}/${epochs}: checkpoint kept at ${c.checkpoint}\ncontinue with: ${resume}\n`);
  else io.err(`the checkpoint of epoch ${done}/${epochs} stays at ${c.checkpoint}\n`);
}

/**
 * Runs a DARTS or ENAS search under Ctrl-C with one progress line per epoch; the epochs a resumed run
 * replays from its checkpoint are not printed again, the first new one says where it resumed. Each
 * epoch is written to the run's study as it ends. Stopped or failed, the checkpoint and the study are
 * handled by onStopped (a resumed run's checkpoint is never removed by a failure).
 * Returns undefined when stopped by Ctrl-C.
 */
async function runEpochs<E extends DartsEpoch | EnasEpoch, R>(
  io: CliIO, p: Parsed, kind: 'darts' | 'enas', ck: Ck, epochs: number, r: Recording | undefined, intr: Interrupt,
  run: (onEpoch: (e: E) => void, token: CancellationToken) => Promise<R>, detail: (e: E) => string,
): Promise<{ result: R } | undefined> {
  const line = progress(io, kind, epochs);
  let done = 0;
  let resumedAt = 0;
  // A write that failed (e.g. the study's lease was taken over) stops the run and is what it reports.
  let lost: unknown;
  try {
    const result = await interruptible(io, kind === 'darts' ? 'DARTS' : 'ENAS', (cts) => run((e) => {
      done = e.epoch;
      try {
        r?.rec.epoch(e);
      } catch (err) {
        lost ??= err;
        cts.cancel();
      }
      if (e.resumed) {
        resumedAt = e.epoch;
        return;
      }
      if (resumedAt > 0 && e.epoch === resumedAt + 1) io.err(`${kind}: resumed after epoch ${resumedAt}/${epochs} from the checkpoint\n`);
      line(e.epoch, detail(e), resumedAt);
    }, cts.token), intr);
    if (lost !== undefined) throw lost;
    return { result };
  } catch (e) {
    const why = lost ?? e;
    onStopped(io, p, kind, ck, done, epochs, why, r);
    if (why instanceof Cancelled) return undefined;
    throw why;
  }
}

/** A new run's settings from the command's flags. */
function readRunInfoOf(kind: 'darts' | 'enas', p: Parsed, io: CliIO): ResumeInfo {
  return readNewRunInfo(kind, cliReader(p), io.cwd);
}

const RESUME_KEEPS = new Set(['resume', 'name', 'db', 'json', 'no-store', 'help']);

/** `startsOver`: `frontier resume` of a study stopped before its first checkpoint (its settings, no checkpoint yet). */
export async function dartsCommand(argv: readonly string[], io: CliIO, startsOver = false): Promise<number> {
  const p = parse('darts', argv, { ...OPTIONS, order: { type: 'string' }, guard: { type: 'boolean' }, 'arch-lr': { type: 'string' }, resume: { type: 'string' } });
  if (flag(p, 'help')) {
    io.out(DARTS_HELP);
    return 0;
  }
  const ck = checkpointOf('darts', p, io, () => common(p, io).seed);
  const { checkpoint } = ck;
  const info = ck.resuming
    ? readResumeInfo(checkpoint, 'darts', startsOver)
    : (readRunInfoOf('darts', p, io) as Extract<ResumeInfo, { kind: 'darts' }>);
  const { common: c, order, guard } = info;
  const data = runSplits(info, io.cwd);
  if (!ck.resuming) writeRunInfo(checkpoint, info);
  if (!flag(p, 'json')) io.err(`DARTS (order ${order}${guard ? ', collapse guard' : ''}) on ${data.source}: ${data.train.y.length} + ${data.val.y.length} examples of ${data.input.join('×')}, ${c.epochs} epochs${ck.resuming ? `, resuming ${checkpoint}` : ''}\n`);
  return recorded(io, p, c, 'darts', studyOptions(info), ck, (rec, intr) => dartsRun(io, p, ck, info, data, rec, intr));
}

async function dartsRun(io: CliIO, p: Parsed, ck: Ck, info: Extract<ResumeInfo, { kind: 'darts' }>, data: ImageSplits, rec: Recording | undefined, intr: Interrupt): Promise<number> {
  const { checkpoint } = ck;
  const run = await runEpochs(io, p, 'darts', ck, info.common.epochs, rec, intr,
    (onEpoch: (e: DartsEpoch) => void, token) => runOneShot(info, data, checkpoint, onEpoch, token),
    (e: DartsEpoch) => `train loss ${e.trainLoss.toFixed(3)}  val acc ${e.valAccuracy.toFixed(3)}  parameter-free ${e.collapse.parameterFreeEdges}/6 edges${e.collapse.collapsed ? ' (collapsed)' : ''}`);
  if (!run) return 130;
  const r: DartsRunResult = run.result;
  rec?.rec.complete(r);
  const id = rec?.rec.id;
  removeCheckpoint(checkpoint);
  if (flag(p, 'json')) {
    io.out(`${JSON.stringify({ study: id ?? null, ...r, alpha: r.alpha, epochs: r.epochs.map((e) => ({ ...e })) }, null, 2)}\n`);
    return 0;
  }
  io.out(`\nsoftmax(alpha) per edge${r.guard ? ` (epoch ${r.guard.keptEpoch}, kept by the guard)` : ''}; * = derived operation\n`);
  io.out(weightTable((r.alpha as Alpha).map((row) => softmax(row)), r.cell));
  const col = r.collapse;
  io.out(`\ncollapse indicator (final alpha): ${col.parameterFreeEdges}/6 edges parameter-free (${col.skipEdges} skip), parameter-free weight ${col.parameterFreeWeight.toFixed(3)}, trend ${r.parameterFreeTrend >= 0 ? '+' : ''}${r.parameterFreeTrend.toFixed(4)}/epoch${col.collapsed ? ' — COLLAPSED (parameter-free operations dominate; try --guard)' : ''}\n`);
  if (r.guard) io.out(`guard: ${r.guard.collapsedAt !== undefined ? `collapse at epoch ${r.guard.collapsedAt}, kept epoch ${r.guard.keptEpoch}` : 'no collapse'}; at most 2 parameter-free edges\n`);
  io.out(`derived cell: ${r.archStr}\n`);
  io.out(lookupLines(r));
  io.out(`${r.epochs.length} epoch${r.epochs.length === 1 ? '' : 's'} in ${formatDuration(r.seconds * 1000)}${id ? `; stored as study ${id} (frontier show ${id})` : ''}\n`);
  return 0;
}

export async function enasCommand(argv: readonly string[], io: CliIO, startsOver = false): Promise<number> {
  const p = parse('enas', argv, {
    ...OPTIONS, 'controller-steps': { type: 'string' }, resume: { type: 'string' }, space: { type: 'string' },
    'stem-stride': { type: 'string' }, 'latency-ms': { type: 'string' }, device: { type: 'string' }, 'latency-weight': { type: 'string' }, 'controller-lr': { type: 'string' },
  });
  if (flag(p, 'help')) {
    io.out(ENAS_HELP);
    return 0;
  }
  const space = str(p, 'space') ?? 'nb201';
  if (space !== 'nb201' && space !== 'mobilenet') throw new UsageError(`enas: --space must be nb201 or mobilenet, got '${space}'`);
  const given = (names: readonly string[]) => names.filter((k) => p.values[k] !== undefined).map((k) => `--${k}`);
  const wrong = given(space === 'mobilenet' ? NB201_ONLY : MOBILENET_ONLY);
  if (wrong.length > 0) throw new UsageError(`enas: ${wrong.join(', ')} ${wrong.length === 1 ? 'is an option' : 'are options'} of --space ${space === 'mobilenet' ? 'nb201' : 'mobilenet'}, not of --space ${space} (see 'frontier enas --help')`);
  if (space === 'mobilenet') return enasMobilenetCommand(p, io, common(p, io), startsOver);
  const ck = checkpointOf('enas', p, io, () => common(p, io).seed);
  const { checkpoint } = ck;
  const info = ck.resuming
    ? readResumeInfo(checkpoint, 'enas', startsOver)
    : (readRunInfoOf('enas', p, io) as Extract<ResumeInfo, { kind: 'enas' }>);
  const { common: c } = info;
  const data = runSplits(info, io.cwd);
  if (!ck.resuming) writeRunInfo(checkpoint, info);
  if (!flag(p, 'json')) io.err(`ENAS on ${data.source}: ${data.train.y.length} + ${data.val.y.length} examples of ${data.input.join('×')}, ${c.epochs} epochs${ck.resuming ? `, resuming ${checkpoint}` : ''}\n`);
  return recorded(io, p, c, 'enas', studyOptions(info), ck, (rec, intr) => enasRun(io, p, ck, info, data, rec, intr));
}

async function enasRun(io: CliIO, p: Parsed, ck: Ck, info: Extract<ResumeInfo, { kind: 'enas' }>, data: ImageSplits, rec: Recording | undefined, intr: Interrupt): Promise<number> {
  const { checkpoint } = ck;
  const run = await runEpochs(io, p, 'enas', ck, info.common.epochs, rec, intr,
    (onEpoch: (e: EnasEpoch) => void, token) => runOneShot(info, data, checkpoint, onEpoch, token),
    (e: EnasEpoch) => `train loss ${e.trainLoss.toFixed(3)}  mean reward ${e.meanReward.toFixed(3)}`);
  if (!run) return 130;
  const r: EnasRunResult = run.result;
  rec?.rec.complete(r);
  const id = rec?.rec.id;
  removeCheckpoint(checkpoint);
  if (flag(p, 'json')) {
    io.out(`${JSON.stringify({ study: id ?? null, ...r }, null, 2)}\n`);
    return 0;
  }
  io.out(`\ncontroller probabilities per edge; * = derived operation\n`);
  io.out(weightTable(r.probabilities, r.cell));
  io.out(`\nderived cell: ${r.archStr} (shared-weight validation accuracy ${r.sharedAccuracy.toFixed(3)})\n`);
  io.out(lookupLines(r));
  io.out(`${r.epochs.length} epoch${r.epochs.length === 1 ? '' : 's'} in ${formatDuration(r.seconds * 1000)}${id ? `; stored as study ${id} (frontier show ${id})` : ''}\n`);
  return 0;
}

/**
 * `frontier resume <id>` of a DARTS or ENAS study: continues its run from the checkpoint the study
 * names (as `--resume FILE`), into the same study; one stopped before its first checkpoint starts
 * over from the beginning (oneShotResumePlan, as the workbench's Resume).
 */
export function resumeOneShotStudy(store: Store, rec: StudyRecord, io: CliIO, o: { readonly db?: string; readonly json: boolean }): Promise<number> {
  let plan;
  try {
    plan = oneShotResumePlan(store, rec);
  } catch (e) {
    throw e instanceof NasError && e.code === 'invalid-input' ? new UsageError(`resume: ${e.message}`) : e;
  }
  if (plan.startsOver) io.err(`${startsOverNotice(rec.id, plan.kind)}\n`);
  return (plan.kind === 'darts' ? dartsCommand : enasCommand)(['--resume', plan.checkpoint, ...(o.db !== undefined ? ['--db', o.db] : []), ...(o.json ? ['--json'] : [])], io, plan.startsOver);
}
