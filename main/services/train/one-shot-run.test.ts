/**
 * The stored DARTS run the CLI and the workbench share (one-shot-run.ts): settings read from a form
 * with the CLI's ranges, and a run stopped after its first epoch that resumes from its checkpoint
 * (the epochs before come back read from it, not trained again). A real SQLite file, tiny runs on
 * the native engine.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { missingPeer } from '../../../test/harness/peer.js';
import { SqliteStore } from '../sqlite-store.js';
import type { DartsEpoch, EnasEpoch } from './nb201-one-shot.js';
import { formReader, newCheckpointPath, oneShotSettingsInfo, readNewRunInfo, resumeStoredOneShot, startStoredOneShot } from './one-shot-run.js';
import { loadTorch } from './torch-engine.js';

const loaded = loadTorch();
const noTorch = missingPeer('libtorch (the native engine; npm run build:native)', typeof loaded === 'string' ? loaded : undefined);
const dir = mkdtempSync(join(tmpdir(), 'frontier-one-shot-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('one-shot run settings', () => {
  it('reads a form with the CLI defaults and ranges, naming the setting that is wrong', () => {
    const info = readNewRunInfo('darts', formReader('darts', { epochs: '3', guard: 'on', order: 2 }), dir);
    expect(info).toMatchObject({ kind: 'darts', order: 2, guard: true, archLr: 3e-3, common: { epochs: 3, seed: 0, train: 2000, val: 1000, data: 'builtin:fashion-mnist', network: { channels: 8 } } });
    expect(readNewRunInfo('darts', formReader('darts', { data: 'images' }), dir).common.data).toBe(join(dir, 'images'));
    expect(() => readNewRunInfo('enas', formReader('enas', { 'controller-steps': '-1' }), dir)).toThrow("controller-steps must be a whole number in 0..100000, got '-1'");
    expect(() => formReader('enas', { guard: 'on' })).toThrow(/^enas: unknown setting 'guard'/);
    expect(oneShotSettingsInfo('enas').map((o) => o.name)).toEqual(['controller-steps', 'epochs', 'seed', 'train', 'val', 'downsample', 'channels', 'cells', 'batch-size', 'lr', 'threads']);
    expect(oneShotSettingsInfo('darts').find((o) => o.name === 'lr')?.default).toBe('0.025');
  });
});

describe.skipIf(noTorch)('a stored DARTS run', () => {
  it('stopped after its first epoch, resumes from its checkpoint: the epochs before are read back, not trained again', async () => {
    const store = SqliteStore.open(join(dir, 'f.db'));
    try {
      const info = readNewRunInfo('darts', formReader('darts', { epochs: '5', train: '256', val: '128', channels: '4', seed: '1' }), dir);
      const checkpoint = newCheckpointPath(dir, 'darts', 1);
      const first: (DartsEpoch | EnasEpoch)[] = [];
      const run = startStoredOneShot(store, { info, checkpoint, onEpoch: (e) => {
        first.push(e);
        run.cancel();
      } });
      expect(await run.done).toEqual({ status: 'stopped', epoch: 1 });
      expect(first.map((e) => e.epoch)).toEqual([1]);
      expect(existsSync(checkpoint)).toBe(true);
      expect(store.getStudy(run.id)?.status).toBe('stopped');

      const again: (DartsEpoch | EnasEpoch)[] = [];
      const resumed = resumeStoredOneShot(store, store.getStudy(run.id)!, { onEpoch: (e) => void again.push(e) });
      const o = await resumed.done;
      expect(o.status).toBe('complete');
      expect(again.map((e) => [e.epoch, e.resumed === true])).toEqual([[1, true], [2, false], [3, false], [4, false], [5, false]]);
      expect(again[0]).toMatchObject({ trainLoss: first[0]!.trainLoss, valLoss: (first[0] as DartsEpoch).valLoss });
      if (o.status === 'complete') expect(o.result.resumedFrom).toBe(1);
      expect(store.getStudy(run.id)?.status).toBe('complete');
      expect(existsSync(checkpoint)).toBe(false);
    } finally {
      store.close();
    }
  }, 60_000);
});
