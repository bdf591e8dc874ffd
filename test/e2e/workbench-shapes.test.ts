/**
 * Issue 14, item 4 (tensor shapes): the trial's architecture graph shows each node's output shape,
 * inferred from the model graph for the study's input — the NAS-Bench-201 cell at each CIFAR
 * stage, a mobilenet trained on the built-in Fashion-MNIST block by block — and says 'input size
 * unknown' (no shapes) for user data. Chromium against `frontier serve`; screenshots in test-artifacts/.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../main/core/rng.js';
import { createSpace } from '../../main/core/spaces.js';
import { SqliteStore } from '../../main/services/sqlite-store.js';
import type { StudySpec } from '../../shared/types/index.js';
import { tempDir } from '../cli-helpers.js';
import { nb201Spec } from '../fixtures/nb201-spec.js';
import { artifact } from './browser.js';
import { openWorkbench, poll, workbenchSkipReason, type Workbench } from './workbench-harness.js';

const skip = workbenchSkipReason();
const OBJ1 = [{ metric: 'val_accuracy', direction: 'max' as const }];

/** A study with one finished trial of `sample`, as a search would record it. */
function seed(store: SqliteStore, spec: StudySpec, sample: readonly number[]): void {
  const rec = store.createStudy(spec, Date.now());
  store.setStudyStatus(rec.id, 'running', Date.now());
  const n = store.createTrial(rec.id, createSpace(spec.space).freeze(sample), Date.now());
  store.finishTrial(rec.id, n, { state: 'complete', metrics: { [spec.objectives[0]!.metric]: 80 }, fidelity: {}, cost: 1, finishedAt: Date.now() }, { progress: { evals: 1, failed: 0, rejected: 0, costSeconds: 1, wallMs: 1 }, strategyState: null });
  store.setStudyStatus(rec.id, 'stopped', Date.now());
}

describe.skipIf(skip !== undefined)('tensor shapes in the architecture graph', () => {
  let wb: Workbench | undefined;
  let url: URL;
  let page: Page;
  let errors: string[] = [];
  const mobilenetSample = createSpace('mobilenet').sample(new Rng(3));

  beforeAll(async () => {
    const db = join(tempDir('frontier-e2e-shapes-'), 'e2e.db');
    const store = SqliteStore.open(db);
    try {
      seed(store, nb201Spec({ name: 'nb201 table' }), [1, 2, 3, 4, 0, 1]);
      const train = { kind: 'train', epochs: 1, mobilenet: { stemStride: 2 } };
      seed(store, nb201Spec({ name: 'mobilenet on Fashion-MNIST', space: 'mobilenet', objectives: OBJ1, report: [], evaluator: train }), mobilenetSample);
      seed(store, nb201Spec({ name: 'mobilenet on user data', space: 'mobilenet', objectives: OBJ1, report: [], evaluator: { ...train, data: 'my-images.npz' } }), mobilenetSample);
    } finally {
      store.close();
    }
    wb = await openWorkbench(db, { viewport: { width: 1440, height: 900 } });
    ({ page, url, errors } = wb);
  }, 180_000);

  afterAll(async () => {
    await wb?.close();
  });

  it('shows the NB201 cell’s shape at each CIFAR stage', async () => {
    await page.goto(`${url.href}#/study/1/trial/0`);
    const shapes = page.getByTestId('arch-shape');
    await poll(() => shapes.count()).toBe(4);
    expect(new Set(await shapes.allTextContents())).toEqual(new Set(['32×32×16 · 16×16×32 · 8×8×64']));
    expect(await page.getByTestId('arch-shapes-note').textContent()).toMatch(/input 32×32×3 \(NAS-Bench-201 CIFAR\)/);
    await page.locator('section[aria-label="Architecture"]').screenshot({ path: artifact('14-4-shapes-nb201.png') });
  });

  it('shows each mobilenet block’s output shape for Fashion-MNIST, from 28×28×1 to the 10 logits', async () => {
    await page.goto(`${url.href}#/study/2/trial/0`);
    const shapes = page.getByTestId('arch-shape');
    await poll(() => shapes.count()).toBeGreaterThan(5);
    const texts = await shapes.allTextContents();
    expect(texts[0]).toBe('28×28×1');
    expect(texts.at(-1)).toBe('10');
    // Stem stride 2: every block is at most 14×14; the stage strides shrink it further.
    const sides = texts.slice(1, -1).map((t) => Number(t.split('×')[0]));
    for (const t of texts.slice(1, -1)) expect(t).toMatch(/^\d+×\d+×\d+$/);
    expect(Math.max(...sides)).toBeLessThanOrEqual(14);
    expect(Math.min(...sides)).toBeLessThan(14);
    expect(await page.getByTestId('arch-shapes-note').textContent()).toMatch(/input 28×28×1 \(Fashion-MNIST\)/);
    await page.locator('section[aria-label="Architecture"]').screenshot({ path: artifact('14-4-shapes-mobilenet.png') });
  });

  it('says the input size is unknown for user data and shows no shape', async () => {
    await page.goto(`${url.href}#/study/3/trial/0`);
    await poll(() => page.getByTestId('arch-shapes-note').textContent()).toMatch(/input size unknown/);
    await poll(() => page.locator('.react-flow__node').count()).toBeGreaterThan(5);
    expect(await page.getByTestId('arch-shape').count()).toBe(0);
    expect(errors).toEqual([]);
  });
});
