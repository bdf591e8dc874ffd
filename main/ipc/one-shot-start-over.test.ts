/**
 * A DARTS run stopped over the contract before its first epoch ended has no checkpoint yet, only its
 * settings: the page's Resume starts it again from the beginning, under the same study, and it ends
 * as the same run never stopped. With its settings gone or damaged, Resume is refused with why.
 * Tiny runs (256 + 128 images, 4 channels) on the native engine, a real SQLite file.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { missingPeer } from '../../test/harness/peer.js';
import { oneShotHost } from '../../test/harness/one-shot-host.js';
import { loadTorch } from '../services/train/torch-engine.js';

const loaded = loadTorch();
const noTorch = missingPeer('libtorch (the native engine; npm run build:native)', typeof loaded === 'string' ? loaded : undefined);

const TINY = { train: '256', val: '128', channels: '4', seed: '7', epochs: '3' };
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 60_000, interval: 20 });

describe.skipIf(noTorch)('DARTS over the contract stopped before its first checkpoint', () => {
  const h = oneShotHost('frontier-oneshot-over-');
  const { call, ok, study, statuses } = h;
  const outcome = (id: string) => ({
    key: h.store.getTrial(id, 1)?.key,
    state: h.store.getCheckpoint(id)?.strategyState,
    curve: h.store.getCurve(id, 0).map((p) => [p.step, p.metric, p.value]),
  });
  /** Starts a run and stops it at once: stopped, no epoch, no checkpoint, its settings kept. */
  const stoppedAtOnce = async (): Promise<{ id: string; checkpoint: string }> => {
    const id = await ok<string>('nas:oneShot.start', { kind: 'darts', settings: TINY });
    await ok('nas:study.stop', { id });
    const checkpoint = study(id).spec.strategyOptions?.checkpoint as string;
    expect(study(id).status).toBe('stopped');
    expect(h.store.getCurve(id, 0)).toEqual([]);
    expect(existsSync(checkpoint)).toBe(false);
    expect(existsSync(`${checkpoint}.json`)).toBe(true);
    return { id, checkpoint };
  };

  it('Resume starts it over under the same study and it ends as the uninterrupted run', async () => {
    const whole = await ok<string>('nas:oneShot.start', { kind: 'darts', settings: TINY });
    await poll(() => study(whole).status).toBe('complete');

    const { id, checkpoint } = await stoppedAtOnce();
    await ok('nas:study.resume', { id });
    await poll(() => study(id).status).toBe('complete');
    expect(statuses(id)).toEqual(['running', 'stopped', 'running', 'complete']);
    expect(h.store.listStudies().map((r) => r.id).sort()).toEqual([whole, id].sort());
    expect(existsSync(`${checkpoint}.json`)).toBe(false);
    const a = outcome(whole);
    expect(a.curve.length).toBeGreaterThan(0);
    expect(outcome(id)).toEqual(a);
  }, 120_000);

  it('with its settings gone or damaged, Resume is refused with why and the study stays stopped', async () => {
    const { id, checkpoint } = await stoppedAtOnce();
    writeFileSync(`${checkpoint}.json`, '{"version":1,"kind":"enas"');
    expect(await call('nas:study.resume', { id })).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringContaining(`cannot read ${checkpoint}.json`) } });
    rmSync(`${checkpoint}.json`);
    expect(await call('nas:study.resume', { id })).toMatchObject({ ok: false, error: { code: 'invalid-input', message: `the checkpoint of study ${id}, ${checkpoint}, is gone (deleted or moved): its darts run cannot be continued` } });
    expect(study(id).status).toBe('stopped');
  }, 60_000);
});
