/**
 * Everything `frontier report` and the workbench's Report button share: the data a report shows
 * (read from the store), the command that reproduces the search, writing the self-contained HTML
 * (recorded as a `report` artifact with its SHA-256) and printing it to PDF with headless Chromium.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { NasError } from '../../../shared/errors.js';
import type { ArtifactRecord, CurvePoint, StudySpec } from '../../../shared/types/index.js';
import { MOBILENET_DEFAULTS } from '../../core/spaces/mobilenet.js';
import type { Store } from '../../core/store.js';
import { summarize } from '../../core/summary.js';
import { NB201_TABLES } from '../evaluators.js';
import { scaleReproduceCommand } from '../scaling/reproduce.js';
import { renderReportHtml, type ReportData } from './report.js';

/** The shell-quoted form of an argument. */
function q(a: string): string {
  return /^[A-Za-z0-9_./:=,@+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** A `frontier search` command line that runs the same search again. */
export function reproduceCommand(spec: StudySpec): string {
  // A compound-scaling study is made by `frontier scale`, not `frontier search`.
  if (spec.space === 'scaled') return scaleReproduceCommand(spec, q);
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
    // A predictor warm-up is given by the studies it came from (its scores are read from them again).
    if (k === 'prior' || k === 'priorFrom') {
      const from = spec.strategyOptions?.priorFrom;
      if (k === 'prior' && Array.isArray(from)) args.push('--predictor-warm-start', from.join(','));
      else if (k === 'prior') args.push('--option', `prior=${JSON.stringify(v)}`);
      continue;
    }
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
export function reportData(store: Store, id: string, o: { version: string; source?: string; now?: number }): ReportData {
  const study = store.getStudy(id);
  if (!study) throw new NasError('not-found', `no study with id '${id}' (see 'frontier runs')`);
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
    version: o.version,
    generatedAt: o.now ?? Date.now(),
    ...(o.source ? { source: o.source } : {}),
  };
}

/** The Chromium (or Chrome) binary to print with, or why there is none. */
export function findChromium(env: Readonly<Record<string, string | undefined>>): string | { missing: string } {
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

/** Prints an HTML file to PDF with headless Chromium (its own print engine, as Ctrl+P would); does not block the event loop. */
export async function printPdf(chromium: string, html: string, pdf: string): Promise<void> {
  const profile = mkdtempSync(path.join(tmpdir(), 'frontier-pdf-'));
  try {
    const { status, stderr, error } = await new Promise<{ status: number | null; stderr: string; error?: Error }>((resolve) => {
      const child = spawn(chromium, [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage', '--no-first-run',
        `--user-data-dir=${profile}`, '--no-pdf-header-footer', '--run-all-compositor-stages-before-draw', '--virtual-time-budget=2000',
        `--print-to-pdf=${pdf}`, pathToFileURL(html).href,
      ], { stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err = (err + d.toString('utf8')).slice(-4000)));
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      child.on('error', (e) => {
        clearTimeout(timer);
        resolve({ status: null, stderr: err, error: e });
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ status: code, stderr: err });
      });
    });
    if (error) throw new NasError('invalid-input', `cannot run ${chromium}: ${error.message}`);
    if (!existsSync(pdf) || readFileSync(pdf).subarray(0, 5).toString('latin1') !== '%PDF-') {
      throw new NasError('invalid-input', `Chromium did not print ${pdf} (exit ${status}): ${stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
    }
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

export interface WrittenReport {
  readonly html: ArtifactRecord;
  /** The PDF, when one was asked for and printed. */
  readonly pdf?: ArtifactRecord;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * Writes the study's report to `out` (an .html file) and records it; with `chromium`, prints it to
 * the .pdf beside it and records that too. Errors are NasErrors naming the file.
 */
export async function writeStudyReport(store: Store, id: string, o: { out: string; version: string; source?: string; chromium?: string; now?: number }): Promise<WrittenReport> {
  const html = renderReportHtml(reportData(store, id, o));
  const bytes = Buffer.from(html);
  try {
    mkdirSync(path.dirname(o.out), { recursive: true });
    writeFileSync(o.out, bytes);
  } catch (e) {
    throw new NasError('invalid-input', `cannot write ${o.out}: ${(e as Error).message}`);
  }
  const rec: ArtifactRecord = { studyId: id, kind: 'report', path: o.out, bytes: bytes.length, sha256: sha256(bytes), createdAt: o.now ?? Date.now(), settings: { format: 'html' } };
  store.addArtifact(rec);
  if (!o.chromium) return { html: rec };
  const pdf = o.out.replace(/\.html?$/i, '') + '.pdf';
  await printPdf(o.chromium, o.out, pdf);
  const pbytes = readFileSync(pdf);
  const prec: ArtifactRecord = { studyId: id, kind: 'report-pdf', path: pdf, bytes: pbytes.length, sha256: sha256(pbytes), createdAt: o.now ?? Date.now(), settings: { format: 'pdf', from: o.out, printer: o.chromium } };
  store.addArtifact(prec);
  return { html: rec, pdf: prec };
}
