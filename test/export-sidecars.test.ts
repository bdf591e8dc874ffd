/**
 * Issue 16, deploy: an exported text model carries its tokenizer (`<name>.tokenizer.json`) and an
 * exported speech model its feature settings and normalisation (`<name>.features.json`), written by
 * `frontier export --trial N` (the real binary, SQLite file) and by the workbench's deploy.exportModel,
 * recorded with the export, named in the load snippet. The sidecars are checked without the app:
 * a Python tokenizer written from the JSON alone (test/fixtures/tokenizer_ref.py) gives the app's ids;
 * the numpy features of test/fixtures/audio_features_ref.py, run with the sidecar's settings and
 * normalised with its mean/std, give the app's normalised features of a WAV.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from '../main/cli/args.js';
import { SEARCH_OPTIONS, specFromFlags } from '../main/cli/commands/search.js';
import type { CliIO } from '../main/cli/io.js';
import { buildGraph } from '../main/core/graph/index.js';
import { Rng } from '../main/core/rng.js';
import { createSpace } from '../main/core/spaces.js';
import { createNasHost } from '../main/ipc/index.js';
import { audioOptions, FeatureExtractor } from '../main/services/data/audio-features.js';
import { TokenEncoder, checkTextSettings, vocabSize, type ByteTokenizer } from '../main/services/data/tokenizer.js';
import { decodeWav } from '../main/services/data/wav.js';
import { encodeWeightsFile } from '../main/services/export/weights-file.js';
import { randomWeights } from '../main/services/export/weights.js';
import { SqliteStore } from '../main/services/sqlite-store.js';
import { createStudy } from '../main/services/studies.js';
import { prepareData } from '../main/services/train/trial.js';
import type { ModelExport } from '../shared/ipc/contract.js';
import type { StudySpec } from '../shared/types/index.js';
import { cli, ROOT, tempDir } from './cli-helpers.js';

const dir = tempDir('frontier-sidecars-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PY = '/usr/bin/python3';
const io = { out: () => undefined, err: () => undefined, isTTY: false, columns: 80, env: {}, cwd: ROOT } as CliIO;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A study made as `frontier search <args>` makes it, with trial 0 (a sampled architecture) holding untrained weights of the data's shape. */
function studyWithWeights(db: string, args: string[], input: [number, number, number], classes: number): { id: string; spec: StudySpec } {
  const store = SqliteStore.open(db);
  try {
    const rec = createStudy(store, specFromFlags(parse('search', [...args, '--budget-evals', '1'], SEARCH_OPTIONS), io));
    const space = createSpace(rec.spec.space, rec.spec.spaceOptions ?? {});
    const arch = space.freeze(space.sample(new Rng(5)));
    const text = (rec.spec.evaluator as { text?: { length: number; merges: number } }).text;
    const graph = buildGraph(space, arch, { input, classes, ...(text ? { vocab: vocabSize(checkTextSettings(text)) } : {}) });
    const number = store.createTrial(rec.id, { key: arch.key, sample: arch.sample }, 0);
    store.finishTrial(rec.id, number, { state: 'complete', metrics: { val_accuracy: 0.5 }, fidelity: {}, cost: 1, finishedAt: 1 }, { progress: { evals: 1, failed: 0, rejected: 0, costSeconds: 1, wallMs: 1 }, strategyState: null });
    const settings = { source: 'retrain', data: (rec.spec.evaluator as unknown as { data: string }).data, epochs: 1 };
    const bytes = Buffer.from(encodeWeightsFile(graph, randomWeights(graph, 3), settings));
    const file = join(dir, `${rec.id}-${graph.input.join('x')}.fweights`);
    writeFileSync(file, bytes);
    store.addArtifact({ studyId: rec.id, trialNumber: number, kind: 'weights', path: file, bytes: bytes.length, sha256: sha(bytes), createdAt: 1, settings });
    return { id: rec.id, spec: rec.spec };
  } finally {
    store.close();
  }
}

describe('export sidecars (#16)', () => {
  it('a text model: frontier export writes <name>.tokenizer.json for every format, recorded and named; a Python tokenizer from it alone gives the app\'s ids', () => {
    const db = join(dir, 'text.db');
    const { id, spec } = studyWithWeights(db, ['--space', 'text', '--max-train', '400', '--val', '100'], [48, 1, 1], 8);
    const text = (spec.evaluator as unknown as { text: { length: number; merges: number; tokenizer: ByteTokenizer } }).text;

    const onnx = cli(['export', id, '--trial', '0', '--format', 'onnx', '--out', join(dir, 'text.onnx')], { db });
    expect(onnx.code, onnx.stderr).toBe(0);
    const side = join(dir, 'text.tokenizer.json');
    expect(onnx.stdout).toContain(side);
    expect(onnx.stdout).toContain("from the study's tokenizer (text.tokenizer.json: its rules and merges)");
    const tflite = cli(['export', id, '--trial', '0', '--format', 'tflite', '--out', join(dir, 'sub', 'm.tflite')], { db });
    expect(tflite.code, tflite.stderr).toBe(0);
    const tfjs = cli(['export', id, '--trial', '0', '--format', 'tfjs', '--out', join(dir, 'text-tfjs')], { db });
    expect(tfjs.code, tfjs.stderr).toBe(0);
    for (const f of [side, join(dir, 'sub', 'm.tokenizer.json'), join(dir, 'text-tfjs', 'tokenizer.json')]) expect(readFileSync(f, 'utf8'), f).toBe(readFileSync(side, 'utf8'));

    const json = JSON.parse(readFileSync(side, 'utf8')) as Record<string, unknown>;
    // expect(json).toMatchObject({ format: 'frontier-tokenizer', length: 48, vocab: 512, ids: { pad: 0, unknown: 1, byteBase: 2, mergeBase: 258 }, normalize: 'NFC', lowercase: true });
    expect(json.merges).toEqual(text.tokenizer.merges);
    // Recorded with each export: the sidecar's path and checksum.
    const store = SqliteStore.open(db);
    let recorded;
    try {
      recorded = store.listArtifacts(id, 0).filter((a) => a.kind !== 'weights').map((a) => a.settings?.sidecar as { kind: string; file: string; sha256: string });
    } finally {
      store.close();
    }
    expect(recorded.map((s) => s.file).sort()).toEqual([side, join(dir, 'sub', 'm.tokenizer.json'), join(dir, 'text-tfjs', 'tokenizer.json')].sort());
    for (const s of recorded) expect([s.kind, s.sha256]).toEqual(['tokenizer', sha(readFileSync(s.file))]);

    // Texts that exercise every rule: case, NFC composition (e + U+0301), multi-byte UTF-8, cutting, padding, empty.
    const texts = ['Utilities for the GNU C library', 'CAFÉ cafe\u0301 Ünïcödé — 日本語 ☃ 🙂', 'x'.repeat(200), '', '  tabs\tand\nnewlines  ', 'libxml2 python3-numpy'];
    const py = JSON.parse(execFileSync(PY, [join(ROOT, 'test/fixtures/tokenizer_ref.py'), side, JSON.stringify(texts)], { encoding: 'utf8' })) as number[][];
    const app = new TokenEncoder(text.tokenizer, text.length);
    texts.forEach((t, i) => expect(py[i], JSON.stringify(t)).toEqual(Array.from(app.encode(t))));
    // The merges matter (the check can fail): the first text uses some.
    expect(py[0]?.some((v) => v >= 258)).toBe(true);
  }, 120_000);

  it('a speech model: deploy.exportModel and frontier export write <name>.features.json; numpy with its settings and normalisation gives the app\'s features', async () => {
    const db = join(dir, 'kws.db');
    // --audio nMfcc=12: the model takes 49 frames × 12 coefficients.
    const { id, spec } = studyWithWeights(db, ['--space', 'kws', '--val', '70', '--audio', 'nMfcc=12'], [49, 12, 1], 10);
    const cliRun = cli(['export', id, '--trial', '0', '--format', 'tflite', '--out', join(dir, 'kws.tflite')], { db });
    expect(cliRun.code, cliRun.stderr).toBe(0);
    expect(cliRun.stdout).toContain('audio features as in kws.features.json (settings, then (x - mean) / std)');
    const sideFile = join(dir, 'kws.features.json');
    const side = JSON.parse(readFileSync(sideFile, 'utf8')) as Record<string, unknown> & { normalisation: { mean: number[]; std: number[] } };
    expect(side).toMatchObject({ format: 'frontier-audio-features', kind: 'mfcc', sampleRate: 16000, windowMs: 30, hopMs: 20, nMels: 40, nMfcc: 12, fmin: 20, fmax: 7600, logOffset: 1e-6, frames: 49 });

    // The workbench writes the same file beside its export, records it and names it in the snippet.
    const store = SqliteStore.open(db);
    const host = createNasHost(store, { deploy: { dataDir: join(dir, 'wb'), env: { PATH: '' }, now: () => Date.UTC(2026, 10, 30, 12) } });
    let made: ModelExport;
    try {
      const r = (await host.server.call('nas:deploy.exportModel', { id, number: 0, format: 'onnx' })) as { ok: boolean; value: ModelExport };
      expect(r.ok, JSON.stringify(r)).toBe(true);
      made = r.value;
    } finally {
      await host.shutdown();
      store.close();
    }
    const wbSide = made.path.replace(/\.onnx$/, '.features.json');
    expect(existsSync(wbSide)).toBe(true);
    expect(readFileSync(wbSide, 'utf8')).toBe(readFileSync(sideFile, 'utf8'));
    expect(made.settings.sidecar).toMatchObject({ kind: 'features', file: wbSide, sha256: sha(readFileSync(wbSide)) });
    expect(made.snippet).toContain(`audio features as in ${wbSide.split('/').at(-1)}`);

    // The normalisation is the training split's (what retraining on the study's data normalises with).
    const e = spec.evaluator as unknown as { data: string; val: number; audio: Record<string, unknown> };
    const prepared = prepareData({ ref: e.data, val: e.val, seed: spec.seed, cwd: ROOT, audio: e.audio });
    expect(side.normalisation.mean).toEqual(prepared.normalisation.mean);
    expect(side.normalisation.std).toEqual(prepared.normalisation.std);

    // numpy from the sidecar alone vs the app's features of one WAV, both normalised.
    const wav = join(ROOT, 'resources/speech-keywords/right/en-gb_m3.wav');
    const opts = { kind: side.kind, sampleRate: side.sampleRate, clipMs: side.clipMs, windowMs: side.windowMs, hopMs: side.hopMs, nMels: side.nMels, nMfcc: side.nMfcc, fmin: side.fmin, fmax: side.fmax };
    const ref = JSON.parse(execFileSync(PY, [join(ROOT, 'test/fixtures/audio_features_ref.py'), wav, JSON.stringify(opts)], { encoding: 'utf8' })) as number[][];
    const [mean, std] = [side.normalisation.mean[0] as number, side.normalisation.std[0] as number];
    const fx = new FeatureExtractor(audioOptions(e.audio));
    const clip = new Float32Array(fx.geometry.clip);
    clip.set(decodeWav(wav, readFileSync(wav), 16000).subarray(0, clip.length));
    const ours = new Float32Array(fx.shape[0] * fx.shape[1]);
    fx.compute(clip, ours);
    expect([ref.length, ref[0]?.length]).toEqual(fx.shape);
    // Tolerance: 1e-4 relative (float64 vs float32 features, as in speech.test.ts), after the same (x - mean) / std.
    let worst = 0;
    ref.forEach((row, t) => row.forEach((v, f) => {
      const a = ((ours[t * fx.shape[1] + f] as number) - mean) / std;
      const b = (v - mean) / std;
      worst = Math.max(worst, Math.abs(a - b) / Math.max(1, Math.abs(b)));
    }));
    expect(worst).toBeLessThan(1e-4);
  }, 120_000);
});
