/**
 * Issue 14, item 9: resource accounting in the Live view, in Chromium against `frontier serve`:
 * a finished search shows its compute hours, evaluations per hour, time per architecture and the
 * variety of what it explored (as `studyResources` computes from the stored trials); a search
 * started from the workbench shows the CPU its run takes while it runs, and live counts; the
 * detail of a trial still running shows the metrics known before training it (item 8/#3).
 */
import { describe, expect, it } from 'vitest';
import { studyResources } from '../../main/core/analysis.js';
import { nb201EvaluatorSpec } from '../../main/services/evaluators.js';
import { SqliteStore } from '../../main/services/sqlite-store.js';
import { createStudy } from '../../main/services/studies.js';
import type { StudyResources } from '../../shared/ipc/contract.js';
import { nb201Spec } from '../fixtures/nb201-spec.js';
import { artifact } from './browser.js';
import { seedFinishedStudies, workbenchFixture, workbenchSkipReason } from './workbench-harness.js';

const skip = workbenchSkipReason();
const poll = <T>(fn: () => T | Promise<T>, opts: { timeout?: number } = {}) => expect.poll(fn, { timeout: opts.timeout ?? 15_000, interval: 100 });
const pct = (v: number) => `${(v * 100).toFixed(v < 0.1 ? 1 : 0)}%`;

describe.skipIf(skip !== undefined)('resource accounting in the workbench', () => {
  let done: StudyResources;
  const row = (k: string) => wb.page.locator(`[data-testid="resources"] tr[data-resource="${k}"] td`);

  const wb = workbenchFixture('frontier-e2e-resources-', async (db) => {
    const [finished] = await seedFinishedStudies(db, [nb201Spec({ name: 'finished', strategy: 'random', budget: { evals: 60 } })]);
    const store = SqliteStore.open(db);
    try {
      done = studyResources(store.getTrials(finished as string));
      // Started from the workbench below, paced so that it runs for a few seconds.
      createStudy(store, nb201Spec({ name: 'paced', strategy: 'evolution', budget: { evals: 80 }, evaluator: nb201EvaluatorSpec({ pace: 0.0003 }) }));
      // Slow enough (seconds per trial) to open a trial while it runs.
      createStudy(store, nb201Spec({ name: 'slow', strategy: 'random', budget: { evals: 2 }, evaluator: nb201EvaluatorSpec({ pace: 0.04 }) }));
    } finally {
      store.close();
    }
  });

  it('shows what a finished search spent and how varied its architectures were, from the store', async () => {
    const { page, url } = wb;
    expect(done.finished).toBe(60);
    await page.goto(`${url.href}#/study/1`);
    await poll(() => row('unique').textContent()).toBe(`${pct(done.uniqueFraction)} of 60`);
    expect(done.diversity).not.toBeNull();
    expect(done.diversity!).toBeGreaterThan(0.5); // random NB201 cells differ in most of their 6 ops
    expect(await row('diversity').textContent()).toBe(`${pct(done.diversity!)} of the decisions`);
    expect(await row('simulated-hours').textContent()).toMatch(/^[\d.e+-]+ h$/);
    expect(Number((await row('simulated-hours').textContent())!.replace(' h', ''))).toBeCloseTo(done.simulatedHours, 2);
    expect(await row('evals-per-hour').textContent()).toMatch(/^[\d.e+,-]+$/);
    expect(await row('trial-seconds').textContent()).toMatch(/s \/ .* s wall · .* s charged$/);
    expect(await row('cpu').textContent()).toBe('not running here');
    await page.locator('section[aria-label="Resources"], [data-testid="resources"]').first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: artifact('14-9-resources-finished.png'), fullPage: true });
  });

  it('shows the CPU of a run started here while it runs, and the counts follow it live', async () => {
    const { page, url, errors } = wb;
    await page.goto(`${url.href}#/study/2`);
    await page.getByRole('button', { name: 'Start' }).click();
    await poll(() => row('cpu').textContent()).toMatch(/^\d+(\.\d)?% of \d+ cores · load [\d.]+$/);
    await poll(async () => Number(/of (\d+)$/.exec((await row('unique').textContent()) ?? '')?.[1] ?? 0)).toBeGreaterThan(0);
    const early = Number(/of (\d+)$/.exec((await row('unique').textContent()) ?? '')?.[1]);
    await page.locator('[data-testid="resources"]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: artifact('14-9-resources-running.png'), fullPage: true });
    await poll(() => page.locator('.badge').first().textContent(), { timeout: 60_000 }).toBe('complete');
    await poll(() => row('unique').textContent()).toMatch(/ of 80$/);
    expect(early).toBeLessThan(80);
    // Once it ends, the run's CPU use is kept with the search (studies.cpu).
    await poll(() => row('cpu').textContent()).toMatch(/^\d+(\.\d)?% of \d+ cores over [\d.e+-]+ s \(1 run, kept with the search\)$/);
    await page.reload();
    await poll(() => row('cpu').textContent()).toMatch(/ \(1 run, kept with the search\)$/);
    expect(errors).toEqual([]);
  }, 120_000);

  it('shows the metrics known before training while a trial runs, then records them with it', async () => {
    const { page, url, errors } = wb;
    await page.goto(`${url.href}#/study/3`);
    await page.getByRole('button', { name: 'Start' }).click();
    await poll(() => page.locator('.badge').first().textContent()).toBe('running');
    await page.goto(`${url.href}#/study/3/trial/0`);
    const known = page.getByTestId('known-metrics');
    await poll(() => known.locator('tr').count()).toBeGreaterThan(0);
    const rows = await known.locator('tr').allTextContents();
    const pixel = rows.find((r) => r.startsWith('hwnb_pixel3'));
    expect(pixel).toMatch(/^hwnb_pixel3[\d.]+$/);
    // Accuracy comes from evaluating: it is not known before.
    expect(rows.some((r) => r.startsWith('c10_valid_12ep'))).toBe(false);
    await page.screenshot({ path: artifact('14-8-trial-known-before-training.png'), fullPage: true });
    // Once it finished, the trial's metrics carry the same value and the panel is gone.
    await poll(async () => {
      await page.reload();
      await page.getByRole('table', { name: 'Metrics' }).waitFor();
      return page.getByRole('table', { name: 'Metrics' }).locator('tr', { hasText: 'hwnb_pixel3' }).count();
    }, { timeout: 30_000 }).toBe(1);
    const value = pixel!.slice('hwnb_pixel3'.length);
    expect(await page.getByRole('table', { name: 'Metrics' }).locator('tr', { hasText: 'hwnb_pixel3' }).locator('td.num').textContent()).toBe(value);
    expect(await known.count()).toBe(0);
    expect(errors).toEqual([]);
  }, 90_000);
});
