import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './cli-helpers.js';

const check = spawnSync(process.execPath, [join(ROOT, 'scripts', 'desktop.mjs'), 'check'], { encoding: 'utf8' }).stdout.trim();
const present = check.startsWith('electron: /');
if (!present) console.warn(`skipping the Electron smoke test: ${check} (the binary cannot be downloaded on this machine)`);

describe('desktop app smoke test (Playwright _electron)', () => {
  it.skipIf(!present)('opens the window with window.nas and runs a tiny search', async () => {
    const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'desktop.mjs'), 'build'], { cwd: ROOT, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    const { _electron } = await import('playwright-core');
    const app = await _electron.launch({ args: [ROOT], env: { ...process.env, FRONTIER_DB: join(tempDir(), 'smoke.db') } });
    try {
      const page = await app.firstWindow();
      expect(await page.title()).toMatch(/Frontier/);
      const status = await page.evaluate(async () => {
        const nas = (globalThis as unknown as { nas: { study: Record<string, (a?: unknown) => Promise<unknown>>; on: (e: string, cb: (p: { status: string }) => void) => () => void } }).nas;
        const spec = {
          name: 'smoke', space: 'nb201', strategy: 'random', objectives: [{ metric: 'c10_valid_12ep', direction: 'max' }],
          constraints: [], report: [], budget: { evals: 20 }, seed: 1,
          evaluator: { kind: 'table', tables: ['builtin:nb201/accuracy.csv'], knownTables: ['builtin:nb201/cost.csv'], cost: 'train_time_200ep_c10valid*0.06' },
        };
        const id = await nas.study.create!({ spec });
        const done = new Promise<string>((resolve) => nas.on('onDidChangeStudyStatus', (p) => p.status === 'complete' && resolve(p.status)));
        await nas.study.start!({ id });
        return done;
      });
      expect(status).toBe('complete');
      const isolated = await page.evaluate(() => typeof (globalThis as { require?: unknown }).require === 'undefined' && typeof (globalThis as { process?: unknown }).process === 'undefined');
      expect(isolated).toBe(true);
    } finally {
      await app.close();
    }
  });
});
