// A DARTS / ENAS run is a study like any search: stored as it runs (seen live by another process
// through the SQLite file), killed or stopped it is resumed by `frontier resume <study>` and ends
// exactly as a run never stopped. The real binary, the real libtorch engine, a SQLite file.
import { spawn } from 'node:child_process';
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cli, interrupted, json, ROOT, tempDir } from './cli-helpers.js';
import { missingPeer } from './harness/peer.js';
import { SqliteStore } from '../main/services/sqlite-store.js';
import { loadTorch } from '../main/services/train/torch-engine.js';

const loaded = loadTorch();
const skip = missingPeer('libtorch (the native engine; npm run build:native)', typeof loaded === 'string' ? loaded : undefined);
const DARTS = ['darts', '--epochs', '8', '--train', '200', '--val', '100', '--channels', '4', '--seed', '5'];

interface DartsDoc {
  study: string;
  archStr: string;
  alpha: number[][];
  resumedFrom?: number;
  epochs: { epoch: number; alpha: number[][]; trainLoss: number }[];
}

/** What another process reads from the file while the run goes on. */
interface Seen { status: string; epochs: number[]; leasePid: number | undefined }

function read(db: string): Seen | undefined {
  if (!existsSync(db)) return undefined;
  let s: SqliteStore | undefined;
  try {
    s = SqliteStore.open(db, { readonly: true });
    const rec = s.listStudies()[0];
    if (!rec) return undefined;
    const epochs = [...new Set(s.getCurve(rec.id, 0).filter((p) => p.metric === 'train_loss').map((p) => p.step))];
    return { status: rec.status, epochs, leasePid: s.getLease(rec.id)?.pid };
  } catch {
    return undefined; // the CLI has not created the tables yet
  } finally {
    s?.close();
  }
}

/** Starts the run, reads the file every 50 ms; SIGKILLs the run once `stop(seen)` (always killed at the end). */
async function killedWhen(args: readonly string[], db: string, stop: (s: Seen) => boolean): Promise<{ seen: Seen[]; stderr: string; signal: NodeJS.Signals | null }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, FRONTIER_DB: db }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  const seen: Seen[] = [];
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, sig) => resolve(sig)));
  let done = false;
  void exited.then(() => void (done = true));
  try {
    while (!done) {
      const s = read(db);
      if (s) {
        seen.push(s);
        if (stop(s)) {
          child.kill('SIGKILL');
          break;
        }
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    return { seen, stderr, signal: await exited };
  } finally {
    child.kill('SIGKILL');
  }
}

describe.skipIf(skip)('DARTS / ENAS as stored, resumable studies', () => {
  it('darts: epochs appear in the file while it runs; killed, `frontier resume <study>` ends as the uninterrupted run', async () => {
    const whole = json<DartsDoc>(cli([...DARTS, '--json'], { db: join(tempDir(), 'a.db') }));
    const db = join(tempDir(), 'f.db');
    const { seen, signal, stderr } = await killedWhen(DARTS, db, (s) => s.epochs.length >= 3);
    expect(signal, stderr).toBe('SIGKILL');
    // Seen from outside while it ran: a running study, held by the CLI, its epochs growing one by one.
    const live = seen.filter((s) => s.status === 'running');
    expect(live.length).toBeGreaterThan(1);
    expect(live.every((s) => typeof s.leasePid === 'number' && s.leasePid !== process.pid)).toBe(true);
    const counts = live.map((s) => s.epochs.length);
    expect(counts.some((n) => n > 0 && n < 3)).toBe(true);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    const after = read(db) as Seen;
    expect(after.status).toBe('running'); // killed: left running by a dead process
    const id = '1';

    const r = cli(['resume', id, '--json'], { db });
    expect(r.code, r.stderr).toBe(0);
    const doc = json<DartsDoc>(r);
    expect(doc.study).toBe(id);
    expect(doc.resumedFrom).toBeGreaterThanOrEqual(3);
    expect(doc.alpha).toEqual(whole.alpha);
    expect(doc.epochs.map((e) => [e.epoch, e.alpha, e.trainLoss])).toEqual(whole.epochs.map((e) => [e.epoch, e.alpha, e.trainLoss]));
    expect(doc.archStr).toBe(whole.archStr);

    // The study holds every epoch once, with the uninterrupted run's alpha, and the derived cell.
    const s = SqliteStore.open(db, { readonly: true });
    try {
      const rec = s.getStudy(id);
      expect(rec?.status).toBe('complete');
      expect(s.listStudies()).toHaveLength(1);
      const curve = s.getCurve(id, 0);
      expect(curve.filter((p) => p.metric === 'train_loss').map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(curve.filter((p) => p.metric === 'alpha_3<-2_nor_conv_3x3').map((p) => p.value)).toEqual(whole.epochs.map((e) => e.alpha[5]?.[3]));
      expect(s.getTrial(id, 1)?.key).toBe(whole.archStr);
      expect(s.getLease(id)).toBeUndefined();
    } finally {
      s.close();
    }
    expect(cli(['resume', id], { db }).stderr).toMatch(/study 1 is already complete/);
  }, 120_000);

  it('Ctrl-C leaves the study stopped with how to resume it; a study whose checkpoint is gone gets a clear error', async () => {
    const db = join(tempDir(), 'f.db');
    const stop = await interrupted(DARTS, db, /epoch 2\/8/);
    expect(stop.code, stop.stderr).toBe(130);
    const m = /checkpoint kept at (\S+)\ncontinue with: frontier resume 1 \(or: frontier darts --resume (\S+)\)/.exec(stop.stderr);
    expect(m, stop.stderr).not.toBeNull();
    expect(read(db)?.status).toBe('stopped');
    const checkpoint = m?.[1] as string;
    renameSync(checkpoint, `${checkpoint}.moved`);
    const gone = cli(['resume', '1'], { db });
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/resume: the checkpoint of study 1, \S+\.ckpt, is gone \(deleted or moved\): its darts run cannot be continued/);
    expect(read(db)?.status).toBe('stopped');
    renameSync(`${checkpoint}.moved`, checkpoint);
    // --resume FILE continues the same study.
    const r = cli(['darts', '--resume', checkpoint, '--json'], { db });
    expect(r.code, r.stderr).toBe(0);
    expect(json<DartsDoc>(r).study).toBe('1');
    expect(read(db)).toMatchObject({ status: 'complete', epochs: [1, 2, 3, 4, 5, 6, 7, 8] });
  }, 120_000);

  it('enas: stopped, `frontier resume <study>` gives the uninterrupted run\'s controller and cell', async () => {
    const ENAS = ['enas', '--epochs', '6', '--controller-steps', '3', '--train', '200', '--val', '100', '--channels', '4', '--seed', '5'];
    type EnasDoc = { study: string; archStr: string; probabilities: number[][]; epochs: { epoch: number; meanReward: number; probabilities: number[][] }[] };
    const whole = json<EnasDoc>(cli([...ENAS, '--json'], { db: join(tempDir(), 'a.db') }));
    const db = join(tempDir(), 'f.db');
    const stop = await interrupted(ENAS, db, /epoch 2\/6/);
    expect(stop.code, stop.stderr).toBe(130);
    expect(stop.stderr).toMatch(/continue with: frontier resume 1 /);
    const r = cli(['resume', '1', '--json'], { db });
    expect(r.code, r.stderr).toBe(0);
    const doc = json<EnasDoc>(r);
    const strip = (d: EnasDoc) => ({ archStr: d.archStr, probabilities: d.probabilities, epochs: d.epochs.map((e) => [e.epoch, e.meanReward, e.probabilities]) });
    expect(strip(doc)).toEqual(strip(whole));
    expect(read(db)).toMatchObject({ status: 'complete', epochs: [1, 2, 3, 4, 5, 6] });
  }, 120_000);
});
