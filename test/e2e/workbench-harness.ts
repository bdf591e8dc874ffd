import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { parse } from '../../main/cli/args.js';
import { SEARCH_OPTIONS, specFromFlags } from '../../main/cli/commands/search.js';
import type { CliIO } from '../../main/cli/io.js';
import { CancellationTokenSource } from '../../main/core/cancellation.js';
import { SqliteStore } from '../../main/services/sqlite-store.js';
import { createStudy, runStudy } from '../../main/services/studies.js';
import type { StudySpec } from '../../shared/types/index.js';
import { tempDir } from '../cli-helpers.js';
import { startServe, stopServe } from '../serve-helpers.js';
import { browserSkipReason, ensureRendererBuilt, launchChromium } from './browser.js';

/** Why the workbench e2e tests cannot run here (undefined when they can); throws under CI=true instead of skipping. */
export function workbenchSkipReason(): string | undefined {
  const skip = browserSkipReason();
  if (skip && process.env.CI === 'true') throw new Error(`[e2e] cannot run under CI: ${skip}`);
  return skip;
}

/** expect.poll with the e2e defaults (15 s, every 100 ms). */
export function poll<T>(fn: () => T | Promise<T>, timeout = 15_000, interval = 100) {
  return expect.poll(fn, { timeout, interval });
}

/** Creates each study in `db` and runs it to the end (as `frontier search` would); returns their records' ids. */
export async function seedFinishedStudies(db: string, specs: readonly StudySpec[]): Promise<string[]> {
  const store = SqliteStore.open(db);
  const ids: string[] = [];
  try {
    for (const spec of specs) {
      const rec = createStudy(store, spec);
      const cts = new CancellationTokenSource();
      await runStudy(store, rec.id, cts.token);
      cts.dispose();
      ids.push(rec.id);
    }
  } finally {
    store.close();
  }
  return ids;
}

/** The spec `frontier search <argv>` would store (what it passes to createStudy). */
export function cliSpec(argv: string[]) {
  const io = { out: () => undefined, err: () => undefined, isTTY: false, columns: 80, env: {}, cwd: process.cwd() } as CliIO;
  return specFromFlags(parse('search', argv, SEARCH_OPTIONS), io);
}

/** Study `id`'s record and trials as stored in `db` (the store is closed again). */
export function readStudy(db: string, id = '1') {
  const store = SqliteStore.open(db);
  try {
    return { study: store.getStudy(id), trials: store.getTrials(id) };
  } finally {
    store.close();
  }
}

export interface Workbench {
  page: Page;
  /** The served workbench; changes after `restartServe`. */
  url: URL;
  serve: ChildProcess;
  /** Page errors and console errors seen so far. */
  errors: string[];
  /** Stops `frontier serve` and starts it again on the same database. */
  restartServe(): Promise<URL>;
  /** Closes Chromium (and its profile) and stops the server; safe to call more than once. */
  close(): Promise<void>;
}

/**
 * `frontier serve` on `db` and a headless Chromium page that records its errors. If any step fails,
 * whatever was already started is closed before the error is rethrown.
 */
export async function openWorkbench(db: string, opts: { viewport?: { width: number; height: number } } = {}): Promise<Workbench> {
  ensureRendererBuilt();
  let { child: serve, url } = await startServe(db);
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  const close = async () => {
    await browser?.close();
    await stopServe(serve);
  };
  try {
    browser = await launchChromium();
    const page = await browser.context.newPage();
    if (opts.viewport) await page.setViewportSize(opts.viewport);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    const wb: Workbench = {
      page,
      url,
      serve,
      errors,
      async restartServe() {
        await stopServe(serve);
        ({ child: serve, url } = await startServe(db));
        wb.serve = serve;
        wb.url = url;
        return url;
      },
      close,
    };
    return wb;
  } catch (e) {
    await close();
    throw e;
  }
}

/** A workbench on a seeded database, opened before the tests of the enclosing describe and closed after them. */
export interface WorkbenchFixture {
  readonly db: string;
  readonly page: Page;
  readonly url: URL;
  /** Page errors and console errors seen so far. */
  readonly errors: string[];
}

/**
 * Registers beforeAll/afterAll hooks: before, `seed` fills a new SQLite database `e2e.db` in a
 * temporary folder named `<prefix>…` and openWorkbench(db, opts) opens the workbench on it; after,
 * it is closed. The fixture's parts can be read once the hooks ran (in tests), not while the suite
 * is collected.
 */
export function workbenchFixture(prefix: string, seed: (db: string) => void | Promise<void>, opts: { viewport?: { width: number; height: number } } = {}): WorkbenchFixture {
  let opened: { db: string; wb: Workbench } | undefined;
  beforeAll(async () => {
    const db = join(tempDir(prefix), 'e2e.db');
    await seed(db);
    opened = { db, wb: await openWorkbench(db, opts) };
  }, 180_000);
  afterAll(async () => {
    await opened?.wb.close();
  });
  const get = () => {
    if (!opened) throw new Error('the workbench is not open yet (read the fixture inside a test)');
    return opened;
  };
  return {
    get db() { return get().db; },
    get page() { return get().wb.page; },
    get url() { return get().wb.url; },
    get errors() { return get().wb.errors; },
  };
}

/** workbenchFixture on a new empty database. */
export function emptyWorkbenchFixture(prefix: string, opts: { viewport?: { width: number; height: number } } = {}): WorkbenchFixture {
  return workbenchFixture(prefix, (db) => SqliteStore.open(db).close(), opts);
}
