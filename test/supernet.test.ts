// The once-for-all supernet on the native engine (real libtorch): weight sharing is real (a
// sub-network's weights are slices of the supernet's, and change with them), a sub-network cut out
// runs standalone exactly as it runs inside the supernet, BatchNorm recalibration changes and
// improves a sub-network's accuracy, and a cancelled or killed training resumes from its checkpoint
// to the very weights an uninterrupted training reaches.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Cancelled } from '../shared/errors.js';
import { DivergedError } from '../main/services/train/trainer.js';
import type { Architecture, ModelGraph } from '../shared/types/index.js';
import { CancellationTokenSource } from '../main/core/cancellation.js';
import { Rng } from '../main/core/rng.js';
import { extremes } from '../main/core/supernet.js';
import { weightShapes } from '../main/services/export/weights.js';
import type { Supernet } from '../main/services/train/supernet-engine.js';
import { loadTorch } from '../main/services/train/torch-engine.js';
import { ROOT } from './cli-helpers.js';
import { toyData, toySpace, toySupernet } from './fixtures/supernet-toy.js';
import { missingPeer } from './harness/peer.js';
import { runGraphTfjs } from './harness/tfjs-graph.js';
import { expectRecalibrationHelps, recalibrationEffect } from './harness/supernet-recalibration.js';

const loaded = loadTorch();
const skip = missingPeer('libtorch (the native engine; npm run build:native)', typeof loaded === 'string' ? loaded : undefined);
const dir = mkdtempSync(join(tmpdir(), 'frontier-supernet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const never = new CancellationTokenSource().token;
const space = toySpace();

function archs(n: number, seed: number): Architecture[] {
  const rng = new Rng(seed);
  const { largest, smallest } = extremes(space);
  return [largest, smallest, ...Array.from({ length: n }, () => space.freeze(space.sample(rng)))];
}

/** Shapes of every weight of a graph, keyed `<node id>/<kind>`. */
function shapes(g: ModelGraph): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const node of g.nodes) for (const [kind, shape] of weightShapes(g, node)) out.set(`${node.id}/${kind}`, shape);
  return out;
}

/**
 * The box of a Keras-layout tensor of shape `full` that a sub-tensor of shape `sub` is: leading
 * indices on every axis, except the spatial axes of kernels (the first two of a 4-D kernel), which
 * take the centre.
 */
function slice(data: Float32Array, full: number[], sub: number[]): Float32Array {
  const off = sub.map((s, i) => (full.length === 4 && i < 2 ? ((full[i] as number) - s) / 2 : 0));
  const strides = full.map((_, i) => full.slice(i + 1).reduce((a, b) => a * b, 1));
  const out = new Float32Array(sub.reduce((a, b) => a * b, 1));
  const idx = sub.map(() => 0);
  for (let k = 0; k < out.length; k++) {
    let at = 0;
    for (let i = 0; i < sub.length; i++) at += ((idx[i] as number) + (off[i] as number)) * (strides[i] as number);
    out[k] = data[at] as number;
    for (let i = sub.length - 1; i >= 0; i--) {
      idx[i] = (idx[i] as number) + 1;
      if ((idx[i] as number) < (sub[i] as number)) break;
      idx[i] = 0;
    }
  }
  return out;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)));
  return d;
}

async function train(s: Supernet, steps: number, checkpoint?: string, token = never, onStep: (step: number) => void = () => undefined) {
  return s.train({ steps, batchSize: 32, lr: 0.01, seed: 7, ...(checkpoint ? { checkpoint, checkpointEvery: 5 } : {}), reportEvery: 1 }, (p) => onStep(p.step), token);
}

describe.skipIf(skip)('once-for-all supernet (libtorch)', () => {
  it("shares weights: each sub-network's weights are the slices of the supernet's, and change with them", async () => {
    const s = toySupernet();
    try {
      await train(s, 4);
      const { largest } = extremes(space);
      const full = s.weights().map;
      const fullShapes = shapes(s.graph(largest));
      expect([...full.keys()].sort()).toEqual([...fullShapes.keys()].sort());
      for (const a of archs(6, 11)) {
        const sub = s.subnetWeights(a).map;
        const subShapes = shapes(s.graph(a));
        expect([...sub.keys()].sort(), a.key).toEqual([...subShapes.keys()].sort());
        for (const [name, w] of sub) {
          const fs = fullShapes.get(name) as number[];
          const ss = subShapes.get(name) as number[];
          expect(w.length, `${a.key} ${name}`).toBe(ss.reduce((x, y) => x * y, 1));
          expect(maxDiff(w, slice(full.get(name) as Float32Array, fs, ss)), `${a.key} ${name}`).toBe(0);
        }
      }
      // One shared value changes every sub-network that uses it: the centre tap of the first
      // depthwise kernel, which every kernel size includes.
      const name = 's1.b1.dw.conv/kernel';
      const [k, , c] = fullShapes.get(name) as number[];
      const changed = new Float32Array(full.get(name) as Float32Array);
      const centre = ((((k as number) - 1) / 2) * (k as number) + ((k as number) - 1) / 2) * (c as number);
      changed[centre] = (changed[centre] as number) + 1;
      const x = toyData(4, 9).x;
      const before = archs(3, 12).map((a) => ({ a, w: s.subnetWeights(a).map.get(name) as Float32Array, y: s.predict(a, x) }));
      s.setWeights(new Map([[name, changed]]));
      for (const { a, w, y } of before) {
        const now = s.subnetWeights(a).map.get(name) as Float32Array;
        const ss = shapes(s.graph(a)).get(name) as number[];
        const kc = ((ss[0] as number) - 1) / 2;
        const at = (kc * (ss[0] as number) + kc) * (ss[2] as number);
        expect((now[at] as number) - (w[at] as number), a.key).toBeCloseTo(1, 5);
        expect(maxDiff(s.predict(a, x), y), `${a.key}: its outputs move with the shared weight`).toBeGreaterThan(1e-6);
      }
    } finally {
      s.dispose();
    }
  });

  it('a sub-network cut out runs standalone (libtorch, and the graph IR reference in tfjs that the TFLite export is checked against) with the same outputs as inside the supernet (≤ 1e-4)', async () => {
    const s = toySupernet();
    try {
      await train(s, 6);
      const x = toyData(5, 21).x;
      for (const a of archs(5, 13)) {
        await s.evaluate(a); // its BatchNorm statistics recalibrated
        const m = s.standalone(a);
        try {
          const inside = s.predict(a, x);
          const alone = m.predict(x);
          expect(maxDiff(inside, alone), a.key).toBeLessThanOrEqual(1e-4);
          const reference = await runGraphTfjs(s.graph(a), s.subnetWeights(a), x.subarray(0, 144)); // one example
          expect(maxDiff(inside.subarray(0, reference.length), reference), `${a.key} (tfjs)`).toBeLessThanOrEqual(1e-4);
          expect(Math.max(...inside) - Math.min(...inside), `${a.key}: logits differ from each other`).toBeGreaterThan(1e-3);
        } finally {
          m.dispose();
        }
      }
    } finally {
      s.dispose();
    }
  });

  it("BatchNorm recalibration changes each sub-network's statistics and improves its accuracy on average", async () => {
    const s = toySupernet();
    const ckpt = join(dir, 'bn.ckpt');
    try {
      await train(s, 40, ckpt);
      expectRecalibrationHelps(await recalibrationEffect(s, ckpt, archs(6, 14), 8));
    } finally {
      s.dispose();
    }
  });

  it('a cancelled training checkpoints and resumes to the weights of an uninterrupted one', async () => {
    const straight = toySupernet();
    const resumed = toySupernet();
    const ckpt = join(dir, 'cancel.ckpt');
    try {
      await train(straight, 16);
      const src = new CancellationTokenSource();
      let stoppedAt = 0;
      await expect(train(resumed, 16, ckpt, src.token, (step) => {
        stoppedAt = step;
        if (step === 7) src.cancel();
      })).rejects.toBeInstanceOf(Cancelled);
      expect(existsSync(ckpt)).toBe(true);
      resumed.dispose();
      const again = toySupernet(99); // other initial weights: all of it must come from the checkpoint
      try {
        const r = await train(again, 16, ckpt);
        expect(r.resumedFrom).toBe(stoppedAt);
        expect(r.steps).toBe(16);
        const a = straight.weights().map;
        const b = again.weights().map;
        for (const [name, w] of a) expect(maxDiff(w, b.get(name) as Float32Array), name).toBeLessThanOrEqual(1e-6);
      } finally {
        again.dispose();
      }
    } finally {
      straight.dispose();
    }
  });

  it('stops at a NaN loss with DivergedError and writes no checkpoint of the broken weights', async () => {
    const s = toySupernet();
    const ckpt = join(dir, 'nan.ckpt');
    try {
      await train(s, 3);
      const good = s.weights().map.get('head.logits/bias') as Float32Array;
      s.setWeights(new Map([['head.logits/bias', new Float32Array(good.length).fill(Number.NaN)]]));
      await expect(train(s, 10, ckpt)).rejects.toBeInstanceOf(DivergedError);
      expect(existsSync(ckpt)).toBe(false);
    } finally {
      s.dispose();
    }
  });

  it('a killed training process resumes from its last periodic checkpoint', async () => {
    const ckpt = join(dir, 'kill.ckpt');
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/supernet-toy.ts', ckpt, '40'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let killedAfter = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const steps = [...out.matchAll(/step (\d+)/g)].map((m) => Number(m[1]));
          const last = steps[steps.length - 1] ?? 0;
          if (last >= 12 && !killedAfter) {
            killedAfter = last;
            child.kill('SIGKILL');
          }
        });
        child.on('exit', () => (killedAfter ? resolve() : reject(new Error(`the training ended before it was killed: ${out}`))));
      });
    } finally {
      child.kill('SIGKILL');
    }
    expect(killedAfter).toBeLessThan(40);
    const straight = toySupernet();
    const resumed = toySupernet(99);
    try {
      const r = await train(resumed, 40, ckpt);
      expect(r.resumedFrom).toBeGreaterThanOrEqual(10);
      expect(r.resumedFrom).toBeLessThanOrEqual(killedAfter);
      expect((r.resumedFrom as number) % 5).toBe(0);
      await train(straight, 40);
      const a = straight.weights().map;
      const b = resumed.weights().map;
      for (const [name, w] of a) expect(maxDiff(w, b.get(name) as Float32Array), name).toBeLessThanOrEqual(1e-6);
    } finally {
      straight.dispose();
      resumed.dispose();
    }
  }, 60_000);
});
