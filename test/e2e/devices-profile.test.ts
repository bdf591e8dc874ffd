/**
 * The Devices screen's latency-table profiling in Chromium against `frontier serve --phones`, with
 * an emulated phone behind a real adb server: the "Build latency table" button starts a job whose
 * progress bar runs and whose Cancel ends it; a job for a tiny space (started through the same API
 * with fast settings, as the screen cannot pick them) runs to the end and its accuracy report shows.
 * The phone times models with its cost model (PhoneTiming: deterministic, sleeps instead of computing),
 * so the jobs' pace does not depend on how busy the host is; test/phone-e2e.test.ts runs Arm NN for real.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdbServer, findAdb } from '../harness/adb/adb-server.js';
import { EmulatedAndroidDevice } from '../harness/adb/device.js';
import { BENCHMARK_MODEL, SYSTEM_PYTHON } from '../harness/armnn/armnn.js';
import { missingPeer } from '../harness/peer.js';
import { BIN, ROOT, tempDir } from '../cli-helpers.js';
import { stopServe } from '../serve-helpers.js';
import { artifact, browserSkipReason, ensureRendererBuilt, launchChromium } from './browser.js';

// The phone's benchmark_model runs in cost-model mode here: it needs the system Python, not Arm NN.
const skip = missingPeer('Chromium, adb and python3', browserSkipReason() ?? (!findAdb() ? 'the Debian package "adb" is not installed' : existsSync(SYSTEM_PYTHON) ? undefined : `${SYSTEM_PYTHON} is missing`));
const poll = <T>(fn: () => T | Promise<T>, timeout = 20_000) => expect.poll(fn, { timeout, interval: 100 });
const SPACE = join(ROOT, 'test', 'fixtures', 'spaces', 'tiny-lut.yaml');

describe.skipIf(skip)('Devices screen: building a latency table', () => {
  let adb: AdbServer;
  let phone: EmulatedAndroidDevice;
  let serve: ChildProcess;
  let url: URL;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ensureRendererBuilt();
    adb = await AdbServer.start();
    phone = new EmulatedAndroidDevice({ ambientC: 33, timing: { seed: 11 } });
    await phone.start();
    await adb.connect(phone.serial);
    const db = join(tempDir('frontier-e2e-profile-'), 'e2e.db');
    serve = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--db', db, '--phones'], {
      cwd: ROOT,
      env: { ...process.env, FRONTIER_ADB: adb.bin, ANDROID_ADB_SERVER_PORT: String(adb.port), FRONTIER_BENCHMARK_MODEL: BENCHMARK_MODEL },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    serve.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    url = await new Promise<URL>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve printed no URL: ${out} ${err}`)), 30_000);
      serve.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /(http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(new URL(m[1]!));
        }
      });
      serve.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (serve) {
      // SIGINT lets serve cancel its jobs and close the database; SIGKILL if it has not exited in 15 s.
      const timer = setTimeout(() => serve.kill('SIGKILL'), 15_000);
      await stopServe(serve);
      clearTimeout(timer);
    }
    await adb?.kill();
    await phone?.close();
    expect(pageErrors).toEqual([]);
  });

  const card = () => page.locator('.card', { hasText: phone.serial });

  it('starts a job from the phone\'s card and cancels it', async () => {
    await page.goto(new URL('#/devices', url).href);
    await poll(() => card().count()).toBe(1);
    await poll(() => card().getByRole('option').count()).toBeGreaterThan(0);
    await card().getByRole('button', { name: 'Build latency table' }).click();
    const bar = card().getByRole('progressbar');
    await poll(() => bar.count()).toBe(1);
    await poll(async () => Number(await bar.getAttribute('aria-valuenow'))).toBeGreaterThan(0);
    await page.screenshot({ path: artifact('10-devices-profiling.png'), fullPage: true });
    await card().getByRole('button', { name: 'Cancel' }).click();
    await poll(() => card().getByRole('status').textContent()).toMatch(/Cancelled: nothing was stored/);
    expect(await card().getByRole('button', { name: 'Build latency table' }).isEnabled()).toBe(true);
  }, 60_000);

  it('shows the progress of a job to the end, then the table\'s accuracy report', async () => {
    const res = await fetch(new URL(`/rpc/nas:device.profile${url.search}`, url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        device: phone.serial, space: 'custom', spaceOptions: { document: readFileSync(SPACE, 'utf8'), source: SPACE },
        settings: { runs: 5, warmup: 1, repeats: 1, maxSpread: 5, calibration: 2, heldOut: 2, classes: 4 },
      }),
    });
    expect(await res.json()).toMatchObject({ ok: true });
    await poll(() => card().getByRole('status').textContent(), 45_000).toMatch(/latency table of .* built: 21 op configurations/);
    await poll(() => card().getByTestId('latency-accuracy').textContent()).toMatch(/custom:tiny-lut.*21 kernels.*\(2 held-out/);
    await page.screenshot({ path: artifact('11-devices-latency-table.png'), fullPage: true });
  }, 60_000);
});
