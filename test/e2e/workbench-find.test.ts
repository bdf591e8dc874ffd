/**
 * Issue 14, item 2: finding trials in Chromium against `frontier serve` on a seeded database:
 * filters on a metric and a decision, the architecture column, CSV / JSON export of the filtered
 * trials (the downloaded files are read back), parallel-coordinates brushing that filters the
 * table and the scatter, and the slice plot. Screenshots in test-artifacts/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../cli-helpers.js';
import { nb201Spec } from '../fixtures/nb201-spec.js';
import { artifact } from './browser.js';
import { openWorkbench, seedFinishedStudies, poll, workbenchSkipReason, type Workbench } from './workbench-harness.js';

const skip = workbenchSkipReason();
const METRIC = 'c10_valid_12ep';

describe.skipIf(skip !== undefined)('finding trials in the workbench', () => {
  let wb: Workbench | undefined;
  let url: URL;
  let page: Page;
  let errors: string[] = [];
  const dir = tempDir('frontier-e2e-find-');

  beforeAll(async () => {
    const db = join(dir, 'e2e.db');
    await seedFinishedStudies(db, [nb201Spec({ name: 'find me', budget: { evals: 400 }, seed: 5 })]);
    wb = await openWorkbench(db);
    ({ page, url, errors } = wb);
  }, 180_000);

  afterAll(async () => {
    await wb?.close();
  });

  const shown = async () => {
    const m = /([\d,]+) of ([\d,]+) trials/.exec((await page.getByTestId('shown-count').textContent()) ?? '');
    return { shown: Number(m?.[1]?.replace(/,/g, '')), total: Number(m?.[2]?.replace(/,/g, '')) };
  };
  const table = () => page.locator('[role="table"][aria-label="Trials"]');
  const col = async (name: string) => (await table().locator('.vhead [role="columnheader"]').allTextContents()).findIndex((t) => t.replace(/[▲▼]/g, '').trim() === name);
  const cells = async (index: number) => (await table().locator('.vbody [role="row"]').all()).map((r) => r.locator('[role="cell"]').nth(index));
  const saved = async (button: string) => {
    const [d] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
    const path = join(dir, d.suggestedFilename());
    await d.saveAs(path);
    return { name: d.suggestedFilename(), text: readFileSync(path, 'utf8') };
  };

  it('filters by a metric and a decision, shows architectures, exports what is shown', async () => {
    await page.goto(`${url.href}#/study/1`);
    await poll(async () => (await shown()).total).toBe(400);
    expect(await col('Architecture')).toBeGreaterThan(0);
    const arch = await col('Architecture');
    expect(await (await cells(arch))[0]!.textContent()).toMatch(/^(none|skip_connect|nor_conv_1x1|nor_conv_3x3|avg_pool_3x3)( |$)/);

    await page.getByLabel('Filter column').selectOption(METRIC);
    await page.getByLabel('Filter operator').selectOption('>=');
    await page.getByLabel('Filter value').fill('abc');
    expect(await page.getByRole('button', { name: 'Add filter' }).isDisabled()).toBe(true);
    await page.getByLabel('Filter value').fill('80');
    await page.getByRole('button', { name: 'Add filter' }).click();
    await poll(async () => (await shown()).shown).toBeLessThan(400);
    const byMetric = (await shown()).shown;
    expect(byMetric).toBeGreaterThan(0);
    const m = await col(METRIC);
    for (const c of await cells(m)) expect(Number((await c.textContent())!.replace(/,/g, ''))).toBeGreaterThanOrEqual(80);

    await page.getByLabel('Filter column').selectOption('d:edge1<-0');
    await page.getByLabel('Filter value').selectOption('nor_conv_3x3');
    await page.getByRole('button', { name: 'Add filter' }).click();
    await poll(async () => (await shown()).shown).toBeLessThan(byMetric);
    const both = (await shown()).shown;
    for (const c of await cells(arch)) expect(await c.textContent()).toMatch(/^nor_conv_3x3 /);
    await page.screenshot({ path: artifact('14-2-filters.png'), fullPage: true });

    const csv = await saved('Export CSV');
    expect(csv.name).toBe('study1-trials-filtered.csv');
    const lines = csv.text.trim().split('\r\n');
    const header = lines[0]!.split(',');
    expect(header.slice(0, 3)).toEqual(['number', 'state', METRIC]);
    expect(header).toContain('edge1<-0');
    expect(lines).toHaveLength(both + 1);
    for (const line of lines.slice(1)) {
      const f = line.split(',');
      expect(Number(f[2])).toBeGreaterThanOrEqual(80);
      expect(f[header.indexOf('edge1<-0')]).toBe('nor_conv_3x3');
    }
    const json = JSON.parse((await saved('Export JSON')).text) as { trials: Record<string, unknown>[]; filters: unknown[] };
    expect(json.trials).toHaveLength(both);
    expect(json.filters).toHaveLength(2);
    expect(json.trials.every((t) => (t[METRIC] as number) >= 80 && t['edge1<-0'] === 'nor_conv_3x3')).toBe(true);

    await page.getByRole('button', { name: 'Clear all' }).click();
    await poll(async () => (await shown()).shown).toBe(400);
  });

  it('brushing the parallel coordinates filters the table and the scatter', async () => {
    // Mounted when scrolled to.
    await page.locator('section[aria-label="Parallel coordinates"]').scrollIntoViewIfNeeded();
    const pc = page.getByTestId('parallel-coordinates');
    await poll(() => pc.getAttribute('data-shown')).toBe('400');
    await pc.scrollIntoViewIfNeeded();
    const box = (await pc.boundingBox())!;
    // Axes: 6 decisions then the metrics; METRIC is the 7th of 9, evenly spaced between 36 px pads.
    const x = box.x + 36 + 6 * ((box.width - 72) / 8);
    const top = box.y + 34;
    const plotH = box.height - 34 - 22;
    await page.mouse.move(x, top + plotH * 0.02);
    await page.mouse.down();
    await page.mouse.move(x, top + plotH * 0.15, { steps: 5 });
    await page.mouse.move(x, top + plotH * 0.3, { steps: 5 });
    await page.mouse.up();
    await poll(async () => (await shown()).shown).toBeLessThan(400);
    const n = (await shown()).shown;
    expect(n).toBeGreaterThan(0);
    expect(await pc.getAttribute('data-shown')).toBe(String(n));
    await expect.poll(() => page.locator('.chips .chip.brush').textContent()).toMatch(new RegExp(`≤ ${METRIC} ≤`));
    // The scatter draws the brushed trials only (complete ones with both metrics).
    const scatter = page.getByRole('img', { name: /^Pareto scatter/ });
    await poll(async () => Number(await scatter.getAttribute('data-points'))).toBeLessThanOrEqual(n);
    expect(Number(await scatter.getAttribute('data-points'))).toBeGreaterThan(0);
    await page.screenshot({ path: artifact('14-2-parallel-coordinates.png'), fullPage: true });
    // A click on the axis clears its brush.
    await page.mouse.click(x, top + plotH * 0.8);
    await poll(async () => (await shown()).shown).toBe(400);
  });

  it('draws a slice plot of a metric against one decision', async () => {
    await page.locator('section[aria-label="Slice plot"]').scrollIntoViewIfNeeded();
    await page.getByLabel('Slice decision').selectOption({ label: 'edge2<-0' });
    await page.getByLabel('Slice metric').selectOption(METRIC);
    const slice = page.getByRole('img', { name: `Slice plot of ${METRIC} against edge2<-0. Arrow keys walk the Pareto front, Enter opens the trial.` });
    await poll(async () => Number(await slice.getAttribute('data-points'))).toBeGreaterThan(300);
    await slice.scrollIntoViewIfNeeded();
    await page.screenshot({ path: artifact('14-2-slice.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
