// `frontier enas --space mobilenet` is a study stored as it runs, checkpointed every epoch: killed
// (SIGKILL) and stopped (SIGINT), then `frontier resume`d, it ends exactly as a run never stopped
// (same derived sub-network, same controller probabilities, same epochs' records). A damaged or gone
// checkpoint is a clear error that leaves the study as it was. The real binary, the real libtorch
// engine, the built-in Fashion-MNIST, a SQLite file; tiny sizes.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, renameSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../main/services/sqlite-store.js';
import { loadTorch } from '../main/services/train/torch-engine.js';
import { BIN, cli, interrupted, json, ROOT, tempDir } from './cli-helpers.js';
import { missingPeer } from './harness/peer.js';

const loaded = loadTorch();
const skip = missingPeer('libtorch (the native engine; npm run build:native)', typeof loaded === 'string' ? loaded : undefined);
const RUN = ['enas', '--space', 'mobilenet', '--epochs', '4', '--train', '128', '--val', '64', '--controller-steps', '2', '--stem-stride', '2', '--seed', '3'];

interface Doc {
  study: string | null;
  architecture: string;
  probabilities: Record<string, number[]>;
  resumedFrom?: number;
  epochs: { epoch: number; resumed?: boolean; meanReward: number; trainLoss: number; derivedKey: string; derivedAccuracy: number; probabilities: number[][]; baseline: number | null }[];
}

/** The study's status and, per curve metric, the epochs it has (each once). */
function stored(db: string): { status: string; epochs: number[]; derived: number[]; metrics: string[] } {
  const s = SqliteStore.open(db, { readonly: true });
  try {
    const curve = s.getCurve('1', 0);
    const of = (m: string) => curve.filter((p) => p.metric === m).map((p) => p.step);
    return { status: s.getStudy('1')?.status as string, epochs: of('mean_reward'), derived: of('derived_accuracy'), metrics: [...new Set(curve.map((p) => p.metric))] };
  } finally {
    s.close();
  }
}

/** Runs `args` until stderr shows `when`, then SIGKILLs it (killed in any case). */
async function killedAt(args: readonly string[], db: string, when: RegExp): Promise<string> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, FRONTIER_DB: db }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  try {
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (when.test(stderr)) child.kill('SIGKILL');
      });
      child.on('exit', (_c, sig) => resolve(sig));
    });
    expect(signal, stderr).toBe('SIGKILL');
    return stderr;
  } finally {
    child.kill('SIGKILL');
  }
}

describe.skipIf(skip)('frontier enas --space mobilenet: stored as it runs, checkpointed, resumed', () => {
  it('killed, then stopped with Ctrl-C, then resumed twice: ends as the run never stopped; a damaged or gone checkpoint is a clear error that keeps the study', async () => {
    const whole = json<Doc>(cli([...RUN, '--json'], { db: join(tempDir(), 'a.db') }));
    expect(whole.epochs).toHaveLength(4);
    const db = join(tempDir(), 'f.db');

    // SIGKILL once epoch 1's line is out (its checkpoint is written before the line).
    await killedAt(RUN, db, /epoch 1\/4/);
    const ckdir = join(dirname(db), 'enas');
    const ckpt = join(ckdir, readdirSync(ckdir).find((f) => f.endsWith('.ckpt')) as string);
    expect(existsSync(`${ckpt}.json`)).toBe(true);
    expect(readdirSync(ckdir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const killed = stored(db);
    expect(killed.status).toBe('running');
    expect(killed.epochs[0]).toBe(1);
    expect(killed.metrics).toEqual(expect.arrayContaining(['mean_reward', 'baseline', 'policy_entropy', 'train_loss', 'derived_accuracy', 'p_s1.depth_2', 'p_s1.b1.se_true', 'd_s1.depth']));

    // Resumed, then Ctrl-C after its first new epoch: the checkpoint stays, the study is stopped.
    const stop = await interrupted(['resume', '1'], db, /epoch [23]\/4/);
    expect(stop.code, stop.stderr).toBe(130);
    expect(stop.stderr).toMatch(/enas: resumed after epoch [12]\/4 from the checkpoint/);
    const m = /ENAS stopped after epoch (\d)\/4: checkpoint kept at (\S+)\ncontinue with: frontier resume 1 \(or: frontier enas --space mobilenet --resume (\S+)\)/.exec(stop.stderr);
    expect(m, stop.stderr).not.toBeNull();
    expect(m?.[2]).toBe(ckpt);
    const before = stored(db);
    expect(before.status).toBe('stopped');
    expect(before.epochs).toEqual(Array.from({ length: before.epochs.length }, (_, i) => i + 1));
    expect(before.epochs.length).toBeGreaterThanOrEqual(2);

    // A damaged checkpoint: a clear error, the study untouched (still stopped, same epochs).
    copyFileSync(ckpt, `${ckpt}.good`);
    truncateSync(ckpt, statSync(ckpt).size - 1000); // the weights cut short
    const damaged = cli(['resume', '1'], { db });
    expect(damaged.code).toBe(2);
    expect(damaged.stderr).toMatch(/the ENAS checkpoint \S+\.ckpt is damaged \(.*truncated\?\): it cannot be resumed from/);
    expect(stored(db)).toEqual(before);
    // Gone: the same.
    renameSync(ckpt, `${ckpt}.moved`);
    const gone = cli(['resume', '1'], { db });
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/resume: the checkpoint of study 1, \S+\.ckpt, is gone \(deleted or moved\): its ENAS run cannot be continued/);
    expect(stored(db)).toEqual(before);
    renameSync(`${ckpt}.good`, ckpt);

    // Settings come from the checkpoint.
    const clash = cli(['enas', '--space', 'mobilenet', '--resume', ckpt, '--epochs', '9'], { db });
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/enas --resume continues the run with its own settings: drop --epochs/);

    // A kill in the middle of writing the next checkpoint leaves a partial temp file beside it: ignored, then replaced.
    writeFileSync(`${ckpt}.tmp`, 'FRONTIER-ENAS-MOBILENET-1\n{"meta":');
    const r = cli(['resume', '1', '--json'], { db });
    expect(r.code, r.stderr).toBe(0);
    const doc = json<Doc>(r);
    expect(doc.study).toBe('1');
    expect(doc.resumedFrom).toBe(before.epochs.length);
    expect(doc.architecture).toBe(whole.architecture);
    expect(doc.probabilities).toEqual(whole.probabilities);
    const strip = (d: Doc) => d.epochs.map(({ epoch, meanReward, trainLoss, derivedKey, derivedAccuracy, probabilities, baseline }) => ({ epoch, meanReward, trainLoss, derivedKey, derivedAccuracy, probabilities, baseline }));
    expect(strip(doc)).toEqual(strip(whole));
    expect(existsSync(ckpt)).toBe(false);
    expect(existsSync(`${ckpt}.json`)).toBe(false);
    expect(readdirSync(ckdir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const done = stored(db);
    expect(done.status).toBe('complete');
    expect(done.epochs).toEqual([1, 2, 3, 4]);
    expect(done.derived).toEqual([1, 2, 3, 4]);
    const show = json<{ best: Record<string, { architecture: string }> }>(cli(['show', '1', '--json'], { db }));
    expect(show.best.shared_val_accuracy?.architecture).toBe(whole.architecture);
  }, 120_000);
});
