/**
 * An ENAS run on the mobilenet space in the workbench (`frontier serve` in Debian Chromium): the
 * controller's probabilities per decision from the store with the derived sub-network's choices
 * outlined (inactive decisions greyed), following a new epoch, the rewards chart, then the derived
 * sub-network once the run ends; Stop/Resume as for the CLI's runs. The run is written by this test
 * process through the records `frontier enas --space mobilenet` writes, so its values are known here.
 * Screenshots in test-artifacts/enas-mobilenet-*.png.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { MobilenetSpace } from '../../main/core/spaces/mobilenet.js';
import { SqliteStore } from '../../main/services/sqlite-store.js';
import { enasMobilenetPoints, enasMobilenetStudy, type EnasMobilenetEpoch } from '../../main/services/train/enas-mobilenet.js';
import { OneShotStudyRecorder } from '../../main/services/train/one-shot-study.js';
import { artifact } from './browser.js';
import { workbenchFixture, workbenchSkipReason } from './workbench-harness.js';

const skip = workbenchSkipReason();
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 200 });

const space = new MobilenetSpace();
const depth = space.dimIndex('s1.depth');
/** Epoch n's policy: every decision favours its last choice more and more; s1.depth its first (so s1's later blocks are inactive). */
const probabilities = (n: number) => space.dims.map((d, i) => {
  const fav = i === depth ? 0 : d.choices.length - 1;
  const top = 0.5 + 0.1 * n;
  return d.choices.map((_, k) => (k === fav ? top : (1 - top) / (d.choices.length - 1)));
});
const derivedOf = (n: number) => space.freeze(probabilities(n).map((p) => p.indexOf(Math.max(...p))));
const epoch = (n: number): EnasMobilenetEpoch => ({
  epoch: n, trainLoss: 2 - 0.1 * n, meanReward: 0.2 + 0.05 * n, bestReward: 0.3 + 0.05 * n, bestKey: derivedOf(n).key, entropy: 1 - 0.1 * n, baseline: 0.15 + 0.05 * n,
  probabilities: probabilities(n), derivedKey: derivedOf(n).key, derivedAccuracy: 0.25 + 0.05 * n, seconds: 1,
});

describe.skipIf(skip !== undefined)('an ENAS (mobilenet) study in the workbench', () => {
  let store: SqliteStore | undefined;
  let rec: OneShotStudyRecorder | undefined;
  const wb = workbenchFixture('frontier-e2e-enas-mobilenet-', (db) => {
    store = SqliteStore.open(db);
    rec = OneShotStudyRecorder.start(store, { kind: 'enas', seed: 0, data: 'builtin:fashion-mnist', epochs: 4, options: { space: 'mobilenet' }, checkpoint: '/nowhere/enas.ckpt', study: enasMobilenetStudy('builtin:fashion-mnist') });
    for (const n of [1, 2]) rec.epoch({ epoch: n, seconds: 1, points: enasMobilenetPoints(space, epoch(n)) });
  });
  afterAll(() => {
    rec?.dispose();
    store?.close();
  });

  const choice = (decision: string, c: string) => wb.page.locator(`[data-testid="policy"] tr[data-decision="${decision}"] [data-choice="${c}"]`);

  it('shows the policy per decision live, the derived choices outlined, then the derived sub-network', async () => {
    const { page, url } = wb;
    await page.goto(`${url.href}#/study/1`);
    await poll(() => page.locator('.toolbar .badge').textContent()).toBe('running elsewhere');
    await poll(() => page.locator('[data-testid="policy-epoch"]').textContent()).toBe('2');
    expect(await page.locator('[data-testid="policy"] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-decision')))).toEqual(space.dims.map((d) => d.name));
    const p2 = probabilities(2);
    const s1 = space.dims[depth] as { name: string; choices: readonly unknown[] };
    expect(await choice('s1.depth', String(s1.choices[0])).textContent()).toBe(`${String(s1.choices[0])}: ${(p2[depth]?.[0] as number).toFixed(2)}`);
    expect(await choice('s1.depth', String(s1.choices[0])).getAttribute('data-chosen')).toBe('true');
    // s1 at its smallest depth: its last block is inactive in the derived sub-network (greyed, nothing outlined).
    const lastBlock = `s1.b${Math.max(...(s1.choices as number[]))}.kernel`;
    expect(await page.locator(`[data-testid="policy"] tr[data-decision="${lastBlock}"]`).getAttribute('class')).toBe('muted');
    expect(await page.locator(`[data-testid="policy"] tr[data-decision="${lastBlock}"] [data-chosen]`).count()).toBe(0);
    expect(await page.locator('[data-testid="derived-subnet"]').textContent()).toMatch(/At epoch 2: the outlined choices, shared-weight accuracy 0\.350/);
    await page.screenshot({ path: artifact('enas-mobilenet-01-live.png'), fullPage: true });
    // The CLI's run: Stop, no Resume of a search.
    expect(await page.getByRole('button', { name: 'Stop' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Resume' }).count()).toBe(0);

    rec!.epoch({ epoch: 3, seconds: 1, points: enasMobilenetPoints(space, epoch(3)) });
    await poll(() => page.locator('[data-testid="policy-epoch"]').textContent()).toBe('3');
    expect(await page.locator('[data-testid="derived-subnet"]').textContent()).toMatch(/At epoch 3: .*accuracy 0\.400/);
    await page.getByRole('slider', { name: 'Epoch' }).fill('0');
    await poll(() => page.locator('[data-testid="policy-epoch"]').textContent()).toBe('1');

    const final = derivedOf(3);
    rec!.finish({ metrics: { mean_reward: 0.35 }, seconds: 3, epochs: 3 }, {
      key: final.key, sample: final.sample, metrics: { shared_val_accuracy: 0.4375, params: 12345 }, fidelity: {}, strategyState: null,
    });
    await poll(() => page.locator('[data-testid="derived-subnet"]').textContent()).toBe(`${final.key}: shared-weight validation accuracy 0.438, 12,345 params`);
    await page.screenshot({ path: artifact('enas-mobilenet-02-complete.png'), fullPage: true });
  }, 90_000);
});
