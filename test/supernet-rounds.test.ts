// Scoring rounds while a supernet trains (#12): every K steps a fixed panel of sub-networks is
// scored with that step's shared weights, on a second engine loaded from the snapshot the training
// wrote at that step, so that the training is bit for bit the training without rounds and a round's
// step is exact however late the progress reports are handled. Real libtorch engine
// (and the tfjs one, briefly), the toy space of supernet.test.ts.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ScoringRound } from '../shared/supernet-rounds.js';
import { CancellationTokenSource } from '../main/core/cancellation.js';
import { ScoringRounds, scoringPanel } from '../main/services/train/supernet-rounds.js';
import type { SupernetEngine } from '../main/services/train/supernet-api.js';
import type { SupernetTrainOptions } from '../main/services/train/supernet-engine.js';
import { TfjsSupernet } from '../main/services/train/supernet-tfjs.js';
import { loadTorch } from '../main/services/train/torch-engine.js';
import { tempDir } from './cli-helpers.js';
import { TOY_CLASSES, TOY_INPUT, toyData, toySpace, toySupernet } from './fixtures/supernet-toy.js';
import { missingPeer } from './harness/peer.js';

const loaded = loadTorch();
const skip = missingPeer('libtorch (the native engine; npm run build:native)', typeof loaded === 'string' ? loaded : undefined);

const STEPS = 40;
const EVERY = 10;
const BASE: SupernetTrainOptions = { steps: STEPS, batchSize: 32, lr: 0.01, seed: 7, checkpointEvery: 50, reportEvery: 5 };
const panel = scoringPanel(toySpace(), 7, 2);

/**
 * Trains `net` into `checkpoint` with rounds every EVERY steps (stored into `out`); `stopAt`: cancelled
 * at that step's report; `late`: the reports are not handed to the rounds (as when the JS thread
 * lags far behind the training), which find the snapshots at the end.
 */
async function trainWithRounds(net: SupernetEngine, scorer: SupernetEngine, checkpoint: string, out: ScoringRound[], stopAt?: number, o: SupernetTrainOptions = BASE, every = EVERY, late = false) {
  const rounds = new ScoringRounds({ scorer, panel, every, checkpoint, stored: out.map((r) => r.step), onRound: (r) => out.push(r) });
  await rounds.recover();
  const cts = new CancellationTokenSource();
  try {
    const r = await net.train({ ...o, checkpoint, ...rounds.snapshots() }, (p) => {
      if (!late) rounds.at();
      if (p.step === stopAt) cts.cancel();
    }, cts.token);
    await rounds.finish();
    return r;
  } catch (e) {
    await rounds.stop();
    throw e;
  }
}

const bits = (w: ReadonlyMap<string, Float32Array>) => new Map([...w].map(([k, v]) => [k, Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')]));

describe.skipIf(skip)('scoring rounds while a supernet trains', () => {
  it('scores the panel at every K steps, leaves the training exactly as without, and agrees with the trained engine at the last step', async () => {
    const dir = tempDir('frontier-rounds-');
    const plain = toySupernet();
    const net = toySupernet();
    const scorer = toySupernet();
    try {
      const a = await plain.train({ ...BASE, checkpoint: join(dir, 'plain.ckpt') }, () => undefined, new CancellationTokenSource().token);
      const rounds: ScoringRound[] = [];
      const b = await trainWithRounds(net, scorer, join(dir, 'net.ckpt'), rounds);
      expect(rounds.map((r) => r.step)).toEqual([10, 20, 30, 40]);
      for (const r of rounds) {
        expect(r.subnets.map((s) => [s.label, s.key])).toEqual(panel.map((m) => [m.label, m.key]));
        expect(r.seconds).toBeGreaterThan(0);
        for (const s of r.subnets) {
          expect(s.valAccuracy).toBeGreaterThanOrEqual(0);
          expect(s.valAccuracy).toBeLessThanOrEqual(1);
        }
      }
      expect(panel.map((m) => m.label)).toEqual(['largest', 'smallest', 'sampled1', 'sampled2']);
      // The toy task is learnt: the largest beats chance (4 classes) by the end.
      expect(rounds.at(-1)?.subnets[0]?.valAccuracy).toBeGreaterThan(0.5);
      // The snapshots are gone once their rounds are stored.
      expect(existsSync(join(dir, 'net.ckpt.rounds'))).toBe(false);

      // Reports at steps that are not round steps (every 7), checkpoints only every 50, and handled
      // only once the training has ended: the same rounds, each of its own step.
      const lateNet = toySupernet();
      try {
        const lateRounds: ScoringRound[] = [];
        await trainWithRounds(lateNet, scorer, join(dir, 'late.ckpt'), lateRounds, undefined, { ...BASE, reportEvery: 7 }, EVERY, true);
        expect(lateRounds.map((r) => ({ ...r, seconds: 0 }))).toEqual(rounds.map((r) => ({ ...r, seconds: 0 })));
        expect(existsSync(join(dir, 'late.ckpt.rounds'))).toBe(false);
      } finally {
        lateNet.dispose();
      }

      // The training with rounds is the training without, bit for bit (weights, BatchNorm statistics, loss).
      expect(b.steps).toBe(a.steps);
      expect(b.loss).toBe(a.loss);
      expect(bits(net.weights().map)).toEqual(bits(plain.weights().map));

      // A snapshot file name without its step: refused before anything is trained.
      await expect(scorer.train({ ...BASE, snapshotEvery: 5, snapshotPath: join(dir, 'snap.ckpt') }, () => undefined, new CancellationTokenSource().token)).rejects.toThrow(/snapshotEvery needs snapshotPath, a file name with \{step\} in it/);

      // The last round (step 40, on its snapshot) equals scoring the trained engine itself.
      const last = rounds.at(-1) as ScoringRound;
      for (const [i, m] of panel.entries()) expect((await net.evaluate(m.arch)).accuracy).toBe(last.subnets[i]?.valAccuracy);

      // A run resumed from the checkpoint of a round's step scores that round only when it is not stored.
      const again: ScoringRound[] = [];
      const stored = new ScoringRounds({ scorer, panel, every: EVERY, checkpoint: join(dir, 'net.ckpt'), stored: [10, 20, 30, 40], onRound: (r) => again.push(r) });
      await stored.recover();
      expect(again).toEqual([]);
      const missing = new ScoringRounds({ scorer, panel, every: EVERY, checkpoint: join(dir, 'net.ckpt'), stored: [10, 20, 30], onRound: (r) => again.push(r) });
      await missing.recover();
      expect(again.map((r) => [r.step, r.subnets])).toEqual([[40, last.subnets]]);
    } finally {
      plain.dispose();
      net.dispose();
      scorer.dispose();
    }
  }, 60_000);

  it('a stopped run leaves its unscored round for the resumed one: every round once, the same panel, the same training', async () => {
    const dir = tempDir('frontier-rounds-resume-');
    const ckpt = join(dir, 'net.ckpt');
    const rounds: ScoringRound[] = [];
    const first = toySupernet();
    const scorer1 = toySupernet();
    try {
      // Stopped at the report of step 20: its round is queued but not scored; its snapshot stays.
      await expect(trainWithRounds(first, scorer1, ckpt, rounds, 20)).rejects.toMatchObject({ code: 'cancelled' });
    } finally {
      first.dispose();
      scorer1.dispose();
    }
    expect(rounds.map((r) => r.step)).toEqual([10]);
    // (The training may have run a round or two past the cancel before it saw it: those snapshots stay too.)
    const left = readdirSync(join(dir, 'net.ckpt.rounds'));
    expect(left).toContain('step-20.ckpt');
    expect(left.filter((f) => !/^step-(20|30|40)\.ckpt$/.test(f))).toEqual([]);

    const second = toySupernet();
    const scorer2 = toySupernet();
    const plain = toySupernet();
    try {
      const r = await trainWithRounds(second, scorer2, ckpt, rounds);
      expect(r.resumedFrom).toBeGreaterThanOrEqual(20);
      expect(rounds.map((x) => x.step)).toEqual([10, 20, 30, 40]);
      for (const x of rounds) expect(x.subnets.map((s) => s.key)).toEqual(panel.map((m) => m.key));
      expect(existsSync(join(dir, 'net.ckpt.rounds'))).toBe(false);
      // The round of step 20, scored after the resume, is that of an uninterrupted run's step 20.
      const again: ScoringRound[] = [];
      const net = toySupernet();
      const scorer = toySupernet();
      try {
        await trainWithRounds(net, scorer, join(dir, 'again.ckpt'), again);
      } finally {
        net.dispose();
        scorer.dispose();
      }
      expect(rounds).toEqual(again.map((x, i) => ({ ...x, seconds: rounds[i]?.seconds })));
      await plain.train({ ...BASE, checkpoint: join(dir, 'plain.ckpt') }, () => undefined, new CancellationTokenSource().token);
      expect(bits(second.weights().map)).toEqual(bits(plain.weights().map));
    } finally {
      second.dispose();
      scorer2.dispose();
      plain.dispose();
    }
  }, 90_000);
});

describe('scoring rounds while a supernet trains on tfjs', () => {
  const tfjsSupernet = () => {
    const s = new TfjsSupernet(toySpace(), { input: TOY_INPUT, classes: TOY_CLASSES, seed: 1 });
    s.setData(toyData(256, 3), toyData(64, 4));
    return s;
  };

  it('scores the panel every K steps and leaves the training exactly as without', async () => {
    const dir = tempDir('frontier-rounds-tfjs-');
    const o: SupernetTrainOptions = { ...BASE, steps: 8, sandwich: 1, reportEvery: 4 };
    const plain = tfjsSupernet();
    const net = tfjsSupernet();
    const scorer = tfjsSupernet();
    try {
      const a = await plain.train({ ...o, checkpoint: join(dir, 'plain.ckpt') }, () => undefined, new CancellationTokenSource().token);
      const rounds: ScoringRound[] = [];
      const b = await trainWithRounds(net, scorer, join(dir, 'net.ckpt'), rounds, undefined, o, 4);
      expect(rounds.map((r) => r.step)).toEqual([4, 8]);
      await expect(scorer.train({ ...o, snapshotEvery: 4, snapshotPath: join(dir, 'snap.ckpt') }, () => undefined, new CancellationTokenSource().token)).rejects.toThrow(/snapshotEvery needs snapshotPath, a file name with \{step\} in it/);
      for (const r of rounds) expect(r.subnets.map((x) => x.key)).toEqual(panel.map((m) => m.key));
      expect(b.loss).toBe(a.loss);
      expect(bits(net.weights().map)).toEqual(bits(plain.weights().map));
      const last = rounds.at(-1) as ScoringRound;
      for (const [i, m] of panel.entries()) expect((await net.evaluate(m.arch)).accuracy).toBe(last.subnets[i]?.valAccuracy);
    } finally {
      plain.dispose();
      net.dispose();
      scorer.dispose();
    }
  }, 60_000);
});
