/**
 * Issue 14, item 4 (zoom): the Pareto scatter zooms into a dragged rectangle (fewer points in
 * view, narrower axes), a drag does not open a trial, and Reset zoom / double-click show every
 * point again. Chromium against `frontier serve`; screenshot in test-artifacts/.
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

describe.skipIf(skip !== undefined)('zooming the Pareto scatter', () => {
  let serve: ChildProcess | undefined;
  let url: URL;
  let browser: { context: BrowserContext; close: () => Promise<void> } | undefined;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    ensureRendererBuilt();
    const db = join(tempDir('frontier-e2e-zoom-'), 'e2e.db');
    const store = SqliteStore.open(db);
    try {
      const rec = createStudy(store, nb201Spec({ name: 'zoom me', budget: { evals: 120 }, seed: 7 }));
      const cts = new CancellationTokenSource();
      await runStudy(store, rec.id, cts.token);
      cts.dispose();
    } finally {
      store.close();
    }
    ({ child: serve, url } = await startServe(db));
    browser = await launchChromium();
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1440, height: 900 });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (serve) await stopServe(serve);
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
