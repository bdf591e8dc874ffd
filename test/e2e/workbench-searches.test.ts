/**
 * Issue 14, item 6 in Chromium against `frontier serve`: rename a search, give it notes and tags
 * (kept in the database: they survive a reload and a server restart), find it by a tag, and delete
 * another one after confirming (Cancel keeps it). Screenshots in test-artifacts/.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancellationTokenSource } from '../../main/core/cancellation.js';
import { SqliteStore } from '../../main/services/sqlite-store.js';
import { createStudy, runStudy } from '../../main/services/studies.js';
import { tempDir } from '../cli-helpers.js';
import { nb201Spec } from '../fixtures/nb201-spec.js';
import { startServe, stopServe } from '../serve-helpers.js';
import { artifact, browserSkipReason, ensureRendererBuilt, launchChromium } from './browser.js';

const skip = browserSkipReason();
if (skip && process.env.CI === 'true') throw new Error(`[e2e] cannot run under CI: ${skip}`);
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 15_000, interval: 100 });

describe.skipIf(skip !== undefined)('managing searches in the workbench', () => {
  let serve: ChildProcess | undefined;
  let url: URL;
  let browser: { context: BrowserContext; close: () => Promise<void> } | undefined;
  let page: Page;
  const errors: string[] = [];
  const db = join(tempDir('frontier-e2e-searches-'), 'e2e.db');

  beforeAll(async () => {
    ensureRendererBuilt();
    const store = SqliteStore.open(db);
    try {
      for (const spec of [nb201Spec({ name: 'keep me', budget: { evals: 30 } }), nb201Spec({ name: 'throw me away', budget: { evals: 30 } })]) {
        const rec = createStudy(store, spec);
        const cts = new CancellationTokenSource();
        await runStudy(store, rec.id, cts.token);
        cts.dispose();
      }
    } finally {
      store.close();
    }
    ({ child: serve, url } = await startServe(db));
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (serve) await stopServe(serve);
  });

  const rows = () => page.locator('table[aria-label="Searches"] tbody tr');

  it('renames a search and gives it notes and tags, kept across a reload and a server restart', async () => {
    await page.goto(url.href);
    await poll(() => rows().count()).toBe(2);
    await page.getByRole('button', { name: 'Edit keep me' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit search #1' });
    await dialog.getByLabel('Name').fill('   ');
    expect(await dialog.getByRole('button', { name: 'Save' }).isDisabled()).toBe(true);
    expect(await dialog.getByText('A search needs a name.').count()).toBe(1);
    await dialog.getByLabel('Name').fill('baseline evolution');
    await dialog.getByLabel('Tags (comma-separated)').fill('baseline, nb201, , baseline');
    await dialog.getByLabel('Notes').fill('Seed 3, the reference run for the paper.');
    await page.screenshot({ path: artifact('14-6-edit-dialog.png') });
    await dialog.getByRole('button', { name: 'Save' }).click();
    await poll(() => dialog.count()).toBe(0);
    const row = rows().filter({ hasText: 'baseline evolution' });
    await poll(() => row.count()).toBe(1);
    expect(await row.getByLabel('Tags of baseline evolution').locator('.tag').allTextContents()).toEqual(['baseline', 'nb201']);
    expect(await row.locator('.study-notes').textContent()).toBe('Seed 3, the reference run for the paper.');

    await stopServe(serve!);
    ({ child: serve, url } = await startServe(db));
    await page.goto(url.href);
    await poll(() => rows().filter({ hasText: 'baseline evolution' }).count()).toBe(1);
    expect(await rows().filter({ hasText: 'baseline evolution' }).locator('.tag').allTextContents()).toEqual(['baseline', 'nb201']);
    await page.getByLabel('Filter searches').fill('#nb201');
    await poll(() => rows().count()).toBe(1);
    await page.getByLabel('Filter searches').fill('');
    await page.screenshot({ path: artifact('14-6-renamed-tagged.png'), fullPage: true });
  });

  it('deletes a search only after confirming', async () => {
    await page.getByRole('button', { name: 'Delete throw me away' }).click();
    let dialog = page.getByRole('dialog', { name: 'Delete search #2?' });
    expect(await dialog.textContent()).toMatch(/Its 30 evaluated trials.*cannot be undone/);
    await page.screenshot({ path: artifact('14-6-delete-confirm.png') });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await poll(() => dialog.count()).toBe(0);
    expect(await rows().count()).toBe(2);
    await page.getByRole('button', { name: 'Delete throw me away' }).click();
    dialog = page.getByRole('dialog', { name: 'Delete search #2?' });
    await dialog.getByRole('button', { name: 'Delete search' }).click();
    await poll(() => rows().count()).toBe(1);
    await page.reload();
    await poll(() => rows().count()).toBe(1);
    expect(await rows().first().textContent()).toMatch(/baseline evolution/);
    // Gone from the database, not just from the list.
    const s = SqliteStore.open(db, { readonly: true });
    try {
      expect(s.getStudy('2')).toBeUndefined();
      expect(s.countTrials('2')).toBe(0);
    } finally {
      s.close();
    }
    await page.goto(`${url.href}#/study/2`);
    await poll(() => page.getByRole('alert').textContent()).toMatch(/no study with id 2/);
    // The page open across the server restart tried to reconnect to the old server: expected.
    expect(errors.filter((e) => !/Failed to load resource/.test(e) && !/WebSocket connection .*ERR_CONNECTION_REFUSED/.test(e))).toEqual([]);
  });
});
