/**
 * `frontier enas --space mobilenet`: ENAS over the mobilenet space's sub-networks with the native
 * once-for-all supernet as the shared weights (services/train/enas-mobilenet.ts). Called by
 * enasCommand (one-shot.ts) once it has parsed and checked the options.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Cancelled, NasError } from '../../../shared/errors.js';
import type { StudyRecord } from '../../../shared/types/index.js';
import { MobilenetSpace } from '../../core/spaces/mobilenet.js';
import { lutPath } from '../../services/devices/profiler.js';
import type { ImageSplits } from '../../services/train/nb201-one-shot.js';
import { checkEnasMobilenetCheckpoint, type EnasLatencyReward, type EnasMobilenetEpoch, type EnasMobilenetResult } from '../../services/train/enas-mobilenet.js';
import {
  enasMobilenetSplits, latencyReward, newEnasMobilenetCheckpoint, openEnasMobilenetStudy, readEnasMobilenetRunInfo, readLatencySettings,
  enasMobilenetResumePlan, readNewEnasMobilenetRun, runEnasMobilenetStudy, settleEnasMobilenet, writeEnasMobilenetRunInfo, type EnasMobilenetRunInfo,
} from '../../services/train/enas-mobilenet-run.js';
import { startsOverNotice, type SettingsReader } from '../../services/train/one-shot-run.js';
import type { OneShotStudyRecorder } from '../../services/train/one-shot-study.js';
import type { Store } from '../../core/store.js';
import { flag, formatDuration, str, type Parsed } from '../args.js';
import { dbPath, openStore } from '../common.js';
import { table } from '../format.js';
import { UsageError, type CliIO } from '../io.js';
import type { Common } from './one-shot.js';
import { armInterrupt, interruptible, progress, type Interrupt } from './one-shot-progress.js';

/** Options only the mobilenet space takes, and those only the NB201 cell takes. */
export const MOBILENET_ONLY = ['stem-stride', 'latency-ms', 'device', 'latency-weight', 'controller-lr'] as const;
export const NB201_ONLY = ['channels', 'cells'] as const;

export const ENAS_MOBILENET_HELP = `--space mobilenet: ENAS over the mobilenet space's sub-networks (depth and width per stage;
kernel, expansion and squeeze-excite per block). The shared weights are a once-for-all supernet
(native libtorch); each shared-weight step trains the sub-network the controller sampled, and the
controller's reward is a sampled sub-network's accuracy with the shared weights on the validation
split's first 256 examples, after BatchNorm recalibration on 2 training batches. Prints one line per
epoch (mean reward, best so far), the controller's policy, the derived architecture (its most
probable sub-network), that sub-network's shared-weight accuracy on the whole validation split,
params and FLOPs. Stored as a study as it runs (each epoch's rewards, baseline, policy entropy,
the controller's probabilities and the derived architecture with its shared-weight accuracy).
Every epoch writes a checkpoint (the supernet's weights and statistics, the shared weights' SGD
momentum, the controller's state and RNG, the epochs' records) to enas/ beside the database.
Ctrl-C (or a kill) keeps the checkpoint and 'frontier resume <study>' (or --resume FILE
with --space mobilenet) continues the run, ending exactly as one never stopped; the checkpoint is
removed once the run has ended. Takes the options above but --channels and --cells, and:
  --controller-steps N     controller updates per epoch (default 10), of 8 sub-networks each
  --controller-lr X        the controller's REINFORCE step size (default 0.1)
  --stem-stride 1|2        stride of the stem (default 1; 2 quarters every activation)
  --latency-ms X           hardware-aware reward (MnasNet): accuracy · (latency / X)^w, the latency
  --device ID              from ID's lookup table ('frontier device profile ID --space mobilenet')
  --latency-weight W       w (default -0.07)
`;

function policyTable(space: MobilenetSpace, r: EnasMobilenetResult): string {
  const s = r.architecture.sample;
  const rows = space.dims.flatMap((d, i) => {
    if (!space.isActive(s, i)) return [];
    const p = r.probabilities[i] as number[];
    return [[d.name, String(d.choices[s[i] as number]), p.map((v) => v.toFixed(2)).join(' ')]];
  });
  return table(['decision', 'derived', 'probabilities (choice order)'], rows);
}

type ResumeInfo = EnasMobilenetRunInfo;

/** The flags --resume may be given with (the run's own settings come from its checkpoint). */
const RESUME_KEEPS = new Set(['resume', 'space', 'name', 'db', 'json', 'no-store', 'help']);

function readResumeInfo(checkpoint: string, startsOver: boolean): ResumeInfo {
  if (!startsOver && !existsSync(checkpoint)) throw new UsageError(`enas --resume: no ENAS checkpoint at ${checkpoint}`);
  return readEnasMobilenetRunInfo(checkpoint);
}

/** The command's flags as the settings of a run (errors name the flag: `--epochs must be …`). */
function cliReader(p: Parsed): SettingsReader {
  return { text: (name) => str(p, name), flag: (name) => flag(p, name), label: (name) => `--${name}` };
}

/** The study of this checkpoint's run (a resumed run continues it), or a new one; undefined with --no-store. */
interface Recording {
  readonly store: Store;
  readonly rec: OneShotStudyRecorder;
}

function startRecording(io: CliIO, p: Parsed, info: ResumeInfo, checkpoint: string, resuming: boolean): Recording | undefined {
  if (flag(p, 'no-store')) return undefined;
  const store = openStore(io, str(p, 'db'));
  try {
    return { store, rec: openEnasMobilenetStudy(store, info, checkpoint, { resuming, name: str(p, 'name') }) };
  } catch (e) {
    store.close();
    throw e;
  }
}

/** --resume's checkpoint and its run's settings, or a new run's settings from the flags and its checkpoint's path beside the database. */
function settingsOf(p: Parsed, io: CliIO, c: Common, startsOver: boolean): { info: ResumeInfo; checkpoint: string; resuming: boolean } {
  const ref = str(p, 'resume');
  if (ref !== undefined) {
    const other = Object.keys(p.values).filter((k) => p.values[k] !== undefined && !RESUME_KEEPS.has(k));
    if (other.length > 0) throw new UsageError(`enas --resume continues the run with its own settings: drop ${other.map((k) => `--${k}`).join(', ')}`);
    const checkpoint = resolve(io.cwd, ref);
    return { info: readResumeInfo(checkpoint, startsOver), checkpoint, resuming: true };
  }
  const info = readNewEnasMobilenetRun(cliReader(p), c);
  return { info, checkpoint: newEnasMobilenetCheckpoint(dirname(dbPath(io, str(p, 'db'))), c.seed), resuming: false };
}

/** `startsOver`: `frontier resume` of a study stopped before its first checkpoint (its settings, no checkpoint yet). */
export async function enasMobilenetCommand(p: Parsed, io: CliIO, flags: Common, startsOver = false): Promise<number> {
  const space = new MobilenetSpace();
  const { info, checkpoint, resuming } = settingsOf(p, io, flags, startsOver);
  const c = info.common;
  // A new run's flags are checked by latencyReward; a resumed run's come from its settings file.
  const lat = latencyReward(resuming ? info.latency : readLatencySettings(cliReader(p)), (device) => lutPath(dbPath(io, str(p, 'db')), device), space);
  const json = flag(p, 'json');
  const data = enasMobilenetSplits(info, io.cwd);
  if (!resuming) writeEnasMobilenetRunInfo(checkpoint, info);
  // A damaged checkpoint is refused before its study is touched (it stays as it was, resumable once the file is back).
  else if (!startsOver) checkEnasMobilenetCheckpoint(checkpoint);
  const rewardText = lat ? ` × (latency on ${lat.device} / ${lat.reward.targetMs} ms)^${lat.reward.weight ?? -0.07}` : '';
  if (!json) io.err(`ENAS on the mobilenet space, ${data.source}: ${data.train.y.length} + ${data.val.y.length} examples of ${data.input.join('×')}, ${c.epochs} epochs; reward: shared-weight accuracy (BatchNorm recalibrated)${rewardText}${resuming ? `; resuming ${checkpoint}` : ''}\n`);
  const intr = armInterrupt(io, 'ENAS');
  try {
    const recording = startRecording(io, p, info, checkpoint, resuming);
    try {
      return await run(io, p, space, { info, checkpoint, resuming }, data, lat, recording, intr);
    } finally {
      recording?.store.close();
    }
  } finally {
    intr.dispose();
  }
}

async function run(
  io: CliIO, p: Parsed, space: MobilenetSpace, ck: { info: ResumeInfo; checkpoint: string; resuming: boolean }, data: ImageSplits,
  lat: { reward: EnasLatencyReward; device: string } | undefined, recording: Recording | undefined, intr: Interrupt,
): Promise<number> {
  const rec = recording?.rec;
  const { info, checkpoint, resuming } = ck;
  const c = info.common;
  const json = flag(p, 'json');
  const line = progress(io, 'enas', c.epochs);
  let resumedAt = 0;
  const end = await interruptible(io, 'ENAS', (cts) => runEnasMobilenetStudy({ info, checkpoint, data, latency: lat, space }, rec, cts, (e: EnasMobilenetEpoch) => {
    if (e.resumed) {
      resumedAt = e.epoch;
      return;
    }
    if (resumedAt > 0 && e.epoch === resumedAt + 1) io.err(`enas: resumed after epoch ${resumedAt}/${c.epochs} from the checkpoint\n`);
    line(e.epoch, `train loss ${e.trainLoss.toFixed(3)}  mean reward ${e.meanReward.toFixed(3)}  best so far ${e.bestReward.toFixed(3)}  policy entropy ${e.entropy.toFixed(2)}  derived ${e.derivedAccuracy.toFixed(3)}`, resumedAt);
  }), intr);
  if (end.status !== 'complete') {
    stopped(io, p, checkpoint, resuming, end.done, c.epochs, end.error, recording);
    if (end.error instanceof Cancelled) return 130;
    throw end.error;
  }
  const r = end.result;
  const id = rec?.id;
  if (json) {
    const probabilities = Object.fromEntries(space.dims.map((d, i) => [d.name, r.probabilities[i]]));
    io.out(`${JSON.stringify({ study: id ?? null, ...r, architecture: r.architecture.key, sample: r.architecture.sample, probabilities }, null, 2)}\n`);
    return 0;
  }
  io.out(`\ncontroller's policy on the derived architecture's decisions\n${policyTable(space, r)}`);
  io.out(`\nderived architecture (the controller's argmax): ${r.architecture.key}\n`);
  io.out(`shared-weight validation accuracy ${r.sharedAccuracy.toFixed(3)} (${data.val.y.length} examples), params ${r.params.toLocaleString('en-US')}, FLOPs ${r.flops.toLocaleString('en-US')}`
    + `${r.latencyMs !== undefined ? `, latency ${r.latencyMs.toFixed(2)} ms on ${lat?.device} (lookup table), reward ${(r.reward as number).toFixed(3)}` : ''}\n`);
  io.out(`${r.epochs.length} epoch${r.epochs.length === 1 ? '' : 's'} in ${formatDuration(r.seconds * 1000)}${id ? `; stored as study ${id} (frontier show ${id})` : ''}\n`);
  return 0;
}

/**
 * Ctrl-C or a failure: the checkpoint of the last finished epoch stays (with how to continue) and the
 * study is stopped (resumable) or failed. A stored run stopped before its first epoch keeps its study
 * and its settings, as the workbench does (`frontier resume` starts it over); unstored, it leaves nothing.
 */
function stopped(io: CliIO, p: Parsed, checkpoint: string, resuming: boolean, done: number, epochs: number, error: unknown, recording: Recording | undefined): void {
  const rec = recording?.rec;
  const cancelled = error instanceof Cancelled;
  const db = str(p, 'db') !== undefined ? ` --db ${dbPath(io, str(p, 'db'))}` : '';
  if (!settleEnasMobilenet({ store: recording?.store, rec, checkpoint, resuming, done, error, dropEmpty: rec === undefined })) {
    if (cancelled && rec) io.err(`ENAS stopped before its first epoch ended: study ${rec.id} kept (stopped); 'frontier resume ${rec.id}${db}' starts it over\n`);
    else if (cancelled) io.err('ENAS stopped before its first epoch ended: nothing stored\n');
    return;
  }
  const resume = rec ? `frontier resume ${rec.id}${db} (or: frontier enas --space mobilenet --resume ${checkpoint}${db})` : `frontier enas --space mobilenet --resume ${checkpoint}${db}`;
  if (cancelled) io.err(`ENAS stopped after epoch ${done}/${epochs}: checkpoint kept at ${checkpoint}\ncontinue with: ${resume}\n`);
  else io.err(`the checkpoint of epoch ${done}/${epochs} stays at ${checkpoint}\n`);
}

/**
 * `frontier resume <id>` of an ENAS study of the mobilenet space: the `frontier enas` arguments that
 * continue its run from the checkpoint the study names, into the same study, and whether it starts
 * over (stopped before its first checkpoint; enasMobilenetResumePlan, as the workbench's Resume).
 */
export function enasMobilenetResume(store: Store, rec: StudyRecord, io: CliIO, o: { readonly db?: string; readonly json: boolean }): { args: string[]; startsOver: boolean } {
  let plan;
  try {
    plan = enasMobilenetResumePlan(store, rec);
  } catch (e) {
    throw e instanceof NasError && e.code === 'invalid-input' ? new UsageError(`resume: ${e.message}`) : e;
  }
  if (plan.startsOver) io.err(`${startsOverNotice(rec.id, 'ENAS')}\n`);
  return { args: ['--space', 'mobilenet', '--resume', plan.checkpoint, ...(o.db !== undefined ? ['--db', o.db] : []), ...(o.json ? ['--json'] : [])], startsOver: plan.startsOver };
}
