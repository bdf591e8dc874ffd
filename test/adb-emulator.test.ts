// The emulated phone against the real Debian adb server and client: the harness every device test
// builds on must itself speak the protocol the way adb expects.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AdbServer, findAdb } from './harness/adb/adb-server.js';
import { EmulatedAndroidDevice } from './harness/adb/device.js';
import { missingPeer } from './harness/peer.js';

const adbBin = findAdb();
const skip = missingPeer('adb', adbBin ? undefined : 'the Debian package "adb" is not installed');

describe.skipIf(skip)('emulated Android device behind a real adb server', () => {
  let server: AdbServer;
  let tmp: string;
  const devices: EmulatedAndroidDevice[] = [];

  async function attach(opts: ConstructorParameters<typeof EmulatedAndroidDevice>[0] = {}): Promise<EmulatedAndroidDevice> {
    const d = new EmulatedAndroidDevice(opts);
    devices.push(d);
    await d.start();
    await server.connect(d.serial);
    return d;
  }

  beforeAll(async () => {
    server = await AdbServer.start();
    tmp = mkdtempSync(join(tmpdir(), 'frontier-adb-test-'));
  });
  afterEach(async () => {
    for (const d of devices.splice(0)) {
      await server.disconnect(d.serial);
      await d.close();
    }
  });
  afterAll(async () => {
    await server?.kill();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('shows up in `adb devices -l` with the model from its CNXN banner', async () => {
    const d = await attach();
    await server.waitFor(d.serial, 'device');
    const out = await server.adb('devices', '-l');
    expect(out).toMatch(new RegExp(`${d.serial.replace(/\./g, '\\.')}\\s+device product:panther model:Pixel_7 device:panther`));
  });

  it('runs shell commands in its sandbox: getprop, /proc, /sys, dumpsys, mkdir, chmod, ls, rm, $?', async () => {
    const d = await attach();
    await server.waitFor(d.serial, 'device');
    const sh = (cmd: string) => server.adb('-s', d.serial, 'shell', cmd);
    expect((await sh('getprop ro.product.cpu.abi')).trim()).toBe('arm64-v8a');
    expect(await sh('getprop')).toContain('[ro.build.fingerprint]: [google/panther/panther:14/');
    expect((await sh('cat /proc/cpuinfo')).match(/^processor/gm)).toHaveLength(8);
    expect((await sh('cat /sys/devices/system/cpu/cpu7/cpufreq/cpuinfo_max_freq')).trim()).toBe('2850000');
    expect((await sh('cat /sys/devices/system/cpu/cpu0/cpufreq/scaling_governor')).trim()).toBe('sched_pixel');
    expect((await sh('cat /sys/class/thermal/thermal_zone*/type')).split('\n').filter(Boolean)).toEqual(['LITTLE', 'MID', 'BIG', 'battery']);
    expect(await sh('dumpsys battery')).toMatch(/temperature: 27\d/);
    expect(await sh('mkdir -p /data/local/tmp/a/b && echo made; ls /data/local/tmp/a')).toBe('made\nb\n');
    expect(await sh('cat /nope; echo rc=$?')).toBe('cat: /nope: No such file or directory\nrc=1\n');
    expect(await sh('rm -r /data/local/tmp/a && ls /data/local/tmp/a; echo rc=$?')).toBe('ls: /data/local/tmp/a: No such file or directory\nrc=1\n');
    expect(await sh('frobnicate; echo rc=$?')).toBe('/system/bin/sh: frobnicate: inaccessible or not found\nrc=127\n');
    expect(d.commands.map((c) => c[0])).toContain('getprop');
  });

  it('stores `adb push` byte-exactly with its mode, serves `adb pull`, and executes pushed programs', async () => {
    const d = await attach();
    await server.waitFor(d.serial, 'device');
    const big = Buffer.alloc(700_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 9)) & 0xff;
    writeFileSync(join(tmp, 'big.bin'), big);
    await server.adb('-s', d.serial, 'push', join(tmp, 'big.bin'), '/data/local/tmp/frontier/big.bin');
    expect(readFileSync(d.fs.host('/data/local/tmp/frontier/big.bin')).equals(big)).toBe(true);
    await server.adb('-s', d.serial, 'pull', '/data/local/tmp/frontier/big.bin', join(tmp, 'back.bin'));
    expect(readFileSync(join(tmp, 'back.bin')).equals(big)).toBe(true);

    writeFileSync(join(tmp, 'hello'), '#!/bin/sh\necho "args: $*"\n');
    chmodSync(join(tmp, 'hello'), 0o644);
    await server.adb('-s', d.serial, 'push', join(tmp, 'hello'), '/data/local/tmp/frontier/hello');
    const sh = (cmd: string) => server.adb('-s', d.serial, 'shell', cmd);
    expect(await sh('/data/local/tmp/frontier/hello; echo rc=$?')).toContain('Permission denied\nrc=126');
    const out = await sh('chmod 755 /data/local/tmp/frontier/hello && cd /data/local/tmp/frontier && taskset c0 ./hello --graph=/data/local/tmp/m.tflite');
    expect(out).toBe(`args: --graph=${d.fs.host('/data/local/tmp/m.tflite')}\n`);
    expect(await sh('taskset 100 ./hello; echo rc=$?')).toBe('taskset: sched_setaffinity: Invalid argument\nrc=1\n');
    await expect(server.adb('-s', d.serial, 'pull', '/data/local/tmp/missing', join(tmp, 'x'))).rejects.toThrow(/does not exist/);
  });

  it('is unauthorized until the user allows the key, then goes online', async () => {
    const d = await attach({ authorized: false });
    await server.waitFor(d.serial, 'unauthorized');
    await expect(server.adb('-s', d.serial, 'shell', 'echo hi')).rejects.toThrow(/unauthorized/);
    d.authorize();
    await server.waitFor(d.serial, 'device');
    expect(await server.adb('-s', d.serial, 'shell', 'echo hi')).toBe('hi\n');
  });

  it('goes offline when unplugged and comes back by itself when plugged in again', async () => {
    const d = await attach();
    await server.waitFor(d.serial, 'device');
    await d.unplug();
    await server.waitFor(d.serial, 'offline');
    await d.plug();
    await server.waitFor(d.serial, 'device', 20_000);
    expect(await server.adb('-s', d.serial, 'shell', 'echo back')).toBe('back\n');
  });
});
