// The once-for-all supernet on the tfjs fallback (main/services/train/supernet-tfjs.ts): the same
// function as the native libtorch supernet (same weights in, same logits out, for sub-networks of
// every kind of slicing), weight sharing that is real (a step on a small sub-network moves only the
// slices it reads of the shared variables, and their gradients are those slices'), training that
// learns, BatchNorm recalibration that helps, and a cancelled training that resumes exactly.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Cancelled } from '../shared/errors.js';
import type { Architecture, ModelGraph } from '../shared/types/index.js';
import { CancellationTokenSource } from '../main/core/cancellation.js';
import { Rng } from '../main/core/rng.js';
import { extremes } from '../main/core/supernet.js';
import { weightShapes } from '../main/services/export/weights.js';
import { tf } from '../main/services/train/backend.js';
import { readTfjsCheckpoint, TfjsSupernet } from '../main/services/train/supernet-tfjs.js';
import { loadTorch } from '../main/services/train/torch-engine.js';
import { DivergedError } from '../main/services/train/trainer.js';
import { TOY_CLASSES, TOY_INPUT, toyData, toySpace, toySupernet } from './fixtures/supernet-toy.js';
import { missingPeer } from './harness/peer.js';
import { expectRecalibrationHelps, recalibrationEffect } from './harness/supernet-recalibration.js';

const loaded = loadTorch();
const noTorch = missingPeer('libtorch (the native engine; npm run build:native)', typeof loaded === 'string' ? loaded : undefined);
const dir = mkdtempSync(join(tmpdir(), 'frontier-supernet-tfjs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const never = new CancellationTokenSource().token;
const space = toySpace();

function tfjsSupernet(seed = 1): TfjsSupernet {
  const s = new TfjsSupernet(space, { input: TOY_INPUT, classes: TOY_CLASSES, seed });
  s.setData(toyData(256, 3), toyData(64, 4));
  return s;
}

/** Largest, smallest, and sub-networks of mixed widths, kernels, expansions, depths and squeeze-excite. */
function archs(): Architecture[] {
  const rng = new Rng(5);
  const { largest, smallest } = extremes(space);
  const out = [largest, smallest];
  while (out.length < 8) {
    const a = space.freeze(space.sample(rng));
    if (!out.some((b) => b.key === a.key)) out.push(a);
  }
  return out;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)));
  return d;
}

function shapes(g: ModelGraph): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const node of g.nodes) for (const [kind, shape] of weightShapes(g, node)) out.set(`${node.id}/${kind}`, shape);
  return out;
}

/** Which flat indices of a Keras tensor of shape `full` a sub-network's tensor of shape `sub` reads (centre of kernels' spatial axes, leading elsewhere). */
function inSlice(full: number[], sub: number[]): boolean[] {
  const off = sub.map((s, i) => (full.length === 4 && i < 2 ? ((full[i] as number) - s) / 2 : 0));
  const n = full.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, flat) => {
    let r = flat;
    const idx: number[] = [];
    for (let i = full.length - 1; i >= 0; i--) {
      idx[i] = r % (full[i] as number);
      r = Math.floor(r / (full[i] as number));
    }
    return idx.every((v, i) => v >= (off[i] as number) && v < (off[i] as number) + (sub[i] as number));
  });
}

describe.skipIf(noTorch)('tfjs supernet = native supernet', () => {
  it('with the same weights, every kind of sub-network gives the same logits (≤ 1e-4) and the same cut-out weights', async () => {
    const native = toySupernet();
    const t = tfjsSupernet(42);
    try {
      const nativeCkpt = join(dir, 'native.ckpt');
      await native.train({ steps: 4, batchSize: 32, lr: 0.01, seed: 7, reportEvery: 1, checkpoint: nativeCkpt }, () => undefined, never); // trained weights and statistics
      const w = native.weights().map;
      expect(t.loadCheckpoint(nativeCkpt), 'a native checkpoint, read through libtorch').toBe(4);
      expect(maxDiff(t.weights().map.get('s1.b1.project.bn/movingMean') as Float32Array, w.get('s1.b1.project.bn/movingMean') as Float32Array)).toBe(0);
      t.setWeights(new Map([...w].map(([k, v]) => [k, new Float32Array(v.length)])));
      expect([...t.weights().map.keys()].sort()).toEqual([...w.keys()].sort());
      expect(t.paramCount()).toBe(native.paramCount());
      t.setWeights(w);
      expect(maxDiff(t.weights().map.get('s2.b2.dw.conv/kernel') as Float32Array, w.get('s2.b2.dw.conv/kernel') as Float32Array)).toBe(0);
      const x = toyData(6, 9).x;
      const kinds = new Set<string>();
      for (const a of archs()) {
        const mine = t.predict(a, x);
        const theirs = native.predict(a, x);
        expect(Math.max(...theirs) - Math.min(...theirs), `${a.key}: logits differ from each other`).toBeGreaterThan(1e-2);
        expect(maxDiff(mine, theirs), a.key).toBeLessThanOrEqual(1e-4);
        const sub = native.subnetWeights(a).map;
        const cut = t.subnetWeights(a).map;
        expect([...cut.keys()].sort(), a.key).toEqual([...sub.keys()].sort());
        for (const [name, v] of sub) expect(maxDiff(cut.get(name) as Float32Array, v), `${a.key} ${name}`).toBe(0);
        for (const k of ['se', 'k3', 'k5', 'e1', 'e3', 'w0.5', 'w1']) if (a.key.includes(k)) kinds.add(k);
        if (/-/.test(a.key)) kinds.add('depth 2');
      }
      expect([...kinds].sort()).toEqual(['depth 2', 'e1', 'e3', 'k3', 'k5', 'se', 'w0.5', 'w1']);
      // And back: weights the tfjs engine holds run the same in the native one.
      const bumped = new Map([...w].map(([k, v]) => [k, k.endsWith('/kernel') ? v.map((e, i) => e * (1 + 0.1 * Math.sin(i))) : v]));
      t.setWeights(bumped);
      native.setWeights(t.weights().map);
      for (const a of archs().slice(0, 3)) expect(maxDiff(t.predict(a, x), native.predict(a, x)), a.key).toBeLessThanOrEqual(1e-4);
    } finally {
      native.dispose();
      t.dispose();
    }
  });
});

describe('tfjs supernet', () => {
  it('shares weights: a step on a small sub-network moves only the slices it reads, where its gradient lands, and leaves the rest of each shared variable as it was', () => {
    const t = tfjsSupernet();
    try {
      const { smallest } = extremes(space);
      const a = space.freeze(space.sample(new Rng(3)));
      const small = [smallest, a].find((s) => s.key.includes('se') && !s.key.startsWith('w1')) ?? space.freeze(space.dims.map((d) => (d.name.endsWith('.se') ? d.choices.indexOf(true as never) : 0)));
      expect(small.key).toMatch(/se/);
      const full = shapes(t.graph(extremes(space).largest));
      const used = shapes(t.graph(small));
      const before = t.weights().map;
      const d = toyData(16, 8);
      const tensorsBefore = tf.memory().numTensors;
      const { gradients } = t.trainStep([small], d.x, d.y, { lr: 0.01, gradients: true });
      expect(tf.memory().numTensors, 'no tensor leaks').toBe(tensorsBefore);
      const after = t.weights().map;
      const g = gradients as Map<string, Float32Array>;
      let sliced = 0;
      for (const [name, fullShape] of full) {
        const b = before.get(name) as Float32Array;
        const n = after.get(name) as Float32Array;
        const sub = used.get(name);
        if (!sub) {
          expect(maxDiff(b, n), `${name}: not read by ${small.key}, unchanged`).toBe(0);
          expect(g.has(name), `${name}: no gradient`).toBe(false);
          continue;
        }
        const mask = inSlice(fullShape, sub);
        const partial = mask.some((m) => !m);
        if (partial) sliced++;
        let moved = 0;
        for (let i = 0; i < mask.length; i++) {
          if (mask[i]) moved += b[i] !== n[i] ? 1 : 0;
          else expect(n[i], `${name}[${i}] outside the slice`).toBe(b[i]);
        }
        expect(moved / sub.reduce((x, y) => x * y, 1), `${name}: the slice moved`).toBeGreaterThan(0.5);
        if (name.endsWith('/movingMean') || name.endsWith('/movingVariance')) continue; // statistics: no gradient
        const grad = g.get(name) as Float32Array;
        expect(grad.length, `${name}: the gradient is the shared variable's`).toBe(b.length);
        expect(grad.some((v, i) => mask[i] && v !== 0), `${name}: gradient in the slice`).toBe(true);
        expect(grad.every((v, i) => mask[i] || v === 0), `${name}: no gradient outside the slice`).toBe(true);
      }
      expect(sliced, 'the small sub-network reads true slices').toBeGreaterThan(10);
    } finally {
      t.dispose();
    }
  });

  it('training lowers the loss; BatchNorm recalibration changes each sub-network\'s statistics and improves its accuracy on average', async () => {
    const t = tfjsSupernet();
    const ckpt = join(dir, 'bn.ckpt');
    try {
      const { largest } = extremes(space);
      const start = await t.evaluate(largest, { calibrationBatches: 2, calibrationBatchSize: 32 });
      const losses: number[] = [];
      const tensors = tf.memory().numTensors;
      const r = await t.train({ steps: 12, batchSize: 32, lr: 0.01, seed: 7, sandwich: 1, checkpoint: ckpt, checkpointEvery: 12, reportEvery: 1 }, (p) => losses.push(p.loss), never);
      expect(r.steps).toBe(12);
      expect(losses).toHaveLength(12);
      const end = await t.evaluate(largest, { calibrationBatches: 2, calibrationBatchSize: 32 });
      expect(end.loss, `validation loss of the largest network: ${start.loss} before training, ${end.loss} after`).toBeLessThan(start.loss * 0.7);
      expect(end.accuracy).toBeGreaterThan(start.accuracy);
      expect(tf.memory().numTensors, 'training and scoring leak no tensors').toBe(tensors);
      expectRecalibrationHelps(await recalibrationEffect(t, ckpt, archs().slice(0, 6), 4));
    } finally {
      t.dispose();
    }
  }, 60_000);

  it('a cancelled training checkpoints and resumes to the weights of an uninterrupted one; a damaged or foreign checkpoint is refused', async () => {
    const o = { steps: 6, batchSize: 16, lr: 0.01, seed: 3, sandwich: 1, reportEvery: 1 } as const;
    const straight = tfjsSupernet();
    const ckpt = join(dir, 'cancel.ckpt');
    try {
      await straight.train(o, () => undefined, never);
      const first = tfjsSupernet();
      const src = new CancellationTokenSource();
      let stoppedAt = 0;
      await expect(first.train({ ...o, checkpoint: ckpt }, (p) => {
        stoppedAt = p.step;
        if (p.step === 3) src.cancel();
      }, src.token)).rejects.toBeInstanceOf(Cancelled);
      first.dispose();
      expect(readTfjsCheckpoint(ckpt).step).toBe(stoppedAt);
      const again = tfjsSupernet(99); // other initial weights: all of it must come from the checkpoint
      try {
        const r = await again.train({ ...o, checkpoint: ckpt }, () => undefined, never);
        expect(r.resumedFrom).toBe(3);
        const a = straight.weights().map;
        const b = again.weights().map;
        for (const [name, w] of a) expect(maxDiff(w, b.get(name) as Float32Array), name).toBeLessThanOrEqual(1e-6);
      } finally {
        again.dispose();
      }
      const other = new TfjsSupernet(space, { input: [12, 12, 1], classes: 3, seed: 1 });
      try {
        expect(() => other.loadCheckpoint(ckpt)).toThrow(/is of another supernet/);
      } finally {
        other.dispose();
      }
      const broken = join(dir, 'broken.ckpt');
      writeFileSync(broken, readFileSync(ckpt).subarray(0, 4000));
      expect(() => straight.loadCheckpoint(broken)).toThrow(/is damaged/);
      await expect(straight.train({ ...o, steps: 1, momentum: 0.5 } as never, () => undefined, never)).rejects.toThrow(/option 'momentum' is not supported by the tfjs engine/);
      // A NaN loss stops the training with DivergedError, and no checkpoint of the broken weights is written.
      const nan = join(dir, 'nan.ckpt');
      const bias = straight.weights().map.get('head.logits/bias') as Float32Array;
      straight.setWeights(new Map([['head.logits/bias', new Float32Array(bias.length).fill(Number.NaN)]]));
      await expect(straight.train({ ...o, checkpoint: nan }, () => undefined, never)).rejects.toBeInstanceOf(DivergedError);
      expect(existsSync(nan)).toBe(false);
    } finally {
      straight.dispose();
    }
  }, 60_000);
});
