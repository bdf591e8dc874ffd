import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from './cli-helpers.js';
import type { CurvePoint, StudySpec } from '../shared/types/index.js';
import { CancellationTokenSource } from '../main/core/cancellation.js';
import { InMemoryStore } from '../main/core/in-memory-store.js';
import { MobilenetSpace } from '../main/core/spaces/mobilenet.js';
import { tf } from '../main/services/train/backend.js';
import { TrainEvaluator, type TrainEvaluatorSpec } from '../main/services/train/evaluator.js';

const spec = (seed = 0): StudySpec => ({
  name: 't', space: 'mobilenet', strategy: 'random', objectives: [{ metric: 'val_accuracy', direction: 'max' }],
  constraints: [], report: [], budget: { evals: 1 }, seed, evaluator: { kind: 'train' },
});
const space = new MobilenetSpace();
const small = space.freeze(space.parse('w0.5:k3e3/w0.5:k3e3/w0.5:k3e3/w0.5:k3e1'));
const never = new CancellationTokenSource().token;

describe('training on real data (built-in Fashion-MNIST subset)', () => {
  const store = new InMemoryStore();
  const studyId = store.createStudy(spec(), Date.now()).id;
  const settings: TrainEvaluatorSpec = { kind: 'train', backend: 'wasm', maxTrain: 1000, val: 300, epochs: 2, batchSize: 32, mobilenet: { stemStride: 2 } };
  const ev = new TrainEvaluator(spec(), { ...settings, latencyBackends: ['wasm', 'cpu'] }, { store, studyId });
  afterAll(() => ev.dispose());

  it('trains a small candidate to clearly above chance (10 classes), with curve, cost and latency', async () => {
    const points: CurvePoint[] = [];
    const r = await ev.evaluate(small, (p) => points.push(p), never);
    expect(r.metrics.val_accuracy, JSON.stringify(r.metrics)).toBeGreaterThan(0.5);
    expect(r.metrics.test_accuracy).toBeGreaterThan(0.45);
    expect(points.filter((p) => p.metric === 'val_accuracy').map((p) => p.step)).toEqual([1, 2]);
    // known() is the analytic cost, available before training and equal to what evaluate reports
    const known = ev.known(small);
    expect(known.params).toBeGreaterThan(1000);
    for (const k of ['params', 'flops', 'peak_activation_bytes', 'model_bytes']) expect(r.metrics[k]).toBe(known[k]);
    expect(r.fidelity).toMatchObject({ val_accuracy: 'epochs:2', latency_ms: 'local:wasm', params: 'analytic' });
    expect(r.metrics.latency_ms).toBeGreaterThan(0);
    // the trained model timed on the cpu backend too (the training backend is not timed twice)
    expect(r.metrics.latency_cpu_ms).toBeGreaterThan(0);
    expect(r.metrics.latency_wasm_ms).toBeUndefined();
    expect(tf.getBackend()).toBe('wasm');
    const samples = store.getLatencySamples();
    expect(samples.map((s) => s.deviceId).sort()).toEqual(['local:cpu', 'local:wasm']);
    const wasm = samples.find((s) => s.deviceId === 'local:wasm');
    expect(wasm).toMatchObject({ subject: small.key, studyId, runs: expect.any(Number) });
    expect(wasm?.provenance).toMatchObject({ backend: 'wasm', simd: true, batch: 1, tfjs: expect.any(String) });
  });

  it('rejects a forced backend that cannot run, with its reason', async () => {
    const bad = new TrainEvaluator(spec(), { ...settings, backend: 'tensorflow' });
    await expect(bad.evaluate(small, () => undefined, never)).rejects.toThrow(/backend tensorflow is not available: neither @tensorflow\/tfjs-node-gpu nor @tensorflow\/tfjs-node is installed/);
  });
});

describe('parallel training on worker threads', () => {
  it('runs trials on two workers, relays their curves, and cancels one in flight', async () => {
    const ev = new TrainEvaluator(spec(), { kind: 'train', backend: 'wasm', maxTrain: 200, val: 100, epochs: 1, batchSize: 32, latency: false, workers: 2, mobilenet: { stemStride: 2 } });
    try {
      const tiny = space.freeze(space.parse('w0.5:k3e1/w0.5:k3e1/w0.5:k3e1/w0.5:k3e1'));
      const curves: CurvePoint[][] = [[], []];
      const cts = new CancellationTokenSource();
      const [a, b] = await Promise.allSettled([
        ev.evaluate(tiny, (p) => curves[0]?.push(p), never),
        ev.evaluate(small, (p) => curves[1]?.push(p), cts.token),
        new Promise((r) => setTimeout(r, 50)).then(() => cts.cancel()),
      ]);
      expect(a.status, String((a as PromiseRejectedResult).reason)).toBe('fulfilled');
      expect((a as PromiseFulfilledResult<{ metrics: Record<string, number> }>).value.metrics.val_accuracy).toBeGreaterThan(0);
      expect(curves[0]?.map((p) => p.metric)).toEqual(['train_loss', 'val_loss', 'val_accuracy']);
      expect(b.status).toBe('rejected');
      expect(String((b as PromiseRejectedResult).reason)).toMatch(/cancelled/);
    } finally {
      ev.dispose();
    }
  });
});

describe('frontier search trains by default (the real binary)', () => {
  it('runs a small training search on worker threads, applies a constraint on analytic params, stores and prints the front', () => {
    const db = join(tempDir(), 'f.db');
    const r = cli(['search', '--backend', 'wasm', '--workers', '2', '--max-train', '100', '--val', '50', '--epochs', '1',
      '--constraint', 'params <= 60000', '--budget-evals', '3', '--seed', '3', '--augment'], { db });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/study \d+: mobilenet space, evolution, objectives val_accuracy:max, latency_ms:min/);
    expect(r.stderr).toMatch(/training on builtin:fashion-mnist with backend wasm \(WebAssembly \(XNNPACK, SIMD, 1 thread\)\), 2 worker threads/);
    expect(r.stdout).toMatch(/study \d+ complete: evaluation budget of 3 used/);
    expect(r.stdout).toMatch(/Pareto front: \d+ architectures?/);
    // the seeded first candidates include one over the limit: rejected from its analytic params, never trained
    expect(r.stdout).toMatch(/3 evaluations, .*; 0 failed, [1-9]\d* rejected by constraints/);
    const header = r.stdout.split('\n').find((l) => l.startsWith('trial ')) ?? '';
    for (const col of ['architecture', 'val_accuracy (max)', 'latency_ms (min)', 'test_accuracy', 'params', 'flops']) expect(header).toContain(col);
    const id = /study (\d+) complete/.exec(r.stdout)?.[1] as string;
    const exported = JSON.parse(cli(['export', id, '--format', 'json'], { db }).stdout) as { trials: { state: string; metrics: Record<string, number> }[]; spec: { evaluator: Record<string, unknown> } };
    expect(exported.spec.evaluator).toMatchObject({ kind: 'train', augment: { flip: true, shift: 2 }, maxTrain: 100, val: 50, epochs: 1, workers: 2, backend: 'wasm' });
    const done = exported.trials.filter((t) => t.state === 'complete');
    expect(done.length).toBe(3);
    for (const t of done) {
      expect(t.metrics.params).toBeLessThanOrEqual(60000);
      expect(t.metrics.val_accuracy).toBeGreaterThan(0);
      expect(t.metrics.latency_ms).toBeGreaterThan(0);
    }
  });
});

describe('training flags: bad input gives one line', () => {
  it('rejects unknown backends', () => {
    const a = cli(['search', '--backend', 'gpu', '--budget-evals', '1']);
    expect(a.code).not.toBe(0);
    expect(a.stderr).toMatch(/--backend must be one of torch, tensorflow, webgpu, wasm, cpu, got 'gpu'/);
    const b = cli(['search', '--latency-on', 'wasm,tpu', '--budget-evals', '1']);
    expect(b.code).not.toBe(0);
    expect(b.stderr).toMatch(/--latency-on: 'tpu' is not a backend \(torch, tensorflow, webgpu, wasm, cpu\)/);
  });
});
