// The one-shot study recorder against a real SQLite file, read through a second handle as another
// process (`frontier serve`) would: epochs appear as they are written, the lease fences other
// writers, a reopened study continues without repeating epochs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StudyBusy } from '../../../shared/errors.js';
import type { CollapseReport } from '../../core/one-shot/nb201-alpha.js';
import { SqliteStore } from '../sqlite-store.js';
import type { DartsEpoch, DartsRunResult } from './nb201-one-shot.js';
import { epochPoints, OneShotStudyRecorder, SEARCH_TRIAL } from './one-shot-study.js';

const collapse = (edges: number): CollapseReport => ({ parameterFreeEdges: edges, skipEdges: 0, parameterFreeWeight: 0.1 * edges, parameterFreeShare: edges / 6, collapsed: edges >= 3 }) as CollapseReport;
const epoch = (n: number): DartsEpoch => ({
  epoch: n, trainLoss: 2 - n / 10, valLoss: 2.1 - n / 10, valAccuracy: n / 10, seconds: 0.5,
  alpha: Array.from({ length: 6 }, (_, e) => Array.from({ length: 5 }, (_, k) => (e + 1) * 0.01 * n + k * 0.001)),
  collapse: collapse(n % 4),
});
const SETTINGS = { kind: 'darts' as const, seed: 1, data: 'builtin:fashion-mnist', epochs: 4, options: { order: 1 }, checkpoint: '/x/darts/run.ckpt' };

describe('OneShotStudyRecorder (SQLite file)', () => {
  let dir: string;
  let file: string;
  const open: SqliteStore[] = [];
  const store = () => {
    const s = SqliteStore.open(file);
    open.push(s);
    return s;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'frontier-oneshot-'));
    file = join(dir, 'f.db');
  });
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the study exists from the start and each epoch is in the file as soon as it is written', () => {
    const writer = store();
    const reader = store();
    const rec = OneShotStudyRecorder.start(writer, SETTINGS);
    try {
      const study = reader.getStudy(rec.id);
      expect(study?.status).toBe('running');
      expect(study?.spec.strategy).toBe('darts');
      expect(study?.spec.strategyOptions?.checkpoint).toBe('/x/darts/run.ckpt');
      expect(reader.getLease(rec.id)?.pid).toBe(process.pid);
      expect(reader.getTrial(rec.id, SEARCH_TRIAL)?.state).toBe('running');
      expect(reader.getCurve(rec.id, SEARCH_TRIAL)).toEqual([]);
      for (const n of [1, 2]) {
        rec.epoch(epoch(n));
        const curve = reader.getCurve(rec.id, SEARCH_TRIAL);
        expect([...new Set(curve.map((p) => p.step))]).toEqual(Array.from({ length: n }, (_, i) => i + 1));
        expect(curve.find((p) => p.step === n && p.metric === 'alpha_3<-2_avg_pool_3x3')?.value).toBeCloseTo(0.06 * n + 0.004, 12);
        expect(curve.find((p) => p.step === n && p.metric === 'parameter_free_edges')?.value).toBe(n % 4);
        expect(reader.getStudy(rec.id)?.progress.evals).toBe(n);
      }
      // The lease fences other handles: the reader cannot write the study's run.
      expect(() => reader.appendCurve(rec.id, SEARCH_TRIAL, [{ step: 9, metric: 'x', value: 1 }])).toThrow(StudyBusy);
    } finally {
      rec.dispose();
    }
  });

  it('stopped and reopened: replayed epochs are not written twice; complete stores the derived cell as trial 1', () => {
    const first = store();
    const rec = OneShotStudyRecorder.start(first, SETTINGS);
    rec.epoch(epoch(1));
    rec.epoch(epoch(2));
    rec.stopped();
    expect(first.getStudy(rec.id)?.status).toBe('stopped');
    expect(first.getLease(rec.id)).toBeUndefined();

    const second = store();
    const again = OneShotStudyRecorder.reopen(second, second.getStudy(rec.id)!);
    expect(() => OneShotStudyRecorder.reopen(first, first.getStudy(rec.id)!)).toThrow(StudyBusy);
    for (const n of [1, 2, 3, 4]) again.epoch({ ...epoch(n), ...(n <= 2 ? { resumed: true } : {}) });
    const cell = [1, 2, 3, 1, 2, 3];
    const result = { order: 1, epochs: [1, 2, 3, 4].map(epoch), alpha: epoch(4).alpha, cell, archStr: 'arch-x', collapse: collapse(1), parameterFreeTrend: 0.01, unguardedCell: cell,
      nb201: { index: 7, c10_valid: 80, c10_test: 90, c100_valid: 60, c100_test: 61 }, seconds: 2, paramCount: 10 } as unknown as DartsRunResult;
    again.complete(result);
    const reader = store();
    expect(reader.getStudy(rec.id)?.status).toBe('complete');
    expect(reader.getLease(rec.id)).toBeUndefined();
    const curve = reader.getCurve(rec.id, SEARCH_TRIAL);
    expect(curve.filter((p) => p.metric === 'train_loss').map((p) => p.step)).toEqual([1, 2, 3, 4]);
    expect(curve).toHaveLength(4 * epochPoints(epoch(1)).length);
    expect(reader.getTrial(rec.id, SEARCH_TRIAL)?.state).toBe('complete');
    const derived = reader.getTrial(rec.id, 1);
    expect(derived).toMatchObject({ key: 'arch-x', sample: cell, state: 'complete' });
    expect(derived?.metrics.c10_test).toBe(90);
    expect(reader.getStudy(rec.id)?.progress.evals).toBe(4);
    expect(() => OneShotStudyRecorder.reopen(reader, reader.getStudy(rec.id)!)).toThrow(/is complete: it cannot be resumed/);
  });

  it('a killed run (lease of a dead process) is taken over by reopen', () => {
    const first = store();
    const rec = OneShotStudyRecorder.start(first, SETTINGS);
    rec.epoch(epoch(1));
    // As a SIGKILLed process leaves it: still running, its lease held by a pid that no longer exists.
    const lease = first.getLease(rec.id)!;
    first.releaseLease(rec.id, lease.owner);
    first.acquireLease(rec.id, { pid: 2 ** 22 + 12345, host: lease.host, owner: 'dead' }, Date.now(), { staleAfterMs: 30_000 });
    const second = store();
    const again = OneShotStudyRecorder.reopen(second, second.getStudy(rec.id)!);
    try {
      expect(second.getLease(rec.id)?.pid).toBe(process.pid);
      again.epoch(epoch(2));
      expect(second.getCurve(rec.id, SEARCH_TRIAL).filter((p) => p.metric === 'train_loss').map((p) => p.step)).toEqual([1, 2]);
    } finally {
      again.dispose();
      rec.dispose();
    }
  });
});
