import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNasHost } from './index.js';
import { InMemoryStore } from '../core/in-memory-store.js';
import { nb201Spec } from '../../test/fixtures/nb201-spec.js';
import { StudyService } from './services.js';
import { StudyRunner } from './study-runner.js';

describe('StudyService trial cache', () => {
  it('stays equal to the store while trials are added, finished and abandoned', () => {
    const store = new InMemoryStore();
    const runner = new StudyRunner(store, { onTrial: () => undefined, onProgress: () => undefined, onStatus: () => undefined });
    const service = new StudyService(store, runner);
    const { id } = store.createStudy(nb201Spec(), 0);
    store.setStudyStatus(id, 'running', 0);
    const progress = { evals: 0, failed: 0, rejected: 0, costSeconds: 0, wallMs: 0 };
    const finish = (n: number) => store.finishTrial(id, n, { state: 'complete', metrics: { acc: n }, fidelity: {}, cost: 1, finishedAt: n }, { progress, strategyState: null });
    const same = () => expect(service.allTrials(id)).toEqual(store.getTrials(id));
    same();
    for (let n = 0; n < 5; n++) store.createTrial(id, { key: `k${n}`, sample: [] }, n);
    finish(0);
    finish(1);
    same();
    finish(3);
    store.createTrial(id, { key: 'k5', sample: [] }, 5);
    same();
    finish(2);
    store.abandonRunning(id, 'stopped', 9);
    same();
    expect(service.allTrials(id).map((t) => t.state)).toEqual(['complete', 'complete', 'complete', 'complete', 'failed', 'failed']);
  });
});

describe('trial artifacts', () => {
  it('serves the newest recorded file of a kind, checked against its SHA-256', async () => {
    const store = new InMemoryStore();
    const { id } = store.createStudy(nb201Spec(), 0);
    const number = store.createTrial(id, { key: 'k', sample: [] }, 0);
    const dir = mkdtempSync(join(tmpdir(), 'frontier-artifact-'));
    const add = (name: string, bytes: Buffer, createdAt: number) => {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      store.addArtifact({ studyId: id, trialNumber: number, kind: 'tflite', path, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), createdAt });
      return path;
    };
    add('old.tflite', Buffer.from('old'), 1);
    const newest = add('study1-trial0.tflite', Buffer.from([0, 1, 2, 250, 255]), 2);
    const host = createNasHost(store);
    const call = (arg: unknown) => host.server.call('nas:study.artifact', arg);
    expect(await call({ id, number, kind: 'tflite' })).toEqual({
      ok: true,
      value: { fileName: 'study1-trial0.tflite', mime: 'application/vnd.tflite', bytes: 5, sha256: createHash('sha256').update(Buffer.from([0, 1, 2, 250, 255])).digest('hex'), base64: 'AAEC+v8=' },
    });
    expect(await call({ id, number, kind: 'onnx' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await call({ id, number, kind: '../etc' })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    writeFileSync(newest, 'tampered');
    expect(await call({ id, number, kind: 'tflite' })).toMatchObject({ ok: false, error: { code: 'store-io', message: expect.stringMatching(/changed since it was exported/) } });
    await host.shutdown();
  });
});
