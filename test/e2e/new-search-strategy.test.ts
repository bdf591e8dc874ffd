/**
 * Issue 11: the New search form offers every registered strategy with its documented options (from
 * main, IPC strategy.list), checks them, and starts a search with the options set; a training space
 * also offers the zero-cost filter. Chromium against `frontier serve` on an empty SQLite database.
 */
import { describe, expect, it } from 'vitest';
import { STRATEGIES } from '../../main/core/strategies.js';
import { strategyCatalog } from '../../main/core/strategy-docs.js';
import { artifact } from './browser.js';
import { emptyWorkbenchFixture, poll, readStudy, workbenchSkipReason } from './workbench-harness.js';

const skip = workbenchSkipReason();

describe.skipIf(skip !== undefined)('New search: strategies and their options', () => {
  const wb = emptyWorkbenchFixture('frontier-e2e-strategy-');

  it('offers every registered strategy, shows the chosen one\'s options, checks them and starts the search with them', async () => {
    const { db, page, url } = wb;
    await page.goto(`${url.href}#/new`);
    await poll(() => page.getByTestId('space-count').textContent()).toMatch(/15,625 architectures/);
    const strategy = page.getByLabel('Strategy', { exact: true });
    await poll(() => strategy.locator('option').count()).toBe(Object.keys(STRATEGIES).length);
    expect(await strategy.locator('option').evaluateAll((os) => os.map((o) => (o as unknown as { value: string }).value))).toEqual(Object.keys(STRATEGIES));
    // evolution (the default) shows its three options, each with its default as placeholder
    await poll(() => page.getByLabel('population', { exact: true }).getAttribute('placeholder')).toMatch(/^10/);
    expect(await page.getByTestId('strategy-options').locator('input, select').count()).toBe(3);

    await strategy.selectOption('tpe');
    const tpe = strategyCatalog().strategies.find((s) => s.name === 'tpe');
    await poll(() => page.getByTestId('strategy-options').locator('input, select').count()).toBe(tpe?.options.length ?? -1);
    expect(await page.getByLabel('population', { exact: true }).count()).toBe(0);
    expect(await page.locator('.field', { has: page.getByLabel('gamma', { exact: true }) }).textContent()).toMatch(/share of results counted as good · default 0\.1 · range 0\.01\.\.0\.5/);
    // no zero-cost filter for a table search (nothing is built or trained)
    expect(await page.getByLabel('zcFilter', { exact: true }).count()).toBe(0);

    const gamma = page.getByLabel('gamma', { exact: true });
    await gamma.fill('lots');
    await poll(() => page.locator('[data-field="strategyOptions.gamma"]').textContent()).toBe('gamma must be a number (0.01..0.5).');
    expect(await gamma.getAttribute('aria-invalid')).toBe('true');
    // well-formed but out of range: main says so, on the same field
    await gamma.fill('0.9');
    await poll(() => page.locator('[data-field="strategyOptions.gamma"]').textContent()).toMatch(/gamma.*\[0\.01, 0\.5\], got 0\.9/);
    await page.screenshot({ path: artifact('11-new-search-strategy-option-invalid.png'), fullPage: true });

    await gamma.fill('0.25');
    await page.getByLabel('startup', { exact: true }).fill('5');
    await page.getByLabel('Name', { exact: true }).fill('e2e tpe');
    await page.getByLabel('Evaluations').fill('30');
    await poll(() => page.locator('.form-issues').count()).toBe(0);
    await poll(() => page.getByRole('button', { name: 'Start search' }).textContent()).toBe('Start search');
    await page.screenshot({ path: artifact('11-new-search-strategy-options.png'), fullPage: true });
    await page.getByRole('button', { name: 'Start search' }).click();
    await page.waitForURL(/#\/study\/1$/);
    await poll(() => page.locator('.badge').first().textContent(), 30_000).toBe('complete');

    const rec = readStudy(db).study;
    expect(rec?.spec).toMatchObject({ name: 'e2e tpe', strategy: 'tpe', strategyOptions: { gamma: 0.25, startup: 5 } });
    expect(rec?.progress.evals).toBe(30);
  }, 120_000);

  it('a training space also offers the zero-cost filter, whose proxy is a choice', async () => {
    const { page, url, errors } = wb;
    await page.goto(`${url.href}#/new`);
    // A fresh form: the one above kept what was typed (tpe), which a change of space no longer resets.
    await page.reload();
    await poll(() => page.getByTestId('space-count').textContent()).toMatch(/15,625 architectures/);
    await page.getByLabel('Dataset and space').selectOption('mobilenet');
    await poll(() => page.getByLabel('Objective 1', { exact: true }).inputValue()).toBe('val_accuracy');
    // the space's ready spec sets evolution's population 8, tournament 3
    expect(await page.getByLabel('population', { exact: true }).inputValue()).toBe('8');
    await page.locator('summary', { hasText: 'Zero-cost filter' }).click();
    await page.getByLabel('zcFilter', { exact: true }).fill('8');
    const proxies = await page.getByLabel('zcProxy', { exact: true }).locator('option').allTextContents();
    expect(proxies).toEqual(['default (synflow)', 'synflow', 'naswot', 'snip', 'grad_norm', 'params', 'flops']);
    await page.getByLabel('zcProxy', { exact: true }).selectOption('snip');
    // another strategy keeps the filter and drops evolution's options
    await page.getByLabel('Strategy', { exact: true }).selectOption('random');
    await poll(() => page.getByText('Random search has no options.').count()).toBe(1);
    expect(await page.getByLabel('zcFilter', { exact: true }).inputValue()).toBe('8');
    expect(await page.getByLabel('zcProxy', { exact: true }).inputValue()).toBe('snip');
    await page.screenshot({ path: artifact('11-new-search-zero-cost-filter.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 60_000);
});
