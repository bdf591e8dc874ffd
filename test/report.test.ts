// `frontier report`: one self-contained HTML file per search, opened in Chromium from disk with every
// request recorded (none may leave the file), its content checked (front, trials, curves,
// architectures, devices, provenance, the reproduce command, which is run and gives the same front),
// screenshots in test-artifacts/, and the PDF printed by Chromium.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../main/services/sqlite-store.js';
import { cli, json, tempDir } from './cli-helpers.js';
import { artifact, browserSkipReason, launchChromium } from './e2e/browser.js';
import { missingPeer } from './harness/peer.js';

/** Splits a POSIX shell line quoted the way `reproduceCommand` quotes (bare words and '…' strings). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /'((?:[^']|'\\'')*)'|(\S+)/g;
  let cur = '';
  let last = -1;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    const part = m[1] !== undefined ? m[1].replace(/'\\''/g, "'") : (m[2] as string);
    if (m.index === last) cur += part;
    else {
      if (last !== -1) words.push(cur);
      cur = part;
    }
    last = m.index + m[0].length;
  }
  if (last !== -1) words.push(cur);
  return words;
}

const noBrowser = missingPeer('Chromium', browserSkipReason());

describe('frontier report', () => {
  let dir: string;
  let db: string;
  let tableStudy: string;
  let trainStudy: string;
  beforeAll(() => {
    dir = tempDir('frontier-report-');
    db = join(dir, 'f.db');
    const a = cli(['search', '--space', 'nb201', '--budget-evals', '200', '--seed', '5', '--name', "nb201 <b>it's</b> & more", '--json'], { db, cwd: dir });
    expect(a.code, a.stderr).toBe(0);
    tableStudy = json<{ studyId: string }>(a).studyId;
    const b = cli(['search', '--budget-evals', '3', '--max-train', '200', '--epochs', '2', '--concurrency', '1', '--seed', '2', '--json'], { db, cwd: dir });
    expect(b.code, b.stderr).toBe(0);
    trainStudy = json<{ studyId: string }>(b).studyId;
  }, 150_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes one self-contained file with no external reference, recorded with its checksum', () => {
    const r = cli(['report', tableStudy, '--out', 'nb201.html'], { db, cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(join(dir, 'nb201.html'), 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"`);
    // nothing that could load: no src/href to another place, no url(), no @import
    expect(html).not.toMatch(/\s(src|href)="(?!#)/);
    expect(html).not.toMatch(/url\(|@import|https?:\/\//);
    // the study name is escaped, not injected
    expect(html).toContain('nb201 &lt;b&gt;it&#39;s&lt;/b&gt; &amp; more');
    const store = SqliteStore.open(db, { readonly: true });
    try {
      const [a] = store.listArtifacts(tableStudy).filter((x) => x.kind === 'report');
      expect(a?.path).toBe(join(dir, 'nb201.html'));
      expect(a?.sha256).toBe(createHash('sha256').update(readFileSync(join(dir, 'nb201.html'))).digest('hex'));
    } finally {
      store.close();
    }
  });

  it('bad arguments get one-line reasons', () => {
    expect(cli(['report', tableStudy], { db, cwd: dir }).stderr).toBe('frontier: report: give --out FILE.html\n');
    expect(cli(['report', '77', '--out', 'x.html'], { db, cwd: dir }).stderr).toBe("frontier: report: no study with id '77' (see 'frontier runs')\n");
    const r = cli(['report', tableStudy, '--out', 'x.html', '--pdf'], { db, cwd: dir, env: { FRONTIER_CHROMIUM: '/nonexistent/chromium' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('frontier: report: --pdf needs Chromium: FRONTIER_CHROMIUM names /nonexistent/chromium, which does not exist\n');
    expect(existsSync(join(dir, 'x.html'))).toBe(false);
  });

  it.skipIf(noBrowser)('opens offline in Chromium with the expected content and makes no network request', async () => {
    expect(cli(['report', trainStudy, '--out', 'train.html'], { db, cwd: dir }).code).toBe(0);
    const store = SqliteStore.open(db, { readonly: true });
    const tableTrials = store.getTrials(tableStudy);
    const trainTrials = store.getTrials(trainStudy);
    store.close();
    const { context, close } = await launchChromium();
    const requests: string[] = [];
    const errors: string[] = [];
    context.on('request', (req) => requests.push(req.url()));
    try {
      const page = await context.newPage();
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('pageerror', (e) => errors.push(e.message));

      const nb201 = pathToFileURL(join(dir, 'nb201.html')).href;
      await page.goto(nb201);
      await expect(page.title()).resolves.toBe(`Frontier report — study ${tableStudy}: nb201 <b>it's</b> & more`);
      // front chart: one dot per complete trial, the front in its own series
      const dots = await page.locator('#front-chart circle').count();
      expect(dots).toBe(tableTrials.filter((t) => t.state === 'complete').length);
      const legend = await page.locator('#front-chart figcaption').innerText();
      const frontSize = Number(/Pareto front \((\d+)\)/.exec(legend)?.[1]);
      expect(frontSize).toBeGreaterThan(1);
      expect(await page.locator('#trials tbody tr').count()).toBe(tableTrials.length);
      expect(await page.locator('#trials tbody tr.front').count()).toBe(frontSize);
      // sorting by a metric column puts the best accuracy first
      await page.locator('#trials th', { hasText: 'c10_valid_12ep' }).click();
      await page.locator('#trials th', { hasText: 'c10_valid_12ep' }).click();
      const col = await page.locator('#trials th').allInnerTexts();
      const firstRow = await page.locator('#trials tbody tr').first().locator('td').nth(col.indexOf('c10_valid_12ep')).innerText();
      expect(Number(firstRow)).toBe(Math.max(...tableTrials.map((t) => t.metrics.c10_valid_12ep as number)));
      // NB201 cells drawn as DAGs, table replays have no curves, and the provenance names the seed
      expect(await page.locator('#architectures svg.arch').count()).toBe(Math.min(frontSize, 12));
      await expect(page.locator('#curves').innerText()).resolves.toContain('no learning curves');
      await expect(page.locator('#provenance').innerText()).resolves.toMatch(/seed\s+5/);
      await page.screenshot({ path: artifact('report-nb201.png'), fullPage: true });
      const command = await page.locator('#command').innerText();
      expect(command).toMatch(/^frontier search --space nb201 --strategy evolution .*--budget-evals 200 .*--seed 5/);

      const train = pathToFileURL(join(dir, 'train.html')).href;
      await page.goto(train);
      // learning curves: one line per trial with curves, the mobilenet blocks with their kernels
      expect(await page.locator('#curves-chart path').count()).toBe(trainTrials.filter((t) => t.state === 'complete').length);
      await expect(page.locator('#curves-chart figcaption').innerText()).resolves.toMatch(/trial \d/);
      expect(await page.locator('#architectures .block').count()).toBeGreaterThan(0);
      await expect(page.locator('#devices').innerText()).resolves.toMatch(/local:(torch|wasm|cpu)/);
      await expect(page.locator('#command').innerText()).resolves.toMatch(/--max-train 200 .*--epochs 2|--epochs 2 .*--max-train 200/);
      await page.screenshot({ path: artifact('report-train.png'), fullPage: true });

      expect(errors).toEqual([]);
      // the only requests: the two report files themselves
      expect([...new Set(requests)]).toEqual([nb201, train]);
    } finally {
      await close();
    }
  }, 120_000);

  it('its reproduce command runs the same search again: same Pareto front', () => {
    const html = readFileSync(join(dir, 'nb201.html'), 'utf8');
    const cmd = /<pre id="command">([^<]*)<\/pre>/.exec(html)?.[1]?.replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&') as string;
    const words = shellWords(cmd);
    expect(words.slice(0, 2)).toEqual(['frontier', 'search']);
    const again = cli([...words.slice(1), '--json'], { db, cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    const a = json<{ architecture: string }[]>(cli(['pareto', tableStudy, '--json'], { db, cwd: dir }));
    const b = json<{ pareto: { architecture: string }[]; name: string }>(again);
    expect(a.length).toBeGreaterThan(1);
    expect(b.pareto.map((t) => t.architecture)).toEqual(a.map((t) => t.architecture));
    expect(b.name).toBe("nb201 <b>it's</b> & more");
  }, 60_000);

  it.skipIf(noBrowser)('--pdf prints the same report to a PDF with Chromium', () => {
    const r = cli(['report', trainStudy, '--out', 'both.html', '--pdf'], { db, cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const pdf = readFileSync(join(dir, 'both.pdf'));
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const pages = pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g)?.length ?? 0;
    expect(pages).toBeGreaterThanOrEqual(2);
    expect(r.stdout).toContain(`printed it to ${join(dir, 'both.pdf')}`);
  }, 120_000);
});
