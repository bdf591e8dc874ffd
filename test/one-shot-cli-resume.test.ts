// `frontier darts` checkpoints every epoch; Ctrl-C keeps the checkpoint and `frontier darts --resume`
// continues it: the real binary, the real libtorch engine, the built-in Fashion-MNIST, a SQLite file.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, interrupted, json, tempDir } from './cli-helpers.js';
import { missingPeer } from './harness/peer.js';
import { loadTorch } from '../main/services/train/torch-engine.js';

const loaded = loadTorch();
const skip = missingPeer('libtorch (the native engine; npm run build:native)', typeof loaded === 'string' ? loaded : undefined);
const RUN = ['darts', '--epochs', '8', '--train', '256', '--val', '128', '--channels', '4', '--seed', '3'];

interface DartsDoc {
  study: string | null;
  archStr: string;
  alpha: number[][];
  resumedFrom?: number;
  epochs: { epoch: number; resumed?: boolean; alpha: number[][]; trainLoss: number }[];
}

describe.skipIf(skip)('frontier darts --resume', () => {
  it('Ctrl-C after an epoch keeps its checkpoint; --resume ends as the run never stopped, then removes it', async () => {
    const whole = json<DartsDoc>(cli([...RUN, '--json'], { db: join(tempDir(), 'a.db') }));
    const db = join(tempDir(), 'f.db');
    const { code, stderr } = await interrupted(RUN, db, /epoch 2\/8/);
    expect(code, stderr).toBe(130);
    const m = /DARTS stopped after epoch (\d)\/8: checkpoint kept at (\S+)\ncontinue with: frontier resume 1 \(or: frontier darts --resume (\S+)\)/.exec(stderr);
    expect(m, stderr).not.toBeNull();
    const checkpoint = m?.[2] as string;
    expect(m?.[3]).toBe(checkpoint);
    expect(dirname(checkpoint)).toBe(join(dirname(db), 'darts'));
    expect(existsSync(checkpoint)).toBe(true);
    expect(existsSync(`${checkpoint}.json`)).toBe(true);
    expect(json<{ id: string; status: string }[]>(cli(['runs', '--json'], { db })).map((x) => [x.id, x.status])).toEqual([['1', 'stopped']]);

    // Settings come from the checkpoint: none that shape the run may be given again.
    const clash = cli(['darts', '--resume', checkpoint, '--epochs', '3'], { db });
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/darts --resume continues the run with its own settings: drop --epochs/);
    const missing = cli(['darts', '--resume', join(dirname(checkpoint), 'nope.ckpt')], { db });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no DARTS checkpoint at .*nope\.ckpt/);
    expect(existsSync(checkpoint)).toBe(true);

    const r = cli(['darts', '--resume', checkpoint, '--json'], { db });
    expect(r.code, r.stderr).toBe(0);
    const doc = json<DartsDoc>(r);
    expect(doc.resumedFrom).toBeGreaterThanOrEqual(2);
    expect(doc.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(doc.alpha).toEqual(whole.alpha);
    expect(doc.epochs.map((e) => [e.alpha, e.trainLoss])).toEqual(whole.epochs.map((e) => [e.alpha, e.trainLoss]));
    expect(doc.archStr).toBe(whole.archStr);
    expect(existsSync(checkpoint)).toBe(false);
    expect(existsSync(`${checkpoint}.json`)).toBe(false);
    const show = json<{ best: Record<string, { architecture: string }> }>(cli(['show', doc.study as string, '--json'], { db }));
    expect(show.best.c10_test?.architecture).toBe(whole.archStr);
  }, 120_000);

  it('enas: Ctrl-C keeps the checkpoint; --resume gives the uninterrupted run\'s controller and cell', async () => {
    const ENAS = ['enas', '--epochs', '6', '--controller-steps', '3', '--train', '256', '--val', '128', '--channels', '4', '--seed', '3'];
    type EnasDoc = { study: string; archStr: string; sharedAccuracy: number; resumedFrom?: number; probabilities: number[][]; epochs: { epoch: number; meanReward: number; trainLoss: number; probabilities: number[][] }[] };
    const whole = json<EnasDoc>(cli([...ENAS, '--json'], { db: join(tempDir(), 'a.db') }));
    const db = join(tempDir(), 'f.db');
    const stop = await interrupted(ENAS, db, /epoch 2\/6/);
    expect(stop.code, stop.stderr).toBe(130);
    const m = /ENAS stopped after epoch (\d)\/6: checkpoint kept at (\S+)\ncontinue with: frontier resume 1 \(or: frontier enas --resume \S+\)/.exec(stop.stderr);
    expect(m, stop.stderr).not.toBeNull();
    const checkpoint = m?.[2] as string;
    expect(dirname(checkpoint)).toBe(join(dirname(db), 'enas'));
    expect(cli(['darts', '--resume', checkpoint], { db }).stderr).toMatch(/does not describe a DARTS run/);
    const r = cli(['enas', '--resume', checkpoint, '--json'], { db });
    expect(r.code, r.stderr).toBe(0);
    const doc = json<EnasDoc>(r);
    expect(doc.resumedFrom).toBe(Number(m?.[1]));
    const strip = (d: EnasDoc) => ({ archStr: d.archStr, sharedAccuracy: d.sharedAccuracy, probabilities: d.probabilities, epochs: d.epochs.map((e) => [e.epoch, e.meanReward, e.trainLoss, e.probabilities]) });
    expect(strip(doc)).toEqual(strip(whole));
    expect(existsSync(checkpoint)).toBe(false);
    expect(cli(['runs'], { db }).stdout).toMatch(/enas on builtin:fashion-mnist/);
  }, 120_000);
});
