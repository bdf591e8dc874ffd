/**
 * Issue 14, item 5: honest insights in Chromium against `frontier serve`: a 7-trial search gets a
 * small-sample warning and wide intervals (not clear of chance); a 400-trial one gets none; the
 * metric can be any objective, another recorded metric (with its direction) or the Pareto rank.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../cli-helpers.js';
import { nb201Spec } from '../fixtures/nb201-spec.js';
import { artifact } from './browser.js';
import { openWorkbench, seedFinishedStudies, poll, workbenchSkipReason, type Workbench } from './workbench-harness.js';

const skip = workbenchSkipReason();

describe.skipIf(skip !== undefined)('insights in the workbench', () => {
  let wb: Workbench | undefined;
  let url: URL;
  let page: Page;
  let errors: string[] = [];

  beforeAll(async () => {
    const db = join(tempDir('frontier-e2e-insights-'), 'e2e.db');
    await seedFinishedStudies(db, [nb201Spec({ name: 'seven', strategy: 'random', budget: { evals: 7 } }), nb201Spec({ name: 'four hundred', strategy: 'random', budget: { evals: 400 } })]);
    wb = await openWorkbench(db);
    ({ page, url, errors } = wb);
  }, 180_000);

  afterAll(async () => {
    await wb?.close();
  });

  it('warns on 7 trials and gives intervals that are not clear of chance', async () => {
    await page.goto(`${url.href}#/study/1/insights`);
    await poll(() => page.getByTestId('insights-warning').textContent()).toMatch(/Only 7 complete trials: too few/);
    const texts = await page.getByTestId('importance').allTextContents();
    expect(texts).toHaveLength(6);
    for (const t of texts) expect(t).toMatch(/importance [\d.e-]+ \[[\d.e-]+, [\d.e-]+\]/);
    expect(texts.some((t) => /not clear of chance/.test(t))).toBe(true);
    await page.screenshot({ path: artifact('14-5-insights-small-sample.png'), fullPage: true });
  });

  it('chooses the metric: an objective, a recorded metric with its direction, the Pareto rank', async () => {
    await page.goto(`${url.href}#/study/2/insights`);
    await poll(() => page.getByTestId('importance').count()).toBe(6);
    expect(await page.getByTestId('insights-warning').count()).toBe(0);
    const metric = page.getByLabel('Insights metric');
    expect(await metric.locator('option').allTextContents()).toEqual(['c10_valid_12ep', 'hwnb_pixel3', 'c10_test', 'Pareto rank (0 = on the front)']);
    expect(await page.getByLabel('Insights direction').count()).toBe(0);
    await metric.selectOption('hwnb_pixel3');
    await poll(() => page.locator('p.muted').first().textContent()).toMatch(/by hwnb_pixel3 \(min\)/);
    await metric.selectOption('c10_test');
    await poll(() => page.getByLabel('Insights direction').count()).toBe(1);
    await page.getByLabel('Insights direction').selectOption('max');
    await poll(() => page.locator('p.muted').first().textContent()).toMatch(/by c10_test \(max\)/);
    await metric.selectOption('pareto_rank');
    await poll(() => page.locator('p.muted').first().textContent()).toMatch(/by pareto_rank \(min\)/);
    await page.screenshot({ path: artifact('14-5-insights-pareto-rank.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
