/**
 * A search the CLI runs, seen from the workbench (`frontier serve` on the same database) in
 * Chromium: listed as "running elsewhere" without a Resume button while the CLI holds the study's
 * lease; once the CLI is killed (-9), "interrupted" with Resume. Screenshots in test-artifacts/.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../main/services/sqlite-store.js';
import { cliAsync, tempDir } from '../cli-helpers.js';
import { startServe, stopServe } from '../serve-helpers.js';
import { artifact, browserSkipReason, ensureRendererBuilt, launchChromium } from './browser.js';

const skip = browserSkipReason();
if (skip && process.env.CI === 'true') throw new Error(`[e2e] cannot run under CI: ${skip}`);
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 200 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skip !== undefined)('a search run by the CLI, in the workbench', () => {
  let serve: ChildProcess | undefined;
  let search: ChildProcess | undefined;
  let url: URL;
  let browser: { context: BrowserContext; close: () => Promise<void> } | undefined;
  let page: Page;
  const db = join(tempDir('frontier-e2e-lease-'), 'f.db');

  beforeAll(async () => {
    ensureRendererBuilt();
    // About a minute of paced replay: the CLI is still running while the page is looked at.
    search = cliAsync(['search', '--space', 'nb201', '--name', 'cli search', '--budget-evals', '1000', '--pace', '0.0005'], { db });
    for (let i = 0; i < 200; i++) {
      await sleep(100);
      if (!existsSync(db)) continue;
      // The file exists a moment before the CLI has created its tables: not ready yet, look again.
      let s: SqliteStore | undefined;
      try {
        s = SqliteStore.open(db, { readonly: true });
        if (s.getStudy('1') && s.countTrials('1', ['complete']) > 2) break;
      } catch (e) {
        if (!/no such table/.test(String(e))) throw e;
      } finally {
        s?.close();
      }
    }
    ({ child: serve, url } = await startServe(db));
    browser = await launchChromium();
    page = await browser.context.newPage();
  }, 180_000);

  afterAll(async () => {
    search?.kill('SIGKILL');
    await browser?.close();
    if (serve) await stopServe(serve);
  });

  it('shows it as running elsewhere, without Resume; after kill -9, interrupted with Resume', async () => {
    await page.goto(url.href);
    const row = page.locator('table[aria-label="Searches"] tbody tr').first();
    await poll(() => row.textContent()).toMatch(/cli search/);
    await poll(() => row.locator('.badge').textContent()).toBe('running elsewhere');
    expect(await row.locator('.badge').getAttribute('title')).toBe(`run by process ${search!.pid} on ${(await import('node:os')).hostname()}`);
    await page.screenshot({ path: artifact('lease-01-running-elsewhere.png'), fullPage: true });

    await page.goto(`${url.href}#/study/1`);
    await poll(() => page.locator('.toolbar .badge').textContent()).toBe('running elsewhere');
    expect(await page.getByRole('button', { name: 'Resume' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Stop' }).count()).toBe(0);
    await page.screenshot({ path: artifact('lease-02-live-running-elsewhere.png'), fullPage: true });

    search!.kill('SIGKILL');
    await new Promise((r) => search!.once('exit', r));
    await page.goto(url.href);
    await poll(() => page.locator('table[aria-label="Searches"] tbody tr').first().locator('.badge').textContent()).toBe('interrupted');
    await page.goto(`${url.href}#/study/1`);
    await poll(() => page.getByRole('button', { name: 'Resume' }).count()).toBe(1);
    await page.screenshot({ path: artifact('lease-03-interrupted.png'), fullPage: true });
  });
});
