// device.profile / device.cancel through the contract: the real main-side services (AdbDeviceService
// on a real adb server, AdbProfileBackend, benchmark_model) with an emulated phone attached, and the
// real renderer-side client over the in-memory message pair.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NasError } from '../shared/errors.js';
import type { NasBridge, ProfileJobId, ProfileProgress, ProfileRequest } from '../shared/ipc/contract.js';
import { createMessagePair } from '../shared/ipc/messages.js';
import { InMemoryStore } from '../main/core/in-memory-store.js';
import { LiveDeviceSource, readLatencyReport } from '../main/ipc/devices.js';
import { createNasHost, type NasHost } from '../main/ipc/index.js';
import { AdbProfileBackend } from '../main/ipc/profiling.js';
import { serveMessages } from '../main/ipc/server.js';
import { AdbDeviceService } from '../main/services/devices/device-service.js';
import { lutPath, type LutFile } from '../main/services/devices/profiler.js';
import { createNasClient, messageTransport } from '../renderer/api/client.js';
import { AdbServer, findAdb } from './harness/adb/adb-server.js';
import { EmulatedAndroidDevice } from './harness/adb/device.js';
import { armnnUnavailable, BENCHMARK_MODEL } from './harness/armnn/armnn.js';
import { ROOT } from './cli-helpers.js';
import { missingPeer } from './harness/peer.js';

const skip = missingPeer('adb and Arm NN', !findAdb() ? 'the Debian package "adb" is not installed' : armnnUnavailable());

const SPACE = join(ROOT, 'test', 'fixtures', 'spaces', 'tiny-lut.yaml');
const FAST = { runs: 5, warmup: 1, repeats: 1, maxSpread: 5, calibration: 2, heldOut: 2, classes: 4 } as const;

describe('device.profile without a phones service', () => {
  it('rejects with a clear device-unavailable error', async () => {
    const host = createNasHost(new InMemoryStore());
    try {
      const r = await host.server.call('nas:device.profile', { device: 'R58M', space: 'nb201' });
      expect(r).toMatchObject({ ok: false, error: { code: 'device-unavailable' } });
      expect(!r.ok && r.error.message).toMatch(/no phones service is running.*--phones/);
      expect(await host.server.call('nas:device.profile', { device: 'R58M', space: 'nb201', settings: { runs: 0 } })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
      expect(await host.server.call('nas:device.cancel', { id: 'p1-none' })).toEqual({ ok: true, value: null });
    } finally {
      await host.shutdown();
    }
  });
});

describe.skipIf(skip)('device.profile on an emulated phone over the contract', () => {
  let server: AdbServer;
  let phone: EmulatedAndroidDevice;
  let dir: string;
  let db: string;
  let phones: AdbDeviceService;
  let host: NasHost;
  let nas: NasBridge;
  let pair: ReturnType<typeof createMessagePair>;
  let detach: () => void;
  let events: ProfileProgress[];

  beforeAll(async () => {
    server = await AdbServer.start();
    phone = new EmulatedAndroidDevice({ ambientC: 33 });
    await phone.start();
    await server.connect(phone.serial);
  });
  afterAll(async () => {
    await server?.kill();
    await phone?.close();
  });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'frontier-profile-ipc-'));
    db = join(dir, 'frontier.db');
    const store = new InMemoryStore();
    phones = new AdbDeviceService(store, { adbPath: server.bin, port: server.port }, Date.now, 200, { everyMs: 300, windowMs: 60_000 });
    await phones.start();
    await phones.waitFor(phone.serial, 'device', undefined, 10_000);
    host = createNasHost(store, {
      devices: new LiveDeviceSource(store, phones),
      profiles: new AdbProfileBackend(phones, { dbPath: db, store, benchmarkBinary: BENCHMARK_MODEL }),
      latencyReports: (id) => readLatencyReport(db, id),
    });
    pair = createMessagePair();
    const served = serveMessages(host.server, pair.server);
    detach = () => served.dispose();
    nas = createNasClient(messageTransport(pair.client));
    events = [];
    nas.on('onDidProfileProgress', (p) => events.push(p));
  });
  afterEach(async () => {
    await host.shutdown();
    await new Promise((r) => setTimeout(r, 0));
    expect(pair.stats().pending).toBe(0);
    detach();
    pair.client.close();
    phones.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const request = (): ProfileRequest => ({ device: phone.serial, space: 'custom', spaceOptions: { document: readFileSync(SPACE, 'utf8'), source: SPACE }, settings: FAST });

  function final(id: ProfileJobId, timeoutMs: number): Promise<ProfileProgress> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`job ${id} did not end within ${timeoutMs} ms; events: ${JSON.stringify(events.map((e) => [e.state, e.phase, e.done, e.total]))}`)), timeoutMs);
      const check = () => {
        const e = events.find((x) => x.id === id && x.state !== 'running');
        if (e) {
          clearTimeout(timer);
          off();
          resolve(e);
        }
      };
      const off = nas.on('onDidProfileProgress', () => setTimeout(check, 0));
      check();
    });
  }

  it('builds the table with progress events whose done increases, then reports it and stores it', async () => {
    const id = await nas.device.profile(request());
    // One job per device at a time.
    await expect(nas.device.profile(request())).rejects.toMatchObject({ code: 'device-unavailable', message: expect.stringMatching(/already building a latency table/) });
    const end = await final(id, 45_000);
    expect(end, end.message).toMatchObject({ id, device: phone.serial, space: 'custom:tiny-lut', state: 'finished', phase: 'done' });
    const mine = events.filter((e) => e.id === id);
    expect(mine[0]).toMatchObject({ state: 'running', phase: 'starting', done: 0 });
    const running = mine.filter((e) => e.state === 'running' && e.phase !== 'starting');
    // 21 op configurations, 2 calibration and 2 held-out architectures, each reported once, in order.
    expect(running.map((e) => e.done)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(running.map((e) => e.phase)).toEqual([...Array(21).fill('kernels'), 'calibration', 'calibration', 'held-out', 'held-out']);
    expect(running.every((e) => e.total === 25)).toBe(true);
    expect(end).toMatchObject({ done: 25, total: 25 });
    expect(mine.filter((e) => e.state !== 'running')).toHaveLength(1);
    // The accuracy report comes with the final event and is what device.latency serves now.
    expect(end.report).toMatchObject({ deviceId: phone.serial, space: 'custom:tiny-lut', kernels: 21, accuracy: { n: 2 } });
    expect(await nas.device.latency({ id: phone.serial })).toEqual(end.report);
    const lut = JSON.parse(readFileSync(lutPath(db, phone.serial), 'utf8')) as LutFile;
    expect(lut.space).toBe('custom:tiny-lut');
    expect(Object.values(lut.table.entries).reduce((n, e) => n + Object.keys(e).length, 0)).toBe(21);
    // The device is free again.
    const again = await nas.device.profile(request());
    await nas.device.cancel({ id: again });
    expect((await final(again, 20_000)).state).toBe('cancelled');
  }, 60_000);

  it('cancels a running job: a final cancelled event and no table stored', async () => {
    const id = await nas.device.profile(request());
    await new Promise<void>((resolve) => {
      const off = nas.on('onDidProfileProgress', (e) => {
        if (e.id === id && e.phase === 'kernels' && e.done >= 3) {
          off();
          resolve();
        }
      });
    });
    await nas.device.cancel({ id });
    const end = await final(id, 20_000);
    expect(end).toMatchObject({ id, state: 'cancelled', device: phone.serial });
    expect(end.done).toBeGreaterThanOrEqual(3);
    expect(end.done).toBeLessThan(25);
    expect(events.filter((e) => e.id === id && e.state !== 'running')).toHaveLength(1);
    expect(existsSync(lutPath(db, phone.serial))).toBe(false);
    expect(await nas.device.latency({ id: phone.serial })).toBeNull();
  }, 40_000);

  it('refuses a phone that is not connected with a device-unavailable error', async () => {
    const err = await nas.device.profile({ ...request(), device: 'emulator-9999' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NasError);
    expect(err).toMatchObject({ code: 'device-unavailable', message: expect.stringMatching(/phone emulator-9999 is not connected/) });
    expect(events).toEqual([]);
  });

  it('waits for a phone that goes away mid-job, says so, and finishes once it is back', async () => {
    const id = await nas.device.profile({ ...request(), settings: { ...FAST, runs: 20 } });
    await new Promise<void>((resolve) => {
      const off = nas.on('onDidProfileProgress', (e) => {
        if (e.id === id && e.done >= 2) {
          off();
          resolve();
        }
      });
    });
    await phone.whenRunning();
    await phone.unplug();
    await expect.poll(() => events.some((e) => e.id === id && /went away; waiting for it to come back/.test(e.message)), { timeout: 15_000, interval: 50 }).toBe(true);
    await phone.plug();
    const end = await final(id, 45_000);
    expect(end, end.message).toMatchObject({ state: 'finished', done: 25, total: 25 });
    const mine = events.filter((e) => e.id === id);
    expect(mine.some((e) => /is back; repeating the interrupted run/.test(e.message))).toBe(true);
    const dones = mine.map((e) => e.done);
    expect(dones).toEqual([...dones].sort((a, b) => a - b));
  }, 60_000);
});
