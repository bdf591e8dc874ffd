import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nb201Spec } from '../../test/fixtures/nb201-spec.js';
import type { ModelExport, StudyReportFile } from '../../shared/ipc/contract.js';
import type { ModelGraph } from '../../shared/types/index.js';
import { InMemoryStore } from '../core/in-memory-store.js';
import { encodeWeightsFile } from '../services/export/weights-file.js';
import { randomWeights } from '../services/export/weights.js';
import { createNasHost, type NasHost } from './index.js';

const graph: ModelGraph = {
  input: [6, 5, 1], classes: 3, output: 'fc',
  nodes: [
    { id: 'c', op: 'Conv2D', inputs: ['input'], shape: [6, 5, 2], attrs: { kernel: 3, stride: 1, filters: 2, useBias: true } },
    { id: 'p', op: 'GlobalAvgPool', inputs: ['c'], shape: [2], attrs: { keepDims: false } },
    { id: 'fc', op: 'Dense', inputs: ['p'], shape: [3], attrs: { units: 3, useBias: true } },
  ],
};

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('deploy namespace', () => {
  let dir: string;
  let host: NasHost | undefined;
  afterEach(async () => {
    await host?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  function setup(env: Record<string, string> = { PATH: '' }) {
    dir = mkdtempSync(join(tmpdir(), 'frontier-deploy-'));
    const store = new InMemoryStore();
    const { id } = store.createStudy(nb201Spec(), 0);
    const number = store.createTrial(id, { key: 'k', sample: [] }, 0);
    store.finishTrial(id, number, { state: 'complete', metrics: { acc: 0.5 }, fidelity: {}, cost: 1, finishedAt: 1 }, { progress: { evals: 1, failed: 0, rejected: 0, costSeconds: 1, wallMs: 1 }, strategyState: null });
    store.createTrial(id, { key: 'k2', sample: [] }, 2);
    const bytes = Buffer.from(encodeWeightsFile(graph, randomWeights(graph, 5), { epochs: 1 }));
    const path = join(dir, 'w.fweights');
    writeFileSync(path, bytes);
    store.addArtifact({ studyId: id, trialNumber: number, kind: 'weights', path, bytes: bytes.length, sha256: sha(bytes), createdAt: 1, settings: { epochs: 1 } });
    let t = Date.UTC(2026, 10, 30, 12, 0, 0);
    host = createNasHost(store, { deploy: { dataDir: dir, env, now: () => (t += 1000) } });
    const call = (method: string, arg: unknown) => host!.server.call(`nas:deploy.${method}`, arg);
    return { id, number, call, store };
  }

  it('exports a trial in each format into the data folder, records it and lists it with its snippet', async () => {
    const { id, number, call } = setup();
    const made: ModelExport[] = [];
    for (const format of ['onnx', 'tflite', 'tfjs'] as const) {
      const r = await call('exportModel', { id, number, format });
      expect(r.ok, JSON.stringify(r)).toBe(true);
      made.push((r as { value: ModelExport }).value);
    }
    const [onnx, tflite, tfjs] = made as [ModelExport, ModelExport, ModelExport];
    expect(onnx.path).toBe(join(dir, 'exports', 'study1', 'trial0-20261130-120001.onnx'));
    expect(sha(readFileSync(onnx.path))).toBe(onnx.sha256);
    expect(onnx.settings).toMatchObject({ opset: 13, inputLayout: 'nchw', softmax: true });
    expect(onnx.runtime).toBe('Python (onnxruntime)');
    expect(onnx.snippet).toContain('ort.InferenceSession("trial0-20261130-120001.onnx")');
    expect(onnx.snippet).toContain('np.zeros((1, 1, 6, 5)');
    expect(tflite.runtime).toBe('Android (Kotlin, TensorFlow Lite Interpreter)');
    expect(tflite.snippet).toContain('org.tensorflow.lite.Interpreter(model)');
    expect(tflite.snippet).toContain('FloatArray(3)');
    expect(tfjs.path).toBe(join(dir, 'exports', 'study1', 'trial0-20261130-120003-tfjs'));
    expect(existsSync(join(tfjs.path, 'model.json'))).toBe(true);
    expect(tfjs.snippet).toContain("tf.loadGraphModel('trial0-20261130-120003-tfjs/model.json')");
    expect(tfjs.snippet).toContain('tf.zeros([1, 6, 5, 1])');
    // Listed newest first, for the study and for the trial, equal to what the export returned.
    const all = await call('exports', { id });
    expect(all).toEqual({ ok: true, value: [tfjs, tflite, onnx] });
    expect(await call('exports', { id, number: 1 })).toEqual({ ok: true, value: [] });
  });

  it('refuses what cannot be exported with the reason, writing nothing', async () => {
    const { id, call } = setup();
    expect(await call('exportModel', { id, number: 1, format: 'onnx' })).toEqual({
      ok: false,
      error: { code: 'not-found', message: "trial 1 of study 1 has no trained weights (a search keeps each candidate's metrics, not its weights): run 'frontier retrain 1 --trial 1' (or '--top K') to train it on the full data, then export again" },
    });
    expect(await call('exportModel', { id, number: 7, format: 'onnx' })).toMatchObject({ ok: false, error: { code: 'not-found', message: 'study 1 has no trial 7' } });
    expect(await call('exportModel', { id: '9', number: 0, format: 'onnx' })).toMatchObject({ ok: false, error: { code: 'not-found', message: "no study with id '9'" } });
    expect(await call('exportModel', { id, number: 0, format: 'pt' })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(existsSync(join(dir, 'exports'))).toBe(false);
  });

  it('writes the self-contained report and says why there is no PDF without Chromium', async () => {
    const { id, call, store } = setup({ PATH: '' });
    const r = (await call('report', { id })) as { ok: true; value: StudyReportFile };
    expect(r.ok).toBe(true);
    expect(r.value.path).toBe(join(dir, 'reports', 'frontier-study1-20261130-120001.html'));
    expect(readFileSync(r.value.path, 'utf8')).toBe(r.value.html);
    expect(r.value.html).toMatch(/^<!doctype html>/i);
    expect(r.value.html).toContain('ipc nb201');
    expect(sha(Buffer.from(r.value.html))).toBe(r.value.sha256);
    expect(r.value.pdf).toEqual({ missing: 'no chromium, chromium-browser or google-chrome on PATH (install Chromium, or set FRONTIER_CHROMIUM to its binary)' });
    expect(store.listArtifacts(id).filter((a) => a.kind === 'report').map((a) => a.path)).toEqual([r.value.path]);
  });

  it('without a data folder exports and reports are refused', async () => {
    dir = mkdtempSync(join(tmpdir(), 'frontier-deploy-'));
    const store = new InMemoryStore();
    const { id } = store.createStudy(nb201Spec(), 0);
    host = createNasHost(store);
    expect(await host.server.call('nas:deploy.report', { id })).toMatchObject({ ok: false, error: { message: expect.stringMatching(/no data folder to write reports/) } });
    expect(await host.server.call('nas:deploy.exports', { id })).toEqual({ ok: true, value: [] });
  });
});
