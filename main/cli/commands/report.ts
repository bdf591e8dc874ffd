import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CurvePoint, StudySpec } from '../../../shared/types/index.js';
import { MOBILENET_DEFAULTS } from '../../core/spaces/mobilenet.js';
import type { Store } from '../../core/store.js';
import { NB201_TABLES } from '../../services/evaluators.js';
import { summarize } from '../../core/summary.js';
import { renderReportHtml, type ReportData } from '../../services/export/report.js';
import { flag, parse, str } from '../args.js';
import { DB_OPTION, dbPath, openStore, requireStudy } from '../common.js';
import { UsageError, type CliIO } from '../io.js';
import { VERSION } from '../main.js';

export const REPORT_HELP = `Usage: frontier report <id> --out FILE.html [--pdf] [--db PATH]

Writes one self-contained HTML file about a search: the Pareto front (SVG chart), every trial (a
sortable table), learning curves, the front's architectures, devices and latency, provenance
(settings, progress, exports with checksums) and the command that reproduces the search. It has no
external references (a Content-Security-Policy forbids any request), so it opens offline in any
browser and can be mailed or archived. The report is recorded in the database with its SHA-256.

Options:
  --out FILE.html     where to write the report
  --pdf               also print it to FILE.pdf with Chromium (headless); FRONTIER_CHROMIUM
                      names the browser binary (default: chromium, chromium-browser or google-chrome on PATH)
`;

/** The shell-quoted form of an argument. */
function q(a: string): string {
  return /^[A-Za-z0-9_./:=,@+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** A `frontier search` command line that runs the same search again. */
export function reproduceCommand(spec: StudySpec): string {
  const args: string[] = ['frontier', 'search'];
  const defaultSpace = JSON.stringify({ stages: MOBILENET_DEFAULTS.stages.map((st) => ({ ...st, depths: [1, 2] })) });
  const notes: string[] = [];
  if (spec.space === 'custom') {
    const source = (spec.spaceOptions as { source?: unknown } | undefined)?.source;
    args.push('--space', typeof source === 'string' ? source : 'SPACE.yaml');
    notes.push('# the space document is in the report under Provenance → Full settings (spaceOptions.document)');
  } else if (!(spec.space === 'mobilenet' && JSON.stringify(spec.spaceOptions ?? {}) === defaultSpace)) args.push('--space', spec.space);
  args.push('--strategy', spec.strategy);
  for (const [k, v] of Object.entries(spec.strategyOptions ?? {})) {
    if (['string', 'number', 'boolean'].includes(typeof v)) args.push('--option', `${k}=${String(v)}`);
    // A list (a warm start's architecture keys) as JSON, which the strategy reads back.
    else if (Array.isArray(v)) args.push('--option', `${k}=${JSON.stringify(v)}`);
  }
  for (const o of spec.objectives) args.push('--objective', `${o.metric}:${o.direction}`);
  for (const c of spec.constraints) args.push('--constraint', `${c.metric} ${c.op} ${c.value}`);
  for (const r of spec.report) args.push('--report', r);
  if (spec.budget.evals !== undefined) args.push('--budget-evals', String(spec.budget.evals));
  if (spec.budget.seconds !== undefined) args.push('--budget-seconds', String(spec.budget.seconds));
  if (spec.budget.wallMs !== undefined) args.push('--budget-wall', `${Math.round(spec.budget.wallMs / 1000)}s`);
  const e = spec.evaluator as Record<string, unknown>;
  if (e.kind === 'table') {
    // The shipped NAS-Bench-201 tables are --space nb201's default; other tables are files.
    const shipped = JSON.stringify(e.tables) === JSON.stringify(NB201_TABLES.tables) && JSON.stringify(e.knownTables) === JSON.stringify(NB201_TABLES.knownTables);
    if (!shipped) {
      for (const t of (e.tables as string[] | undefined) ?? []) args.push('--table', t);
      for (const t of (e.knownTables as string[] | undefined) ?? []) args.push('--known-table', t);
    }
    if (typeof e.cost === 'string' && !(shipped && e.cost === NB201_TABLES.cost)) args.push('--cost', e.cost);
    if (e.fidelities !== undefined) notes.push(`# this search used the tables' fidelities (${JSON.stringify(e.fidelities)}): see Full settings`);
    if (typeof e.pace === 'number' && e.pace > 0) args.push('--pace', String(e.pace));
  } else if (e.kind === 'train') {
    const opt: [string, string][] = [['data', 'data'], ['epochs', 'epochs'], ['maxTrain', 'max-train'], ['val', 'val'], ['batchSize', 'batch-size'], ['lr', 'lr'], ['patience', 'patience'], ['backend', 'backend'], ['workers', 'workers']];
    for (const [k, flagName] of opt) if (e[k] !== undefined && ['string', 'number'].includes(typeof e[k])) args.push(`--${flagName}`, String(e[k]));
    if (e.latency === false) args.push('--no-latency');
    if (Array.isArray(e.latencyBackends) && e.latencyBackends.length) args.push('--latency-on', e.latencyBackends.join(','));
    if (e.augment) args.push('--augment');
  }
  args.push('--seed', String(spec.seed));
  if (spec.concurrency !== undefined) args.push('--concurrency', String(spec.concurrency));
  args.push('--name', spec.name);
  return [...notes, args.map(q).join(' ')].join('\n');
}

/** Everything the report shows, read from the store. */
export function reportData(store: Store, id: string, o: { source?: string; now?: number } = {}): ReportData {
  const study = store.getStudy(id);
  if (!study) throw new UsageError(`report: no study with id '${id}' (see 'frontier runs')`);
  const trials = store.getTrials(id);
  const summary = summarize(trials, study.spec.objectives);
  // Curves of the front first, then the best others by the first objective: at most 8 lines.
  const first = study.spec.objectives[0];
  const ranked = trials
    .filter((t) => t.state === 'complete' && first && Number.isFinite(t.metrics[first.metric]))
    .sort((a, b) => (first?.direction === 'max' ? -1 : 1) * ((a.metrics[first?.metric ?? ''] as number) - (b.metrics[first?.metric ?? ''] as number)));
  const picked = [...new Set([...summary.front, ...ranked].map((t) => t.number))].slice(0, 8);
  const curves = new Map<number, CurvePoint[]>();
  for (const n of picked) {
    const c = store.getCurve(id, n);
    if (c.length) curves.set(n, c);
  }
  return {
    study, trials, summary, curves,
    latency: store.getLatencySamples({ studyId: id }),
    devices: store.listDevices(),
    artifacts: store.listArtifacts(id),
    command: reproduceCommand(study.spec),
    version: VERSION,
    generatedAt: o.now ?? Date.now(),
    ...(o.source ? { source: o.source } : {}),
  };
}

/** The Chromium (or Chrome) binary to print with, or why there is none. */
export function findChromium(env: NodeJS.ProcessEnv): string | { missing: string } {
  const named = env.FRONTIER_CHROMIUM;
  if (named) return existsSync(named) ? named : { missing: `FRONTIER_CHROMIUM names ${named}, which does not exist` };
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
      const p = path.join(dir, name);
      if (existsSync(p)) return p;
    }
  }
  return { missing: 'no chromium, chromium-browser or google-chrome on PATH (install Chromium, or set FRONTIER_CHROMIUM to its binary)' };
}

/** Prints an HTML file to PDF with headless Chromium (its own print engine, as Ctrl+P would). */
export function printPdf(chromium: string, html: string, pdf: string): void {
  const profile = mkdtempSync(path.join(tmpdir(), 'frontier-pdf-'));
  try {
    const r = spawnSync(chromium, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage', '--no-first-run',
      `--user-data-dir=${profile}`, '--no-pdf-header-footer', '--run-all-compositor-stages-before-draw', '--virtual-time-budget=2000',
      `--print-to-pdf=${pdf}`, pathToFileURL(html).href,
    ], { encoding: 'utf8', timeout: 120_000 });
    if (r.error) throw new UsageError(`report: cannot run ${chromium}: ${r.error.message}`);
    if (!existsSync(pdf) || readFileSync(pdf).subarray(0, 5).toString('latin1') !== '%PDF-') {
      throw new UsageError(`report: Chromium did not print ${pdf} (exit ${r.status}): ${(r.stderr || '').trim().split('\n').slice(-1)[0] ?? ''}`);
    }
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

export async function reportCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parse('report', argv, { ...DB_OPTION, out: { type: 'string', short: 'o' }, pdf: { type: 'boolean' } }, 1);
  if (flag(p, 'help')) {
    io.out(REPORT_HELP);
    return 0;
  }
  const out = str(p, 'out');
  if (!out) throw new UsageError(`report: give --out FILE.html`);
  const file = path.resolve(io.cwd, out);
  const chromium = flag(p, 'pdf') ? findChromium(io.env) : undefined;
  if (chromium && typeof chromium !== 'string') throw new UsageError(`report: --pdf needs Chromium: ${chromium.missing}`);
  const db = dbPath(io, str(p, 'db'));
  const store = openStore(io, str(p, 'db'));
  try {
    const rec = requireStudy(store, p.positionals[0], 'report');
    const html = renderReportHtml(reportData(store, rec.id, { source: db }));
    try {
      writeFileSync(file, html);
    } catch (e) {
      throw new UsageError(`report: cannot write ${out}: ${(e as Error).message}`);
    }
    const bytes = Buffer.from(html);
    store.addArtifact({ studyId: rec.id, kind: 'report', path: file, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), createdAt: Date.now(), settings: { format: 'html' } });
    io.out(`wrote the report of study ${rec.id} to ${file} (${bytes.length} bytes, self-contained)\n`);
    if (typeof chromium === 'string') {
      const pdf = file.replace(/\.html?$/i, '') + '.pdf';
      printPdf(chromium, file, pdf);
      const pbytes = readFileSync(pdf);
      store.addArtifact({ studyId: rec.id, kind: 'report-pdf', path: pdf, bytes: pbytes.length, sha256: createHash('sha256').update(pbytes).digest('hex'), createdAt: Date.now(), settings: { format: 'pdf', from: file, printer: chromium } });
      io.out(`printed it to ${pdf} (${pbytes.length} bytes)\n`);
    }
    return 0;
  } finally {
    store.close();
  }
}
