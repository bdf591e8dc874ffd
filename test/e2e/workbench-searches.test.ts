/**
 * Issue 14, item 6 in Chromium against `frontier serve`: rename a search, give it notes and tags
 * (kept in the database: they survive a reload and a server restart), find it by a tag, and delete
 * another one after confirming (Cancel keeps it). Screenshots in test-artifacts/.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../main/services/sqlite-store.js';
import { tempDir } from '../cli-helpers.js';
import { nb201Spec } from '../fixtures/nb201-spec.js';
import { artifact } from './browser.js';
import { openWorkbench, seedFinishedStudies, poll, workbenchSkipReason, type Workbench } from './workbench-harness.js';

const skip = workbenchSkipReason();

describe.skipIf(skip !== undefined)('managing searches in the workbench', () => {
  let wb: Workbench | undefined;
  let url: URL;
  let page: Page;
  let errors: string[] = [];
  const db = join(tempDir('frontier-e2e-searches-'), 'e2e.db');

  beforeAll(async () => {
    await seedFinishedStudies(db, [nb201Spec({ name: 'keep me', budget: { evals: 30 } }), nb201Spec({ name: 'throw me away', budget: { evals: 30 } })]);
    wb = await openWorkbench(db);
    ({ page, url, errors } = wb);
  }, 180_000);

  afterAll(async () => {
    await wb?.close();
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

    url = await wb!.restartServe();
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
