// The libtorch engine's NB201 weight-sharing network (native/torch/src/darts.cpp): DARTS first and
// second order, ENAS's shared-weight steps and rewards, cancellation, stop, and bad input.
import { describe, expect, it } from 'vitest';
import { Cancelled, NasError } from '../../../shared/errors.js';
import { stripes } from '../../../test/fixtures/stripes.js';
import { missingPeer } from '../../../test/harness/peer.js';
import { CancellationTokenSource } from '../../core/cancellation.js';
import { alphaFrom, discretise, EnasController, softmax } from '../../core/one-shot/nb201-alpha.js';
import { Nb201OneShotNet, type OneShotNetOptions } from './one-shot-engine.js';
import { loadTorch } from './torch-engine.js';

const loaded = loadTorch();
const skip = missingPeer('libtorch (the native engine; npm run build:native)', typeof loaded === 'string' ? loaded : undefined);

/** The toy network: a 1×1 stem, one stage of one cell at 8×8, so only the cell sees space. */
const TOY: OneShotNetOptions = { input: [8, 8, 1], classes: 2, channels: 4, stages: 1, stemKernel: 1 };
const CONV3 = 3;

function toy(seed: number): Nb201OneShotNet {
  const net = new Nb201OneShotNet({ ...TOY, seed });
  net.setData(stripes(256, seed * 2 + 1), stripes(256, seed * 2 + 2));
  return net;
}

describe.skipIf(skip)('NB201 one-shot network (libtorch)', () => {
  it('DARTS recovers the only useful operation (3×3 conv) on the toy task, for several seeds', async () => {
    for (const seed of [2, 3, 4]) {
      const net = new Nb201OneShotNet({ ...TOY, seed });
      net.setData(stripes(256, seed * 2 + 1, 8, 1.5), stripes(256, seed * 2 + 2, 8, 1.5));
      const reports: number[] = [];
      const r = await net.darts({ epochs: 10, order: 1, batchSize: 32, lr: 0.05, archLr: 0.05, seed }, (e) => reports.push(e.valAccuracy));
      net.dispose();
      expect(r.epochs).toBe(10);
      expect(r.history.length).toBe(10 * 30);
      expect(reports).toHaveLength(10);
      expect(reports.at(-1)).toBeGreaterThan(0.9);
      const alpha = alphaFrom(r.alpha);
      // The edge into node 1 (the only way into it) takes the 3×3 conv, by a clear margin ('none' included).
      const first = softmax(alpha[0] as number[]);
      expect(discretise(alpha)[0], `seed ${seed}`).toBe(CONV3);
      expect(first[CONV3]).toBeGreaterThan(0.33);
      expect(Math.max(...first.filter((_, k) => k !== CONV3))).toBeLessThan(first[CONV3] as number);
      // Over the whole cell, the 3×3 conv holds the most weight among the operations that compute something.
      const total = [1, 2, 3, 4].map((k) => alpha.reduce((a, row) => a + (softmax(row)[k] as number), 0));
      expect(Math.max(...total.filter((_, i) => i !== CONV3 - 1))).toBeLessThan(total[CONV3 - 1] as number);
    }
  });

  it('second order (unrolled, finite-difference Hessian-vector product) is finite and differs from first order', async () => {
    const results = [];
    for (const order of [1, 2] as const) {
      const net = toy(4);
      results.push(await net.darts({ epochs: 2, order, batchSize: 32, lr: 0.05, archLr: 0.01, seed: 4 }, () => undefined));
      net.dispose();
    }
    const [first, second] = results.map((r) => Array.from(r!.alpha));
    expect(second!.every(Number.isFinite)).toBe(true);
    const diff = Math.max(...first!.map((v, i) => Math.abs(v - (second![i] as number))));
    expect(diff).toBeGreaterThan(1e-4);
    // Same order, same seed: the same alpha (the run is deterministic).
    const again = toy(4);
    const r2 = await again.darts({ epochs: 2, order: 2, batchSize: 32, lr: 0.05, archLr: 0.01, seed: 4 }, () => undefined);
    again.dispose();
    expect(Array.from(r2.alpha)).toEqual(second);
  });

  it('ENAS: with shared-weight steps and REINFORCE on validation accuracy, the 3×3 conv becomes more probable', async () => {
    const net = toy(5);
    const ctl = new EnasController({ seed: 5, lr: 0.5 });
    const p3 = () => ctl.probabilities().reduce((a, p) => a + (p[CONV3] as number), 0) / 6;
    expect(p3()).toBeCloseTo(0.2, 10);
    const rewards: number[] = [];
    for (let ep = 0; ep < 8; ep++) {
      const t = await net.trainSampled(ctl.sample(16), { lr: 0.05, batchSize: 32 });
      expect(t.steps).toBe(16);
      expect(Number.isFinite(t.loss)).toBe(true);
      for (let k = 0; k < 10; k++) {
        const cells = ctl.sample(8);
        const r = await net.evalSampled(cells, { batchSize: 64 });
        expect(r).toHaveLength(8);
        ctl.update(cells, [...r]);
        rewards.push(...r);
      }
    }
    expect(p3()).toBeGreaterThan(0.28);
    const first = rewards.slice(0, 80).reduce((a, b) => a + b, 0) / 80;
    const last = rewards.slice(-80).reduce((a, b) => a + b, 0) / 80;
    expect(last).toBeGreaterThan(first + 0.1);
    // A cell of 3×3 convs scores better with the shared weights than an all-skip cell, which is at chance.
    const [conv, skipCell] = await net.evalSampled([[3, 3, 3, 3, 3, 3], [1, 1, 1, 1, 1, 1]], { full: true });
    expect(conv).toBeGreaterThan(0.8);
    expect(skipCell).toBeLessThan(0.7);
    net.dispose();
  });

  it('cancellation ends DARTS and ENAS calls with Cancelled, and the network stays usable', async () => {
    const net = toy(6);
    const cts = new CancellationTokenSource();
    let epochs = 0;
    const run = net.darts({ epochs: 10_000, order: 2, batchSize: 32, seed: 6 }, () => {
      epochs++;
      cts.cancel();
    }, cts.token);
    await expect(run).rejects.toBeInstanceOf(Cancelled);
    expect(epochs).toBeGreaterThanOrEqual(1);
    expect(epochs).toBeLessThan(5);
    const cts2 = new CancellationTokenSource();
    const train = net.trainSampled(Array.from({ length: 100_000 }, () => [3, 3, 3, 3, 3, 3]), { lr: 0.05 }, cts2.token);
    setTimeout(() => cts2.cancel(), 50);
    await expect(train).rejects.toBeInstanceOf(Cancelled);
    const done = new CancellationTokenSource();
    done.cancel();
    await expect(net.evalSampled([[3, 3, 3, 3, 3, 3]], {}, done.token)).rejects.toBeInstanceOf(Cancelled);
    expect(await net.evalSampled([[3, 3, 3, 3, 3, 3]])).toHaveLength(1);
    net.dispose();
  });

  it('stop() ends DARTS after the current step with the epochs done so far', async () => {
    const net = toy(7);
    const r = await net.darts({ epochs: 10_000, order: 1, batchSize: 32, seed: 7 }, (e) => {
      if (e.epoch === 2) net.stop();
    });
    net.dispose();
    expect(r.stopped).toBe(true);
    expect(r.epochs).toBeGreaterThanOrEqual(2);
    expect(r.epochs).toBeLessThan(10);
    expect(r.history.length).toBe(r.epochs * 30);
  });

  it('the NaN guard: a loss that is not finite ends DARTS (divergedAt) and takes no ENAS step', async () => {
    // Values near float32's limit overflow the 3×3 stem's sums: Inf, then NaN after BatchNorm.
    const net = new Nb201OneShotNet({ ...TOY, stemKernel: 3, seed: 9 });
    const d = stripes(64, 9);
    const huge = { x: d.x.map((v) => Math.sign(v) * 3.4e38), y: d.y };
    net.setData(huge, huge);
    const before = Array.from(net.alpha());
    const r = await net.darts({ epochs: 3, order: 1, batchSize: 32 }, () => undefined);
    expect(r.divergedAt).toBe(0);
    expect(r.divergedLoss).toBe('NaN');
    expect(r.epochs).toBe(0);
    expect(Array.from(net.alpha())).toEqual(before);
    const t = await net.trainSampled([[3, 3, 3, 3, 3, 3]], { lr: 0.05 });
    expect(t.steps).toBe(0);
    expect(t.loss).toBeNaN();
    net.dispose();
  });

  it('bad input becomes NasError, and a busy network refuses a second call', async () => {
    const bad = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(NasError);
        expect((e as NasError).code).toBe('invalid-input');
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(bad(() => new Nb201OneShotNet({ ...TOY, channels: 0 }))).toMatch(/channels/);
    expect(bad(() => new Nb201OneShotNet({ ...TOY, input: [2, 2, 1], stages: 3 }))).toMatch(/4x4/);
    const net = new Nb201OneShotNet({ ...TOY, seed: 8 });
    await expect(net.darts({ epochs: 1, order: 1 }, () => undefined)).rejects.toThrow(/setData/);
    const d = stripes(16, 1);
    expect(bad(() => net.setData({ x: d.x.subarray(1), y: d.y }, d))).toMatch(/multiple/);
    expect(bad(() => net.setData({ x: d.x, y: Int32Array.from(d.y, () => 2) }, d))).toMatch(/label 2/);
    const nan = d.x.slice();
    nan[5] = NaN;
    expect(bad(() => net.setData({ x: nan, y: d.y }, d))).toMatch(/not finite/);
    net.setData(d, d);
    await expect(net.darts({ epochs: 1, order: 3 as 1 }, () => undefined)).rejects.toThrow(/order/);
    await expect(net.darts({ epochs: 0, order: 1 }, () => undefined)).rejects.toBeInstanceOf(NasError);
    await expect(net.evalSampled([[3, 3, 3, 3, 3, 9]])).rejects.toThrow(/op code 9/);
    await expect(net.evalSampled([[3, 3, 3]])).rejects.toThrow(/6 edges/);
    const running = net.darts({ epochs: 50, order: 1, seed: 1 }, () => undefined);
    await expect(net.evalSampled([[3, 3, 3, 3, 3, 3]])).rejects.toThrow(/busy/);
    net.dispose();
    await expect(running).rejects.toBeInstanceOf(Cancelled);
  });
});
