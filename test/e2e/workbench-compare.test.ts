/**
 * Issue 14, items 3, 4 and 8 in Chromium against `frontier serve` on a seeded database: one
 * hypervolume everywhere (Searches list = Compare), searches of other objectives on their own
 * chart, best-so-far for one objective, x by evaluations / simulated time, mean ± std across
 * seeds; readable charts (axis labels, whole-number epoch ticks, log scale); trial detail with
 * previous / next, "on the front", a likely parent, and a stopped search's trial shown as
 * interrupted rather than failed. Screenshots in test-artifacts/.
 */
import { describe, expect, it } from 'vitest';
import { summarize } from '../../main/core/summary.js';
import { Rng } from '../../main/core/rng.js';
import { createSpace } from '../../main/core/spaces.js';
import { SqliteStore } from '../../main/services/sqlite-store.js';
import { createStudy } from '../../main/services/studies.js';
import { nb201Spec } from '../fixtures/nb201-spec.js';
import { artifact } from './browser.js';
import { poll, seedFinishedStudies, workbenchFixture, workbenchSkipReason } from './workbench-harness.js';

const skip = workbenchSkipReason();
const OBJ1 = [{ metric: 'c10_valid_12ep', direction: 'max' as const }];

describe.skipIf(skip !== undefined)('comparing searches, reading charts, trial detail', () => {
  let frontTrial = 0;

  const wb = workbenchFixture('frontier-e2e-compare-', async (db) => {
    const specs = [1, 2, 3].map((seed) => nb201Spec({ name: `evolution seed ${seed}`, budget: { evals: 150 }, seed }));
    specs.push(nb201Spec({ name: 'one objective', objectives: OBJ1, budget: { evals: 150 }, seed: 4 }));
    await seedFinishedStudies(db, specs);
    const store = SqliteStore.open(db);
    try {
      // Study 5: stopped while a trial ran (what Study does on Stop: the trial abandoned).
      const stopped = createStudy(store, nb201Spec({ name: 'stopped mid-trial', budget: { evals: 50 } }));
      store.setStudyStatus(stopped.id, 'running', Date.now());
      store.createTrial(stopped.id, { key: 'k', sample: [0, 1, 2, 3, 4, 0] }, Date.now());
      // Its learning curve so far (training records one point per epoch).
      store.appendCurve(stopped.id, 0, [1, 2, 3, 4, 5, 6, 7].map((step) => ({ step, metric: 'val_accuracy', value: 0.5 + step * 0.04 })));
      store.abandonRunning(stopped.id, 'interrupted: the search was stopped', Date.now());
      store.setStudyStatus(stopped.id, 'stopped', Date.now());
      // Study 6: a mobilenet architecture (a chain of ~20 blocks), recorded as a finished trial.
      const mb = store.createStudy(nb201Spec({ name: 'mobilenet arch', space: 'mobilenet', objectives: OBJ1 }), Date.now());
      store.setStudyStatus(mb.id, 'running', Date.now());
      const space = createSpace('mobilenet');
      const sample = space.sample(new Rng(3));
      const n = store.createTrial(mb.id, space.freeze(sample), Date.now());
      store.finishTrial(mb.id, n, { state: 'complete', metrics: { c10_valid_12ep: 80 }, fidelity: {}, cost: 1, finishedAt: Date.now() }, { progress: { evals: 1, failed: 0, rejected: 0, costSeconds: 1, wallMs: 1 }, strategyState: null });
      store.setStudyStatus(mb.id, 'stopped', Date.now());
      const s = summarize(store.getTrials('1'), specs[0]!.objectives);
      frontTrial = s.front[0]!.number;
    } finally {
      store.close();
    }
  });

  const listCell = async (id: string, column: string) => {
    const { page } = wb;
    const headers = (await page.locator('table[aria-label="Searches"] thead th').allTextContents()).map((t) => t.replace(/[▲▼]/g, '').trim());
    const row = page.locator('table[aria-label="Searches"] tbody tr', { has: page.locator(`td:nth-child(2):text-is("${id}")`) });
    return (await row.locator('td').nth(headers.indexOf(column)).textContent())?.trim();
  };

  it('shows one hypervolume in the list and in Compare; other objectives get their own chart, best-so-far', async () => {
    const { page, url } = wb;
    await page.goto(url.href);
    await poll(() => page.locator('table[aria-label="Searches"] tbody tr').count()).toBe(6);
    const listHv = await listCell('1', 'Hypervolume');
    expect(listHv).toMatch(/^[\d,.]+$/);
    expect(await listCell('4', 'Hypervolume')).toBe('—');
    // Item 6: the Best of a two-objective search is its front's extremes, each with the other objective.
    expect(await listCell('1', 'Best')).toMatch(/^front of \d+, from:best c10_valid_12ep: [\d.]+ with hwnb_pixel3 [\d.]+best hwnb_pixel3: [\d.]+ with c10_valid_12ep [\d.]+$/);
    expect(await listCell('4', 'Best')).toMatch(/^c10_valid_12ep \(max\) [\d.]+$/);
    expect(await listCell('1', 'Duration')).toMatch(/^\d+ (ms|s)$/);
    await page.screenshot({ path: artifact('14-6-searches-list.png'), fullPage: true });
    await page.goto(`${url.href}#/compare?ids=1,2,3,4`);
    await poll(() => page.getByTestId('hv-1').textContent()).toBe(listHv);
    await expect.poll(() => page.getByTestId('objective-groups').textContent()).toMatch(/2 different sets of objectives/);
    const single = page.getByRole('img', { name: 'Best so far · c10_valid_12ep (max) over evaluations' });
    expect(await single.getAttribute('data-y-label')).toBe('best c10_valid_12ep');
    const hv = page.getByRole('img', { name: /^Hypervolume · c10_valid_12ep \(max\), hwnb_pixel3 \(min\) over evaluations/ });
    expect(await hv.getAttribute('data-y-label')).toBe('hypervolume');
    // Seeds 1–3 differ only by seed: one mean line with a band.
    await poll(() => hv.locator('.u-legend').textContent()).toMatch(/mean of 3 seeds: #1, #2, #3/);
    await page.screenshot({ path: artifact('14-3-compare-seeds.png'), fullPage: true });
    await page.getByLabel('mean ± std across seeds').uncheck();
    await poll(() => hv.locator('.u-legend').textContent()).toMatch(/#2 evolution seed 2/);
    await page.getByLabel('Compare x axis').selectOption('cost');
    const byCost = page.getByRole('img', { name: /^Hypervolume · .* over simulated time \(s\)$/ });
    await poll(() => byCost.getAttribute('data-x-label')).toBe('simulated time (s)');
    await page.screenshot({ path: artifact('14-3-compare-simulated-time.png'), fullPage: true });
  });

  it('labels every axis, with whole-number epoch and evaluation ticks and a log scale', async () => {
    const { page, url } = wb;
    await page.goto(`${url.href}#/study/1`);
    const best = page.getByRole('img', { name: 'Best c10_valid_12ep (max) over evaluations' });
    await poll(() => best.getAttribute('data-x-ticks')).toMatch(/\d/);
    expect(await best.getAttribute('data-y-label')).toBe('c10_valid_12ep');
    for (const t of (await best.getAttribute('data-x-ticks'))!.split(',')) expect(Number.isInteger(Number(t))).toBe(true);
    await page.getByLabel('log y').first().check();
    await page.screenshot({ path: artifact('14-4-live-charts-log.png'), fullPage: true });
    await page.goto(`${url.href}#/study/5/trial/0`);
    const curve = page.getByRole('img', { name: 'Learning curve of val_accuracy' });
    await poll(() => curve.getAttribute('data-x-ticks')).toMatch(/\d/);
    expect(await curve.getAttribute('data-y-label')).toBe('val_accuracy');
    expect(await curve.getAttribute('data-x-label')).toBe('epoch');
    for (const t of (await curve.getAttribute('data-x-ticks'))!.split(',')) expect(Number.isInteger(Number(t))).toBe(true);
    await curve.scrollIntoViewIfNeeded();
    await page.screenshot({ path: artifact('14-4-learning-curve.png'), fullPage: true });
  });

  it('walks trials with previous / next (and Alt+arrows), badges the front, names a likely parent', async () => {
    const { page, url } = wb;
    await page.goto(`${url.href}#/study/1/trial/${frontTrial}`);
    await poll(() => page.getByTestId('on-front').count()).toBe(1);
    await page.getByRole('link', { name: `Trial ${frontTrial + 1} →` }).click();
    await poll(() => page.locator('h1').first().textContent()).toMatch(new RegExp(`^Trial ${frontTrial + 1} `));
    await page.keyboard.press('Alt+ArrowLeft');
    await poll(() => page.locator('h1').first().textContent()).toMatch(new RegExp(`^Trial ${frontTrial} `));
    // Evolution's later trials are one mutation from an earlier one.
    await page.goto(`${url.href}#/study/1/trial/120`);
    await poll(() => page.getByTestId('parent').textContent()).toMatch(/Likely parent: trial \d+, one mutation away \(edge\d<-\d: \S+ → \S+\)/);
    await page.screenshot({ path: artifact('14-8-trial-detail.png'), fullPage: true });
  });

  it('draws a mobilenet architecture readably at 1440×900 (full-size text, not a zoomed-out column)', async () => {
    const { page, url } = wb;
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(`${url.href}#/study/6/trial/0`);
    const nodes = page.locator('.react-flow__node');
    await poll(() => nodes.count()).toBeGreaterThan(10);
    const scale = async () => Number(/scale\(([\d.]+)\)/.exec((await page.locator('.react-flow__viewport').getAttribute('style')) ?? '')?.[1]);
    await poll(scale).toBeGreaterThan(0.8);
    // The label text as drawn on screen: at least 10 px high.
    const fontPx = (await page.evaluate(`(() => {
      const el = document.querySelector('.react-flow__node');
      const scale = Number(/scale\\(([\\d.]+)\\)/.exec(el.closest('.react-flow__viewport').style.transform)?.[1] ?? 1);
      return parseFloat(getComputedStyle(el).fontSize) * scale;
    })()`)) as number;
    expect(fontPx).toBeGreaterThanOrEqual(10);
    await page.locator('section[aria-label="Architecture"]').screenshot({ path: artifact('14-4-mobilenet-graph-1440.png') });
    await page.setViewportSize({ width: 1360, height: 900 });
  });

  it('shows a stopped search’s in-flight trial as interrupted, not failed', async () => {
    const { page, url, errors } = wb;
    await page.goto(`${url.href}#/study/5`);
    await poll(() => page.getByTestId('progress-text').textContent()).toMatch(/1 interrupted by a stop/);
    expect(await page.getByTestId('progress-text').textContent()).not.toMatch(/failed/);
    const row = page.locator('[role="table"][aria-label="Trials"] .vbody [role="row"]').first();
    expect(await row.locator('[role="cell"]').nth(1).textContent()).toBe('interrupted');
    await page.screenshot({ path: artifact('14-8-stopped-interrupted.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
