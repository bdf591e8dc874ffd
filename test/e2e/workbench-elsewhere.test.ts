/**
 * Issue 14, item 1: a search the CLI runs is live in the workbench. `frontier search` (paced
 * replay) and `frontier serve` share one SQLite file; Chromium opens the search's Live view once
 * and, without reloading, sees its evaluations and trials grow (read from the store while the CLI
 * holds the lease), with no Resume or Stop; after kill -9 the same page offers Resume.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../main/services/sqlite-store.js';
import { cliAsync, tempDir } from '../cli-helpers.js';
import { artifact } from './browser.js';
import { openWorkbench, workbenchSkipReason, type Workbench } from './workbench-harness.js';

const skip = workbenchSkipReason();
const poll = <T>(fn: () => T | Promise<T>, timeout = 20_000) => expect.poll(fn, { timeout, interval: 200 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skip !== undefined)('a CLI search, live in the workbench', () => {
  let wb: Workbench | undefined;
  let search: ChildProcess | undefined;
  let url: URL;
  let page: Page;
  let errors: string[] = [];
  const db = join(tempDir('frontier-e2e-live-'), 'f.db');

  beforeAll(async () => {
    // ~2 minutes of paced replay: the CLI runs the whole time the page is watched.
    search = cliAsync(['search', '--space', 'nb201', '--name', 'cli live', '--budget-evals', '2000', '--pace', '0.0005'], { db });
    for (let i = 0; i < 300; i++) {
      await sleep(100);
      if (!existsSync(db)) continue;
      const s = SqliteStore.open(db, { readonly: true });
      try {
        if (s.getStudy('1') && s.countTrials('1', ['complete']) > 2) break;
      } catch {
        /* tables not there yet */
      } finally {
        s.close();
      }
    }
    wb = await openWorkbench(db);
    ({ page, url, errors } = wb);
  }, 180_000);

  afterAll(async () => {
    search?.kill('SIGKILL');
    await wb?.close();
  });

  const evals = async () => Number(/([\d,]+) \/ 2,000 evaluations/.exec((await page.getByTestId('progress-text').textContent()) ?? '')?.[1]?.replace(/,/g, '') ?? NaN);
  const rows = async () => Number(await page.locator('[role="table"][aria-label="Trials"]').getAttribute('data-rows'));

  it('grows live without a reload while the CLI runs it; Resume only once its process is gone', async () => {
    await page.goto(`${url.href}#/study/1`);
    await poll(() => page.locator('.toolbar .badge').textContent()).toBe('running elsewhere');
    await expect(page.getByTestId('elsewhere-note')).toBeDefined();
    const first = await evals();
    const firstRows = await rows();
    expect(first).toBeGreaterThan(0);
    // The same page, not reloaded: the count moves on as the CLI finishes trials.
    await poll(async () => (await evals()) - first, 30_000).toBeGreaterThan(20);
    await poll(async () => (await rows()) - firstRows, 10_000).toBeGreaterThan(20);
    expect(await page.getByRole('button', { name: 'Resume' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Stop' }).count()).toBe(0);
    // Its pace, measured from the store between reads: an ETA and evaluations per second.
    await poll(() => page.getByTestId('progress-text').textContent()).toMatch(/ETA (\d+s|\d+m\d+s|\d+h\d+m) · [\d.]+ evals\/s/);
    await page.screenshot({ path: artifact('14-1-live-elsewhere.png'), fullPage: true });

    search!.kill('SIGKILL');
    await new Promise((r) => search!.once('exit', r));
    const atKill = await evals();
    // Still the same page: the next read finds the lease stale and offers Resume.
    await poll(() => page.getByRole('button', { name: 'Resume' }).count()).toBe(1);
    expect(await page.locator('.toolbar .badge').textContent()).toBe('interrupted');
    expect(await evals()).toBeGreaterThanOrEqual(atKill);
    await page.screenshot({ path: artifact('14-1-live-elsewhere-killed.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 120_000);
});
