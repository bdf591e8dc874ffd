// `frontier retrain` and `frontier export --trial N --format onnx|tfjs|tflite` end to end through the
// real binary: a short search, the refusal before any weights exist, retraining the best trial on
// the full built-in data, the three exports recorded in the SQLite file with their checksums, and
// each exported file run in an independent runtime (onnxruntime, Arm NN, tf.loadGraphModel) with
// the outputs of the retrained weights (tfjs reference ≤ 1e-4).
import * as ort from 'onnxruntime-node';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../main/core/rng.js';
import { decodeWeightsFile } from '../main/services/export/weights-file.js';
import { SqliteStore } from '../main/services/sqlite-store.js';
import { tf } from '../main/services/train/backend.js';
import type { ArtifactRecord } from '../shared/types/index.js';
import { cli, tempDir } from './cli-helpers.js';
import { armnnUnavailable, runTfliteInArmnn } from './harness/armnn/armnn.js';
import { missingPeer } from './harness/peer.js';
import { runGraphTfjs } from './harness/tfjs-graph.js';

const TOL = 1e-4;
const noArmnn = missingPeer('Arm NN', armnnUnavailable());

function artifacts(db: string, trial: number): ArtifactRecord[] {
  const store = SqliteStore.open(db, { readonly: true });
  try {
    return store.listArtifacts('1', trial);
  } finally {
    store.close();
  }
}

const sha = (...parts: Buffer[]) => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest('hex');

describe('frontier retrain and export of a trial\'s model', () => {
  let dir: string;
  let db: string;
  let best: number;
  beforeAll(() => {
    dir = tempDir('frontier-export-cli-');
    db = join(dir, 'f.db');
    const r = cli(['search', '--budget-evals', '2', '--max-train', '200', '--epochs', '1', '--concurrency', '1', '--seed', '3', '--json'], { db, cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const store = SqliteStore.open(db, { readonly: true });
    try {
      best = store.getTrials('1', { states: ['complete'] }).sort((a, b) => (b.metrics.val_accuracy as number) - (a.metrics.val_accuracy as number))[0]!.number;
    } finally {
      store.close();
    }
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses to export a trial without trained weights, pointing to retrain, and writes nothing', () => {
    const r = cli(['export', '1', '--trial', String(best), '--format', 'onnx', '--out', 'm.onnx'], { db, cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`frontier: trial ${best} of study 1 has no trained weights (a search keeps each candidate's metrics, not its weights): run 'frontier retrain 1 --trial ${best}' (or '--top K') to train it on the full data, then export again\n`);
    expect(artifacts(db, best)).toEqual([]);
  });

  it('bad export arguments get one-line reasons', () => {
    const cases: [string[], string][] = [
      [['--format', 'onnx', '--out', 'x.onnx'], 'export: --format onnx exports one trial\'s model: give --trial N'],
      [['--trial', '0', '--format', 'csv'], 'export: a trial exports as --format onnx, tfjs or tflite, got \'csv\''],
      [['--trial', 'x', '--format', 'onnx', '--out', 'a'], 'export: --trial must be a trial number, got \'x\''],
      [['--trial', '0', '--format', 'onnx'], 'export: give --out PATH (the .onnx file to write)'],
      [['--trial', '0', '--format', 'onnx', '--out', 'a', '--opset', '12'], 'export: --opset must be 13 or 10, got \'12\''],
      [['--trial', '0', '--format', 'tflite', '--out', 'a', '--opset', '13'], 'export: --opset and --input-layout are ONNX options'],
      [['--trial', '99', '--format', 'onnx', '--out', 'a'], 'study 1 has no trial 99'],
      [['--format', 'csv', '--opset', '13'], 'export: --opset is an option of model exports (--trial N --format onnx|tfjs|tflite)'],
    ];
    for (const [args, msg] of cases) {
      const r = cli(['export', '1', ...args], { db, cwd: dir });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toBe(`frontier: ${msg}\n`);
    }
    const r = cli(['retrain', '1'], { db, cwd: dir });
    expect(r.stderr).toBe(`frontier: retrain: give either --top K or --trial N (see 'frontier retrain --help')\n`);
  });

  it('retrains the best trial on the full data, then exports it as ONNX, TFLite and TensorFlow.js with the same outputs', async () => {
    const rt = cli(['retrain', '1', '--top', '1', '--epochs', '1'], { db, cwd: dir });
    expect(rt.code, rt.stderr).toBe(0);
    expect(rt.stderr).toMatch(new RegExp(`\\[1/1\\] trial ${best}: val_accuracy 0\\.\\d+, test_accuracy 0\\.\\d+, 1 epochs on 10500 images`));
    const [weights] = artifacts(db, best);
    expect(weights?.kind).toBe('weights');
    expect(weights?.settings).toMatchObject({ source: 'retrain', trainExamples: 10500, epochs: 1, data: 'builtin:fashion-mnist' });
    const wbytes = readFileSync(weights!.path);
    expect(sha(wbytes)).toBe(weights?.sha256);
    // Trained for real: better than the 200-image search and far above chance.
    expect(weights?.settings?.valAccuracy as number).toBeGreaterThan(0.6);
    const { graph, weights: w } = decodeWeightsFile(wbytes, weights!.path);

    for (const [format, out] of [['onnx', 'm.onnx'], ['tflite', 'm.tflite'], ['tfjs', 'web']] as const) {
      const r = cli(['export', '1', '--trial', String(best), '--format', format, '--out', out, '--no-softmax'], { db, cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('load it:');
    }
    const exports = artifacts(db, best).filter((a) => a.kind !== 'weights');
    expect(exports.map((a) => a.kind)).toEqual(['onnx', 'tflite', 'tfjs']);
    for (const a of exports) {
      expect(a.settings).toMatchObject({ softmax: false, weights: { sha256: weights?.sha256, source: 'retrain' } });
      const files = a.kind === 'tfjs' ? [readFileSync(join(a.path, 'model.json')), readFileSync(join(a.path, 'weights.bin'))] : [readFileSync(a.path)];
      expect(sha(...files), a.kind).toBe(a.sha256);
      expect(files.reduce((n, f) => n + f.length, 0)).toBe(a.bytes);
    }

    const rng = new Rng(5);
    const x = Float32Array.from({ length: graph.input[0] * graph.input[1] * graph.input[2] }, () => rng.next() * 2 - 1);
    const ref = await runGraphTfjs(graph, w, x, { softmax: false });
    const diff = (a: ArrayLike<number>) => Math.max(...Array.from(ref, (v, i) => Math.abs(v - (a[i] as number))));

    // ONNX in onnxruntime (NCHW input: a one-channel image has the same bytes in both layouts)
    expect(graph.input[2]).toBe(1);
    const session = await ort.InferenceSession.create(readFileSync(join(dir, 'm.onnx')));
    try {
      const res = await session.run({ input: new ort.Tensor('float32', x, [1, 1, graph.input[0], graph.input[1]]) });
      expect(diff((res.logits as ort.Tensor).data as Float32Array)).toBeLessThanOrEqual(TOL);
    } finally {
      await session.release();
    }
    // TensorFlow.js graph model
    await tf.setBackend('cpu');
    const modelJson = JSON.parse(readFileSync(join(dir, 'web', 'model.json'), 'utf8')) as { modelTopology: object; weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[] };
    const bin = readFileSync(join(dir, 'web', 'weights.bin'));
    const model = await tf.loadGraphModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0]!.weights, weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) }));
    try {
      const y = model.predict(tf.tensor(x, [1, ...graph.input])) as tf.Tensor;
      expect(diff(y.dataSync())).toBeLessThanOrEqual(TOL);
      y.dispose();
    } finally {
      model.dispose();
    }
    // TFLite in Arm NN
    if (!noArmnn) expect(diff((await runTfliteInArmnn(readFileSync(join(dir, 'm.tflite')), x)).output)).toBeLessThanOrEqual(TOL);
  }, 180_000);

  it('a weights file changed after retraining is refused with its checksum', () => {
    const [weights] = artifacts(db, best);
    const bytes = readFileSync(weights!.path);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
    writeFileSync(weights!.path, bytes);
    const r = cli(['export', '1', '--trial', String(best), '--format', 'onnx', '--out', 'again.onnx'], { db, cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^frontier: the weights file .*\.fweights changed since it was written \(SHA-256 [0-9a-f]{12}…, recorded [0-9a-f]{12}…\): retrain the trial \('frontier retrain 1 --trial \d+'\)\n$/);
  });
});
