// `frontier darts` (and enas --space mobilenet) stopped by Ctrl-C before its first epoch ended keeps its study (stopped) and its
// settings, as the workbench does; `frontier resume <study>` starts it over under the same study and
// it ends as the uninterrupted run of the same seed. With its settings gone, resume is refused. A supernet training killed
// before its first checkpoint is resumed from the beginning too.
// The real binary, the real libtorch engine, the built-in Fashion-MNIST, a SQLite file.
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cli, json, ROOT, tempDir } from './cli-helpers.js';
import { missingPeer } from './harness/peer.js';
import { SqliteStore } from '../main/services/sqlite-store.js';
import { loadTorch } from '../main/services/train/torch-engine.js';

const loaded = loadTorch();
const skip = missingPeer('libtorch (the native engine; npm run build:native)', typeof loaded === 'string' ? loaded : undefined);
// About a second an epoch: Ctrl-C comes well before the first one ends.
const DARTS = /DARTS \(order 1\)/;
const RUN = ['darts', '--epochs', '2', '--train', '2048', '--val', '128', '--channels', '4', '--seed', '5'];

interface DartsDoc {
  study: string | null;
  archStr: string;
  alpha: number[][];
  epochs: { epoch: number; alpha: number[][]; trainLoss: number }[];
}

const studies = (db: string): { id: string; status: string; checkpoint: unknown }[] => {
  if (!existsSync(db)) return [];
  const s = SqliteStore.open(db, { readonly: true });
  try {
    return s.listStudies().map((r) => ({ id: r.id, status: r.status, checkpoint: r.spec.strategyOptions?.checkpoint }));
  } finally {
    s.close();
  }
};

/**
 * Starts the run in a fresh database and sends Ctrl-C once its study is stored, before its first
 * epoch ends (the CLI handles Ctrl-C from before it stores the study).
 */
async function stoppedAtOnce(args: readonly string[], header: RegExp): Promise<{ db: string; code: number | null; stderr: string }> {
  const db = join(tempDir(), 'f.db');
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, FRONTIER_DB: db }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  try {
    await expect.poll(() => header.test(stderr) && studies(db).length > 0, { timeout: 60_000, interval: 10 }).toBe(true);
    child.kill('SIGINT');
    return { db, code: await exited, stderr };
  } finally {
    child.kill('SIGKILL');
  }
}

describe.skipIf(skip)('frontier resume of a one-shot run stopped before its first checkpoint', () => {
  it('Ctrl-C keeps the study; resume starts it over and ends as the uninterrupted run', async () => {
    const whole = json<DartsDoc>(cli([...RUN, '--json'], { db: join(tempDir(), 'a.db') }));
    const stop = await stoppedAtOnce(RUN, DARTS);
    const { db } = stop;
    expect(stop.code, `${stop.code} ${stop.stderr}`).toBe(130);
    expect(stop.stderr).toMatch(/DARTS stopped before its first epoch ended: study 1 kept \(stopped\); 'frontier resume 1' starts it over/);
    const [s] = studies(db);
    expect(s?.status).toBe('stopped');
    const checkpoint = s?.checkpoint as string;
    expect(existsSync(checkpoint)).toBe(false);
    expect(existsSync(`${checkpoint}.json`)).toBe(true);

    const r = cli(['resume', '1', '--json'], { db });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/study 1 was stopped before its first checkpoint: its darts run starts over from the beginning/);
    const doc = json<DartsDoc>(r);
    expect(doc.study).toBe('1');
    expect(doc.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(doc.alpha).toEqual(whole.alpha);
    expect(doc.epochs.map((e) => [e.alpha, e.trainLoss])).toEqual(whole.epochs.map((e) => [e.alpha, e.trainLoss]));
    expect(doc.archStr).toBe(whole.archStr);
    expect(studies(db).map((x) => [x.id, x.status])).toEqual([['1', 'complete']]);
    expect(existsSync(`${checkpoint}.json`)).toBe(false);
  }, 120_000);

  it('with its settings gone, resume is refused and the study stays stopped', async () => {
    const stop = await stoppedAtOnce(RUN, DARTS);
    const { db } = stop;
    expect(stop.code, `${stop.code} ${stop.stderr}`).toBe(130);
    const checkpoint = studies(db)[0]?.checkpoint as string;
    rmSync(`${checkpoint}.json`);
    const gone = cli(['resume', '1'], { db });
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/resume: the checkpoint of study 1, \S+\.ckpt, is gone \(deleted or moved\): its darts run cannot be continued/);
    expect(studies(db).map((x) => x.status)).toEqual(['stopped']);
  }, 60_000);

  it('enas on the mobilenet space: the same, ending as the uninterrupted run', async () => {
    const ENAS = ['enas', '--space', 'mobilenet', '--epochs', '1', '--train', '256', '--val', '128', '--controller-steps', '2', '--stem-stride', '2', '--seed', '4'];
    type EnasDoc = { study: string; architecture: string; sharedAccuracy: number; probabilities: unknown; epochs: { epoch: number; meanReward: number }[] };
    const strip = (d: EnasDoc) => ({ architecture: d.architecture, sharedAccuracy: d.sharedAccuracy, probabilities: d.probabilities, epochs: d.epochs.map((e) => [e.epoch, e.meanReward]) });
    const whole = json<EnasDoc>(cli([...ENAS, '--json'], { db: join(tempDir(), 'a.db') }));
    const stop = await stoppedAtOnce(ENAS, /ENAS on the mobilenet space/);
    const { db } = stop;
    expect(stop.code, `${stop.code} ${stop.stderr}`).toBe(130);
    expect(stop.stderr).toMatch(/ENAS stopped before its first epoch ended: study 1 kept \(stopped\); 'frontier resume 1' starts it over/);
    expect(studies(db).map((x) => x.status)).toEqual(['stopped']);
    const r = cli(['resume', '1', '--json'], { db });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/study 1 was stopped before its first checkpoint: its ENAS run starts over from the beginning/);
    const doc = json<EnasDoc>(r);
    expect(doc.study).toBe('1');
    expect(strip(doc)).toEqual(strip(whole));
    expect(studies(db).map((x) => [x.id, x.status])).toEqual([['1', 'complete']]);
  }, 120_000);

  it('a supernet training killed before its first checkpoint: resume starts it over and trains it to the end', async () => {
    const dir = tempDir();
    const db = join(dir, 'f.db');
    const ckpt = join(dir, 'net.ckpt');
    const args = ['supernet', 'train', '--steps', '20', '--max-train', '200', '--val', '64', '--batch-size', '8', '--sandwich', 'uniform', '--threads', '1', '--score-every', '0', '--out', ckpt];
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, FRONTIER_DB: db }, stdio: ['ignore', 'ignore', 'ignore'] });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    try {
      await expect.poll(() => studies(db).length > 0 && existsSync(`${ckpt}.json`), { timeout: 60_000, interval: 10 }).toBe(true);
      child.kill('SIGKILL');
      await exited;
    } finally {
      child.kill('SIGKILL');
    }
    expect(existsSync(ckpt)).toBe(false);
    const r = cli(['resume', '1'], { db });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/study 1 was stopped before its first checkpoint: its supernet training run starts over from the beginning/);
    expect(studies(db).map((x) => [x.id, x.status])).toEqual([['1', 'complete']]);
  }, 120_000);
});
