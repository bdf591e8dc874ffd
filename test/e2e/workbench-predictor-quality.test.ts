/**
 * Issue 11: a model-based search's predictor quality in the workbench's Insights, in Chromium against
 * `frontier serve`: a bo search shows the held-out Kendall τ and Spearman ρ its checkpoint keeps (the
 * figures `frontier show` prints); a search without a predictor shows no such section.
 */
import { describe, expect, it } from 'vitest';
import { readPredictorInsights, type PredictorInsights } from '../../main/core/predictors/insights.js';
import { SqliteStore } from '../../main/services/sqlite-store.js';
import { nb201Spec } from '../fixtures/nb201-spec.js';
import { artifact } from './browser.js';
import { poll, seedFinishedStudies, workbenchFixture, workbenchSkipReason } from './workbench-harness.js';

const skip = workbenchSkipReason();

describe.skipIf(skip !== undefined)('predictor quality in Insights', () => {
  let stored: PredictorInsights | undefined;

  const wb = workbenchFixture('frontier-e2e-predictor-', async (db) => {
    const one = [{ metric: 'c10_valid_12ep', direction: 'max' as const }];
    const [bo] = await seedFinishedStudies(db, [
      nb201Spec({ name: 'bo', strategy: 'bo', strategyOptions: { init: 5 }, objectives: one, budget: { evals: 30 } }),
      nb201Spec({ name: 'evolution', budget: { evals: 30 } }),
    ]);
    const store = SqliteStore.open(db);
    try {
      stored = readPredictorInsights(store.getCheckpoint(bo as string)?.strategyState);
    } finally {
      store.close();
    }
  });

  it("a bo search's Insights show its held-out τ and ρ, as stored in its checkpoint", async () => {
    const { page, url } = wb;
    expect(stored?.heldOut).toBe(25);
    await page.goto(`${url.href}#/study/1/insights`);
    const section = page.getByTestId('predictor-quality');
    await poll(() => section.count()).toBe(1);
    expect(await section.getByRole('heading').textContent()).toBe('Predictor quality');
    expect(await page.getByTestId('predictor-held-out').textContent()).toBe('25');
    expect(await page.getByTestId('predictor-tau').textContent()).toBe((stored?.kendallTau as number).toFixed(2));
    expect(await page.getByTestId('predictor-rho').textContent()).toBe((stored?.spearman as number).toFixed(2));
    await page.screenshot({ path: artifact('11-insights-predictor-quality.png'), fullPage: true });
  });

  it('a search without a predictor shows no predictor section', async () => {
    const { page, url, errors } = wb;
    await page.goto(`${url.href}#/study/2/insights`);
    await poll(() => page.getByTestId('importance').count()).toBe(6);
    expect(await page.getByTestId('predictor-quality').count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
