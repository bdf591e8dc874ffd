/**
 * Issue 12, "retrain the top-k" of a supernet search (in process, real SQLite file, real libtorch,
 * built-in Fashion-MNIST at tiny sizes): `frontier supernet finetune <study> --top K` fine-tunes the
 * search's best sub-networks from their supernet weights and records the fine-tuned accuracy in a
 * linked study; before any step each model scores what the supernet scored it; a fine-tune stopped
 * with a trial in flight resumes to the same sub-networks, none twice.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../main/cli/main.js';
import type { CliIO } from '../main/cli/io.js';
import { CancellationTokenSource } from '../main/core/cancellation.js';
import { SqliteStore } from '../main/services/sqlite-store.js';
import { createStudy, runStudy } from '../main/services/studies.js';
import { finetuneStudySpec, topSubnets } from '../main/services/train/supernet-finetune.js';
import { loadTorch } from '../main/services/train/torch-engine.js';
import { MobilenetSpace } from '../main/core/spaces/mobilenet.js';
import { DEFAULT_DATASET } from '../main/services/data/builtin.js';
import { Supernet } from '../main/services/train/supernet-engine.js';
import { supernetData, writeSupernetMeta } from '../main/services/train/supernet-study.js';
import { tempDir } from './cli-helpers.js';
import { missingPeer } from './harness/peer.js';

const loaded = loadTorch();
/** Two small stages: trains in seconds on 2 cores. */
const TOY_OPTIONS = {
  stages: [{ channels: 16, stride: 1, depths: [1, 2] }, { channels: 24, stride: 2, depths: [1, 2] }],
  kernels: [3, 5], expansions: [1, 3], widths: [0.5, 1], squeezeExcite: true,
};
const skip = missingPeer('libtorch (the native engine; npm run build:native)', typeof loaded === 'string' ? loaded : undefined);

describe.skipIf(skip)('frontier supernet finetune', () => {
  const dir = tempDir('frontier-finetune-');
  const db = join(dir, 'f.db');
  const ckpt = join(dir, 'net.ckpt');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = async (args: string[]) => {
    const o = { stdout: '', stderr: '' };
    const io: CliIO = { isTTY: false, columns: 100, cwd: dir, env: { ...process.env, FRONTIER_DB: db }, out: (t) => void (o.stdout += t), err: (t) => void (o.stderr += t) };
    const code = await main(args, io);
    return { code, ...o };
  };
  let source = '';

  /** A small supernet (the toy space) trained on a few Fashion-MNIST images, and a stored search over its sub-networks. */
  async function sourceSearch(): Promise<string> {
    const meta = { version: 1, space: 'mobilenet', spaceOptions: TOY_OPTIONS, data: DEFAULT_DATASET, cwd: dir, val: 100, maxTrain: 500, seed: 0, stemStride: 2 } as const;
    const data = supernetData(meta);
    const net = new Supernet(new MobilenetSpace(TOY_OPTIONS), { input: data.train.shape, classes: data.train.classes, stemStride: 2, seed: 0, device: 'cpu', threads: 1 });
    try {
      net.setData(data.train, data.val);
      const r = await net.train({ steps: 60, batchSize: 32, lr: 0.01, seed: 0, checkpoint: ckpt, checkpointEvery: 60 }, () => undefined, new CancellationTokenSource().token);
      writeSupernetMeta(ckpt, { ...meta, input: data.train.shape, classes: data.train.classes, steps: 60, trainedSteps: r.steps, trainSeconds: r.seconds });
    } finally {
      net.dispose();
    }
    const store = SqliteStore.open(db);
    try {
      const rec = createStudy(store, {
        name: 'toy supernet search', space: 'mobilenet', spaceOptions: TOY_OPTIONS, strategy: 'random', objectives: [{ metric: 'val_accuracy', direction: 'max' }],
        constraints: [], report: ['params'], budget: { evals: 5 }, seed: 0, evaluator: { kind: 'supernet', checkpoint: ckpt },
      });
      expect((await runStudy(store, rec.id, new CancellationTokenSource().token)).status).toBe('complete');
      return rec.id;
    } finally {
      store.close();
    }
  }

  it('fine-tunes the top sub-networks from their supernet weights and records their accuracy in a linked study', async () => {
    source = await sourceSearch();

    const bad = await run(['supernet', 'finetune', source]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--top K/);

    const r = await run(['supernet', 'finetune', source, '--top', '2', '--epochs', '1', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { study: string; source: string; finetuned: { sourceTrial: number; supernetValAccuracy: number; inheritedValAccuracy: number; valAccuracy: number }[] };
    expect(out.source).toBe(source);

    const store = SqliteStore.open(db);
    try {
      const src = store.getStudy(source);
      if (!src) throw new Error('no source study');
      const top = topSubnets(src, store.getTrials(source), 2);
      expect(top).toHaveLength(2);
      const tuned = store.getTrials(out.study, { states: ['complete'] });
      expect(tuned.map((t) => t.key)).toEqual(top.map((t) => t.key));
      for (const [i, t] of tuned.entries()) {
        const from = top[i];
        expect(t.metrics.source_trial).toBe(from?.number);
        // The supernet scores the sub-network as the search did, and the standalone model, before any step, as the supernet.
        expect(Math.abs((t.metrics.supernet_val_accuracy as number) - (from?.metrics.val_accuracy as number))).toBeLessThanOrEqual(0.011);
        expect(Math.abs((t.metrics.inherited_val_accuracy as number) - (t.metrics.supernet_val_accuracy as number))).toBeLessThanOrEqual(0.021);
        expect(t.metrics.val_accuracy).toBeGreaterThan(0.1);
        expect(t.metrics.finetune_epochs).toBe(1);
        expect(store.getCurve(out.study, t.number).some((p) => p.metric === 'val_accuracy')).toBe(true);
        const art = store.listArtifacts(out.study, t.number);
        expect(art).toHaveLength(1);
        expect(existsSync(art[0]?.path as string)).toBe(true);
      }
      // Trained weights, well above chance (10 classes): a start from fresh weights would not score this.
      expect(Math.max(...tuned.map((t) => t.metrics.inherited_val_accuracy as number))).toBeGreaterThan(0.3);
      expect(out.finetuned.map((f) => f.valAccuracy)).toEqual(tuned.map((t) => t.metrics.val_accuracy));
    } finally {
      store.close();
    }
    // The fine-tuned weights are the trial's: it exports like a retrained one.
    const exported = await run(['export', out.study, '--trial', '0', '--format', 'onnx', '--out', join(dir, 'best.onnx')]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(existsSync(join(dir, 'best.onnx'))).toBe(true);
  }, 120_000);

  it('fine-tunes on the tfjs fallback from the same inherited weights', async () => {
    const r = await run(['supernet', 'finetune', source, '--top', '1', '--epochs', '1', '--backend', 'tfjs', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/failed/);
    const [f] = (JSON.parse(r.stdout) as { finetuned: { supernetValAccuracy: number; inheritedValAccuracy: number; valAccuracy: number }[] }).finetuned;
    expect(f?.supernetValAccuracy).toBeGreaterThan(0.3);
    expect(Math.abs((f?.inheritedValAccuracy as number) - (f?.supernetValAccuracy as number))).toBeLessThanOrEqual(0.021);
    expect(f?.valAccuracy).toBeGreaterThan(0.1);
  }, 60_000);

  it('a fine-tune stopped with a sub-network in flight resumes to the same sub-networks, none twice', async () => {
    const store = SqliteStore.open(db);
    try {
      const src = store.getStudy(source);
      if (!src) throw new Error('no source study');
      const top = topSubnets(src, store.getTrials(source), 2);
      const rec = createStudy(store, finetuneStudySpec(src, top, { epochs: 1 }));
      const cts = new CancellationTokenSource();
      const first = await runStudy(store, rec.id, cts.token, { onTrialStarted: (t) => void (t.number === 1 && cts.cancel()) });
      expect(first.status).toBe('stopped');
      expect(store.getTrials(rec.id, { states: ['complete'] }).map((t) => t.key)).toEqual([top[0]?.key]);
      const again = await runStudy(store, rec.id, new CancellationTokenSource().token);
      expect(again.status).toBe('complete');
      expect(store.getTrials(rec.id, { states: ['complete'] }).map((t) => t.key)).toEqual(top.map((t) => t.key));
    } finally {
      store.close();
    }
  }, 60_000);
});
