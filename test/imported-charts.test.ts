import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StudyId } from '../shared/ipc/contract.js';
import { InMemoryStore } from '../main/core/in-memory-store.js';
import { StudyService } from '../main/ipc/services.js';
import { StudyRunner } from '../main/ipc/study-runner.js';
import { writeImport } from '../main/services/interop/import-study.js';
import { planOptunaImport } from '../main/services/interop/optuna.js';
import { tempDir } from './cli-helpers.js';
import { writeOptunaFixture } from './fixtures/optuna-db.js';

const dir = tempDir('frontier-optuna-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('an imported Optuna study on the workbench charts', () => {
  it('lists, plots, shows each trial with its decisions and curve, and ranks parameter importances', async () => {
    const db = join(dir, 'optuna.db');
    writeOptunaFixture(db);
    const store = new InMemoryStore();
    const rec = writeImport(store, planOptunaImport(db, 'mlp-tuning'), 1000);
    const service = new StudyService(store, new StudyRunner(store, { onTrial: () => undefined, onProgress: () => undefined, onStatus: () => undefined }));
    const id = rec.id as StudyId;
    const item = (await service.list()).find((s) => s.id === id);
    expect(item?.status).toBe('complete');
    expect((await service.front({ id })).map((t) => t.number)).toEqual([1, 0, 2]);
    const points = await service.points({ id });
    expect(JSON.stringify(points)).toContain('n_layers');
    const trial = await service.trial({ id, number: 1 });
    expect(trial.decisions).toEqual([
      { name: 'lr', value: '0.01', active: true },
      { name: 'n_layers', value: '4', active: true },
      { name: 'activation', value: 'tanh', active: true },
    ]);
    expect(store.getCurve(rec.id, 0).map((p) => [p.step, p.metric, p.value])).toEqual([[0, 'intermediate', 0.7], [1, 'intermediate', 0.85], [2, 'intermediate', 0.91]]);
    expect(store.getCurve(rec.id, 4)).toHaveLength(2);
    const insights = await service.insights({ id, metric: 'accuracy' });
    expect(insights.metrics).toEqual(expect.arrayContaining(['accuracy', 'latency_ms', 'params_m']));
    expect(rec.tags).toEqual(['imported']);
    expect(rec.notes).toMatch(/^imported from optuna:.*optuna\.db#mlp-tuning/);
  });
});
