/**
 * The workbench end to end in a real browser: Debian Chromium driven by playwright-core against
 * `frontier serve --port 0` on a seeded SQLite database. Screenshots of each screen go to
 * test-artifacts/ (look at them: a blank screen fails review even when the asserts pass).
 */
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancellationTokenSource } from '../../main/core/cancellation.js';
import { buildGraph } from '../../main/core/graph/index.js';
import { latencyKernels } from '../../main/core/latency/kernels.js';
import { Rng } from '../../main/core/rng.js';
import { Nb201Space } from '../../main/core/spaces/nb201.js';
import { lutPath } from '../../main/services/devices/profiler.js';
import { SqliteStore } from '../../main/services/sqlite-store.js';
import { createStudy, runStudy } from '../../main/services/studies.js';
import { tempDir } from '../cli-helpers.js';
import { nb201Spec } from '../fixtures/nb201-spec.js';
import { startServe, stopServe } from '../serve-helpers.js';
import { artifact, browserSkipReason, ensureRendererBuilt, launchChromium } from './browser.js';

const skip = browserSkipReason();
/** Polls with room for a loaded CI machine (vitest's default is 1 s). */
const poll = <T>(fn: () => T | Promise<T>, opts: { timeout?: number } = {}) => expect.poll(fn, { timeout: opts.timeout ?? 15_000, interval: 100 });
if (skip) console.warn(`[e2e] skipped: ${skip}`);

/** Two finished searches to browse and compare. */
async function seed(db: string): Promise<void> {
  const store = SqliteStore.open(db);
  try {
    for (const spec of [nb201Spec({ name: 'seeded evolution', budget: { evals: 300 }, seed: 1 }), nb201Spec({ name: 'seeded random', strategy: 'random', budget: { evals: 300 }, seed: 2 })]) {
      const rec = createStudy(store, spec);
      const cts = new CancellationTokenSource();
      await runStudy(store, rec.id, cts.token);
      cts.dispose();
    }
  } finally {
    store.close();
  }
}

/**
 * A latency lookup-table report for this machine's CPU backend, where the profiler writes it
 * (fixture values: the Devices screen draws whatever the profiler measured).
 */
function seedLatencyTable(db: string): void {
  const file = lutPath(db, 'local:cpu');
  mkdirSync(dirname(file), { recursive: true });
  const pair = (key: string, measuredMs: number, predictedMs: number) => ({ key, measuredMs, predictedMs });
  const heldOut = [pair('h1', 2.0, 2.1), pair('h2', 3.5, 3.3), pair('h3', 5.0, 5.9), pair('h4', 8.0, 7.8), pair('h5', 11.0, 10.4), pair('h6', 14.0, 14.6)];
  const rmse = Math.sqrt(heldOut.reduce((a, p) => a + (p.predictedMs - p.measuredMs) ** 2, 0) / heldOut.length);
  const within10 = heldOut.filter((p) => Math.abs(p.predictedMs - p.measuredMs) <= 0.1 * p.measuredMs).length / heldOut.length;
  // Kernel latencies for the kernels of a few hundred NB201 cells (fixture values, 0.05–0.23 ms).
  const space = new Nb201Space();
  const rng = new Rng(9);
  const graph = { input: [32, 32, 3] as const, classes: 10 };
  const entries: Record<string, Record<string, number>> = {};
  for (let i = 0; i < 300; i++) {
    for (const k of latencyKernels(buildGraph(space, space.freeze(space.sample(rng)), graph))) (entries[k.op] ??= {})[k.key] = 0.05 + (k.key.length % 7) * 0.03;
  }
  writeFileSync(file, JSON.stringify({
    version: 1, createdAt: Date.now(), table: { deviceId: 'local:cpu', entries, fit: { scale: 1, perKernel: 0, overhead: 1.5 } }, space: 'nb201', graph,
    report: { deviceId: 'local:cpu', space: 'nb201', kernels: 37, calibration: [pair('c1', 4, 4.1), pair('c2', 9, 8.8)], heldOut, accuracy: { n: heldOut.length, rmseMs: rmse, within10, meanAbsPctError: 0 } },
  }));
}

/** A TFLite file recorded for trial 0 of study 1, as the export service records one. */
function seedArtifact(db: string): Buffer {
  const bytes = Buffer.from('TFL3 fixture model bytes \u0000\u0001\u00ff');
  const path = join(dirname(db), 'study1-trial0.tflite');
  writeFileSync(path, bytes);
  const store = SqliteStore.open(db);
  try {
    store.addArtifact({ studyId: '1', trialNumber: 0, kind: 'tflite', path, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), createdAt: Date.now() });
  } finally {
    store.close();
  }
  return bytes;
}

let artifactBytes: Buffer;

describe.skipIf(skip !== undefined)('workbench in Chromium', () => {
  let serve: ChildProcess;
  let url: URL;
  let browser: { context: BrowserContext; close: () => Promise<void> };
  let page: Page;
  const offMachine: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ensureRendererBuilt();
    const db = join(tempDir('frontier-e2e-'), 'e2e.db');
    await seed(db);
    seedLatencyTable(db);
    artifactBytes = seedArtifact(db);
    ({ child: serve, url } = await startServe(db));
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (!['data:', 'blob:'].includes(u.protocol) && u.hostname !== '127.0.0.1') offMachine.push(r.url());
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (serve) await stopServe(serve);
    expect(offMachine).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('lists the seeded searches, sortable and filterable', async () => {
    await page.goto(url.href);
    const rows = page.locator('table[aria-label="Searches"] tbody tr');
    await poll(() => rows.count()).toBe(2);
    await poll(() => rows.first().textContent()).toMatch(/seeded random/);
    await page.getByRole('button', { name: /^Name/ }).click();
    await poll(() => rows.first().textContent()).toMatch(/seeded evolution/);
    await page.getByLabel('Filter searches').fill('random');
    await poll(() => rows.count()).toBe(1);
    await page.getByLabel('Filter searches').fill('');
    await page.screenshot({ path: artifact('01-searches.png'), fullPage: true });
  });

  it('shows a clear message for an invalid form, then starts an NB201 search and watches it', async () => {
    await page.getByRole('link', { name: 'New search' }).first().click();
    await poll(() => page.getByTestId('space-count').textContent()).toMatch(/15,625 architectures/);
    // Another space fills in its own ready spec: mobilenet candidates are trained, over wall time.
    await page.getByLabel('Dataset and space').selectOption('mobilenet');
    await poll(() => page.getByLabel('Objective 1', { exact: true }).inputValue()).toBe('val_accuracy');
    expect(await page.getByLabel('Wall minutes').inputValue()).toBe('4.5');
    expect(await page.getByLabel('Replay pace').count()).toBe(0);
    await poll(() => page.getByTestId('space-count').textContent()).toMatch(/^1,108,126,760,976 .*architectures, exactly$/);
    await page.screenshot({ path: artifact('02a-new-search-mobilenet.png'), fullPage: true });
    await page.getByLabel('Dataset and space').selectOption('nb201');
    await poll(() => page.getByTestId('space-count').textContent()).toMatch(/15,625 architectures/);
    await page.getByLabel('Evaluations').fill('12.5');
    await page.getByLabel('Seed').fill('-3');
    const alert = page.locator('.form-issues');
    await poll(() => alert.textContent()).toMatch(/2 things to fix/);
    expect(await alert.textContent()).toMatch(/Evaluations must be a whole number above 0/);
    expect(await page.locator('[data-field="seed"]').textContent()).toMatch(/whole number from 0 to 4294967295/);
    expect(await page.getByLabel('Evaluations').getAttribute('aria-invalid')).toBe('true');
    await page.screenshot({ path: artifact('02-new-search-invalid.png'), fullPage: true });

    await page.getByLabel('Name', { exact: true }).fill('e2e live nb201');
    await page.getByLabel('Evaluations').fill('200');
    await page.getByLabel('Seed').fill('7');
    await page.getByLabel('Replay pace').fill('0.0003');
    await poll(() => alert.count()).toBe(0);
    await poll(() => page.getByRole('button', { name: 'Start search' }).textContent()).toBe('Start search');
    await page.getByRole('button', { name: 'Start search' }).click();

    await page.waitForURL(/#\/study\/3$/);
    const canvas = page.locator('.scatter canvas').first();
    const drawn = async () => Number((await canvas.getAttribute('data-points')) ?? 0);
    await poll(drawn, { timeout: 20_000 }).toBeGreaterThan(0);
    const early = await drawn();
    const earlyText = await page.getByTestId('progress-text').textContent();
    await page.screenshot({ path: artifact('03-live-running.png'), fullPage: true });
    // Stop it mid-way, then resume it from the same screen.
    await page.getByRole('button', { name: 'Stop' }).click();
    await poll(() => page.locator('.badge').first().textContent()).toBe('stopped');
    const stoppedAt = Number(/(\d+) \/ 200 evaluations/.exec((await page.getByTestId('progress-text').textContent()) ?? '')?.[1]);
    expect(stoppedAt).toBeGreaterThan(0);
    expect(stoppedAt).toBeLessThan(200);
    await page.getByRole('button', { name: 'Resume' }).click();
    await poll(() => page.locator('.badge').first().textContent()).toBe('running');
    await poll(() => page.locator('.badge').first().textContent(), { timeout: 30_000 }).toBe('complete');
    await poll(drawn).toBeGreaterThan(early);
    expect(earlyText).toMatch(/ETA/);
    const text = await page.getByTestId('progress-text').textContent();
    expect(text).toMatch(/100% · 200 \/ 200 evaluations/);
    expect(Number(await page.getByTestId('front-size').textContent())).toBeGreaterThan(0);
    // 200 evaluations, plus the trial in flight when it was stopped (recorded failed, 'interrupted').
    expect(Number(await page.locator('.vtable').getAttribute('data-rows'))).toBeGreaterThanOrEqual(200);
    expect(Number(await page.locator('.vtable').getAttribute('data-rows'))).toBeLessThanOrEqual(201);
    // Keyboard: focus the scatter, walk the front with the arrow keys; hover and the table agree.
    await canvas.focus();
    await page.keyboard.press('ArrowRight');
    await poll(() => page.locator('.scatter .tip').textContent()).toMatch(/^trial \d+ · hwnb_pixel3 .* · on the front$/);
    await page.screenshot({ path: artifact('04-live-complete.png'), fullPage: true });
    const tip = (await page.locator('.scatter .tip').textContent()) ?? '';
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`#/study/3/trial/${/^trial (\d+)/.exec(tip)?.[1]}$`));
    await page.goBack();
    await page.waitForURL(/#\/study\/3$/);
    await poll(drawn).toBeGreaterThan(0);
    await page.getByRole('button', { name: /Switch to light theme/ }).click();
    await page.screenshot({ path: artifact('05-live-light.png'), fullPage: true });
    await page.getByRole('button', { name: /Switch to dark theme/ }).click();
  });

  it('opens a trial with its architecture graph and metrics', async () => {
    // The most accurate trial: sort the table by accuracy, open the first row.
    await page.locator('.vhead').getByRole('button', { name: 'c10_valid_12ep' }).click();
    await poll(() => page.locator('.vhead [aria-sort="descending"]').textContent()).toMatch(/c10_valid_12ep/);
    await page.locator('.vrow').first().click();
    await page.waitForURL(/#\/study\/3\/trial\/\d+$/);
    await poll(() => page.locator('.react-flow__node').count()).toBe(4);
    expect(await page.locator('table[aria-label="Metrics"]').textContent()).toMatch(/c10_valid_12ep.*table/);
    expect(await page.locator('.react-flow__edge').count()).toBe(6);
    // Per-op latency from this machine's lookup table.
    await poll(() => page.getByTestId('trial-latency').textContent()).toMatch(/local:cpu: predicted \d+(\.\d+)? ms/);
    expect(await page.locator('table[aria-label="Latency per op on local:cpu"] tbody tr').count()).toBeGreaterThan(1);
    await page.waitForTimeout(300);
    await page.screenshot({ path: artifact('06-trial.png'), fullPage: true });
  });

  it("downloads a trial's exported model where one was recorded", async () => {
    await page.goto(new URL('#/study/1/trial/0', url).href);
    const button = page.getByRole('button', { name: 'Download tflite' });
    await poll(() => button.count()).toBe(1);
    const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
    expect(download.suggestedFilename()).toBe('study1-trial0.tflite');
    expect(readFileSync((await download.path())!)).toEqual(artifactBytes);
  });

  it('compares two searches', async () => {
    await page.getByRole('link', { name: 'Searches' }).click();
    await page.getByLabel('Compare seeded evolution').check();
    await page.getByLabel('Compare seeded random').check();
    await page.getByRole('button', { name: /^Compare/ }).click();
    await page.waitForURL(/#\/compare\?ids=/);
    const rows = page.locator('table[aria-label="Best trials"] tbody tr');
    await poll(() => rows.count()).toBe(2);
    await poll(async () => Number((await page.locator('.scatter canvas').getAttribute('data-points')) ?? 0)).toBeGreaterThan(1);
    await page.screenshot({ path: artifact('07-compare.png'), fullPage: true });
  });

  it('shows insights and devices', async () => {
    await page.goto(new URL('#/study/1/insights', url).href);
    await poll(() => page.locator('.decision').count()).toBe(6);
    await page.screenshot({ path: artifact('08-insights.png'), fullPage: true });
    await page.getByRole('link', { name: 'Devices' }).click();
    await poll(() => page.locator('.card').count()).toBeGreaterThan(0);
    expect(await page.locator('.card').first().textContent()).toMatch(/local:cpu/);
    // Its latency table: RMSE and ±10% share (5 of the 6 held-out predictions are within), predicted-vs-measured scatter.
    await poll(() => page.getByTestId('latency-accuracy').textContent()).toMatch(/37 kernels · RMSE 0\.52 ms · 83% within ±10% \(6 held-out/);
    await poll(async () => Number((await page.locator('.card .scatter canvas').getAttribute('data-points')) ?? 0)).toBe(8);
    await page.screenshot({ path: artifact('09-devices.png'), fullPage: true });
  });
});
