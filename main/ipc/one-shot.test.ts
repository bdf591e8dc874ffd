/**
 * DARTS started, stopped and resumed over the contract (issue #12): `oneShot.start` runs it in this
 * (main) process into a real SQLite file, its epochs arrive in the study as they end, `study.stop`
 * leaves it stopped with its checkpoint, `study.resume` continues it, and it ends exactly as the
 * same run never stopped (alpha, derived cell, lookup). Bad settings are refused, naming the setting,
 * with nothing stored. Tiny runs (256 + 128 images, 4 channels) on the native engine.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingPeer } from '../../test/harness/peer.js';
import { oneShotHost } from '../../test/harness/one-shot-host.js';
import { loadTorch } from '../services/train/torch-engine.js';

const loaded = loadTorch();
const noTorch = missingPeer('libtorch (the native engine; npm run build:native)', typeof loaded === 'string' ? loaded : undefined);

const TINY = { train: '256', val: '128', channels: '4', seed: '3', epochs: '8' };
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 60_000, interval: 20 });

describe.skipIf(noTorch)('DARTS over the contract: start, epochs live, stop, resume', () => {
  const h = oneShotHost('frontier-oneshot-ipc-');
  const { call, ok, study, statuses, events } = h;
  const epochsStored = (id: string): number => new Set(h.store.getCurve(id, 0).map((p) => p.step)).size;
  /** What the run ended with: the derived cell (trial 1) with its metrics and alpha, and every epoch's record. */
  const outcome = (id: string) => {
    const t = h.store.getTrial(id, 1)!;
    return { key: t.key, sample: t.sample, metrics: t.metrics, state: h.store.getCheckpoint(id)?.strategyState, curve: h.store.getCurve(id, 0).map((p) => [p.step, p.metric, p.value]) };
  };

  it('a bad setting is refused with what is wrong, and nothing is stored', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ epochs: '0' }, /^epochs must be a whole number in 1\.\.10000, got '0'$/],
      [{ order: 3 }, /^order must be a whole number in 1\.\.2, got '3'$/],
      [{ 'arch-lr': 'fast' }, /^arch-lr must be a number in 0\.000001\.\.10, got 'fast'$/],
      [{ guard: 'maybe' }, /^guard must be on or off, got 'maybe'$/],
      [{ 'controller-steps': 5 }, /^darts: unknown setting 'controller-steps' \(settings: order, guard, arch-lr, data/],
      [{ data: join(h.dir, 'no-such-folder') }, /no-such-folder/],
      [{ train: '256', val: '100000' }, /too few/],
    ];
    await h.expectRefused('darts', cases);
    expect((await call('nas:oneShot.start', { kind: 'nas', settings: {} })).ok).toBe(false);
    expect(h.store.listStudies()).toEqual([]);
    // The form's settings: the CLI's defaults and ranges.
    const kinds = await ok<{ kind: string; settings: { name: string; default: string; range: string }[] }[]>('nas:oneShot.list');
    expect(kinds.map((k) => k.kind)).toEqual(['darts', 'enas', 'enas-mobilenet', 'supernet']);
    expect(kinds[0]!.settings.find((o) => o.name === 'epochs')).toMatchObject({ default: '10', range: '1..10000' });
    expect((kinds[3] as unknown as { suggested: Record<string, string> }).suggested).toEqual({ steps: '1200', 'max-train': '3000' });
  });

  it('stopped after its first epochs and resumed, it ends as the same run never stopped', async () => {
    // The same run, never stopped.
    const whole = await ok<string>('nas:oneShot.start', { kind: 'darts', name: 'uninterrupted', settings: TINY });
    expect((await ok<{ active: boolean }>('nas:study.get', { id: whole })).active).toBe(true);
    await poll(() => study(whole).status).toBe('complete');
    expect(study(whole).spec.name).toBe('uninterrupted');
    expect(epochsStored(whole)).toBe(8);
    const checkpointOfWhole = study(whole).spec.strategyOptions?.checkpoint as string;
    expect(existsSync(checkpointOfWhole)).toBe(false);

    const id = await ok<string>('nas:oneShot.start', { kind: 'darts', settings: TINY });
    expect(study(id).status).toBe('running');
    const checkpoint = study(id).spec.strategyOptions?.checkpoint as string;
    expect(checkpoint.startsWith(join(h.dir, 'darts'))).toBe(true);
    // Epoch records arrive over the contract while it runs (what the live panels read).
    await poll(async () => new Set((await ok<{ step: number }[]>('nas:study.curve', { id, number: 0 })).map((p) => p.step)).size).toBeGreaterThanOrEqual(1);
    await ok('nas:study.stop', { id });
    expect(study(id).status).toBe('stopped');
    const done = epochsStored(id);
    expect(done).toBeGreaterThanOrEqual(1);
    expect(done).toBeLessThan(8);
    expect(existsSync(checkpoint)).toBe(true);
    expect((await ok<{ active: boolean }>('nas:study.get', { id })).active).toBe(false);
    expect(statuses(id)).toEqual(['running', 'stopped']);

    await ok('nas:study.resume', { id });
    expect((await ok<{ active: boolean }>('nas:study.get', { id })).active).toBe(true);
    await poll(() => study(id).status).toBe('complete');
    expect(statuses(id)).toEqual(['running', 'stopped', 'running', 'complete']);
    expect(existsSync(checkpoint)).toBe(false);
    const a = outcome(whole);
    const b = outcome(id);
    expect(b.key).toBe(a.key);
    expect((a.state as { alpha: number[][] }).alpha).toHaveLength(6);
    expect(b.state).toEqual(a.state);
    expect(b.metrics.c10_test).toBe(a.metrics.c10_test);
    expect(b.curve.filter(([, m]) => String(m).startsWith('alpha_'))).toEqual(a.curve.filter(([, m]) => String(m).startsWith('alpha_')));
    expect(events.some((e) => e.name === 'onDidStudyProgress' && (e.payload as { id: string; progress: { evals: number } }).id === id && (e.payload as { progress: { evals: number } }).progress.evals === 8)).toBe(true);
    // A complete run is not resumed again.
    expect(await call('nas:study.resume', { id })).toMatchObject({ ok: false, error: { code: 'store-conflict' } });
  }, 120_000);

  it('an ENAS run starts and ends with its derived cell looked up', async () => {
    const id = await ok<string>('nas:oneShot.start', { kind: 'enas', settings: { ...TINY, epochs: '2', 'controller-steps': '2' } });
    expect(study(id).spec).toMatchObject({ strategy: 'enas', space: 'nb201', strategyOptions: { controllerSteps: 2, epochs: 2 } });
    await poll(() => study(id).status).toBe('complete');
    expect(h.store.getCurve(id, 0).filter((p) => p.metric === 'mean_reward').map((p) => p.step)).toEqual([1, 2]);
    expect(h.store.getTrial(id, 1)?.metrics.c10_test).toBeGreaterThan(0);
  }, 60_000);

  it('resume is refused while another live process runs the study, and when its checkpoint is gone', async () => {
    const id = await ok<string>('nas:oneShot.start', { kind: 'darts', settings: { ...TINY, epochs: '1000' } });
    await poll(() => epochsStored(id)).toBeGreaterThanOrEqual(1);
    await ok('nas:study.stop', { id });
    // Another live process on this machine holds its lease (as `frontier resume` would).
    await h.expectResumeBusy(id);
    // Its checkpoint deleted (the settings beside it kept): a clear refusal, the study left stopped.
    const checkpoint = study(id).spec.strategyOptions?.checkpoint as string;
    expect(existsSync(`${checkpoint}.json`)).toBe(true);
    rmSync(checkpoint, { force: true });
    expect(await call('nas:study.resume', { id })).toMatchObject({ ok: false, error: { code: 'invalid-input', message: `the checkpoint of study ${id}, ${checkpoint}, is gone (deleted or moved): its darts run cannot be continued` } });
    expect(study(id).status).toBe('stopped');
  }, 60_000);

  it('a supernet training: a bad setting is refused; started, stopped after some steps and resumed, it trains to the end and scores its sub-networks', async () => {
    const bad = await call('nas:oneShot.start', { kind: 'supernet', settings: { sandwich: 'many' } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-input', message: "sandwich must be a number of random sub-networks or 'uniform', got 'many'" } });
    expect(await call('nas:oneShot.start', { kind: 'supernet', settings: { steps: '0' } })).toMatchObject({ ok: false, error: { message: "steps must be a whole number ≥ 1, got '0'" } });
    const before = h.store.listStudies().length;
    const settings = { steps: '60', 'max-train': '200', val: '64', 'batch-size': '8', sandwich: 'uniform', threads: '1', 'score-every': '20' };
    const id = await ok<string>('nas:oneShot.start', { kind: 'supernet', name: 'ui supernet', settings });
    expect(h.store.listStudies().length).toBe(before + 1);
    expect(study(id)).toMatchObject({ status: 'running', spec: { strategy: 'supernet-train', name: 'ui supernet', budget: { evals: 60 } } });
    const checkpoint = study(id).spec.strategyOptions?.checkpoint as string;
    expect(checkpoint.startsWith(join(h.dir, 'supernets'))).toBe(true);
    const steps = () => h.store.getCurve(id, 0).filter((p) => p.metric === 'loss').map((p) => p.step);
    await poll(() => steps().length).toBeGreaterThanOrEqual(2);
    await ok('nas:study.stop', { id });
    expect(study(id).status).toBe('stopped');
    const stoppedAt = Math.max(...steps());
    expect(stoppedAt).toBeLessThan(60);
    expect(existsSync(`${checkpoint}.json`)).toBe(true);
    await ok('nas:study.resume', { id });
    await poll(() => study(id).status).toBe('complete');
    expect(statuses(id)).toEqual(['running', 'stopped', 'running', 'complete']);
    // Every step's loss once, to the last; the panel's rounds; the sub-networks scored with the trained weights.
    const all = steps();
    expect(new Set(all).size).toBe(all.length);
    expect(Math.max(...all)).toBe(60);
    expect(new Set(h.store.getCurve(id, 0).filter((p) => p.metric === 'panel_seconds').map((p) => p.step))).toEqual(new Set([20, 40, 60]));
    const scored = h.store.getTrials(id).filter((t) => t.number > 0);
    expect(scored).toHaveLength(6);
    for (const t of scored) expect(t.metrics.val_accuracy).toBeGreaterThan(0);
  }, 180_000);
});
