/**
 * A DARTS study in the workbench (`frontier serve` in Debian Chromium): the architecture-weights
 * heat map shows the store's softmax(alpha) per edge and operation, moves on when another process
 * writes a new epoch, and once the run ends shows the derived cell with its NAS-Bench-201 lookup.
 * The run is written by this test process through the same recorder `frontier darts` uses, so
 * its values are known here. Screenshots in test-artifacts/one-shot-*.png.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { CollapseReport } from '../../main/core/one-shot/nb201-alpha.js';
import { SqliteStore } from '../../main/services/sqlite-store.js';
import type { DartsEpoch, DartsRunResult } from '../../main/services/train/nb201-one-shot.js';
import { enasMobilenetPoints, enasMobilenetStudy } from '../../main/services/train/enas-mobilenet.js';
import { OneShotStudyRecorder } from '../../main/services/train/one-shot-study.js';
import { SupernetTrainRecorder } from '../../main/services/train/supernet-train-study.js';
import { MobilenetSpace } from '../../main/core/spaces/mobilenet.js';
import { extremes } from '../../main/core/supernet.js';
import { loadTorch } from '../../main/services/train/torch-engine.js';
import { cliAsync } from '../cli-helpers.js';
import { missingPeer } from '../harness/peer.js';
import { artifact } from './browser.js';
import { workbenchFixture, workbenchSkipReason } from './workbench-harness.js';

const skip = workbenchSkipReason();
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 200 });

const EDGES = ['1<-0', '2<-0', '2<-1', '3<-0', '3<-1', '3<-2'];
const OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'];
/** Epoch n's alpha: edge e favours operation (e + n) % 5 more and more. */
const alpha = (n: number) => EDGES.map((_, e) => OPS.map((_, k) => (k === (e + n) % 5 ? 0.4 * n : 0.05 * k)));
const softmax = (row: number[]) => {
  const ex = row.map(Math.exp);
  const s = ex.reduce((a, b) => a + b, 0);
  return ex.map((v) => v / s);
};
const collapse = { parameterFreeEdges: 2, skipEdges: 1, parameterFreeWeight: 0.42, parameterFreeShare: 2 / 6, collapsed: false } as CollapseReport;
const epoch = (n: number): DartsEpoch => ({ epoch: n, trainLoss: 2.3 - 0.2 * n, valLoss: 2.4 - 0.2 * n, valAccuracy: 0.1 * n, seconds: 1, alpha: alpha(n), collapse });

const loaded = loadTorch();
const noTorch = missingPeer('libtorch (the native engine; npm run build:native)', typeof loaded === 'string' ? loaded : undefined);

describe.skipIf(skip !== undefined)('a DARTS study in the workbench', () => {
  let store: SqliteStore | undefined;
  let rec: OneShotStudyRecorder | undefined;
  let trainer: SupernetTrainRecorder | undefined;
  const wb = workbenchFixture('frontier-e2e-darts-', (db) => {
    store = SqliteStore.open(db);
    rec = OneShotStudyRecorder.start(store, { kind: 'darts', seed: 0, data: 'builtin:fashion-mnist', epochs: 6, options: { order: 1 }, checkpoint: '/nowhere/darts.ckpt' });
    for (const n of [1, 2, 3]) rec.epoch(epoch(n));
    // Study 2: a run stopped (Ctrl-C) after 2 epochs.
    const stopped = OneShotStudyRecorder.start(store, { kind: 'darts', seed: 1, data: 'builtin:fashion-mnist', epochs: 6, options: { order: 2 }, checkpoint: '/nowhere/darts2.ckpt' });
    for (const n of [1, 2]) stopped.epoch(epoch(n));
    stopped.stopped();
    // Study 3: a supernet training at step 10 of 60.
    trainer = SupernetTrainRecorder.open(store, { checkpoint: '/nowhere/net.ckpt', steps: 60, data: 'builtin:fashion-mnist', seed: 0, options: {} });
    for (const step of [5, 10]) trainer.step({ step, loss: 3 - step / 20, lr: 0.003 });
  });
  afterAll(() => {
    rec?.dispose();
    trainer?.dispose();
    store?.close();
  });

  const cell = (edge: string, op: string) => wb.page.locator(`[data-testid="arch-weights"] tr[data-edge="${edge}"] td[data-op="${op}"]`);

  it('shows softmax(alpha) per edge from the store, follows a new epoch, then the derived cell and its lookup', async () => {
    const { page, url } = wb;
    await page.goto(`${url.href}#/study/1`);
    await poll(() => page.locator('.toolbar .badge').textContent()).toBe('running elsewhere');
    await poll(() => page.locator('[data-testid="weights-epoch"]').textContent()).toBe('3');
    expect(await page.locator('[data-testid="arch-weights"] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-edge')))).toEqual(EDGES);
    for (const [e, edge] of EDGES.entries()) {
      const w = softmax(alpha(3)[e] as number[]);
      for (const [k, op] of OPS.entries()) expect(await cell(edge, op).textContent()).toBe((w[k] as number).toFixed(3));
      // The outlined operation: the strongest, 'none' excluded.
      const best = OPS.map((_, k) => k).filter((k) => k > 0).sort((a, b) => (w[b] as number) - (w[a] as number))[0] as number;
      expect(await cell(edge, OPS[best] as string).getAttribute('data-chosen')).toBe('true');
    }
    expect(await page.locator('[data-edge-chart]').count()).toBe(6);
    expect(await page.locator('[data-testid="collapse"]').textContent()).toMatch(/Collapse indicator: 2\/6 edges take a parameter-free operation \(their weight 0\.42\)/);
    await page.screenshot({ path: artifact('one-shot-01-darts-live.png'), fullPage: true });

    // Another epoch written by the run: the view moves on to it without a reload.
    rec!.epoch(epoch(4));
    await poll(() => page.locator('[data-testid="weights-epoch"]').textContent()).toBe('4');
    const w4 = softmax(alpha(4)[5] as number[]);
    expect(await cell('3<-2', 'nor_conv_1x1').textContent()).toBe((w4[2] as number).toFixed(3));
    // The slider goes back to an earlier epoch's weights.
    await page.getByRole('slider', { name: 'Epoch' }).fill('0');
    await poll(() => page.locator('[data-testid="weights-epoch"]').textContent()).toBe('1');
    expect(await cell('1<-0', 'skip_connect').textContent()).toBe((softmax(alpha(1)[0] as number[])[1] as number).toFixed(3));

    // The run ends: the derived cell and its NAS-Bench-201 accuracies.
    const arch = '|skip_connect~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|avg_pool_3x3~0|nor_conv_1x1~1|nor_conv_3x3~2|';
    const sample = [1, 2, 3, 4, 2, 3];
    rec!.complete({
      order: 1, epochs: [1, 2, 3, 4].map(epoch), alpha: alpha(4), cell: sample, archStr: arch, collapse, parameterFreeTrend: 0, unguardedCell: sample,
      nb201: { index: 1234, c10_valid: 88.5, c10_test: 91.25, c100_valid: 66.5, c100_test: 67.75 }, seconds: 4, paramCount: 100,
    } as unknown as DartsRunResult);
    await poll(() => page.locator('[data-testid="derived-arch"]').textContent()).toBe(arch);
    expect(await page.locator('[data-testid="nb201-lookup"] tr[data-metric="c10_test"] td').textContent()).toBe('91.25%');
    expect(await page.locator('[data-testid="nb201-lookup"] tr[data-metric="c100_test"] td').textContent()).toBe('67.75%');
    await page.getByRole('slider', { name: 'Epoch' }).fill('3');
    await poll(() => page.locator('[data-testid="weights-epoch"]').textContent()).toBe('4');
    await page.screenshot({ path: artifact('one-shot-02-darts-complete.png'), fullPage: true });
  }, 90_000);

  it('a stopped DARTS study says how to continue it; Resume of one whose checkpoint is gone says so', async () => {
    const { page, url } = wb;
    await page.goto(`${url.href}#/study/2`);
    await poll(() => page.locator('[data-testid="one-shot-resume"]').textContent()).toBe('This DARTS run was stopped after epoch 2: Resume continues it from its checkpoint (or frontier resume 2 in a terminal).');
    expect(await page.locator('[data-testid="weights-epoch"]').textContent()).toBe('2');
    await page.getByRole('button', { name: 'Resume' }).click();
    await poll(() => page.locator('.error-note').textContent()).toBe('the checkpoint of study 2, /nowhere/darts2.ckpt, is gone (deleted or moved): its darts run cannot be continued');
    expect(await page.locator('.toolbar .badge').textContent()).toBe('stopped');
  }, 30_000);

  it('a supernet training shows its steps, loss and panel rounds live, then the sub-networks scored with their accuracies', async () => {
    const { page, url } = wb;
    await page.goto(`${url.href}#/study/3`);
    await poll(() => page.locator('[data-testid="supernet-steps"]').textContent()).toBe('Step 10 of 60 · loss 2.500');
    await poll(() => page.getByText('Waiting for the first scoring round').count()).toBe(1);
    const space = new MobilenetSpace();
    const { largest, smallest } = extremes(space);
    const round = (step: number, l: number, s: number) => ({ step, seconds: 1.25, subnets: [{ label: 'largest', key: largest.key, valAccuracy: l }, { label: 'smallest', key: smallest.key, valAccuracy: s }] });
    // The panel's rounds, as the training stores them: the latest in the table, all of them on the chart.
    trainer!.round(round(10, 0.5, 0.25));
    const rounds = page.locator('[data-testid="supernet-rounds"]');
    await poll(() => rounds.getAttribute('data-step')).toBe('10');
    expect(await rounds.locator('tr[data-label="largest"]').textContent()).toBe(`largest${largest.key}0.5000`);
    expect(await page.getByRole('img', { name: 'Validation accuracy of the panel of sub-networks over steps' }).count()).toBe(0);
    trainer!.step({ step: 15, loss: 2.25, lr: 0.003 });
    trainer!.round(round(15, 0.625, 0.375));
    await poll(() => page.locator('[data-testid="supernet-steps"]').textContent()).toBe('Step 15 of 60 · loss 2.250');
    await poll(() => rounds.getAttribute('data-step')).toBe('15');
    expect(await rounds.locator('caption').textContent()).toBe('Latest round: step 15 (2 rounds so far, scored in 1.3 s), the shared weights of that step, BatchNorm recalibrated');
    expect(await rounds.locator('tr[data-label="smallest"]').textContent()).toBe(`smallest${smallest.key}0.3750`);
    await poll(() => page.getByRole('img', { name: 'Validation accuracy of the panel of sub-networks over steps' }).count()).toBe(1);
    trainer!.trained({ steps: 60, loss: 1.5, seconds: 30 });
    trainer!.scored(largest, 0.8125, 1);
    trainer!.scored(smallest, 0.5, 1);
    trainer!.complete();
    await poll(() => page.locator('[data-testid="supernet-subnets"] tbody tr').count()).toBe(2);
    expect(await page.locator('[data-testid="supernet-subnets"] tr[data-trial="1"]').textContent()).toBe(`1${largest.key}0.8125`);
    expect(await page.locator('[data-testid="supernet-subnets"] tr[data-trial="2"]').textContent()).toBe(`2${smallest.key}0.5000`);
    await page.screenshot({ path: artifact('one-shot-05-supernet-training.png'), fullPage: true });

    // A training stored before the rounds (none in its curve) still opens, and says so.
    const old = SupernetTrainRecorder.open(store!, { checkpoint: '/nowhere/old.ckpt', steps: 20, data: 'builtin:fashion-mnist', seed: 0, options: {} });
    old.step({ step: 20, loss: 1.75, lr: 0.001 });
    old.trained({ steps: 20, loss: 1.75, seconds: 10 });
    old.scored(largest, 0.75, 1);
    old.complete();
    await page.goto(`${url.href}#/study/${old.id}`);
    await poll(() => page.locator('[data-testid="supernet-steps"]').textContent()).toBe('Step 20 of 20 · loss 1.750');
    expect(await page.getByText('No scoring rounds were recorded during this training').count()).toBe(1);
    expect(await page.locator('[data-testid="supernet-subnets"] tbody tr').count()).toBe(1);
    expect(await page.locator('[data-testid="supernet-rounds"]').count()).toBe(0);

    // A training stopped (Ctrl-C) at step 5: its page offers Resume and says so.
    const halted = SupernetTrainRecorder.open(store!, { checkpoint: '/nowhere/halted.ckpt', steps: 20, data: 'builtin:fashion-mnist', seed: 0, options: {} });
    halted.step({ step: 5, loss: 2, lr: 0.003 });
    halted.stopped();
    await page.goto(`${url.href}#/study/${halted.id}`);
    await poll(() => page.locator('[data-testid="supernet-resume"]').textContent()).toBe(`This training was stopped at step 5: Resume continues it from its checkpoint (or frontier resume ${halted.id} in a terminal).`);
    expect(await page.getByRole('button', { name: 'Resume' }).count()).toBe(1);

    // So does an ENAS run on the mobilenet space stopped after epoch 1 (the workbench resumes it too).
    const enas = OneShotStudyRecorder.start(store!, { kind: 'enas', seed: 0, data: 'builtin:fashion-mnist', epochs: 4, options: { space: 'mobilenet' }, checkpoint: '/nowhere/enas-m.ckpt', study: enasMobilenetStudy('builtin:fashion-mnist') });
    const uniform = space.dims.map((d) => d.choices.map(() => 1 / d.choices.length));
    const first = space.freeze(space.dims.map(() => 0)).key;
    enas.epoch({ epoch: 1, seconds: 1, points: enasMobilenetPoints(space, { epoch: 1, trainLoss: 2, meanReward: 0.3, bestReward: 0.3, bestKey: first, entropy: 1, baseline: 0.3, probabilities: uniform, derivedKey: first, derivedAccuracy: 0.3, seconds: 1 }) });
    enas.stopped();
    await page.goto(`${url.href}#/study/${enas.id}`);
    await poll(() => page.locator('[data-testid="one-shot-resume"]').textContent()).toBe(`This ENAS run was stopped after epoch 1: Resume continues it from its checkpoint (or frontier resume ${enas.id} in a terminal).`);
    expect(await page.getByRole('button', { name: 'Resume' }).count()).toBe(1);
  }, 60_000);

  it.skipIf(noTorch)('a `frontier darts` run shows its epochs live, and Stop stops it as Ctrl-C does (study stopped, checkpoint kept)', async () => {
    const { page, url } = wb;
    const id = String(store!.listStudies().length + 1);
    const run = cliAsync(['darts', '--epochs', '10000', '--train', '200', '--val', '100', '--channels', '4'], { db: wb.db });
    let stderr = '';
    run.stderr!.on('data', (d: Buffer) => void (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => run.once('exit', (c) => r(c)));
    try {
      await poll(() => /epoch 1\/10000/.test(stderr)).toBe(true);
      await page.goto(`${url.href}#/study/${id}`);
      await poll(async () => Number(await page.locator('[data-testid="weights-epoch"]').textContent().catch(() => '0'))).toBeGreaterThanOrEqual(2);
      expect(await page.locator('[data-testid="arch-weights"] tbody tr').count()).toBe(6);
      await page.screenshot({ path: artifact('one-shot-03-cli-run-live.png'), fullPage: true });
      await page.getByRole('button', { name: 'Stop' }).click();
      expect(await exited).toBe(130);
      expect(stderr).toMatch(new RegExp(`DARTS stopped after epoch \\d+/10000: checkpoint kept at \\S+\\.ckpt\\ncontinue with: frontier resume ${id} `));
      const done = Number(/DARTS stopped after epoch (\d+)/.exec(stderr)?.[1]);
      await poll(() => page.locator('[data-testid="one-shot-resume"]').textContent()).toBe(`This DARTS run was stopped after epoch ${done}: Resume continues it from its checkpoint (or frontier resume ${id} in a terminal).`);
      expect(await page.getByRole('button', { name: 'Stop' }).count()).toBe(0);
      await page.screenshot({ path: artifact('one-shot-04-cli-run-stopped.png'), fullPage: true });
    } finally {
      run.kill('SIGKILL');
    }
  }, 60_000);
});
