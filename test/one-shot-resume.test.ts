// DARTS and ENAS checkpoint/resume on the real libtorch engine: a run cancelled after an epoch and
// resumed from its checkpoint ends with the same alpha / controller (bit for bit), epoch records and
// derived cell as a run never stopped; a checkpoint of another run or a damaged one is refused.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Cancelled, NasError } from '../shared/errors.js';
import { CancellationTokenSource } from '../main/core/cancellation.js';
import {
  oneShotSplits, runDarts, runEnas, type DartsRunOptions, type DartsRunResult, type EnasRunOptions, type EnasRunResult, type ImageSplits,
} from '../main/services/train/nb201-one-shot.js';
import { loadTorch } from '../main/services/train/torch-engine.js';
import { tempDir } from './cli-helpers.js';
import { missingPeer } from './harness/peer.js';

const loaded = loadTorch();
const skip = missingPeer('libtorch (the native engine; npm run build:native)', typeof loaded === 'string' ? loaded : undefined);

const base = (order: 1 | 2): DartsRunOptions => ({ order, epochs: 5, seed: 5, archLr: 3e-3, batchSize: 32, network: { channels: 4 } });

/** Cancels the run as soon as epoch `at` has been reported (the engine is then already in the next one). */
async function cancelledAfter(data: ImageSplits, o: DartsRunOptions, at: number): Promise<number> {
  const cts = new CancellationTokenSource();
  let seen = 0;
  await expect(runDarts(data, o, (e) => {
    seen = e.epoch;
    if (e.epoch === at) cts.cancel();
  }, cts.token)).rejects.toBeInstanceOf(Cancelled);
  return seen;
}

const record = (r: DartsRunResult) => r.epochs.map((e) => ({ epoch: e.epoch, alpha: e.alpha, trainLoss: e.trainLoss, valLoss: e.valLoss, valAccuracy: e.valAccuracy }));

describe.skipIf(skip)('DARTS checkpoint and resume', () => {
  const data = () => oneShotSplits('builtin:fashion-mnist', { train: 128, val: 64, seed: 3, downsample: 4 });

  for (const order of [1, 2] as const) {
    it(`order ${order}: stopped after epoch 2 and resumed, it ends as the uninterrupted run`, async () => {
      const d = data();
      const dir = tempDir();
      const whole = await runDarts(d, base(order));
      const checkpoint = join(dir, 'run.ckpt');
      const seen = await cancelledAfter(d, { ...base(order), checkpoint }, 2);
      expect(seen).toBeGreaterThanOrEqual(2);
      expect(existsSync(checkpoint)).toBe(true);
      expect(readdirSync(dir)).toEqual(['run.ckpt']);  // written atomically: no temp file left
      const resumed = await runDarts(d, { ...base(order), checkpoint });
      expect(resumed.resumedFrom).toBeGreaterThanOrEqual(2);
      expect(resumed.resumedFrom).toBeLessThan(5);
      expect(resumed.epochs.filter((e) => e.resumed).map((e) => e.epoch)).toEqual(Array.from({ length: resumed.resumedFrom as number }, (_, i) => i + 1));
      expect(resumed.alpha).toEqual(whole.alpha);
      expect(record(resumed)).toEqual(record(whole));
      expect(resumed.archStr).toBe(whole.archStr);
      expect(whole.resumedFrom).toBeUndefined();
    }, 60_000);
  }

  it('a checkpoint of other settings, a damaged one: invalid-input, the file left as it was', async () => {
    const d = data();
    const dir = tempDir();
    const checkpoint = join(dir, 'run.ckpt');
    await cancelledAfter(d, { ...base(1), checkpoint }, 1);
    const other = runDarts(d, { ...base(1), seed: 6, checkpoint });
    await expect(other).rejects.toBeInstanceOf(NasError);
    await expect(other).rejects.toThrow(/is of another DARTS run .*seed 5.*not of this one .*seed 6/);
    expect(existsSync(checkpoint)).toBe(true);
    const bad = join(dir, 'bad.ckpt');
    writeFileSync(bad, 'not a checkpoint');
    const damaged = runDarts(d, { ...base(1), checkpoint: bad });
    await expect(damaged).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(damaged).rejects.toThrow(/cannot read the DARTS checkpoint/);
  }, 60_000);

  it('ENAS: stopped after epoch 2 and resumed, it ends as the uninterrupted run; another run\'s checkpoint is refused', async () => {
    const d = data();
    const dir = tempDir();
    const o: EnasRunOptions = { epochs: 5, seed: 5, controllerSteps: 3, batchSize: 32, finalSamples: 3, network: { channels: 4 } };
    const strip = (r: EnasRunResult) => ({ ...r, seconds: 0, resumedFrom: 0, epochs: r.epochs.map((e) => ({ epoch: e.epoch, trainLoss: e.trainLoss, meanReward: e.meanReward, probabilities: e.probabilities })) });
    const whole = await runEnas(d, o);
    const checkpoint = join(dir, 'enas.ckpt');
    const cts = new CancellationTokenSource();
    await expect(runEnas(d, { ...o, checkpoint }, (e) => {
      if (e.epoch === 2) cts.cancel();
    }, cts.token)).rejects.toBeInstanceOf(Cancelled);
    expect(readdirSync(dir)).toEqual(['enas.ckpt']);
    await expect(runEnas(d, { ...o, seed: 6, checkpoint })).rejects.toThrow(/is of another ENAS run/);
    const resumed = await runEnas(d, { ...o, checkpoint });
    expect(resumed.resumedFrom).toBe(2);
    expect(resumed.epochs.map((e) => e.resumed === true)).toEqual([true, true, false, false, false]);
    expect(strip(resumed)).toEqual(strip(whole));
  }, 60_000);
});
