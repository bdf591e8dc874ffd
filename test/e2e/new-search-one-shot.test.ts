/**
 * Issue 12: a DARTS run started from New search (Debian Chromium against `frontier serve` on an empty
 * SQLite database). A bad setting is refused under its field with nothing stored; a tiny run then
 * starts in the server process, its architecture-weights heat map follows the epochs as they end,
 * Stop leaves it stopped with its checkpoint, Resume continues it to the end, and the derived cell
 * shown is the one stored. ENAS on the mobilenet space is offered too and a tiny run of it ends with
 * its derived sub-network shown. Screenshots in test-artifacts/new-one-shot-*.png.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../main/services/sqlite-store.js';
import { loadTorch } from '../../main/services/train/torch-engine.js';
import { missingPeer } from '../harness/peer.js';
import { artifact } from './browser.js';
import { emptyWorkbenchFixture, poll, workbenchSkipReason } from './workbench-harness.js';

const skip = workbenchSkipReason();
const loaded = loadTorch();
const noTorch = missingPeer('libtorch (the native engine; npm run build:native)', typeof loaded === 'string' ? loaded : undefined);

describe.skipIf(skip !== undefined || noTorch)('New search: a DARTS run on the NB201 cell', () => {
  const wb = emptyWorkbenchFixture('frontier-e2e-new-one-shot-');

  it('is refused with a bad setting, then starts, shows its weights epoch by epoch, stops and resumes to the end', async () => {
    const { db, page, url } = wb;
    await page.goto(`${url.href}#/new`);
    await poll(() => page.getByLabel('Run').locator('option').count()).toBe(5);
    // A supernet training offers frontier supernet train's settings, with its defaults.
    await page.getByLabel('Run').selectOption('supernet');
    const form = page.getByTestId('one-shot-form');
    // (6,000 steps over 10,000 images take minutes on a CPU: the form starts from 1,200 over 3,000.)
    await poll(() => form.getByLabel('Steps', { exact: true }).getAttribute('placeholder')).toBe('6000');
    expect(await form.getByLabel('Steps', { exact: true }).inputValue()).toBe('1200');
    expect(await form.getByLabel('Training images (at most)').inputValue()).toBe('3000');
    expect(await form.getByRole('button', { name: 'Start training' }).count()).toBe(1);
    await page.getByLabel('Run').selectOption('darts');
    await poll(() => form.getByLabel('Epochs').getAttribute('placeholder')).toBe('10');
    await form.getByLabel('Name').fill('ui darts');
    await form.getByLabel('Epochs').fill('0');
    await form.getByLabel('Training images').fill('256');
    await form.getByLabel('Validation images').fill('128');
    await form.getByLabel('Seed').fill('3');
    await form.locator('summary').click();
    await form.getByLabel('Channels').fill('4');
    await form.getByRole('button', { name: 'Start DARTS' }).click();
    await poll(() => form.locator('p.field-error[data-field="epochs"]').textContent()).toBe("epochs must be a whole number in 1..10000, got '0'");
    expect(await page.evaluate('location.hash')).toBe('#/new');
    await page.screenshot({ path: artifact('new-one-shot-01-refused.png'), fullPage: true });
    const store = SqliteStore.open(db);
    try {
      expect(store.listStudies()).toEqual([]);
    } finally {
      store.close();
    }

    await form.getByLabel('Epochs').fill('40');
    await form.getByRole('button', { name: 'Start DARTS' }).click();
    await poll(() => page.evaluate('location.hash')).toBe('#/study/1');
    const epochShown = async () => Number((await page.locator('[data-testid="weights-epoch"]').textContent().catch(() => '0')) ?? '0');
    const cell = page.locator('[data-testid="arch-weights"] tr[data-edge="3<-2"] td[data-op="nor_conv_3x3"]');
    // The heat map arrives and moves on with the epochs, without a reload.
    await poll(epochShown, 60_000).toBeGreaterThanOrEqual(2);
    const first = { epoch: await epochShown(), value: await cell.textContent() };
    await poll(epochShown, 60_000).toBeGreaterThan(first.epoch);
    await poll(() => cell.textContent(), 60_000).not.toBe(first.value);
    expect(await page.locator('[data-testid="arch-weights"] tbody tr').count()).toBe(6);
    await page.screenshot({ path: artifact('new-one-shot-02-live.png'), fullPage: true });

    // Stop: the study is stopped after the epoch under way, its checkpoint kept.
    await page.getByRole('button', { name: 'Stop' }).click();
    await poll(() => page.locator('[data-testid="one-shot-resume"]').textContent(), 30_000).toMatch(/^This DARTS run was stopped after epoch (\d+): Resume continues it from its checkpoint \(or frontier resume 1 in a terminal\)\.$/);
    const stoppedAt = Number(/epoch (\d+)/.exec((await page.locator('[data-testid="one-shot-resume"]').textContent()) ?? '')?.[1]);
    expect(stoppedAt).toBeLessThan(40);
    const s1 = SqliteStore.open(db);
    try {
      const rec = s1.getStudy('1')!;
      expect(rec.status).toBe('stopped');
      expect(rec.spec.name).toBe('ui darts');
      expect(existsSync(rec.spec.strategyOptions?.checkpoint as string)).toBe(true);
    } finally {
      s1.close();
    }
    await page.screenshot({ path: artifact('new-one-shot-03-stopped.png'), fullPage: true });

    // Resume: it continues from its checkpoint in the server and ends with its derived cell.
    await page.getByRole('button', { name: 'Resume' }).click();
    await poll(epochShown, 60_000).toBeGreaterThan(stoppedAt);
    await poll(() => page.locator('[data-testid="nb201-lookup"] tr[data-metric="c10_test"] td').textContent().catch(() => ''), 120_000).toMatch(/^\d+\.\d+%$/);
    const s2 = SqliteStore.open(db);
    try {
      expect(s2.getStudy('1')!.status).toBe('complete');
      expect(await page.locator('[data-testid="derived-arch"]').textContent()).toBe(s2.getTrial('1', 1)!.key);
      expect(new Set(s2.getCurve('1', 0).map((p) => p.step)).size).toBe(40);
    } finally {
      s2.close();
    }
    await page.screenshot({ path: artifact('new-one-shot-04-complete.png'), fullPage: true });
  }, 240_000);

  it('starts ENAS on the mobilenet space, offered with small settings for a CPU, and shows its derived sub-network', async () => {
    const { db, page, url } = wb;
    await page.goto(`${url.href}#/new`);
    await page.getByLabel('Run').selectOption('enas-mobilenet');
    const form = page.getByTestId('one-shot-form');
    // frontier enas --space mobilenet's defaults as placeholders; the form starts from 4 epochs over 512 images.
    await poll(() => form.getByLabel('Epochs').inputValue()).toBe('4');
    expect(await form.getByLabel('Epochs').getAttribute('placeholder')).toBe('10');
    expect(await form.getByLabel('Controller steps').getAttribute('placeholder')).toBe('10');
    expect(await form.getByLabel('Training images').inputValue()).toBe('512');
    await form.getByLabel('Epochs').fill('2');
    await form.getByLabel('Training images').fill('128');
    await form.getByLabel('Validation images').fill('64');
    await form.getByLabel('Controller steps').fill('2');
    await form.getByRole('button', { name: 'Start ENAS' }).click();
    await poll(() => page.evaluate('location.hash')).toBe('#/study/2');
    await poll(() => page.locator('[data-testid="derived-subnet"]').textContent(), 60_000).toMatch(/: shared-weight validation accuracy \d\.\d{3}/);
    const s = SqliteStore.open(db);
    try {
      const rec = s.getStudy('2')!;
      expect(rec.spec).toMatchObject({ strategy: 'enas', space: 'mobilenet', budget: { evals: 2 } });
      expect(rec.status).toBe('complete');
      expect(await page.locator('[data-testid="derived-subnet"]').textContent()).toContain(s.getTrial('2', 1)!.key);
    } finally {
      s.close();
    }
    await page.screenshot({ path: artifact('new-one-shot-05-enas-mobilenet.png'), fullPage: true });
  }, 90_000);
});
