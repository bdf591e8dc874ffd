import { describe, expect, it } from 'vitest';
import { Cancelled, DeviceUnavailable } from '../../shared/errors.js';
import type { ProfileProgress } from '../../shared/ipc/contract.js';
import { delay } from '../core/cancellation.js';
import { InMemoryStore } from '../core/in-memory-store.js';
import { createNasHost } from './index.js';
import { AdbProfileBackend, profileGraph, type ProfileBackend } from './profiling.js';
import { createSpace } from '../core/spaces.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancellationToken } from '../core/cancellation.js';
import { LOCAL_CPU } from '../services/devices/local-profiler.js';
import { lutPath, type LutFile } from '../services/devices/profiler.js';

/** A backend that measures `kernels` configurations, one per tick, then fails or finishes as told. */
function backend(o: { kernels: number; fail?: string; online?: readonly string[] }): ProfileBackend {
  return {
    check(serial) {
      if (!(o.online ?? ['R58M']).includes(serial)) throw new DeviceUnavailable(`phone ${serial} is not connected`);
    },
    async build(serial, space, _settings, token, onProgress) {
      for (let i = 1; i <= o.kernels; i++) {
        await delay(5, token);
        onProgress('kernels', i, o.kernels);
      }
      if (o.fail) throw new Error(o.fail);
      if (token.isCancellationRequested) throw new Cancelled();
      return null;
    },
  };
}

function collect(host: ReturnType<typeof createNasHost>): ProfileProgress[] {
  const seen: ProfileProgress[] = [];
  host.server.onEvent((e, p) => e === 'onDidProfileProgress' && seen.push(p as ProfileProgress));
  return seen;
}

const until = async (pred: () => boolean) => {
  for (let i = 0; i < 400 && !pred(); i++) await delay(5);
  expect(pred()).toBe(true);
};

describe('profiling jobs', () => {
  it('reports a backend failure as one failed event with the error, and frees the device', async () => {
    const host = createNasHost(new InMemoryStore(), { profiles: backend({ kernels: 3, fail: 'benchmark_model crashed' }) });
    const seen = collect(host);
    const r = await host.server.call('nas:device.profile', { device: 'R58M', space: 'nb201', settings: { calibration: 0, heldOut: 0 } });
    expect(r.ok).toBe(true);
    await until(() => seen.some((e) => e.state !== 'running'));
    expect(seen.map((e) => [e.state, e.phase, e.done, e.total])).toEqual([
      ['running', 'starting', 0, 0], ['running', 'kernels', 1, 3], ['running', 'kernels', 2, 3], ['running', 'kernels', 3, 3], ['failed', 'kernels', 3, 3],
    ]);
    expect(seen.at(-1)).toMatchObject({ space: 'nb201', error: 'benchmark_model crashed', message: expect.stringMatching(/building the latency table failed: benchmark_model crashed/) });
    expect((await host.server.call('nas:device.profile', { device: 'R58M', space: 'nb201' })).ok).toBe(true);
    await host.shutdown();
    expect(seen.at(-1)?.state).toBe('cancelled');
  });

  it('runs one job per device, refuses unknown spaces and offline phones, and cancels every job on shutdown', async () => {
    const host = createNasHost(new InMemoryStore(), { profiles: backend({ kernels: 1000, online: ['R58M', 'pixel'] }) });
    const seen = collect(host);
    const a = await host.server.call('nas:device.profile', { device: 'R58M', space: 'nb201' });
    const b = await host.server.call('nas:device.profile', { device: 'pixel', space: 'mobilenet' });
    expect([a.ok, b.ok]).toEqual([true, true]);
    expect(await host.server.call('nas:device.profile', { device: 'R58M', space: 'mobilenet' })).toMatchObject({ ok: false, error: { code: 'device-unavailable', message: expect.stringMatching(/already building/) } });
    expect(await host.server.call('nas:device.profile', { device: 'other', space: 'nb201' })).toMatchObject({ ok: false, error: { code: 'device-unavailable', message: 'phone other is not connected' } });
    expect(await host.server.call('nas:device.profile', { device: 'other', space: 'nope' })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    await host.shutdown();
    const finals = seen.filter((e) => e.state !== 'running');
    expect(finals.map((e) => [e.device, e.state]).sort()).toEqual([['R58M', 'cancelled'], ['pixel', 'cancelled']]);
  });
});

describe('profileGraph', () => {
  it('kws and text spaces get their data\'s default input (text with its vocabulary) instead of 32×32×3 (#16)', () => {
    expect(profileGraph(createSpace('kws', {}), { classes: 12 } as never)).toEqual({ input: [49, 10, 1], classes: 12 });
    expect(profileGraph(createSpace('text', {}), {} as never)).toEqual({ input: [64, 1, 1], classes: 10, vocab: 512 });
    expect(profileGraph(createSpace('mobilenet', {}), {} as never)).toEqual({ input: [32, 32, 3], classes: 10 });
  });
});

describe('AdbProfileBackend on local:cpu', () => {
  it("builds this machine's table with onnxruntime, without a phone, and reports it (#16)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'frontier-local-profile-'));
    try {
      const phones = { get: () => undefined } as never; // no phone is consulted for local:cpu
      const b = new AdbProfileBackend(phones, { dbPath: join(dir, 'frontier.db') });
      expect(() => b.check(LOCAL_CPU)).not.toThrow();
      const space = createSpace('text', { widths: [16], depths: [1], kernels: [3], heads: [2], ffn: [32] });
      const phases: string[] = [];
      const report = await b.build(LOCAL_CPU, space, { runs: 4, warmup: 1, repeats: 2, maxSpread: 10, calibration: 2, heldOut: 1 }, CancellationToken.None, (phase) => phases.push(phase));
      expect(report).not.toBeNull();
      expect(new Set(phases)).toEqual(new Set(['kernels', 'calibration', 'held-out']));
      const lut = JSON.parse(readFileSync(lutPath(join(dir, 'frontier.db'), LOCAL_CPU), 'utf8')) as LutFile;
      expect(lut).toMatchObject({ space: 'text', graph: { input: [64, 1, 1], vocab: 512 }, table: { deviceId: LOCAL_CPU } });
      expect(Object.keys(lut.table.entries)).toEqual(expect.arrayContaining(['Embedding', 'LayerNorm', 'Attention']));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
