// End to end (#16): `frontier search --space kws` through the real binary on the built-in spoken
// keywords (espeak-ng clips → MFCC computed in the app → DS-CNN/TC-ResNet trained with tfjs wasm).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from './cli-helpers.js';
import { shortSearch } from './harness/short-search.js';

const dir = tempDir('frontier-kws-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('frontier search --space kws (the real binary, built-in keyword set)', () => {
  it('trains a short search of keyword spotters and prints a Pareto front; the study keeps its feature settings', () => {
    const db = join(dir, 'kws.db');
    const { stdout, exported } = shortSearch<{
      spec: { evaluator: Record<string, unknown> };
      trials: { state: string; key: string; metrics: Record<string, number> }[];
    }>(db, 'kws', 'builtin:speech-keywords', 3, ['--budget-evals', '3', '--epochs', '6', '--workers', '2', '--seed', '5']);
    const rows = stdout.split('\n').filter((l) => /^\d+\s+(ds-cnn|tc-resnet):/.test(l));
    expect(rows.length).toBeGreaterThanOrEqual(1);

    expect(exported.spec.evaluator).toMatchObject({
      kind: 'train', data: 'builtin:speech-keywords', val: 0.2, epochs: 6,
      audio: { kind: 'mfcc', sampleRate: 16000, clipMs: 1000, windowMs: 30, hopMs: 20, nMels: 40, nMfcc: 10, fmin: 20, fmax: 7600, noiseProbability: 0.8, noiseVolume: 0.1 },
    });
    const done = exported.trials.filter((t) => t.state === 'complete');
    expect(done).toHaveLength(3);
    for (const t of done) {
      expect(t.key).toMatch(/^(ds-cnn|tc-resnet):\d+\//);
      // 70 validation clips, 10 keywords: chance is 0.1; test_accuracy is the held-out en-029 accent.
      expect(t.metrics.val_accuracy).toBeGreaterThan(0);
      expect(t.metrics.test_accuracy).toBeGreaterThanOrEqual(0);
      expect(t.metrics.params).toBeGreaterThan(0);
      expect(t.metrics.latency_ms).toBeGreaterThan(0);
    }
    // The keywords are learnable: the best of three short trainings is well above chance.
    expect(Math.max(...done.map((t) => t.metrics.val_accuracy as number))).toBeGreaterThan(0.5);
  }, 300_000);

  it('--audio changes the stored features; a bad setting is a usage error naming it', () => {
    const db = join(dir, 'bad.db');
    const bad = cli(['search', '--space', 'kws', '--audio', 'nMfcc=60', '--budget-evals', '1'], { db });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--audio: audio features: nMfcc 60 is more than nMels 40/);
    const unknown = cli(['search', '--space', 'kws', '--audio', 'hop=10', '--budget-evals', '1'], { db });
    expect(unknown.stderr).toMatch(/--audio: audio features: 'hop=10' must be KEY=VALUE with KEY one of kind, sampleRate/);
    const r = cli(['search', '--space', 'kws', '--audio', 'kind=logmel', '--audio', 'nMels=20', '--budget-evals', '1', '--epochs', '1', '--workers', '0', '--no-latency'], { db });
    expect(r.code, r.stderr).toBe(0);
    const id = /study (\d+) complete/.exec(r.stdout)?.[1] as string;
    const exported = JSON.parse(cli(['export', id, '--format', 'json'], { db }).stdout) as { spec: { evaluator: { audio: Record<string, unknown> } }; trials: { metrics: Record<string, number> }[] };
    expect(exported.spec.evaluator.audio).toMatchObject({ kind: 'logmel', nMels: 20, windowMs: 30 });
    expect(exported.trials[0]?.metrics.val_accuracy).toBeGreaterThanOrEqual(0);
    // Retraining and exporting the trial see the stored features: 49 frames × 20 log-mel bands.
    const retrained = cli(['retrain', id, '--trial', '0', '--epochs', '1'], { db });
    expect(retrained.code, retrained.stderr).toBe(0);
    const tflite = cli(['export', id, '--trial', '0', '--format', 'tflite', '--out', join(dir, 'kws.tflite')], { db });
    expect(tflite.code, tflite.stderr).toBe(0);
    expect(tflite.stdout).toContain('Array(1) { Array(49) { Array(20) { FloatArray(1) } } }');
  }, 120_000);
});
