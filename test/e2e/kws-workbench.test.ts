/**
 * Issue 16 (speech): the workbench's New search picks the kws space with `frontier search --space kws`'s
 * defaults (built-in spoken keywords, MFCC settings stored with the study), a short search started there
 * trains for real, and its Trial screen draws the network with named decisions and tensor shapes from the
 * stored feature settings. Chromium against `frontier serve`; screenshots in test-artifacts/.
 */
import { describe, expect, it } from 'vitest';
import { artifact } from './browser.js';
import { cliSpec, emptyWorkbenchFixture, poll, readStudy, workbenchSkipReason } from './workbench-harness.js';

const skip = workbenchSkipReason();

describe.skipIf(skip !== undefined)('kws in the workbench: New search and the Trial graph', () => {
  const wb = emptyWorkbenchFixture('frontier-e2e-kws-', { viewport: { width: 1440, height: 1000 } });

  it('New search offers kws with the CLI defaults; a one-trial search trains and its trial graph has shapes', async () => {
    const { db, page, url, errors } = wb;
    await page.goto(`${url.href}#/new`);
    const space = page.getByLabel('Dataset and space');
    await poll(() => space.locator('option[value="kws"]').count()).toBe(1);
    await space.selectOption('kws');
    await poll(() => page.getByLabel('Data', { exact: true }).inputValue()).toBe('builtin:speech-keywords');
    expect(await page.getByLabel('Epochs', { exact: true }).inputValue()).toBe('10');
    await poll(() => page.getByTestId('space-count').textContent()).toMatch(/^2,077,200 architectures/);
    await page.getByLabel('Name', { exact: true }).fill('kws from the form');
    await page.getByLabel('Epochs', { exact: true }).fill('2');
    await page.getByLabel('Workers', { exact: true }).fill('1');
    await page.getByLabel('Evaluations').fill('1');
    await page.getByLabel('Wall minutes').fill('');
    await poll(() => page.locator('.form-issues').count()).toBe(0);
    await poll(() => page.getByRole('button', { name: 'Start search' }).textContent()).toBe('Start search');
    await page.screenshot({ path: artifact('16-kws-new-search.png'), fullPage: true });
    await page.getByRole('button', { name: 'Start search' }).click();
    await page.waitForURL(/#\/study\/1$/, { timeout: 30_000 });
    await poll(() => page.locator('.badge').first().textContent(), 120_000).toMatch(/complete/);

    // The stored spec is what `frontier search --space kws` stores with the same options.
    const cli = cliSpec(['--space', 'kws', '--epochs', '2', '--workers', '1']).evaluator as Record<string, unknown>;
    const stored = readStudy(db);
    const ui = stored.study?.spec.evaluator as Record<string, unknown> | undefined;
    const trials = stored.trials;
    for (const k of ['data', 'val', 'epochs', 'backend', 'audio']) expect(ui?.[k], k).toEqual(cli[k]);
    expect(trials).toHaveLength(1);
    expect(trials?.[0]?.state).toBe('complete');

    await page.goto(`${url.href}#/study/1/trial/0`);
    const shapes = page.getByTestId('arch-shape');
    await poll(() => shapes.count()).toBeGreaterThan(4);
    const texts = await shapes.allTextContents();
    expect(texts[0]).toBe('49×10×1');
    expect(texts.at(-1)).toBe('10');
    expect(await page.getByTestId('arch-shapes-note').textContent()).toMatch(/input 49×10×1 \(spoken keywords, MFCC frames × features\)/);
    const decisions = await page.getByRole('table', { name: 'Decisions' }).locator('td:first-child').allTextContents();
    expect(decisions.slice(0, 4)).toEqual(['type', 'stem.width', 'depth', 'b1.kernel']);
    await page.locator('section[aria-label="Architecture"]').screenshot({ path: artifact('16-kws-trial-graph.png') });
    expect(errors).toEqual([]);
  }, 240_000);
});
