// Training trials on the native libtorch engine: on worker threads, through the evaluator and the
// real `frontier` binary; and the fallback to TensorFlow.js when the engine is missing.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CurvePoint, ModelGraph, StudySpec } from '../shared/types/index.js';
import { CancellationTokenSource } from '../main/core/cancellation.js';
import { buildGraph } from '../main/core/graph/index.js';
import { InMemoryStore } from '../main/core/in-memory-store.js';
import { MobilenetSpace } from '../main/core/spaces/mobilenet.js';
import { TrainEvaluator } from '../main/services/train/evaluator.js';
import { LATENCY_DEFAULTS } from '../main/services/train/latency.js';
import { TrainerPool } from '../main/services/train/pool.js';
import { loadTorch } from '../main/services/train/torch-engine.js';
import type { TrialJob } from '../main/services/train/trial.js';
import { TRAIN_DEFAULTS } from '../main/services/train/trainer.js';
import { cli, ROOT, tempDir } from './cli-helpers.js';
import { missingPeer } from './harness/peer.js';

const torch = loadTorch();
const skip = missingPeer('libtorch (the native engine)', typeof torch === 'string' ? torch : undefined);
const never = new CancellationTokenSource().token;
const space = new MobilenetSpace();
const small = space.freeze(space.parse('w0.5:k3e3/w0.5:k3e3/w0.5:k3e3/w0.5:k3e1'));
const spec = (seed = 0): StudySpec => ({
  name: 't', space: 'mobilenet', strategy: 'random', objectives: [{ metric: 'val_accuracy', direction: 'max' }],
  constraints: [], report: [], budget: { evals: 1 }, seed, evaluator: { kind: 'train' },
});

describe.skipIf(skip)('training trials on the libtorch engine', () => {
  const store = new InMemoryStore();
  const studyId = store.createStudy(spec(), Date.now()).id;
  const ev = new TrainEvaluator(spec(), { kind: 'train', backend: 'torch', maxTrain: 2000, val: 300, epochs: 2, batchSize: 32, mobilenet: { stemStride: 2 }, latencyBackends: ['cpu'] }, { store, studyId });
  afterAll(() => ev.dispose());

  it('trains a candidate on the built-in data well above chance, with curve, analytic costs, latency and its provenance', { timeout: 180_000 }, async () => {
    const points: CurvePoint[] = [];
    const r = await ev.evaluate(small, (p) => points.push(p), never);
    expect(r.metrics.val_accuracy, JSON.stringify(r.metrics)).toBeGreaterThan(0.6);
    expect(r.metrics.test_accuracy).toBeGreaterThan(0.55);
    expect(points.filter((p) => p.metric === 'val_accuracy').map((p) => p.step)).toEqual([1, 2]);
    const known = ev.known(small);
    for (const k of ['params', 'flops', 'peak_activation_bytes', 'model_bytes']) expect(r.metrics[k]).toBe(known[k]);
    expect(r.fidelity).toMatchObject({ val_accuracy: 'epochs:2', latency_ms: 'local:torch', train_images_per_s: 'local:torch', latency_cpu_ms: 'local:cpu' });
    expect(r.metrics.latency_ms).toBeGreaterThan(0);
    expect(r.metrics.train_images_per_s).toBeGreaterThan(0);
    // the torch-trained weights, copied into tfjs, timed on the tfjs cpu backend
    expect(r.metrics.latency_cpu_ms).toBeGreaterThan(0);
    const samples = store.getLatencySamples({ subject: small.key });
    const own = samples.find((s) => s.deviceId === 'local:torch');
    expect(own?.provenance).toMatchObject({ backend: 'torch', engine: 'libtorch', device: 'cpu', batch: 1 });
  });

  it('on worker threads: a graph libtorch rejects fails its trial with a readable error; the other trials and the pool live on', { timeout: 180_000 }, async () => {
    const pool = new TrainerPool(2);
    const good = buildGraph(space, small, { input: [28, 28, 1], classes: 10, mobilenet: { stemStride: 2 } });
    const bad: ModelGraph = { ...good, nodes: good.nodes.map((n, i) => (i === 3 ? { ...n, shape: [1, 2, 3] } : n)) };
    const job = (graph: ModelGraph): TrialJob => ({
      graph,
      data: { ref: 'builtin:fashion-mnist', val: 200, maxTrain: 1000, seed: 0, cwd: process.cwd() },
      train: { ...TRAIN_DEFAULTS, epochs: 1, batchSize: 32 },
      backend: 'torch',
      latency: { ...LATENCY_DEFAULTS, runs: 5, maxMs: 500 },
    });
    try {
      const [a, b] = await Promise.allSettled([pool.run(job(bad), () => {}, never), pool.run(job(good), () => {}, never)]);
      expect(a.status).toBe('rejected');
      expect(String((a as PromiseRejectedResult).reason)).toMatch(new RegExp(`libtorch cannot run this model: graph node ${bad.nodes[3]?.id.replace(/\./g, '\\.')} \\(${bad.nodes[3]?.op}\\): libtorch computes \\[.*\\], the graph says \\[1, 2, 3\\]`));
      expect(b.status, String((b as PromiseRejectedResult).reason)).toBe('fulfilled');
      const again = await pool.run(job(good), () => {}, never);
      expect(again.backend.name).toBe('torch');
      expect(again.result.valAccuracy).toBeGreaterThan(0.2); // chance is 0.1
      expect(again.latency?.medianMs).toBeGreaterThan(0);
    } finally {
      await pool.dispose();
    }
  });
});

describe.skipIf(skip)('libtorch jobs and their threads\' lifetimes', () => {
  it('a worker terminated mid-training stops its job and takes nothing down; a new pool trains', { timeout: 180_000 }, async () => {
    const good = buildGraph(space, small, { input: [28, 28, 1], classes: 10, mobilenet: { stemStride: 2 } });
    const job = (epochs: number): TrialJob => ({
      graph: good,
      data: { ref: 'builtin:fashion-mnist', val: 200, maxTrain: 2000, seed: 0, cwd: process.cwd() },
      train: { ...TRAIN_DEFAULTS, epochs, batchSize: 32, patience: 0 },
      backend: 'torch',
    });
    for (let round = 0; round < 3; round++) {
      const pool = new TrainerPool(1);
      const epochs: number[] = [];
      const long = pool.run(job(1000), (p) => epochs.push(p.step), never);
      // wait until it trains (its first epoch is reported), then terminate the worker under it
      for (let i = 0; i < 600 && epochs.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(epochs.length, 'the job started training').toBeGreaterThan(0);
      await pool.dispose();
      await expect(long).rejects.toThrow();
    }
    const pool = new TrainerPool(1);
    try {
      const out = await pool.run(job(1), () => {}, never);
      expect(out.result.valAccuracy).toBeGreaterThan(0.2);
    } finally {
      await pool.dispose();
    }
  });
});

describe.skipIf(skip)('process.exit() while libtorch trains', () => {
  it('exits with the code asked for, not a segfault (jobs are stopped first)', { timeout: 180_000 }, () => {
    for (const ms of [300, 900]) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/fixtures/torch-exit.ts', String(ms)], { cwd: ROOT, encoding: 'utf8', timeout: 90_000 });
      expect({ status: r.status, signal: r.signal }, r.stderr).toEqual({ status: 130, signal: null });
    }
  });
});

describe('frontier search picks its training backend (the real binary)', () => {
  it.skipIf(skip)('trains on libtorch by default, 10,000 images per candidate', () => {
    const db = join(tempDir(), 'f.db');
    const r = cli(['search', '--workers', '2', '--epochs', '1', '--budget-evals', '2', '--seed', '1'], { db });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/training on builtin:fashion-mnist with backend torch \(libtorch [\d.]+ \((CPU, 1 thread per candidate|CUDA, \d+ GPUs?)\)\), 2 worker threads/);
    const id = /study (\d+) complete/.exec(r.stdout)?.[1] as string;
    const exported = JSON.parse(cli(['export', id, '--format', 'json'], { db }).stdout) as { trials: { state: string; metrics: Record<string, number> }[]; spec: { evaluator: Record<string, unknown> } };
    expect(exported.spec.evaluator).toMatchObject({ kind: 'train', maxTrain: 10_000 });
    const done = exported.trials.filter((t) => t.state === 'complete');
    expect(done.length).toBe(2);
    for (const t of done) expect(t.metrics.val_accuracy).toBeGreaterThan(0.5);
  }, 240_000);

  it('falls back to TensorFlow.js when the engine is missing, and says why', () => {
    const db = join(tempDir(), 'f.db');
    const r = cli(['search', '--workers', '1', '--epochs', '1', '--budget-evals', '1', '--val', '100', '--no-latency'], { db, env: { FRONTIER_TORCH_ADDON: '/nonexistent/frontier_torch.node' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/with backend (tensorflow|webgpu|wasm|cpu) /);
    expect(r.stderr).toMatch(/not used: torch: the libtorch engine is not at \/nonexistent\/frontier_torch\.node/);
    const id = /study (\d+) complete/.exec(r.stdout)?.[1] as string;
    const exported = JSON.parse(cli(['export', id, '--format', 'json'], { db }).stdout) as { trials: { state: string }[]; spec: { evaluator: Record<string, unknown> } };
    expect(exported.spec.evaluator).toMatchObject({ kind: 'train', maxTrain: 1000 });
    expect(exported.trials.filter((t) => t.state === 'complete').length).toBe(1);
  }, 240_000);
});
