/**
 * Issue 15 in Chromium against `frontier serve`: a trial retrained with `frontier retrain` is exported
 * from its Trial screen (ONNX, then TFLite), listed with its settings, checksum, path and date from
 * the SQLite store, its loading snippet copied to the clipboard; the exported ONNX runs in
 * onnxruntime; a trial without weights is refused with the command that fixes it; the study screen's
 * Report button saves the self-contained HTML (which opens offline with no request) and prints the PDF.
 */
import * as ort from 'onnxruntime-node';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../main/core/rng.js';
import { encodeIdx } from '../../main/services/data/idx-writer.js';
import { SqliteStore } from '../../main/services/sqlite-store.js';
import type { ArtifactRecord } from '../../shared/types/index.js';
import { cli, tempDir } from '../cli-helpers.js';
import { artifact } from './browser.js';
import { openWorkbench, poll, workbenchSkipReason, type Workbench } from './workbench-harness.js';

const skip = workbenchSkipReason();

/** A small IDX dataset (600 28×28 images, 10 classes: a bright band whose row is the class), so retraining is quick on a busy machine. */
function writeBands(dir: string): void {
  const n = 600;
  const rng = new Rng(5);
  const x = new Uint8Array(n * 28 * 28);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 10;
    for (let p = 0; p < 28 * 28; p++) {
      const row = Math.floor(p / 28);
      x[i * 784 + p] = Math.min(255, (row >= 2 * y[i]! + 3 && row < 2 * y[i]! + 7 ? 200 : 20) + rng.int(40));
    }
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), encodeIdx([n, 28, 28], x));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), encodeIdx([n], y));
}

describe.skipIf(skip !== undefined)('exports and reports in the workbench', () => {
  let wb: Workbench | undefined;
  let url: URL;
  let page: Page;
  let errors: string[] = [];
  let dir: string;
  let db: string;

  const artifacts = (): ArtifactRecord[] => {
    const store = SqliteStore.open(db, { readonly: true });
    try {
      return store.listArtifacts('1');
    } finally {
      store.close();
    }
  };

  beforeAll(async () => {
    dir = tempDir('frontier-e2e-exports-');
    db = join(dir, 'e2e.db');
    writeBands(join(dir, 'bands'));
    const s = cli(['search', '--data', 'bands', '--val', '100', '--budget-evals', '2', '--max-train', '200', '--epochs', '1', '--concurrency', '1', '--seed', '3', '--name', 'deploy me'], { db, cwd: dir });
    expect(s.code, s.stderr).toBe(0);
    const r = cli(['retrain', '1', '--trial', '0', '--epochs', '1'], { db, cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    wb = await openWorkbench(db);
    ({ page, url, errors } = wb);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url.origin });
  }, 240_000);

  afterAll(async () => {
    await wb?.close();
  });

  it('exports a retrained trial from its screen, lists it from the store and copies its snippet', async () => {
    await page.goto(`${url.href}#/study/1/trial/0`);
    const panel = page.getByRole('region', { name: 'Exports of trial 0' });
    await poll(() => panel.textContent()).toMatch(/This trial was not exported yet/);
    await panel.getByLabel('Export format').selectOption('onnx');
    await panel.getByRole('button', { name: 'Export' }).click();
    const row = panel.locator('tr[data-export="onnx"]');
    await poll(() => row.count()).toBe(1);
    const onnx = artifacts().find((a) => a.kind === 'onnx')!;
    expect(onnx.path).toMatch(new RegExp(`^${dir}/exports/study1/trial0-\\d{8}-\\d{6}\\.onnx$`));
    expect(createHash('sha256').update(readFileSync(onnx.path)).digest('hex')).toBe(onnx.sha256);
    const text = (await row.textContent()) ?? '';
    expect(text).toContain(onnx.path);
    expect(text).toContain(onnx.sha256.slice(0, 12));
    expect(text).toMatch(/opset 13 · NCHW · softmax · 1 epochs · val_accuracy [01]\.\d{4}/);
    // The snippet opens with the new export; Copy puts exactly it on the clipboard.
    const snippet = panel.getByTestId('export-snippet');
    const code = (await snippet.locator('pre').textContent()) ?? '';
    expect(code).toContain(`ort.InferenceSession("${basename(onnx.path)}")`);
    expect(code).toContain('np.zeros((1, 1, 28, 28)');
    await snippet.getByRole('button', { name: /Copy the Python \(onnxruntime\) snippet/ }).click();
    await poll(() => snippet.getByRole('status').textContent()).toBe('Copied');
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(code);
    // What the snippet loads runs: onnxruntime gives 10 probabilities.
    const session = await ort.InferenceSession.create(onnx.path);
    const out = await session.run({ input: new ort.Tensor('float32', new Float32Array(28 * 28), [1, 1, 28, 28]) });
    const p = Array.from(out.probabilities!.data as Float32Array);
    expect(p).toHaveLength(10);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);

    await panel.getByLabel('Export format').selectOption('tflite');
    await panel.getByRole('button', { name: 'Export' }).click();
    await poll(() => panel.locator('tr[data-export="tflite"]').count()).toBe(1);
    const kotlin = (await panel.getByTestId('export-snippet').locator('pre').textContent()) ?? '';
    expect(kotlin).toContain('org.tensorflow.lite.Interpreter(model)');
    expect(kotlin).toContain('FloatArray(10)');
    expect(artifacts().filter((a) => a.kind === 'tflite')).toHaveLength(1);
    await page.screenshot({ path: artifact('15-trial-exports.png'), fullPage: true });
  });

  it('refuses a trial without trained weights, saying how to get them', async () => {
    await page.goto(`${url.href}#/study/1/trial/1`);
    const panel = page.getByRole('region', { name: 'Exports of trial 1' });
    await poll(() => panel.textContent()).toMatch(/This trial was not exported yet/);
    await panel.getByRole('button', { name: 'Export' }).click();
    await poll(() => panel.getByRole('alert').textContent()).toMatch(/trial 1 of study 1 has no trained weights .*run 'frontier retrain 1 --trial 1'/);
    expect(artifacts().filter((a) => a.trialNumber === 1)).toEqual([]);
  });

  it('the study lists its exports and its Report button saves the self-contained report and the PDF', async () => {
    await page.goto(`${url.href}#/study/1`);
    const panel = page.getByRole('region', { name: 'Model exports' });
    await poll(() => panel.locator('tr[data-export]').count()).toBe(2);
    expect(await panel.locator('tr[data-export]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-export')))).toEqual(['tflite', 'onnx']);
    // The refusal on the trial screen does not follow to the study's list.
    expect(await panel.getByRole('alert').count()).toBe(0);
    const download = page.waitForEvent('download', { timeout: 120_000 });
    await page.getByRole('button', { name: 'Report' }).click();
    const saved = await download;
    expect(saved.suggestedFilename()).toMatch(/^frontier-study1-\d{8}-\d{6}\.html$/);
    const file = join(dir, 'saved-report.html');
    await saved.saveAs(file);
    await poll(() => page.getByTestId('report-result').textContent(), 120_000).toMatch(/Report written to/);
    const recorded = artifacts().filter((a) => a.kind === 'report' || a.kind === 'report-pdf');
    expect(recorded.map((a) => a.kind).sort()).toEqual(['report', 'report-pdf']);
    const html = recorded.find((a) => a.kind === 'report')!;
    expect(readFileSync(file)).toEqual(readFileSync(html.path));
    const pdf = recorded.find((a) => a.kind === 'report-pdf')!;
    expect(readFileSync(pdf.path).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(await page.getByTestId('report-result').textContent()).toContain(pdf.path);
    await page.screenshot({ path: artifact('15-study-report-button.png'), fullPage: true });

    // The saved report opens from disk with no request but its own file, showing the search and its exports.
    const reportPage = await page.context().newPage();
    const requests: string[] = [];
    reportPage.on('request', (r) => requests.push(r.url()));
    await reportPage.goto(`file://${file}`);
    const body = (await reportPage.textContent('body')) ?? '';
    expect(body).toContain('deploy me');
    expect(body).toContain(artifacts().find((a) => a.kind === 'onnx')!.sha256);
    expect(requests).toEqual([`file://${file}`]);
    await reportPage.screenshot({ path: artifact('15-report-from-button.png'), fullPage: true });
    await reportPage.close();
    expect(existsSync(pdf.path)).toBe(true);
    expect(errors).toEqual([]);
  });
});
