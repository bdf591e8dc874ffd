/**
 * Issue 14, item 4 (zoom): the Pareto scatter zooms into a dragged rectangle (fewer points in
 * view, narrower axes), a drag does not open a trial, and Reset zoom / double-click show every
 * point again. Chromium against `frontier serve`; screenshot in test-artifacts/.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../cli-helpers.js';
import { nb201Spec } from '../fixtures/nb201-spec.js';
import { artifact } from './browser.js';
import { openWorkbench, seedFinishedStudies, poll, workbenchSkipReason, type Workbench } from './workbench-harness.js';

const skip = workbenchSkipReason();

describe.skipIf(skip !== undefined)('zooming the Pareto scatter', () => {
  let wb: Workbench | undefined;
  let url: URL;
  let page: Page;
  let errors: string[] = [];

  beforeAll(async () => {
    const db = join(tempDir('frontier-e2e-zoom-'), 'e2e.db');
    await seedFinishedStudies(db, [nb201Spec({ name: 'zoom me', budget: { evals: 120 }, seed: 7 })]);
    wb = await openWorkbench(db, { viewport: { width: 1440, height: 900 } });
    ({ page, url, errors } = wb);
  }, 180_000);

  afterAll(async () => {
    await wb?.close();
  });

  it('drag-zooms into a rectangle, and Reset zoom / double-click show everything again', async () => {
    await page.goto(`${url.href}#/study/1`);
    const scatter = page.getByRole('img', { name: /^Pareto scatter/ });
    await poll(() => scatter.getAttribute('data-drawn')).toBe('1');
    await poll(async () => Number(await scatter.getAttribute('data-visible'))).toBeGreaterThan(20);
    const all = Number(await scatter.getAttribute('data-visible'));
    expect(await scatter.getAttribute('data-zoom')).toBe('');
    const box = (await scatter.boundingBox())!;
    const before = page.url();
    // A rectangle over the middle of the plot.
    const drag = async () => {
      await page.mouse.move(box.x + box.width * 0.35, box.y + box.height * 0.25);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.4, { steps: 5 });
      await page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.6, { steps: 5 });
      await page.mouse.up();
    };
    await drag();
    await poll(() => scatter.getAttribute('data-zoom')).toMatch(/^[^,]+,[^,]+,[^,]+,[^,]+$/);
    const zoomed = Number(await scatter.getAttribute('data-visible'));
    expect(zoomed).toBeLessThan(all);
    const [x0, x1, y0, y1] = (await scatter.getAttribute('data-zoom'))!.split(',').map(Number);
    expect(x0).toBeLessThan(x1!);
    expect(y0).toBeLessThan(y1!);
    // The drag zoomed; it did not open a trial.
    expect(page.url()).toBe(before);
    await page.getByRole('button', { name: 'Reset zoom' }).waitFor();
    await page.locator('.scatter').first().screenshot({ path: artifact('14-4-scatter-zoomed.png') });
    await page.getByRole('button', { name: 'Reset zoom' }).click();
    await poll(() => scatter.getAttribute('data-zoom')).toBe('');
    expect(Number(await scatter.getAttribute('data-visible'))).toBe(all);
    expect(await page.getByRole('button', { name: 'Reset zoom' }).count()).toBe(0);
    // Again, then back out with a double-click.
    await drag();
    await poll(() => scatter.getAttribute('data-zoom')).not.toBe('');
    await scatter.dblclick({ position: { x: box.width * 0.9, y: box.height * 0.1 } });
    await poll(() => scatter.getAttribute('data-zoom')).toBe('');
    expect(Number(await scatter.getAttribute('data-visible'))).toBe(all);
    expect(errors).toEqual([]);
  });
});
