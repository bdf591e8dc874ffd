// The phone commands' command-line contract, in-process (no phone needed; test/phone-e2e.test.ts
// runs them through the real binary against an emulated phone).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../main/cli/main.js';
import { ROOT, tempDir, type CliResult } from './cli-helpers.js';
import { AdbServer, findAdb } from './harness/adb/adb-server.js';
import { EmulatedAndroidDevice } from './harness/adb/device.js';
import { missingPeer } from './harness/peer.js';

const noAdb = missingPeer('adb', findAdb() ? undefined : 'the Debian package "adb" is not installed');

async function run(args: string[], opts: { db?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    out: (t) => void (stdout += t), err: (t) => void (stderr += t), isTTY: false, columns: 100, cwd: ROOT,
    env: { ...process.env, ...(opts.db ? { FRONTIER_DB: opts.db } : {}), ...opts.env },
  });
  return { code, stdout, stderr };
}

const dir = tempDir('frontier-device-cli-');
const db = join(dir, 'frontier.db');
const SPACE = join(ROOT, 'test', 'fixtures', 'spaces', 'tiny-lut.yaml');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('frontier devices / device profile / search latency:<serial>', () => {
  it('lists the phone commands in the help', async () => {
    const r = await run(['--help']);
    expect(r.stdout).toMatch(/devices\s+phones over adb/);
    expect(r.stdout).toMatch(/device profile <serial> --space <s>/);
    expect((await run(['devices', '--help'])).stdout).toContain('Usage: frontier devices');
    expect((await run(['device', 'profile', '--help'])).stdout).toContain('--benchmark-model PATH');
  });

  it('rejects incomplete or wrong profile requests with one line and exit code 2', async () => {
    const noSerial = await run(['device', 'profile'], { db });
    expect(noSerial.code).toBe(2);
    expect(noSerial.stderr).toBe("frontier: device profile: which phone? give its serial (see 'frontier devices')\n");
    const verb = await run(['device', 'reboot', 'x'], { db });
    expect(verb.code).toBe(2);
    expect(verb.stderr).toMatch(/unknown subcommand 'reboot'/);
    const noSpace = await run(['device', 'profile', 'abc'], { db });
    expect(noSpace.code).toBe(2);
    expect(noSpace.stderr).toMatch(/give --space/);
    const badDelegate = await run(['device', 'profile', 'abc', '--space', SPACE, '--benchmark-model', 'x', '--delegate', 'tpu'], { db });
    expect(badDelegate.code).toBe(2);
    expect(badDelegate.stderr).toMatch(/--delegate must be one of cpu, xnnpack, gpu, nnapi/);
  });

  it('a latency:<serial> objective without a profiled table says how to build one', async () => {
    const r = await run(['search', '--space', SPACE, '--objective', 'latency:R5CT1234:min', '--budget-evals', '5'], { db });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read latency table .*R5CT1234\.json.*frontier device profile <serial> --space <space>/);
  });

  it.skipIf(noAdb)('devices --connect talks to the adb server of the command\'s environment, and lists the phone', async () => {
    const server = await AdbServer.start();
    const phone = new EmulatedAndroidDevice();
    await phone.start();
    try {
      const r = await run(['devices', '--connect', phone.serial], { db, env: { FRONTIER_ADB: server.bin, ANDROID_ADB_SERVER_PORT: String(server.port) } });
      expect(r.code, r.stderr).toBe(0);
      expect(await server.adb('devices')).toContain(`${phone.serial}\tdevice`); // connected through our server, not one on 5037
      expect(r.stdout).toMatch(new RegExp(`${phone.serial.replace(/\./g, '\\.')}\\s+device\\s+Google Pixel 7\\s+Google GS201\\s+arm64-v8a\\s+14\\s+8\\s+1803/2348/2850`));
    } finally {
      await server.kill();
      await phone.close();
    }
  });
});
