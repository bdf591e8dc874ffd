/**
 * Issue 16 (text): the workbench's New search picks the text space with `frontier search --space text`'s
 * defaults (built-in Debian package descriptions, tokenizer settings stored with the study), a short
 * search started there trains for real, and its Trial screen draws the encoder (embedding, named
 * decisions per block, pooling) with tensor shapes. Chromium against `frontier serve`; screenshots in
 * test-artifacts/.
 */
import { describe, expect, it } from 'vitest';
import { artifact } from './browser.js';
import { cliSpec, emptyWorkbenchFixture, poll, readStudy, workbenchSkipReason } from './workbench-harness.js';

const skip = workbenchSkipReason();

describe.skipIf(skip !== undefined)('text in the workbench: New search and the Trial graph', () => {
  const wb = emptyWorkbenchFixture('frontier-e2e-text-', { viewport: { width: 1440, height: 1000 } });

  it('New search offers text with the CLI defaults; a one-trial search trains and its trial graph has shapes', async () => {
    const { db, page, url, errors } = wb;
    await page.goto(`${url.href}#/new`);
    const space = page.getByLabel('Dataset and space');
    await poll(() => space.locator('option[value="text"]').count()).toBe(1);
    await space.selectOption('text');
    await poll(() => page.getByLabel('Data', { exact: true }).inputValue()).toBe('builtin:debian-descriptions');
    expect(await page.getByLabel('Epochs', { exact: true }).inputValue()).toBe('3');
    await poll(() => page.getByTestId('space-count').textContent()).toMatch(/^11,304 architectures/);
    await page.getByLabel('Name', { exact: true }).fill('text from the form');
    await page.getByLabel('Epochs', { exact: true }).fill('1');
    await page.getByLabel('Workers', { exact: true }).fill('1');
    await page.getByLabel('Evaluations').fill('1');
    await page.getByLabel('Wall minutes').fill('');
    await poll(() => page.locator('.form-issues').count()).toBe(0);
    await page.screenshot({ path: artifact('16-text-new-search.png'), fullPage: true });
    await page.getByRole('button', { name: 'Start search' }).click();
    await page.waitForURL(/#\/study\/1$/, { timeout: 30_000 });
    await poll(() => page.locator('.badge').first().textContent(), 150_000).toMatch(/complete/);

    // The stored spec is what `frontier search --space text` stores with the same options, plus the fitted tokenizer.
    const cli = cliSpec(['--space', 'text', '--epochs', '1', '--workers', '1']).evaluator as Record<string, unknown>;
    const stored = readStudy(db);
    const ui = stored.study?.spec.evaluator as Record<string, unknown> | undefined;
    const trials = stored.trials;
    for (const k of ['data', 'val', 'epochs', 'backend']) expect(ui?.[k], k).toEqual(cli[k]);
    expect(ui?.text).toMatchObject(cli.text as object);
    expect((ui?.text as { tokenizer?: { merges: string[] } }).tokenizer?.merges).toHaveLength(254);
    expect(trials).toHaveLength(1);
    expect(trials?.[0]?.state, trials?.[0]?.error).toBe('complete');

    await page.goto(`${url.href}#/study/1/trial/0`);
    const shapes = page.getByTestId('arch-shape');
    await poll(() => shapes.count()).toBeGreaterThan(4);
    const texts = await shapes.allTextContents();
    expect(texts[0]).toBe('48×1×1');
    expect(texts.at(-1)).toBe('8');
    expect(await page.getByTestId('arch-shapes-note').textContent()).toMatch(/input 48×1×1 \(Debian descriptions, 48 tokens\)/);
    const decisions = await page.getByRole('table', { name: 'Decisions' }).locator('td:first-child').allTextContents();
    expect(decisions.slice(0, 3)).toEqual(['embed.width', 'depth', 'b1.type']);
    expect(decisions.at(-1)).toBe('pool');
    await page.locator('section[aria-label="Architecture"]').screenshot({ path: artifact('16-text-trial-graph.png') });
    expect(errors).toEqual([]);
  }, 240_000);
});
