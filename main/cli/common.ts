import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import type { StudyRecord, TrialRecord } from '../../shared/types/index.js';
import type { Store } from '../core/store.js';
import { readPredictorInsights } from '../core/predictors/insights.js';
import { summarize, type StudySummary } from '../core/summary.js';
import { defaultDbPath } from '../services/paths.js';
import { SqliteStore } from '../services/sqlite-store.js';
import { fmt, table } from './format.js';
import type { CliIO } from './io.js';
import { UsageError } from './io.js';

export const DB_OPTION = { db: { type: 'string' } } as const;

/**
 * The database of a command. `readonly` (runs, show, pareto, export) opens an existing file for
 * reading only, which also works in a read-only folder or mount; a missing file is created as usual.
 * Opening for writing refuses a damaged file.
 */
export function openStore(io: CliIO, db: string | undefined, opts: { readonly?: boolean } = {}): Store {
  const path = dbPath(io, db);
  return SqliteStore.open(path, { readonly: opts.readonly === true && existsSync(path) });
}

/** The database file of a command: --db (relative to the command's working directory, io.cwd, as every other path) or the default. */
export function dbPath(io: CliIO, db: string | undefined): string {
  return db !== undefined ? resolve(io.cwd, db) : defaultDbPath(io.env);
}

export function requireStudy(store: Store, id: string | undefined, command: string): StudyRecord {
  if (!id) throw new UsageError(`${command}: which study? give its id (see 'frontier runs')`);
  const rec = store.getStudy(id);
  if (!rec) throw new UsageError(`${command}: no study with id '${id}' (see 'frontier runs')`);
  return rec;
}

export function studySummary(store: Store, rec: StudyRecord): { trials: TrialRecord[]; summary: StudySummary } {
  const trials = store.getTrials(rec.id, { states: ['complete'] });
  const predictor = readPredictorInsights(store.getCheckpoint(rec.id)?.strategyState);
  return { trials, summary: { ...summarize(trials, rec.spec.objectives), ...(predictor ? { predictor } : {}) } };
}

/** Metric columns to show: objectives, then constraints and report columns. */
export function shownMetrics(rec: StudyRecord): string[] {
  const s = rec.spec;
  return [...new Set([...s.objectives.map((o) => o.metric), ...s.constraints.map((c) => c.metric), ...s.report])];
}

export function frontTable(rec: StudyRecord, front: readonly TrialRecord[]): string {
  const cols = shownMetrics(rec);
  const dirs = new Map(rec.spec.objectives.map((o) => [o.metric, o.direction]));
  const headers = ['trial', 'architecture', ...cols.map((c) => (dirs.has(c) ? `${c} (${dirs.get(c)})` : c))];
  return table(headers, front.map((t) => [String(t.number), t.key, ...cols.map((c) => fmt(t.metrics[c]))]));
}

export function trialJson(t: TrialRecord, metrics: readonly string[]): Record<string, unknown> {
  const m: Record<string, number | null> = {};
  for (const k of metrics) m[k] = Number.isFinite(t.metrics[k]) ? (t.metrics[k] as number) : null;
  return { trial: t.number, architecture: t.key, metrics: m };
}

/** The `--json` document of a study: id, evaluations, cost, best per objective, Pareto front. */
export function studyJson(rec: StudyRecord, summary: StudySummary, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const metrics = shownMetrics(rec);
  const best: Record<string, unknown> = {};
  for (const o of rec.spec.objectives) {
    const t = summary.best[o.metric];
    best[o.metric] = t ? trialJson(t, metrics) : null;
  }
  return {
    studyId: rec.id,
    name: rec.spec.name,
    status: rec.status,
    ...extra,
    evaluations: rec.progress.evals,
    failed: rec.progress.failed,
    rejected: rec.progress.rejected,
    simulatedSeconds: rec.progress.costSeconds,
    wallSeconds: rec.progress.wallMs / 1000,
    objectives: rec.spec.objectives,
    constraints: rec.spec.constraints,
    best,
    hypervolume: summary.hypervolume ?? null,
    ...(summary.predictor ? { predictor: summary.predictor } : {}),
    pareto: summary.front.map((t) => trialJson(t, metrics)),
  };
}

export function printStudyResult(io: CliIO, rec: StudyRecord, summary: StudySummary): void {
  const p = rec.progress;
  io.out(`${p.evals} evaluations, ${fmt(p.costSeconds)} simulated s, ${fmt(p.wallMs / 1000)} s wall; ${p.failed} failed, ${p.rejected} rejected by constraints\n`);
  const metrics = shownMetrics(rec);
  for (const o of rec.spec.objectives) {
    const t = summary.best[o.metric];
    if (!t) continue;
    const others = metrics.filter((m) => m !== o.metric).map((m) => `${m} ${fmt(t.metrics[m])}`).join(', ');
    io.out(`best ${o.metric} (${o.direction}): ${fmt(t.metrics[o.metric])} — trial ${t.number} ${t.key}${others ? ` (${others})` : ''}\n`);
  }
  const pq = summary.predictor;
  if (pq) {
    const corr = (v: number | null) => (v === null ? 'n/a' : v.toFixed(2));
    io.out(`predictor on ${pq.heldOut} held-out trial${pq.heldOut === 1 ? '' : 's'}: Kendall τ ${corr(pq.kendallTau)}, Spearman ρ ${corr(pq.spearman)}\n`);
  }
  if (summary.front.length === 0) {
    io.out('no complete trial yet, so no Pareto front\n');
    return;
  }
  const hv = summary.hypervolume !== undefined ? `, hypervolume ${fmt(summary.hypervolume)}` : '';
  io.out(`\nPareto front: ${summary.front.length} architecture${summary.front.length === 1 ? '' : 's'}${hv}\n`);
  io.out(frontTable(rec, summary.front));
}
