/**
 * bench/ui-scale: how fast the workbench opens a search with 50,000 trials, in Chromium.
 * Seeds a SQLite store with 50k NB201 trials (real table metrics, random architectures), serves it
 * like `frontier serve`, and times, from navigation to the live-search screen, until the Pareto
 * scatter has drawn every point and the trials table shows its rows; then scrolls the table.
 * Writes the figures to bench/RESULTS.md. Run: npm run bench:ui-scale [-- --trials N --runs R]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { CancellationToken } from '../main/core/cancellation.js';
import { Rng } from '../main/core/rng.js';
import { Nb201Space } from '../main/core/spaces/nb201.js';
import { createNasHost } from '../main/ipc/index.js';
import { serveHttp } from '../main/ipc/http-server.js';
import { createEvaluator } from '../main/services/evaluators.js';
import { SqliteStore } from '../main/services/sqlite-store.js';
import { nb201Spec } from '../test/fixtures/nb201-spec.js';
import { ensureRendererBuilt, launchChromium, browserSkipReason } from '../test/e2e/browser.js';
import { writeSection } from './results-file.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { trials: { type: 'string', default: '50000' }, runs: { type: 'string', default: '3' } } });
const N = Number(values.trials);
const RUNS = Number(values.runs);

async function seed(db: string): Promise<string> {
  const store = SqliteStore.open(db);
  const spec = nb201Spec({ name: `${N.toLocaleString('en-US')} trials`, strategy: 'random', budget: { evals: N } });
  const rec = store.createStudy(spec, Date.now());
  store.setStudyStatus(rec.id, 'running', Date.now());
  const space = new Nb201Space();
  const evaluator = createEvaluator(spec);
  const rng = new Rng(1);
  let progress = { evals: 0, failed: 0, rejected: 0, costSeconds: 0, wallMs: 0 };
  const t0 = Date.now();
  for (let i = 0; i < N; i++) {
    const arch = space.freeze(space.sample(rng));
    const number = store.createTrial(rec.id, arch, t0 + i);
    const r = await evaluator.evaluate(arch, () => undefined, CancellationToken.None);
    const metrics = { ...(evaluator.known?.(arch) ?? {}), ...r.metrics };
    progress = { ...progress, evals: progress.evals + 1, costSeconds: progress.costSeconds + r.cost, wallMs: i };
    store.finishTrial(rec.id, number, { state: 'complete', metrics, fidelity: {}, cost: r.cost, finishedAt: t0 + i }, { progress, strategyState: null });
  }
  store.setStudyStatus(rec.id, 'complete', Date.now());
  store.close();
  return rec.id;
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const skip = browserSkipReason();
  if (skip) {
    console.log(`bench/ui-scale skipped: ${skip}`);
    return;
  }
  ensureRendererBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'frontier-ui-scale-'));
  const db = join(dir, 'bench.db');
  let t = performance.now();
  const id = await seed(db);
  console.log(`seeded ${N} trials in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const store = SqliteStore.open(db);
  const host = createNasHost(store);
  const http = await serveHttp(host.server, { assetsDir: join(ROOT, 'dist', 'renderer') });
  // The bench evaluates probes given as text, which the page's CSP (no eval) would refuse.
  const browser = await launchChromium({ bypassCSP: true });
  const open: number[] = [];
  const api: number[] = [];
  const scroll: number[] = [];
  const brush: number[] = [];
  const brushDraw: number[] = [];
  let brushShown = '';
  let payload = 0;
  try {
    // One cold open (the server reads the 50k trials from SQLite), then RUNS warm ones.
    for (let r = 0; r <= RUNS; r++) {
      const page = await browser.context.newPage();
      // Navigation straight to the search's screen (assets come from the browser cache after the first run).
      t = performance.now();
      await page.goto(`${http.url}#/study/${id}`);
      await page.waitForFunction(`(() => {
        const c = document.querySelector('.scatter canvas');
        return c !== null && c.dataset.points === '${N}' && document.querySelectorAll('.vrow').length > 0;
      })()`, undefined, { timeout: 120_000, polling: 'raf' });
      open.push(performance.now() - t);
      // Scroll the table from top to bottom in 20 jumps; time until the new rows are drawn.
      const perJump = (await page.evaluate(`(async () => {
        const body = document.querySelector('.vbody');
        const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
        const times = [];
        for (let k = 1; k <= 20; k++) {
          const s = performance.now();
          body.scrollTop = (body.scrollHeight * k) / 20;
          await frame();
          await frame();
          times.push(performance.now() - s);
        }
        return times;
      })()`)) as number[];
      if (r > 0) scroll.push(median(perJump));
      if (r > 0) {
        // Parallel coordinates over every trial: drag a brush along a metric axis with the real
        // mouse; each step is timed from the move until the next frame is painted.
        await page.locator('section[aria-label="Parallel coordinates"]').scrollIntoViewIfNeeded();
        const pc = page.locator('[data-testid="parallel-coordinates"]');
        await pc.scrollIntoViewIfNeeded();
        await page.waitForFunction(`document.querySelector('[data-testid="parallel-coordinates"]')?.dataset.shown === '${N}'`, undefined, { timeout: 60_000, polling: 'raf' });
        const box = (await pc.boundingBox())!;
        const axes = 6 + 3; // NB201's six decisions, then the spec's metrics
        const x = box.x + 36 + 6 * ((box.width - 72) / (axes - 1));
        const top = box.y + 34;
        const plotH = box.height - 34 - 22;
        // Pointer events dispatched in the page, one per frame: the time per frame is what the
        // brush costs (input, React, redraw); no DevTools round trip in the measure.
        const perFrame = (await page.evaluate(`(async () => {
          const c = document.querySelector('[data-testid="parallel-coordinates"]');
          const fire = (type, y) => c.dispatchEvent(new PointerEvent(type, { bubbles: true, pointerId: 1, clientX: ${x}, clientY: y, buttons: 1 }));
          const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
          fire('pointerdown', ${top + plotH * 0.05});
          await frame();
          const times = [];
          let last = performance.now();
          for (let k = 1; k <= 40; k++) {
            fire('pointermove', ${top} + ${plotH} * (0.05 + k * 0.015));
            await frame();
            const now = performance.now();
            times.push(now - last);
            last = now;
          }
          const shown = c.dataset.shown;
          fire('pointerup', ${top} + ${plotH} * 0.65);
          return { times, shown, draw: Number(c.dataset.frameMs) };
        })()`)) as { times: number[]; shown: string; draw: number };
        const steps = perFrame.times;
        brushDraw.push(perFrame.draw);
        brushShown = perFrame.shown;
        brush.push(median(steps));
      }
      await page.close();
    }
    // The API calls of the screen alone, over HTTP (warm server cache).
    for (let r = 0; r < RUNS; r++) {
      t = performance.now();
      const res = await Promise.all(['points', 'history', 'summary', 'get'].map((m) =>
        fetch(new URL(`/rpc/nas:study.${m}`, http.url), { method: 'POST', headers: { 'x-frontier-token': http.token }, body: JSON.stringify({ id }) }).then((x) => x.text())));
      api.push(performance.now() - t);
      payload = res.reduce((a, s) => a + s.length, 0);
    }
  } finally {
    await browser.close();
    await http.close();
    await host.shutdown();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const f = (ms: number) => `${Math.round(ms)} ms`;
  const body = `## UI scale (bench/ui-scale)

\`npm run bench:ui-scale\` — ${N.toLocaleString('en-US')} complete NB201 trials in SQLite, \`frontier serve\` transport (HTTP on 127.0.0.1),
headless Debian Chromium (--disable-gpu), median of ${RUNS} warm runs, ${new Date().toISOString().slice(0, 10)}.

| measure | median | runs |
|---|---|---|
| navigation → Pareto scatter (all ${N.toLocaleString('en-US')} points) and trials table drawn | **${f(median(open.slice(1)))}** | ${open.slice(1).map(f).join(', ')} |
| the same, first open after the server started (cold: trials read from SQLite, assets downloaded) | ${f(open[0] as number)} | 1 |
| the screen's API calls alone (points, history, summary, get: ${(payload / 1e6).toFixed(1)} MB of JSON) | ${f(median(api))} | ${api.map(f).join(', ')} |
| trials table: one scroll jump (of 20, top to bottom) until the new rows are painted | ${f(median(scroll))} | ${scroll.map(f).join(', ')} |
| parallel coordinates (${N.toLocaleString('en-US')} trials, 9 axes): brushing, one pointer move per frame, time per frame | ${f(median(brush))} (**${(1000 / median(brush)).toFixed(0)} frames/s**) | ${brush.map(f).join(', ')} |
| the same: the lines' redraw alone (canvas), last frame | ${median(brushDraw).toFixed(1)} ms | ${brushDraw.length} runs; ${brushShown} trials inside the brush at the end |

The table is virtualised (only the rows in view are in the DOM); the scatter is one canvas with a
screen-cell grid for hover, so neither grows with the DOM. The parallel coordinates and the slice
plot mount when scrolled to; a brush redraws the lines at once and hands its range to the table and
scatter every 200 ms while it moves (so they filter while the pointer is still dragging). Machine: ${process.platform}, ${(await import('node:os')).cpus().length} cores, shared with other jobs.
`;
  writeSection(join(ROOT, 'bench', 'RESULTS.md'), 'ui-scale', body);
  console.log(body);
}

await main();
