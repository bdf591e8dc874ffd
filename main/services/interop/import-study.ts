import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { errorMessage, NasError } from '../../../shared/errors.js';
import type { CurvePoint, Metrics, ObjectiveSpec, StudyRecord, StudySpec, TrialRecord, TrialState } from '../../../shared/types/index.js';
import type { SearchSpace } from '../../core/search-space.js';
import { createSpace } from '../../core/spaces.js';
import type { Store } from '../../core/store.js';
import { parseCsv } from '../../core/table.js';
import { validateStudySpec } from '../../core/study-spec.js';

/** One trial to import, already checked. */
export interface ImportTrial {
  readonly key: string;
  readonly sample: readonly number[];
  readonly state: Exclude<TrialState, 'running'>;
  readonly metrics: Metrics;
  readonly fidelity: Readonly<Record<string, string>>;
  readonly cost: number;
  readonly error?: string;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly curve?: readonly CurvePoint[];
}

/** A study read from a file, checked and ready to be written. */
export interface ImportPlan {
  readonly spec: StudySpec;
  readonly trials: readonly ImportTrial[];
  /** Where it came from, kept in the study's notes. */
  readonly source: string;
  /** What was read but not kept (e.g. text user attributes), said to the user. */
  readonly notes: readonly string[];
}

const bad = (source: string, message: string, cause?: unknown) => new NasError('invalid-input', `${source}: ${message}`, cause === undefined ? undefined : { cause });
const STATES: readonly string[] = ['complete', 'pruned', 'failed', 'invalid'];

function checkedMetrics(source: string, where: string, raw: unknown): Record<string, number> {
  if (raw === undefined) return {};
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw bad(source, `${where}: metrics must be an object of numbers`);
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(source, `${where}: metric '${k}' must be a finite number, got ${JSON.stringify(v)}`);
    out[k] = v;
  }
  return out;
}

function spaceOf(source: string, spec: Pick<StudySpec, 'space' | 'spaceOptions'>): SearchSpace {
  try {
    return createSpace(spec.space, spec.spaceOptions ?? {});
  } catch (e) {
    throw bad(source, `its space cannot be built: ${errorMessage(e)}`, e);
  }
}

function keyed(source: string, space: SearchSpace, where: string, key: unknown): { key: string; sample: number[] } {
  if (typeof key !== 'string' || key === '') throw bad(source, `${where}: no architecture`);
  try {
    const sample = space.parse(key);
    return { key: space.freeze(sample).key, sample: sample.slice() };
  } catch (e) {
    throw bad(source, `${where}: architecture '${key.length > 100 ? `${key.slice(0, 100)}…` : key}' is not in the ${space.id} space: ${errorMessage(e)}`, e);
  }
}

/**
 * A study from the JSON that `frontier export ID --format json` writes (its spec and every trial):
 * the spec is checked as a new study's is, each trial's architecture must be of its space, metrics
 * finite numbers. A trial that was running when exported is imported as failed, saying so.
 */
export function planJsonImport(text: string, source: string): ImportPlan {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw bad(source, `not JSON (${errorMessage(e)})`, e);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw bad(source, 'expected the JSON object of a study export (frontier export ID --format json)');
  const d = doc as { spec?: unknown; trials?: unknown };
  if (!d.spec || typeof d.spec !== 'object') throw bad(source, "no 'spec': this is not a study export (frontier export ID --format json)");
  if (!Array.isArray(d.trials)) throw bad(source, "no 'trials' list: this is not a study export (frontier export ID --format json)");
  const spec = d.spec as StudySpec;
  try {
    validateStudySpec(spec);
  } catch (e) {
    throw bad(source, `its study settings are not valid: ${errorMessage(e)}`, e);
  }
  const space = spaceOf(source, spec);
  const trials: ImportTrial[] = [];
  (d.trials as unknown[]).forEach((raw, i) => {
    const where = `trial ${i + 1} of ${(d.trials as unknown[]).length}`;
    if (!raw || typeof raw !== 'object') throw bad(source, `${where}: not an object`);
    const t = raw as Partial<Record<keyof TrialRecord, unknown>>;
    const { key, sample } = keyed(source, space, where, t.key);
    const running = t.state === 'running';
    if (!running && !STATES.includes(t.state as string)) throw bad(source, `${where}: state must be one of ${STATES.join(', ')}, got ${JSON.stringify(t.state)}`);
    const cost = t.cost === undefined ? 0 : t.cost;
    if (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0) throw bad(source, `${where}: cost must be a number ≥ 0, got ${JSON.stringify(t.cost)}`);
    const startedAt = typeof t.startedAt === 'number' && Number.isFinite(t.startedAt) ? t.startedAt : 0;
    const fidelity = t.fidelity && typeof t.fidelity === 'object' ? Object.fromEntries(Object.entries(t.fidelity as Record<string, unknown>).filter(([, v]) => typeof v === 'string')) as Record<string, string> : {};
    trials.push({
      key, sample, state: running ? 'failed' : (t.state as ImportTrial['state']), metrics: checkedMetrics(source, where, t.metrics), fidelity, cost,
      ...(running ? { error: 'running when the study was exported' } : typeof t.error === 'string' ? { error: t.error } : {}),
      startedAt, finishedAt: typeof t.finishedAt === 'number' && Number.isFinite(t.finishedAt) ? t.finishedAt : startedAt,
    });
  });
  return { spec, trials, source, notes: [] };
}

/**
 * A study from the CSV that `frontier export ID --format csv` writes (trial, state, architecture,
 * cost, one column per metric, error). The CSV has no settings: the space and the objectives are
 * given (`space`, `objectives`), and every objective must be a column.
 */
export function planCsvImport(text: string, source: string, given: { space: Pick<StudySpec, 'space' | 'spaceOptions'>; objectives: readonly ObjectiveSpec[]; name?: string }): ImportPlan {
  if (given.objectives.length === 0) throw bad(source, 'a CSV has no study settings: give its objectives (--objective METRIC:min|max)');
  let csv;
  try {
    csv = parseCsv(text, source);
  } catch (e) {
    throw bad(source, errorMessage(e), e);
  }
  const col = (name: string) => csv.columns.indexOf(name);
  for (const c of ['state', 'architecture']) if (col(c) < 0) throw bad(source, `no '${c}' column: expected the columns of 'frontier export ID --format csv' (trial, state, architecture, cost, metrics…, error)`);
  const fixed = new Set(['trial', 'state', 'architecture', 'cost', 'error']);
  const metricCols = csv.columns.filter((c) => !fixed.has(c));
  for (const o of given.objectives) if (!metricCols.includes(o.metric)) throw bad(source, `objective '${o.metric}' is not a column (metrics: ${metricCols.join(', ') || 'none'})`);
  const space = spaceOf(source, given.space);
  const trials: ImportTrial[] = csv.rows.map((row, i) => {
    const where = `line ${csv.lines?.[i] ?? i + 2}`;
    const cell = (c: string) => (col(c) >= 0 ? (row[col(c)] as string) : '');
    const { key, sample } = keyed(source, space, where, cell('architecture'));
    const stateText = cell('state');
    const running = stateText === 'running';
    if (!running && !STATES.includes(stateText)) throw bad(source, `${where}: state must be one of ${STATES.join(', ')}, got '${stateText}'`);
    const metrics: Record<string, number> = {};
    for (const m of metricCols) {
      const v = cell(m).trim();
      if (v === '') continue;
      const n = Number(v);
      if (!Number.isFinite(n)) throw bad(source, `${where}: metric '${m}' must be a number, got '${v}'`);
      metrics[m] = n;
    }
    const costText = cell('cost').trim();
    const cost = costText === '' ? 0 : Number(costText);
    if (!Number.isFinite(cost) || cost < 0) throw bad(source, `${where}: cost must be a number ≥ 0, got '${costText}'`);
    const error = running ? 'running when the study was exported' : cell('error');
    return { key, sample, state: running ? 'failed' : (stateText as ImportTrial['state']), metrics, fidelity: {}, cost, ...(error ? { error } : {}), startedAt: 0, finishedAt: 0 };
  });
  const name = given.name ?? basename(source).replace(/\.csv$/i, '');
  const spec: StudySpec = {
    name, ...given.space, strategy: 'random', strategyOptions: {}, objectives: given.objectives, constraints: [],
    report: metricCols.filter((m) => !given.objectives.some((o) => o.metric === m)),
    budget: { evals: Math.max(1, trials.length) }, seed: 0, evaluator: { kind: 'imported', source },
  };
  validateStudySpec(spec);
  return { spec, trials, source, notes: [] };
}

/** Reads FILE (.json or .csv, by its name) into a plan; a missing or unreadable file is a clear error. */
export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new NasError('invalid-input', `cannot read ${path}: ${errorMessage(e)}`, { cause: e });
  }
}

/**
 * Writes a checked plan as one complete study (trials in order, numbers from 0, their curves; the
 * notes say where it came from; tag `imported`). Nothing is written before the whole file was
 * checked; should a write still fail, the partial study is deleted.
 */
export function writeImport(store: Store, plan: ImportPlan, now: number): StudyRecord {
  const rec = store.createStudy(plan.spec, now);
  try {
    let evals = 0;
    let failed = 0;
    let rejected = 0;
    let costSeconds = 0;
    for (const t of plan.trials) {
      const n = store.createTrial(rec.id, { key: t.key, sample: t.sample }, t.startedAt);
      if (t.curve?.length) store.appendCurve(rec.id, n, t.curve);
      // An invalid trial was rejected before evaluation: not an evaluation.
      if (t.state === 'invalid') rejected++;
      else evals++;
      if (t.state === 'failed') failed++;
      costSeconds += t.cost;
      const progress = { evals, failed, rejected, costSeconds, wallMs: 0 };
      store.finishTrial(rec.id, n, { state: t.state, metrics: t.metrics, fidelity: t.fidelity, cost: t.cost, ...(t.error ? { error: t.error } : {}), finishedAt: t.finishedAt }, { progress, strategyState: null });
    }
    store.setStudyStatus(rec.id, 'running', now);
    store.setStudyStatus(rec.id, 'complete', now);
    return store.updateStudyInfo(rec.id, { notes: `imported from ${plan.source}${plan.notes.length ? `\n${plan.notes.join('\n')}` : ''}`, tags: ['imported'] });
  } catch (e) {
    try {
      store.deleteStudy(rec.id, now, { staleAfterMs: 0 });
    } catch {
      // the original error says what went wrong
    }
    throw e;
  }
}
