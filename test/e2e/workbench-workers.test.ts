/**
 * The Workers screen (issue #13) in Chromium against `frontier serve --redis URL`: a real redis-server
 * with a password, one real `frontier worker --phones` process whose adb server has an emulated phone;
 * the worker shows with its hardware, backends, phone, jobs and heartbeat, and its done count and
 * throughput after a search through Redis; the password never reaches
 * the page; a wrong password typed in the field is refused with a clear message; a worker killed -9
 * leaves the list once its announcement expires. Redis, adb, the worker and serve are killed in
 * afterAll whatever happened.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdbServer, findAdb } from '../harness/adb/adb-server.js';
import { EmulatedAndroidDevice } from '../harness/adb/device.js';
import { missingPeer } from '../harness/peer.js';
import { redisMissing, RedisServer } from '../harness/redis.js';
import { WorkerFleet } from '../harness/redis-workers.js';
import { ROOT, tempDir } from '../cli-helpers.js';
import { artifact, browserSkipReason, ensureRendererBuilt, launchChromium } from './browser.js';

const skip = missingPeer('Chromium, redis-server and adb', browserSkipReason() ?? redisMissing() ?? (!findAdb() ? 'the Debian package "adb" is not installed' : undefined));
const poll = <T>(fn: () => T | Promise<T>, timeout = 20_000) => expect.poll(fn, { timeout, interval: 200 });
const PASSWORD = 'desk-farm s3cret';

describe.skipIf(skip)('Workers screen: workers announced in Redis', () => {
  const fleet = new WorkerFleet();
  let redis: RedisServer | undefined;
  let adb: AdbServer | undefined;
  let phone: EmulatedAndroidDevice | undefined;
  let worker: ChildProcess;
  let url: URL;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ensureRendererBuilt();
    fleet.build();
    redis = await RedisServer.start({ password: PASSWORD });
    adb = await AdbServer.start();
    phone = new EmulatedAndroidDevice({ ambientC: 30, timing: { seed: 3 } });
    await phone.start();
    await adb.connect(phone.serial);
    const adbEnv = { FRONTIER_ADB: adb.bin, ANDROID_ADB_SERVER_PORT: String(adb.port) };
    const w = fleet.spawn(['worker', '--redis', redis.url, '--no-training', '--phones', '--concurrency', '2', '--id', 'w-desk-1'], { ready: /worker \S+ ready/, env: adbEnv });
    await w.ready;
    worker = w.proc;
    const db = join(tempDir('frontier-e2e-workers-'), 'e2e.db');
    const serve = fleet.spawn(['serve', '--port', '0', '--db', db, '--assets', join(ROOT, 'dist', 'renderer'), '--redis', redis.url]);
    url = await new Promise<URL>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`serve printed no URL:\n${fleet.logs.get(serve.proc)}`)), 30_000);
      const check = () => {
        const m = /(http:\/\/\S+)/.exec(fleet.logs.get(serve.proc) ?? '');
        if (m) {
          clearTimeout(t);
          resolve(new URL(m[1]!));
        }
      };
      serve.proc.stdout!.on('data', check);
      serve.proc.once('exit', (code) => reject(new Error(`serve exited ${code}:\n${fleet.logs.get(serve.proc)}`)));
    });
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }, 180_000);

  afterAll(async () => {
    // Each step runs even when an earlier one throws: no process outlives the test.
    const steps = [() => browser?.close(), () => fleet.killAll(), () => redis?.stop(), () => adb?.kill(), () => phone?.close()];
    for (const step of steps) await Promise.resolve().then(step).catch(() => undefined);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  const row = () => page.locator('tr[data-worker="w-desk-1"]');

  it('lists the worker with its hardware, phone, jobs and heartbeat; the password never reaches the page', async () => {
    await page.goto(new URL('#/workers', url).href);
    await poll(() => row().count()).toBe(1);
    const text = (await row().textContent()) ?? '';
    expect(text).toContain(phone!.serial);
    expect(text).toMatch(/\d+ cores · \d+\.\d GiB/);
    expect(text).toContain('tables only');
    expect(text).toMatch(/0\/2/);
    expect(text).toContain('0 / 0 / 0');
    expect(text).toMatch(/\d+ s ago/);
    expect(await page.getByTestId('workers-redis').textContent()).toContain(`redis://:***@127.0.0.1:${redis!.port}`);
    // A search through Redis: the worker's done count and throughput follow.
    const search = await fleet.run(['search', '--space', 'nb201', '--strategy', 'random', '--budget-evals', '6', '--concurrency', '2', '--redis', redis!.url, '--db', join(tempDir('frontier-e2e-workers-search-'), 's.db')]);
    expect(search.code, search.stderr).toBe(0);
    await poll(() => row().locator('td').nth(5).textContent()).toBe('6 / 0 / 0');
    await poll(() => row().locator('td').nth(6).textContent()).toMatch(/^\d+(\.\d)? jobs\/(s|min)$/);
    expect(await row().locator('td').nth(6).textContent()).not.toBe('0.0 jobs/min');
    expect(await page.getByRole('link', { name: 'Workers' }).getAttribute('aria-current')).toBe('page');
    // The heartbeat moves on while the screen is open.
    const first = await row().locator('td').last().getAttribute('title');
    await poll(() => row().locator('td').last().getAttribute('title'), 10_000).not.toBe(first);
    await page.screenshot({ path: artifact('13-1-workers.png'), fullPage: true });
    const html = await page.content();
    expect(html).not.toContain(PASSWORD);
    expect(html).not.toContain(encodeURIComponent(PASSWORD));
  }, 60_000);

  it('refuses a wrong password typed in the field and keeps watching the Redis it had', async () => {
    const field = page.getByLabel('Redis URL');
    await field.fill(`redis://:wrong-${encodeURIComponent(PASSWORD)}@127.0.0.1:${redis!.port}`);
    await page.getByRole('button', { name: 'Watch' }).click();
    await poll(() => page.getByRole('alert').textContent()).toMatch(/refused the password/);
    expect(await page.getByRole('alert').textContent()).not.toContain('wrong-');
    expect(await row().count()).toBe(1);
    // Stop watching, then watch again through the field.
    await field.fill('');
    await page.getByRole('button', { name: 'Stop watching' }).click();
    await poll(() => page.getByTestId('workers-redis').textContent()).toBe('No Redis set');
    expect(await row().count()).toBe(0);
    await field.fill(redis!.url);
    await page.getByRole('button', { name: 'Watch' }).click();
    await poll(() => row().count()).toBe(1);
    expect(await field.inputValue()).toBe('');
    expect(await page.content()).not.toContain(encodeURIComponent(PASSWORD));
  }, 60_000);

  it('drops a worker killed -9 once its announcement expires', async () => {
    worker.kill('SIGKILL');
    await poll(() => row().count(), 20_000).toBe(0);
    await poll(() => page.getByText('No worker is announced in this Redis').count()).toBe(1);
    await page.screenshot({ path: artifact('13-2-workers-none.png'), fullPage: true });
  }, 30_000);
});
