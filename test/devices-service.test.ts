// AdbDeviceService (adbkit) against a real adb server with emulated phones attached over TCP.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryStore } from '../main/core/in-memory-store.js';
import { AdbDeviceService } from '../main/services/devices/device-service.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AdbServer, findAdb, freePort } from './harness/adb/adb-server.js';
import { EmulatedAndroidDevice } from './harness/adb/device.js';
import { missingPeer } from './harness/peer.js';

const adbBin = findAdb();
const skip = missingPeer('adb', adbBin ? undefined : 'the Debian package "adb" is not installed');

describe.skipIf(skip)('AdbDeviceService', () => {
  let server: AdbServer;
  const open: { dispose(): void }[] = [];
  const phones: EmulatedAndroidDevice[] = [];

  beforeAll(async () => {
    server = await AdbServer.start();
  });
  afterEach(async () => {
    for (const d of open.splice(0)) d.dispose();
    for (const p of phones.splice(0)) {
      await server.disconnect(p.serial);
      await p.close();
    }
  });
  afterAll(async () => {
    await server?.kill();
  });

  async function phone(opts: ConstructorParameters<typeof EmulatedAndroidDevice>[0] = {}): Promise<EmulatedAndroidDevice> {
    const p = new EmulatedAndroidDevice(opts);
    phones.push(p);
    await p.start();
    return p;
  }

  function service(store = new InMemoryStore()): AdbDeviceService {
    const s = new AdbDeviceService(store, { adbPath: server.bin, port: server.port }, Date.now, 200, { everyMs: 300, windowMs: 60_000 });
    open.push(s);
    return s;
  }

  it('reads model, SoC, ABI, Android version, cores, frequencies, governor and temperatures, and stores the device', async () => {
    const store = new InMemoryStore();
    const svc = service(store);
    await svc.start();
    const p = await phone({ ambientC: 36 });
    await server.connect(p.serial);
    await svc.waitFor(p.serial, 'device', undefined, 10_000);
    const facts = svc.get(p.serial)?.facts;
    expect(facts).toMatchObject({
      model: 'Pixel 7', manufacturer: 'Google', soc: 'Google GS201', abi: 'arm64-v8a', androidVersion: '14', sdk: 34,
      fingerprint: 'google/panther/panther:14/UQ1A.240205.004/11269751:user/release-keys', bigCoreMask: 'c0', governors: ['sched_pixel'],
    });
    expect(facts?.cores).toHaveLength(8);
    expect(facts?.cores[7]).toMatchObject({ cpu: 7, maxKhz: 2850000, minKhz: 500000, governor: 'sched_pixel', part: 0xd44 });
    expect(facts?.coreNames).toEqual([...Array(4).fill('Cortex-A55'), 'Cortex-A78', 'Cortex-A78', 'Cortex-X1', 'Cortex-X1']);
    expect(facts?.thermal.map((z) => z.type)).toEqual(['LITTLE', 'MID', 'BIG', 'battery']);
    expect(facts?.socTemperatureC).toBeCloseTo(39, 0);
    expect(facts?.batteryTemperatureC).toBeCloseTo(32, 0);
    const stored = store.listDevices();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ id: p.serial, kind: 'android', name: 'Google Pixel 7' });
    expect(stored[0]?.info['soc']).toBe('Google GS201');

    p.setTemperature(50);
    const t = await svc.thermals(p.serial);
    expect(t.socC).toBeGreaterThan(45);
    expect(t.batteryC).toBeGreaterThan(40);
  });

  it('starts the adb server itself when none listens on its port', async () => {
    const port = await freePort();
    const svc = new AdbDeviceService(undefined, { adbPath: server.bin, port });
    open.push(svc);
    try {
      await svc.start();
      expect(svc.list()).toEqual([]);
      const { stdout } = await promisify(execFile)(server.bin, ['-P', String(port), 'devices']);
      expect(stdout).toContain('List of devices attached');
    } finally {
      await promisify(execFile)(server.bin, ['-P', String(port), 'kill-server']).catch(() => undefined);
    }
  });

  it('tracks plug, unauthorized, authorize, unplug and replug live', async () => {
    const svc = service();
    await svc.start();
    const seen: string[] = [];
    open.push(svc.onDidChange((list) => {
      const s = list.map((d) => d.state).join(',') || 'none';
      if (seen[seen.length - 1] !== s) seen.push(s);
    }));
    const p = await phone({ authorized: false });
    await server.connect(p.serial);
    await svc.waitFor(p.serial, 'unauthorized', undefined, 10_000);
    expect(svc.infos()[0]).toMatchObject({ id: p.serial, online: false, info: { state: 'unauthorized' } });
    p.authorize();
    await svc.waitFor(p.serial, 'device', undefined, 10_000);
    expect(svc.infos()[0]).toMatchObject({ online: true, name: 'Google Pixel 7' });
    await p.unplug();
    await svc.waitFor(p.serial, 'offline', undefined, 10_000);
    await p.plug();
    await svc.waitFor(p.serial, 'device', undefined, 20_000);
    await server.disconnect(p.serial);
    await svc.waitFor(p.serial, 'absent', undefined, 10_000);
    expect(svc.list()).toHaveLength(0);
    expect(seen).toEqual(expect.arrayContaining(['unauthorized', 'device', 'offline', 'none']));
  });
});
