import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NasError } from '../../../shared/errors.js';
import type { StudySpec, TrialRecord } from '../../../shared/types/index.js';
import { latencyMetric } from '../../core/latency/lookup-table.js';
import { MobilenetSpace } from '../../core/spaces/mobilenet.js';
import { readLutFile } from '../../services/devices/lut-evaluator.js';
import { lutPath } from '../../services/devices/profiler.js';
import { exportTflite } from '../../services/export/tflite.js';
import { createStudy } from '../../services/studies.js';
import { isTfjsCheckpoint } from '../../services/train/supernet-tfjs.js';
import { DEFAULT_SUPERNET_DATA, LOCAL_LATENCY, openSupernet, readSupernetMeta, type SupernetEvaluatorSpec } from '../../services/train/supernet-study.js';
import { readSupernetTrainRun, startStoredSupernetTraining, supernetResumeCheckpoint } from '../../services/train/supernet-train-run.js';
import { startsOverNotice, type SettingsReader } from '../../services/train/one-shot-run.js';
import { loadTorch } from '../../services/train/torch-engine.js';
import type { ScoringRound } from '../../../shared/supernet-rounds.js';
import type { StudyRecord } from '../../../shared/types/index.js';
import { flag, formatDuration, list, num, parse, str, type Parsed } from '../args.js';
import { DB_OPTION, dbPath, openStore } from '../common.js';
import { fmt, table } from '../format.js';
import { UsageError, type CliIO } from '../io.js';
import { runWithProgress } from '../run-study.js';
import { finetuneCommand } from './supernet-finetune.js';

export const SUPERNET_HELP = `Usage: frontier supernet train [options]
       frontier supernet search --latency-ms X (--device ID | --table FILE)... [options]
       frontier supernet finetune <study> --top K [--epochs N]   (see its --help)

Once-for-all weight sharing over the mobilenet space: train one supernet (the largest network; every
sub-network uses slices of its weights), then find the best sub-network for each phone under a
latency target in seconds, without retraining. Runs on the native libtorch engine, or on tfjs
(slower, same supernet) where libtorch is missing or with --backend tfjs.

supernet train: trains one random sub-network per step (uniform sampling; or --sandwich N: the
largest, the smallest and N random sub-networks per step, the others learning the largest's
outputs), every dimension elastic from the first step (or --shrink progressive), checkpointing weights and optimizer state every 50 steps and on Ctrl-C; running the same command
again (or 'frontier resume <study>') resumes from the checkpoint. Stored as a study as it trains (the
loss per step; every --score-every steps a round scoring a fixed panel, the largest, the smallest and
--score-sampled sub-networks drawn once, with that step's shared weights after BatchNorm
recalibration, on a copy: the training is exactly as without; then the largest, the smallest and 4
sampled sub-networks scored with the trained weights), shown live by the workbench.
  --data REF            dataset (default ${DEFAULT_SUPERNET_DATA})
  --val N               validation examples held out (default 1000)
  --max-train N         training examples at most (default 10000; 0: all)
  --steps N             optimizer steps in all (default 6000)
  --batch-size N        (default 64)
  --lr X                (default 0.003, cosine decay)
  --optimizer adam|sgd  (default adam)
  --sandwich uniform|N  uniform (default): one random sub-network per step; N: the largest, the
                        smallest and N random ones per step (in-place distillation). At equal
                        compute (4× the steps) uniform trained the mixed sub-networks a search
                        picks far better (20 random: 0.81–0.84 val against 0.69–0.77) while the
                        sandwich rule favours exactly the largest and smallest (bench/RESULTS.md
                        one-shot)
  --shrink none|progressive
                        none (default): every dimension elastic from the first step; progressive:
                        the largest alone for the first 20% of the steps, then elastic kernels,
                        depths, then everything (once-for-all's progressive shrinking; under one
                        cosine schedule it leaves the mixed sub-networks few steps at a low rate:
                        bench/RESULTS.md one-shot)
  --score-every N       steps between scoring rounds (default: every 10% of the steps, at
                        least 50; 0: none)
  --score-sampled N     random sub-networks in the panel besides largest and smallest (default 4)
  --stem-stride 1|2     (default 2: quarter-size activations, fast on a CPU)
  --backend torch|tfjs  the engine (default torch when built, else tfjs); a checkpoint resumes
                        on the engine that wrote it (search reads either)
  --threads N           intra-op threads of libtorch (default: CPU cores, at most 4)
  --seed N              (default 0)
  --out FILE            the checkpoint (default: supernets/mobilenet-s<seed>.ckpt beside the database);
                        <FILE>.json records what it was trained on

supernet search: one stored search per device (regularized evolution over sub-networks scored with
the shared weights after BatchNorm recalibration; objectives val_accuracy max, latency min; the
latency constraint applied before scoring), then the best sub-network of each device under the target.
  --latency-ms X        the latency target (ms), required
  --device ID           a phone with a latency table ('frontier device profile ID --space mobilenet';
                        the table beside the database), or 'local' (timed here, libtorch CPU);
                        repeatable
  --table FILE          a latency table file (its device id is inside); repeatable
  --supernet FILE       the checkpoint (default: that of 'supernet train' with --seed)
  --evals N             sub-networks scored per device (default 300)
  --strategy NAME       (default evolution)
  --export DIR          write each device's best sub-network as DIR/<device>.tflite
  --seed N, --db PATH, --json
`;

const OPTIONS = {
  ...DB_OPTION,
  data: { type: 'string' }, val: { type: 'string' }, 'max-train': { type: 'string' }, steps: { type: 'string' }, 'batch-size': { type: 'string' },
  lr: { type: 'string' }, optimizer: { type: 'string' }, sandwich: { type: 'string' }, shrink: { type: 'string' }, 'score-every': { type: 'string' }, 'score-sampled': { type: 'string' }, 'stem-stride': { type: 'string' }, threads: { type: 'string' },
  seed: { type: 'string' }, out: { type: 'string' }, backend: { type: 'string' }, 'latency-ms': { type: 'string' }, device: { type: 'string', multiple: true }, table: { type: 'string', multiple: true },
  supernet: { type: 'string' }, evals: { type: 'string' }, strategy: { type: 'string' }, export: { type: 'string' }, json: { type: 'boolean' },
} as const;

function defaultCheckpoint(io: CliIO, p: Parsed, seed: number): string {
  return path.join(path.dirname(dbPath(io, str(p, 'db'))), 'supernets', `mobilenet-s${seed}.ckpt`);
}

function requireTorch(): void {
  const t = loadTorch();
  if (typeof t === 'string') throw new NasError('device-unavailable', `supernet: ${t}`);
}

/** A progress bar on a terminal, a line every 10% otherwise (stderr). */
function progressLine(io: CliIO, label: string): (done: number, total: number, detail: string, startDone: number, startedAt: number) => void {
  let lastTenth = -1;
  let lastDraw = 0;
  return (done, total, detail, startDone, startedAt) => {
    const f = done / total;
    const elapsed = Date.now() - startedAt;
    const eta = done > startDone ? (elapsed * (total - done)) / (done - startDone) : NaN;
    if (io.isTTY) {
      if (Date.now() - lastDraw < 100 && done < total) return;
      lastDraw = Date.now();
      const width = Math.max(10, Math.min(30, io.columns - 70));
      const fill = Math.round(f * width);
      io.err(`\r${label} ${'█'.repeat(fill)}${'░'.repeat(width - fill)} ${String(Math.floor(f * 100)).padStart(3)}%  ${detail}  ETA ${done >= total ? '0s' : formatDuration(eta)}\x1b[K${done >= total ? '\n' : ''}`);
    } else if (Math.floor(f * 10) > lastTenth) {
      lastTenth = Math.floor(f * 10);
      io.err(`${label} ${Math.floor(f * 100)}% ${detail} elapsed ${formatDuration(elapsed)} eta ${done >= total ? '0s' : formatDuration(eta)}\n`);
    }
  };
}

async function trainCommand(p: Parsed, io: CliIO): Promise<number> {
  const reader: SettingsReader = { text: (name) => str(p, name), flag: (name) => flag(p, name), label: (name) => `--${name}` };
  const run = readSupernetTrainRun(reader, {
    cwd: io.cwd,
    checkpoint: (seed) => (str(p, 'out') !== undefined ? path.resolve(io.cwd, str(p, 'out') as string) : defaultCheckpoint(io, p, seed)),
    warn: (m) => io.err(`${m}\n`),
  });
  const out = run.checkpoint;
  // The study of this training, stored as it trains (a stopped or killed one is continued).
  const store = openStore(io, str(p, 'db'));
  const show = progressLine(io, 'supernet');
  const startedAt = Date.now();
  let startStep = -1;
  let training: ReturnType<typeof startStoredSupernetTraining> | undefined;
  // Ctrl-C is handled from before the study is stored (without a listener a signal kills the process
  // outright, leaving the study 'running'); one that comes before the training starts stops it at once.
  let interrupted = false;
  const onSigint = () => {
    io.err('\nstopping: writing the checkpoint…\n');
    interrupted = true;
    training?.cancel();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  try {
    training = startStoredSupernetTraining(store, run, {
      onStart: (x) => io.err(`${x.resuming ? `resuming the supernet at ${out} from its checkpoint` : `training a supernet of the mobilenet space (${x.paramCount} weights) into ${out}`} on ${run.backend}: ${x.trainImages} training images of ${run.data}, ${x.input.join('×')}, ${x.classes} classes\n`),
      onStep: (pr, latest) => {
        if (startStep < 0) startStep = pr.step - 5;
        show(pr.step, pr.steps, `step ${pr.step}/${pr.steps} loss ${pr.loss.toFixed(3)}${roundText(latest)}`, startStep, startedAt);
      },
    });
  } catch (e) {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    store.close();
    throw e;
  }
  if (interrupted) training.cancel();
  try {
    const o = await training.done;
    if (o.status === 'stopped') {
      io.err(`supernet train: ${o.message}; run the same command again, or 'frontier resume ${training.id}', to resume\n`);
      return 130;
    }
    if (o.status === 'failed') throw o.error;
    const r = o.result;
    const rows = o.scored.map((x) => [x.name, x.architecture.key, x.valAccuracy.toFixed(4)]);
    if (flag(p, 'json')) {
      io.out(JSON.stringify({ checkpoint: out, steps: r.steps, resumedFrom: r.resumedFrom ?? null, seconds: r.seconds, loss: r.loss, extremes: rows.map(([n, k, acc]) => ({ name: n, architecture: k, valAccuracy: Number(acc) })) }, null, 2) + '\n');
    } else {
      io.out(`supernet trained: ${r.steps} steps${r.resumedFrom !== undefined ? ` (resumed at ${r.resumedFrom})` : ''} in ${formatDuration(r.seconds * 1000)}, last loss ${r.loss.toFixed(3)}\n`);
      io.out(table(['sub-network', 'architecture', 'val_accuracy (shared weights)'], rows) + '\n');
      io.out(`checkpoint: ${out}\nsearch it: frontier supernet search --supernet ${out} --device local --latency-ms 5\n`);
    }
    return 0;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    store.close();
  }
}

/** The latest scoring round, briefly, for the progress line. */
function roundText(r: ScoringRound | undefined): string {
  if (!r) return '';
  const acc = (label: string) => r.subnets.find((s) => s.label === label)?.valAccuracy.toFixed(3) ?? '?';
  return ` · @${r.step} largest ${acc('largest')} smallest ${acc('smallest')}`;
}

/**
 * `frontier resume <id>` of a supernet training study: 'supernet train' again with its settings and
 * checkpoint (the training continues from the checkpoint's step, into the same study).
 */
export function resumeSupernetTraining(rec: StudyRecord, io: CliIO, o: { readonly db?: string; readonly json: boolean }): Promise<number> {
  const opt = rec.spec.strategyOptions ?? {};
  let ck;
  try {
    ck = supernetResumeCheckpoint(rec);
  } catch (e) {
    throw e instanceof NasError && e.code === 'invalid-input' ? new UsageError(`resume: ${e.message}`) : e;
  }
  const { checkpoint } = ck;
  if (ck.startsOver) io.err(`${startsOverNotice(rec.id, 'supernet training')}\n`);
  const args = ['train', '--out', checkpoint, '--steps', String(rec.spec.budget.evals), '--data', String(opt.data), '--seed', String(rec.spec.seed),
    // A study from before --shrink was trained with progressive shrinking, then the only schedule.
    '--shrink', String(opt.shrink ?? 'progressive'),
    ...(['val', 'maxTrain', 'stemStride', 'batchSize', 'lr', 'optimizer', 'sandwich', 'backend', 'threads', 'scoreEvery', 'scoreSampled'] as const).flatMap((k) => {
      const flagName = { val: 'val', maxTrain: 'max-train', stemStride: 'stem-stride', batchSize: 'batch-size', lr: 'lr', optimizer: 'optimizer', sandwich: 'sandwich', backend: 'backend', threads: 'threads', scoreEvery: 'score-every', scoreSampled: 'score-sampled' }[k];
      return opt[k] === undefined ? [] : [`--${flagName}`, String(opt[k])];
    }),
    ...(o.db !== undefined ? ['--db', o.db] : []), ...(o.json ? ['--json'] : [])];
  return supernetCommand(args, io);
}

/** The best complete trial within the target: highest val_accuracy among those meeting the constraint. */
function bestUnder(trials: readonly TrialRecord[], metric: string, ms: number): TrialRecord | undefined {
  let best: TrialRecord | undefined;
  for (const t of trials) {
    const l = t.metrics[metric];
    const acc = t.metrics.val_accuracy;
    if (l === undefined || acc === undefined || l > ms) continue;
    if (!best || acc > (best.metrics.val_accuracy as number)) best = t;
  }
  return best;
}

async function searchCommand(p: Parsed, io: CliIO): Promise<number> {
  const ms = num(p, 'latency-ms', { min: 0 });
  if (ms === undefined) throw new UsageError(`supernet search: give the latency target --latency-ms X (see 'frontier supernet --help')`);
  const seed = num(p, 'seed', { integer: true, min: 0 }) ?? 0;
  const checkpoint = str(p, 'supernet') !== undefined ? path.resolve(io.cwd, str(p, 'supernet') as string) : defaultCheckpoint(io, p, seed);
  const meta = readSupernetMeta(checkpoint);
  // A tfjs checkpoint is searched on tfjs; libtorch is needed for the native one, and to time sub-networks here (--device local).
  if (!isTfjsCheckpoint(checkpoint)) requireTorch();
  else if (list(p, 'device').includes('local')) {
    const t = loadTorch();
    if (typeof t === 'string') throw new NasError('device-unavailable', `supernet search: --device local times each sub-network with libtorch, which is not available (${t}); give a latency table instead (--device ID or --table FILE)`);
  }
  const db = dbPath(io, str(p, 'db'));
  const devices: { id: string; table?: string }[] = [];
  for (const d of list(p, 'device')) {
    if (d === 'local') devices.push({ id: 'local' });
    else {
      const file = lutPath(db, d);
      if (!existsSync(file)) throw new UsageError(`supernet search: no latency table of ${d} at ${file}; build it with 'frontier device profile ${d} --space mobilenet' (or give --table FILE)`);
      devices.push({ id: d, table: file });
    }
  }
  for (const f of list(p, 'table')) {
    const file = path.resolve(io.cwd, f);
    devices.push({ id: readLutFile(file).table.deviceId, table: file });
  }
  if (devices.length === 0) throw new UsageError(`supernet search: give at least one --device ID (a phone with a latency table, or 'local') or --table FILE`);
  const evals = num(p, 'evals', { integer: true, min: 1 }) ?? 300;
  const json = flag(p, 'json');
  const store = openStore(io, str(p, 'db'));
  const results: { device: string; study: string; metric: string; best?: TrialRecord }[] = [];
  try {
    for (const d of devices) {
      const metric = d.id === 'local' ? LOCAL_LATENCY : latencyMetric(d.id);
      const evaluator: SupernetEvaluatorSpec = { kind: 'supernet', checkpoint, ...(d.table ? { tables: { [d.id]: d.table } } : { local: true }) };
      const spec: StudySpec = {
        name: `supernet ${d.id} ≤ ${ms} ms`,
        space: 'mobilenet',
        spaceOptions: meta.spaceOptions,
        strategy: str(p, 'strategy') ?? 'evolution',
        strategyOptions: {},
        objectives: [{ metric: 'val_accuracy', direction: 'max' }, { metric, direction: 'min' }],
        constraints: [{ metric, op: '<=', value: ms }],
        report: ['params', 'flops'],
        budget: { evals },
        seed,
        evaluator: evaluator as unknown as StudySpec['evaluator'],
      };
      const rec = createStudy(store, spec, undefined, (w) => io.err(`frontier: warning: ${w}\n`));
      if (!json) io.err(`study ${rec.id}: best sub-network for ${d.id} under ${ms} ms (${evals} sub-networks scored with the shared weights of ${checkpoint})\n`);
      // With --json only the summary below goes to stdout.
      const code = await runWithProgress(json ? { ...io, out: () => undefined } : io, store, rec.id, false);
      if (code !== 0) return code;
      results.push({ device: d.id, study: rec.id, metric, best: bestUnder(store.getTrials(rec.id, { states: ['complete'] }), metric, ms) });
    }
  } finally {
    store.close();
  }
  const exportDir = str(p, 'export') !== undefined ? path.resolve(io.cwd, str(p, 'export') as string) : undefined;
  if (exportDir) {
    mkdirSync(exportDir, { recursive: true });
    const { supernet } = openSupernet(checkpoint);
    const space = new MobilenetSpace(meta.spaceOptions);
    try {
      for (const r of results) {
        if (!r.best) continue;
        const a = space.freeze(r.best.sample as number[]);
        await supernet.evaluate(a); // its own BatchNorm statistics
        const file = path.join(exportDir, `${r.device.replace(/[^A-Za-z0-9_.-]+/g, '_')}.tflite`);
        writeFileSync(file, exportTflite(supernet.graph(a), supernet.subnetWeights(a), { softmax: true }).bytes);
        io.err(`${r.device}: ${file}\n`);
      }
    } finally {
      supernet.dispose();
    }
  }
  if (json) {
    io.out(JSON.stringify({ latencyMs: ms, supernet: checkpoint, best: results.map((r) => ({ device: r.device, study: r.study, architecture: r.best?.key ?? null, valAccuracy: r.best?.metrics.val_accuracy ?? null, latencyMs: r.best?.metrics[r.metric] ?? null })) }, null, 2) + '\n');
  } else {
    io.out(`\nbest sub-network per device under ${ms} ms (shared weights, no retraining):\n`);
    io.out(table(['device', 'study', 'architecture', 'val_accuracy', 'latency ms'], results.map((r) => [r.device, r.study, r.best?.key ?? '(none under the target)', fmt(r.best?.metrics.val_accuracy), fmt(r.best?.metrics[r.metric])])) + '\n');
  }
  return 0;
}

export async function supernetCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h' || sub === 'help') {
    io.out(SUPERNET_HELP);
    return 0;
  }
  if (sub === 'finetune') return finetuneCommand(rest, io);
  if (sub !== 'train' && sub !== 'search') throw new UsageError(`supernet: unknown subcommand '${sub}' (train, search or finetune; see 'frontier supernet --help')`);
  const p = parse(`supernet ${sub}`, rest, OPTIONS);
  if (flag(p, 'help')) {
    io.out(SUPERNET_HELP);
    return 0;
  }
  return sub === 'train' ? trainCommand(p, io) : searchCommand(p, io);
}

