/**
 * Issue 14 item 7: New search = CLI. The form shows `frontier search`'s training defaults (the compact
 * mobilenet space, built-in data, epochs, one worker per core), keeps what was typed on a change of
 * space, and a training search started from it — by keyboard only — stores the same evaluator settings
 * as `frontier search` with the same options. Chromium against `frontier serve` on an empty SQLite database.
 */
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { artifact } from './browser.js';
import { cliSpec, emptyWorkbenchFixture, poll, readStudy, workbenchSkipReason } from './workbench-harness.js';

const skip = workbenchSkipReason();

describe.skipIf(skip !== undefined)('New search = CLI (training defaults, kept fields, keyboard)', () => {
  const wb = emptyWorkbenchFixture('frontier-e2e-parity-');

  /** The accessible label of the focused element (its <label for>, or aria-label, or text). */
  const focusedLabel = (): Promise<string> =>
    wb.page.evaluate(`(() => {
      const el = document.activeElement;
      if (!el) return '';
      const byFor = el.id ? document.querySelector('label[for="' + CSS.escape(el.id) + '"]')?.textContent : undefined;
      return (byFor ?? el.getAttribute('aria-label') ?? el.textContent ?? '').trim();
    })()`);
  /** Presses Tab until the field labelled `label` has the focus (fails when it is not reachable so). */
  async function tabTo(label: string, max = 80) {
    for (let i = 0; i < max; i++) {
      if ((await focusedLabel()) === label) return;
      await wb.page.keyboard.press('Tab');
    }
    throw new Error(`'${label}' is not reachable with Tab (last focus: '${await focusedLabel()}')`);
  }
  async function typeInto(label: string, text: string) {
    await tabTo(label);
    await wb.page.keyboard.press('ControlOrMeta+A');
    await wb.page.keyboard.type(text);
  }

  it('shows the CLI defaults, keeps typed fields on a change of space, and starts the same search as `frontier search`', async () => {
    const { db, page, url, errors } = wb;
    await page.goto(`${url.href}#/new`);
    await poll(() => page.getByTestId('space-count').textContent()).toMatch(/15,625 architectures/);
    // From the top of the page, by keyboard only.
    await page.locator('body').focus();
    await typeInto('Name', 'parity run');
    await tabTo('Dataset and space');
    await page.keyboard.press('ArrowDown');
    await poll(() => page.getByLabel('Dataset and space').inputValue()).toBe('mobilenet');

    // The CLI's defaults: compact space, built-in data, 2 epochs, one worker per core, 4.5 min of wall time.
    const defaults = cliSpec([]);
    const ev = defaults.evaluator as unknown as { data: string; epochs: number; workers: number };
    expect(ev).toMatchObject({ data: 'builtin:fashion-mnist', epochs: 2, workers: availableParallelism() });
    await poll(() => page.getByLabel('Data', { exact: true }).inputValue()).toBe(ev.data);
    expect(await page.getByLabel('Epochs', { exact: true }).inputValue()).toBe(String(ev.epochs));
    expect(await page.getByLabel('Workers', { exact: true }).inputValue()).toBe(String(ev.workers));
    expect(await page.getByLabel('Wall minutes').inputValue()).toBe(String((defaults.budget.wallMs ?? 0) / 60_000));
    expect(await page.getByLabel('population', { exact: true }).inputValue()).toBe(String(defaults.strategyOptions?.population));
    // the name typed before the change of space stays
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('parity run');
    await poll(() => page.getByTestId('space-count').textContent()).toMatch(/^1,108,126,760,976 .*architectures/);

    await typeInto('Epochs', '1');
    await typeInto('Workers', '2');
    await typeInto('Seed', '5');
    // Another space and back: nothing typed is lost.
    await page.getByLabel('Dataset and space').focus();
    await page.keyboard.press('ArrowUp');
    await poll(() => page.getByLabel('Dataset and space').inputValue()).toBe('nb201');
    expect(await page.getByLabel('Epochs', { exact: true }).count()).toBe(0);
    expect(await page.getByLabel('Seed').inputValue()).toBe('5');
    // a table search offers the CLI's --cost, with its default
    const nbCost = (cliSpec(['--space', 'nb201']).evaluator as { cost?: string }).cost;
    expect(nbCost).toMatch(/^train_time_200ep_c10valid\*/);
    expect(await page.getByLabel('Cost per evaluation').inputValue()).toBe(nbCost);
    await page.getByLabel('Dataset and space').focus();
    await page.keyboard.press('ArrowDown');
    await poll(() => page.getByLabel('Epochs', { exact: true }).inputValue()).toBe('1');
    expect(await page.getByLabel('Workers', { exact: true }).inputValue()).toBe('2');
    expect(await page.getByLabel('Seed').inputValue()).toBe('5');
    expect(await page.getByLabel('Name', { exact: true }).inputValue()).toBe('parity run');

    // A bad value is named on its field.
    await typeInto('Workers', 'two');
    await poll(() => page.locator('[data-field="evaluator.workers"]').textContent()).toMatch(/Workers must be a whole number/);
    await typeInto('Workers', '2');
    // A user path that does not exist: main says so on the Data field.
    await typeInto('Data', '/no/such/data.csv');
    await poll(() => page.locator('[data-field="evaluator.data"]').textContent()).toMatch(/no file or folder '\/no\/such\/data\.csv'/);
    await typeInto('Data', 'builtin:fashion-mnist');
    await typeInto('Evaluations', '2');
    await poll(() => page.locator('.form-issues').count()).toBe(0);
    await poll(() => page.getByRole('button', { name: 'Start search' }).textContent()).toBe('Start search');
    await page.screenshot({ path: artifact('14-7-new-search-cli-parity.png'), fullPage: true });
    // Enter in a field submits the form.
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/study\/1$/, { timeout: 30_000 });

    const cli = cliSpec(['--epochs', '1', '--workers', '2', '--seed', '5', '--budget-evals', '2', '--budget-wall', '4m30s', '--name', 'parity run']);
    const ui = readStudy(db).study?.spec;
    expect(ui).toBeDefined();
    const pick = (s: typeof cli) => {
      const e = s.evaluator as Record<string, unknown>;
      return {
        name: s.name, space: s.space, spaceOptions: s.spaceOptions, strategy: s.strategy, objectives: s.objectives, report: s.report, budget: s.budget, seed: s.seed, concurrency: s.concurrency,
        evaluator: { kind: e.kind, data: e.data, epochs: e.epochs, workers: e.workers, val: e.val, patience: e.patience, batchSize: e.batchSize, lr: e.lr, latency: e.latency, mobilenet: e.mobilenet },
      };
    };
    expect(pick(ui!)).toEqual(pick(cli));
    expect(pick(ui!)).toMatchObject({ space: 'mobilenet', concurrency: 2, evaluator: { epochs: 1, workers: 2, data: 'builtin:fashion-mnist' } });
    expect(Number(ui!.strategyOptions?.population)).toBe(Number(cli.strategyOptions?.population));

    // Stop it by keyboard as well.
    const stop = page.getByRole('button', { name: 'Stop' });
    await poll(() => stop.count(), 30_000).toBe(1);
    await stop.focus();
    await page.keyboard.press('Enter');
    await poll(() => page.locator('.badge').first().textContent(), 60_000).toMatch(/stopped|complete/);
    expect(errors).toEqual([]);
  }, 180_000);
});
