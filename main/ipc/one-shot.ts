/**
 * The `oneShot` namespace and the one-shot runs of this process (issue #12): DARTS/ENAS on the NB201
 * cell, ENAS on the mobilenet space and a supernet's training on the mobilenet space. The New search
 * form starts them here, in the main (engine) process, through the services `frontier darts|enas`
 * and `frontier supernet train` use (services/train/one-shot-run.ts, enas-mobilenet-run.ts,
 * supernet-train-run.ts: the same settings tables, runDarts/runEnas/runEnasMobilenet and the
 * supernet engine, the same study records and checkpoint files), so the workbench's live
 * panels, `frontier show` and `frontier resume` all see the same thing. `study.stop` of such a run
 * cancels it (it ends `stopped`, its checkpoint kept) and `study.resume` continues it from there.
 */
import { dirname, join } from 'node:path';
import { errorMessage, NasError } from '../../shared/errors.js';
import type { NasApi, OneShotRunInfo, OneShotStartRequest, StudyId } from '../../shared/ipc/contract.js';
import { s } from '../../shared/ipc/schema.js';
import type { Disposable } from '../core/lifecycle.js';
import type { Store } from '../core/store.js';
import { DEFAULT_DATASET } from '../services/data/builtin.js';
import { lutPath } from '../services/devices/profiler.js';
import {
  ENAS_MOBILENET_SETTINGS, enasMobilenetSettingsInfo, newEnasMobilenetCheckpoint, readEnasMobilenetForm, resumeStoredEnasMobilenet, startStoredEnasMobilenet,
} from '../services/train/enas-mobilenet-run.js';
import {
  formReader, newCheckpointPath, oneShotSettingsInfo, readNewRunInfo, resumeStoredOneShot, settingsReader, startStoredOneShot,
} from '../services/train/one-shot-run.js';
import {
  readSupernetTrainRun, startStoredSupernetTraining, studyReader, supernetResumeCheckpoint, SUPERNET_SETTINGS, supernetSettingsInfo,
} from '../services/train/supernet-train-run.js';
import { SUPERNET_TRAIN } from '../services/train/supernet-train-study.js';
import type { StudyRecord } from '../../shared/types/index.js';
import type { ServiceSchemas } from './server.js';
import type { RunnerListener } from './study-runner.js';

type RunnerStatusListener = Pick<RunnerListener, 'onStatus' | 'onProgress'>;

type Kind = OneShotStartRequest['kind'];

const TITLES: Record<Kind, { title: string; summary: string }> = {
  darts: {
    title: 'DARTS on the NB201 cell',
    summary: 'A network whose cell edges mix the five NAS-Bench-201 operations with softmax(alpha) weights; weights and alpha trained in alternation, then discretised. The derived cell is scored in the NAS-Bench-201 table.',
  },
  enas: {
    title: 'ENAS on the NB201 cell',
    summary: 'One shared-weight network; a REINFORCE controller samples cells and learns from their validation accuracy. The derived cell is scored in the NAS-Bench-201 table.',
  },
  'enas-mobilenet': {
    title: 'ENAS on the mobilenet space',
    summary: "A once-for-all supernet as the shared weights; a REINFORCE controller samples sub-networks (depth and width per stage; kernel, expansion and squeeze-excite per block) and learns from their shared-weight accuracy. The derived sub-network is the controller's most probable one.",
  },
  supernet: {
    title: 'Supernet training on the mobilenet space',
    summary: 'Once-for-all weight sharing: one supernet trained on one random sub-network per step (every sub-network uses slices of its weights), a panel of sub-networks scored as it trains, then the largest, the smallest and a few sampled ones scored with the trained weights.',
  },
};

/**
 * What the form starts with: DARTS's and ENAS's defaults are short on the built-in data (10 epochs
 * of 2,000 images: under a minute); a supernet's 6,000 steps over 10,000 images take minutes on a
 * laptop's CPU, so the form offers 1,200 steps over 3,000 images first; ENAS on the mobilenet space
 * (a supernet step per batch, its sub-networks scored for each reward) 4 epochs over 512 images
 * with quarter-size activations.
 */
const SUGGESTED: Record<Kind, Record<string, string>> = {
  darts: {}, enas: {}, 'enas-mobilenet': { epochs: '4', train: '512', val: '256', 'controller-steps': '4', 'stem-stride': '2' }, supernet: { steps: '1200', 'max-train': '3000' },
};

/** A run of this process, whatever its kind: how to stop it and when it has ended. */
interface Running {
  readonly id: string;
  cancel(): void;
  readonly done: Promise<{ status: 'complete' | 'stopped' | 'failed'; error?: string }>;
}

/**
 * The one-shot runs going on in this process, one per study. `dataDir` holds the checkpoints of
 * those started here (`<dataDir>/darts/…`, `supernets/…`, as the CLI keeps them beside the
 * database); without it none can be started here (a stored one is resumed from its own checkpoint).
 */
export class OneShotRuns implements Disposable {
  private readonly running = new Map<string, Running>();

  constructor(
    private readonly store: Store,
    private readonly listener: RunnerStatusListener,
    private readonly dataDir: string | undefined,
  ) {}

  isActive(id: string): boolean {
    return this.running.has(id);
  }

  /** Whether `study.resume` of this study is for this class (DARTS/ENAS on the NB201 cell, ENAS on the mobilenet space, a supernet's training). */
  static handles(rec: StudyRecord): boolean {
    return ((rec.spec.strategy === 'darts' || rec.spec.strategy === 'enas') && rec.spec.space === 'nb201') || (rec.spec.strategy === 'enas' && rec.spec.space === 'mobilenet') || rec.spec.strategy === SUPERNET_TRAIN;
  }

  start(req: OneShotStartRequest): StudyId {
    const dir = this.requireDir();
    const name = req.name?.trim();
    if (req.kind === 'supernet') {
      const reader = settingsReader('supernet', ['data', ...SUPERNET_SETTINGS], req.settings);
      // A new training of its own (a checkpoint of the same seed from before is not taken over).
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
      const run = readSupernetTrainRun(reader, { cwd: process.cwd(), checkpoint: (seed) => join(dir, 'supernets', `mobilenet-s${seed}-${stamp}-${Math.random().toString(36).slice(2, 6)}.ckpt`), warn: () => undefined });
      return this.startSupernet(run, name);
    }
    if (req.kind === 'enas-mobilenet') {
      const info = readEnasMobilenetForm(settingsReader('enas-mobilenet', ENAS_MOBILENET_SETTINGS, req.settings), process.cwd());
      const run = startStoredEnasMobilenet(this.store, {
        info, checkpoint: newEnasMobilenetCheckpoint(dir, info.common.seed), lutFile: (device) => lutPath(join(dir, 'frontier.db'), device), ...(name ? { name } : {}), onEpoch: () => this.progress(run.id),
      });
      this.track({ id: run.id, cancel: run.cancel, done: run.done.then((o) => (o.status === 'failed' ? { status: 'failed', error: o.error } : { status: o.status })) });
      return run.id as StudyId;
    }
    const info = readNewRunInfo(req.kind, formReader(req.kind, req.settings), process.cwd());
    const run = startStoredOneShot(this.store, { info, checkpoint: newCheckpointPath(dir, req.kind, info.common.seed), ...(name ? { name } : {}), onEpoch: () => this.progress(run.id) });
    this.track({ id: run.id, cancel: run.cancel, done: run.done.then((o) => (o.status === 'failed' ? { status: 'failed', error: o.error } : { status: o.status })) });
    return run.id as StudyId;
  }

  /** Continues a stopped or killed run from its checkpoint (StudyBusy while another live process runs it). */
  resume(rec: StudyRecord): void {
    if (this.running.has(rec.id)) return;
    if (rec.spec.strategy === SUPERNET_TRAIN) {
      const opt = rec.spec.strategyOptions ?? {};
      // Stopped before its first checkpoint, it starts over from the beginning (its settings kept).
      const { checkpoint } = supernetResumeCheckpoint(rec);
      const run = readSupernetTrainRun(studyReader(opt, rec.spec.budget.evals, rec.spec.seed), { cwd: process.cwd(), checkpoint: () => checkpoint, warn: () => undefined });
      this.startSupernet(run, undefined);
      return;
    }
    if (rec.spec.strategy === 'enas' && rec.spec.space === 'mobilenet') {
      // A latency table is read from the database's folder (the checkpoint's parent's, <db dir>/enas/…, without one).
      const checkpoint = rec.spec.strategyOptions?.checkpoint;
      const dir = this.dataDir ?? (typeof checkpoint === 'string' ? dirname(dirname(checkpoint)) : process.cwd());
      const run = resumeStoredEnasMobilenet(this.store, rec, { lutFile: (device) => lutPath(join(dir, 'frontier.db'), device), onEpoch: () => this.progress(rec.id) });
      this.track({ id: run.id, cancel: run.cancel, done: run.done.then((o) => (o.status === 'failed' ? { status: 'failed', error: o.error } : { status: o.status })) });
      return;
    }
    const run = resumeStoredOneShot(this.store, rec, { onEpoch: () => this.progress(rec.id) });
    this.track({ id: run.id, cancel: run.cancel, done: run.done.then((o) => (o.status === 'failed' ? { status: 'failed', error: o.error } : { status: o.status })) });
  }

  private startSupernet(s: Parameters<typeof startStoredSupernetTraining>[1], name: string | undefined): StudyId {
    let id = '';
    const t = startStoredSupernetTraining(this.store, s, { ...(name ? { name } : {}), onStep: () => this.progress(id) });
    id = t.id;
    this.track({ id, cancel: t.cancel, done: t.done.then((o) => (o.status === 'failed' ? { status: 'failed', error: errorMessage(o.error) } : { status: o.status })) });
    return id as StudyId;
  }

  /** Cancels the run; resolves once its study is stopped (or ended otherwise). */
  async stop(id: string): Promise<void> {
    const r = this.running.get(id);
    if (!r) return;
    r.cancel();
    await r.done;
  }

  async dispose(): Promise<void> {
    const all = [...this.running.values()];
    for (const r of all) r.cancel();
    await Promise.allSettled(all.map((r) => r.done));
  }

  private requireDir(): string {
    if (this.dataDir === undefined) throw new NasError('invalid-input', 'this workbench has no data folder for checkpoints: start one-shot runs from the command line (frontier darts|enas, frontier supernet train)');
    return this.dataDir;
  }

  private track(run: Running): void {
    this.running.set(run.id, run);
    this.listener.onStatus(run.id as StudyId, 'running');
    void run.done.then((o) => {
      this.running.delete(run.id);
      this.progress(run.id);
      this.listener.onStatus(run.id as StudyId, o.status, o.error);
    });
  }

  private progress(id: string): void {
    try {
      const rec = this.store.getStudy(id);
      if (!rec) return;
      const epochs = rec.spec.budget.evals ?? 1;
      this.listener.onProgress({ id: id as StudyId, progress: rec.progress, fraction: rec.status === 'complete' ? 1 : Math.min(1, rec.progress.evals / epochs), etaMs: null, throughput: null });
    } catch {
      // A progress event is a courtesy: the screens read the store again anyway.
    }
  }
}

/** `oneShot.list` and `oneShot.start` over the runs. */
type OneShotApi = NasApi['oneShot'];

export class OneShotService implements OneShotApi {
  constructor(private readonly runs: OneShotRuns) {}

  async list(): Promise<OneShotRunInfo[]> {
    const settings = (kind: Kind) => (kind === 'supernet' ? supernetSettingsInfo() : kind === 'enas-mobilenet' ? enasMobilenetSettingsInfo() : oneShotSettingsInfo(kind));
    return (['darts', 'enas', 'enas-mobilenet', 'supernet'] as const).map((kind) => ({ kind, ...TITLES[kind], settings: settings(kind), data: DEFAULT_DATASET, suggested: SUGGESTED[kind] }));
  }

  async start(req: OneShotStartRequest): Promise<StudyId> {
    return this.runs.start(req);
  }
}

const settingValue = (v: unknown, p: string): string | undefined =>
  typeof v === 'string' ? (v.length > 2000 ? `${p} is too long` : undefined) : typeof v === 'number' || typeof v === 'boolean' ? undefined : `${p} must be a number, string or boolean`;

export const ONE_SHOT_SCHEMAS: ServiceSchemas<'oneShot'> = {
  list: s.none(),
  start: s.object({ kind: s.literal('darts', 'enas', 'enas-mobilenet', 'supernet'), name: s.optional(s.string({ max: 200 })), settings: s.record(settingValue) }),
};
