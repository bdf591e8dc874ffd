/**
 * ENAS on the mobilenet space started, stopped and resumed over the contract (issue #12):
 * `oneShot.start` kind 'enas-mobilenet' runs it in this (main) process into a real SQLite file,
 * `study.stop` after its first epoch leaves it stopped with its checkpoint, `study.resume` is refused
 * while another live process holds it or its checkpoint is gone, then continues it, and it ends
 * exactly as the same run never stopped (derived sub-network, final probabilities, every epoch's
 * records). Bad settings are refused, naming the setting, with nothing stored. Tiny runs (128 + 64
 * images, quarter-size activations) on the native engine.
 */
import { existsSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingPeer } from '../../test/harness/peer.js';
import { oneShotHost } from '../../test/harness/one-shot-host.js';
import { loadTorch } from '../services/train/torch-engine.js';

const loaded = loadTorch();
const noTorch = missingPeer('libtorch (the native engine; npm run build:native)', typeof loaded === 'string' ? loaded : undefined);

const TINY = { epochs: '4', train: '128', val: '64', 'controller-steps': '2', 'stem-stride': '2', seed: '3' };
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 60_000, interval: 20 });

describe.skipIf(noTorch)('ENAS on the mobilenet space over the contract: start, stop, resume', () => {
  const h = oneShotHost('frontier-enas-mobilenet-ipc-');
  const { call, ok, study, statuses } = h;
  const epochsStored = (id: string): number => new Set(h.store.getCurve(id, 0).filter((p) => p.metric === 'mean_reward').map((p) => p.step)).size;
  /** What the run ended with: the derived sub-network (trial 1), the controller's final probabilities, every epoch's records. */
  const outcome = (id: string) => {
    const t = h.store.getTrial(id, 1)!;
    return {
      key: t.key, sample: t.sample, accuracy: t.metrics.shared_val_accuracy, params: t.metrics.params, flops: t.metrics.flops,
      probabilities: (h.store.getCheckpoint(id)?.strategyState as { probabilities?: number[][] } | undefined)?.probabilities,
      curve: h.store.getCurve(id, 0).map((p) => [p.step, p.metric, p.value]).sort((a, b) => String(a).localeCompare(String(b))),
    };
  };

  it('lists the kind with its settings; a bad setting is refused with what is wrong, and nothing is stored', async () => {
    const kinds = await ok<{ kind: string; settings: { name: string; default: string; range: string }[]; suggested: Record<string, string> }[]>('nas:oneShot.list');
    const mine = kinds.find((k) => k.kind === 'enas-mobilenet');
    expect(mine?.settings.find((o) => o.name === 'controller-steps')).toMatchObject({ default: '10', range: '0..100000' });
    expect(mine?.settings.find((o) => o.name === 'epochs')).toMatchObject({ default: '10', range: '1..10000' });
    expect(mine?.settings.map((o) => o.name)).not.toContain('channels');
    expect(mine?.suggested).toMatchObject({ 'stem-stride': '2' });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ 'stem-stride': '3' }, /^stem-stride must be a whole number in 1\.\.2, got '3'$/],
      [{ epochs: '0' }, /^epochs must be a whole number in 1\.\.10000, got '0'$/],
      [{ 'controller-lr': 'fast' }, /^controller-lr must be a number in 0\.\.100, got 'fast'$/],
      [{ channels: '8' }, /^enas-mobilenet: unknown setting 'channels' \(settings: controller-steps, /],
      [{ 'latency-ms': '5' }, /needs both --latency-ms X and --device ID/],
      [{ 'latency-ms': '5', device: 'pixel9' }, /no latency table of pixel9 at \S+pixel9\.json/],
      [{ data: join(h.dir, 'no-such-folder') }, /no-such-folder/],
    ];
    await h.expectRefused('enas-mobilenet', cases);
    expect(h.store.listStudies()).toEqual([]);
    expect(existsSync(join(h.dir, 'enas')) ? readdirSync(join(h.dir, 'enas')) : []).toEqual([]);
  });

  it('stopped after epoch 1, refused while another process holds it or its checkpoint is gone, resumed: ends as the same run never stopped', async () => {
    const whole = await ok<string>('nas:oneShot.start', { kind: 'enas-mobilenet', name: 'uninterrupted', settings: TINY });
    expect(study(whole).spec).toMatchObject({ strategy: 'enas', space: 'mobilenet', name: 'uninterrupted', strategyOptions: { controllerSteps: 2, stemStride: 2, epochs: 4 } });
    await poll(() => study(whole).status).toBe('complete');
    expect(epochsStored(whole)).toBe(4);
    expect(existsSync(study(whole).spec.strategyOptions?.checkpoint as string)).toBe(false);

    const id = await ok<string>('nas:oneShot.start', { kind: 'enas-mobilenet', settings: TINY });
    const checkpoint = study(id).spec.strategyOptions?.checkpoint as string;
    expect(checkpoint.startsWith(join(h.dir, 'enas'))).toBe(true);
    expect((await ok<{ active: boolean }>('nas:study.get', { id })).active).toBe(true);
    await poll(() => epochsStored(id)).toBeGreaterThanOrEqual(1);
    await ok('nas:study.stop', { id });
    expect(study(id).status).toBe('stopped');
    const done = epochsStored(id);
    expect(done).toBeLessThan(4);
    expect(existsSync(checkpoint)).toBe(true);
    expect(statuses(id)).toEqual(['running', 'stopped']);

    // Another live process on this machine holds its lease (as `frontier resume` would).
    await h.expectResumeBusy(id);
    // Its checkpoint moved away: a clear refusal, the study left stopped; back, it resumes.
    renameSync(checkpoint, `${checkpoint}.away`);
    expect(await call('nas:study.resume', { id })).toMatchObject({ ok: false, error: { code: 'invalid-input', message: `the checkpoint of study ${id}, ${checkpoint}, is gone (deleted or moved): its ENAS run cannot be continued` } });
    expect(study(id).status).toBe('stopped');
    renameSync(`${checkpoint}.away`, checkpoint);

    await ok('nas:study.resume', { id });
    expect((await ok<{ active: boolean }>('nas:study.get', { id })).active).toBe(true);
    await poll(() => study(id).status).toBe('complete');
    expect(statuses(id)).toEqual(['running', 'stopped', 'running', 'complete']);
    expect(existsSync(checkpoint)).toBe(false);
    expect(existsSync(`${checkpoint}.json`)).toBe(false);
    const a = outcome(whole);
    const b = outcome(id);
    expect(a.probabilities?.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
    // A complete run is not resumed again.
    expect(await call('nas:study.resume', { id })).toMatchObject({ ok: false, error: { code: 'store-conflict' } });
  }, 180_000);
});
