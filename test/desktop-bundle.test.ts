import { fork, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './cli-helpers.js';

/**
 * The desktop build as it ships: the bundled engine (out/main/engine-entry.js, plain JavaScript, no
 * tsx) started like Electron's utility process, with the shipped data found through
 * FRONTIER_RESOURCES as in a packaged app. Electron itself is not needed for this part.
 */
describe('desktop bundle', () => {
  it('builds, and the bundled engine serves the contract and runs a search', async () => {
    const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'desktop.mjs'), 'build'], { cwd: ROOT, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    for (const f of ['main/app.js', 'main/engine-entry.js', 'main/worker-boot.mjs', 'preload/preload.cjs', 'renderer/index.html']) {
      expect(readFileSync(join(ROOT, 'out', f), 'utf8').length, f).toBeGreaterThan(100);
    }
    expect(readFileSync(join(ROOT, 'out', 'main', 'engine-entry.js'), 'utf8')).not.toMatch(/tsx\/esm/);
    // The renderer loads from file:// in the app: every asset path must be relative.
    expect(readFileSync(join(ROOT, 'out', 'renderer', 'index.html'), 'utf8')).not.toMatch(/(src|href)="\//);

    // A resources folder laid out as electron-builder ships it, with a marker column the repository's
    // copy lacks: the search below only works if the engine reads the data from FRONTIER_RESOURCES.
    const dir = tempDir();
    const res = join(dir, 'resources');
    mkdirSync(join(res, 'nb201'), { recursive: true });
    const lines = readFileSync(join(ROOT, 'resources', 'nb201', 'accuracy.csv'), 'utf8').trim().split('\n');
    writeFileSync(join(res, 'nb201', 'accuracy.csv'), lines.map((l, i) => `${l},${i === 0 ? 'bundle_marker' : '1'}`).join('\n'));
    copyFileSync(join(ROOT, 'resources', 'nb201', 'cost.csv'), join(res, 'nb201', 'cost.csv'));
    const db = join(dir, 'desktop.db');
    const child = fork(join(ROOT, 'out', 'main', 'engine-entry.js'), [db], {
      execArgv: ['--import', join(ROOT, 'test', 'fixtures', 'parent-port-shim.mjs')],
      env: { ...process.env, FRONTIER_RESOURCES: res, FRONTIER_PHONES: '0' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    try {
      let seq = 0;
      const pending = new Map<number, (r: { ok: boolean; value?: unknown; error?: unknown }) => void>();
      const statuses: string[] = [];
      child.on('message', (m: { type: string; seq?: number; result?: { ok: boolean }; event?: string; payload?: { status?: string } }) => {
        if (m.type === 'result') pending.get(m.seq as number)?.(m.result as { ok: boolean });
        if (m.type === 'event' && m.event === 'onDidChangeStudyStatus') statuses.push(m.payload?.status ?? '');
      });
      const call = (channel: string, arg?: unknown) => new Promise<{ ok: boolean; value?: unknown; error?: unknown }>((resolve) => {
        const id = ++seq;
        pending.set(id, resolve);
        child.send({ type: 'call', seq: id, channel, arg });
      });
      const spec = {
        name: 'bundle', space: 'nb201', strategy: 'evolution', objectives: [{ metric: 'c10_valid_12ep', direction: 'max' }],
        constraints: [], report: ['c10_test', 'bundle_marker'], budget: { evals: 50 }, seed: 3,
        evaluator: { kind: 'table', tables: ['builtin:nb201/accuracy.csv'], knownTables: ['builtin:nb201/cost.csv'], cost: 'train_time_200ep_c10valid*0.06' },
      };
      const created = await call('nas:study.create', { spec });
      expect(created, JSON.stringify(created)).toMatchObject({ ok: true });
      expect((await call('nas:study.start', { id: created.value })).ok).toBe(true);
      for (let i = 0; i < 200 && !statuses.includes('complete'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(statuses).toContain('complete');
      const front = await call('nas:study.front', { id: created.value });
      expect(front.ok).toBe(true);
      expect((front.value as { metrics: Record<string, number> }[]).map((t) => t.metrics.bundle_marker)).toEqual([1]);
      const bad = await call('nas:study.get', { id: 5 });
      expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
});
