import fs from 'node:fs';
import nodePath from 'node:path';
import Database from 'better-sqlite3';
import { NasError, StoreConflict, errorMessage } from '../../shared/errors.js';
import type {
  ArtifactRecord,
  CurvePoint,
  DeviceRecord,
  LatencySample,
  Metrics,
  StudyProgress,
  StudyRecord,
  StudySpec,
  StudyStatus,
  TrialRecord,
  TrialState,
} from '../../shared/types/index.js';
import type { Checkpoint, LatencyQuery, Store, TrialQuery, TrialResult } from '../core/store.js';
import {
  EMPTY_PROGRESS,
  checkResult,
  checkTransition,
  finishConflict,
  pageOf,
  studyNotFound,
  trialNotFound,
} from '../core/store-rules.js';
import { migrate } from './sqlite-migrations.js';

interface StudyRow {
  id: number; spec: string; status: StudyStatus; created_at: number; started_at: number | null;
  finished_at: number | null; error: string | null; progress: string;
}
interface TrialRow {
  study_id: number; number: number; key: string; sample: string; state: TrialState; cost: number | null;
  error: string | null; started_at: number; finished_at: number | null;
}
interface MetricRow { number: number; name: string; value: number | null; fidelity: string | null }
interface CurveRow { step: number; metric: string; value: number | null }
interface DeviceRow { id: string; kind: DeviceRecord['kind']; name: string; info: string; last_seen_at: number }
interface LatencyRow {
  device_id: string; subject: string; study_id: number | null; trial_number: number | null; median_ms: number | null;
  p90_ms: number | null; runs: number; provenance: string; measured_at: number;
}
interface ArtifactRow {
  study_id: number; trial_number: number | null; kind: string; path: string; bytes: number; sha256: string; created_at: number;
}

/** SQLite REAL cannot hold NaN (it becomes NULL); read NULL back as NaN. */
const num = (v: number | null): number => (v === null ? Number.NaN : v);
/** Study ids are decimal strings of positive integers; anything else names no study. */
const parseId = (id: string | undefined): number | undefined =>
  id !== undefined && /^[1-9][0-9]{0,15}$/.test(id) && Number.isSafeInteger(Number(id)) ? Number(id) : undefined;

/**
 * Store on one SQLite file (WAL, synchronous=NORMAL: a committed transaction survives a killed
 * process). Every SQLite failure surfaces as NasError('store-io') with a readable message.
 * JSON columns (spec, progress, checkpoint, info, provenance) keep JSON-representable data only.
 */
export class SqliteStore implements Store {
  private readonly stmts = new Map<string, Database.Statement>();

  private constructor(private readonly db: Database.Database, readonly path: string) {}

  /**
   * `nativeBinding` (or FRONTIER_SQLITE_BINDING) points at a better_sqlite3.node built for another
   * runtime: the desktop app's engine runs on Electron's ABI while the CLI and tests use Node's.
   */
  static open(path: string, opts: { nativeBinding?: string } = {}): SqliteStore {
    let db: Database.Database | undefined;
    const nativeBinding = opts.nativeBinding ?? process.env.FRONTIER_SQLITE_BINDING;
    try {
      if (path !== ':memory:') fs.mkdirSync(nodePath.dirname(nodePath.resolve(path)), { recursive: true });
      db = new Database(path, { timeout: 5000, ...(nativeBinding ? { nativeBinding } : {}) });
      db.pragma('busy_timeout = 5000');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db, path);
      return new SqliteStore(db, path);
    } catch (e) {
      db?.close();
      throw toStoreError(e, path, true);
    }
  }

  createStudy(spec: StudySpec, now: number): StudyRecord {
    return this.guard(() => {
      const r = this.stmt(
        'INSERT INTO studies (name, spec, status, created_at, progress) VALUES (?, ?, ?, ?, ?)',
      ).run(spec.name, JSON.stringify(spec), 'created', now, JSON.stringify(EMPTY_PROGRESS));
      return this.readStudy(Number(r.lastInsertRowid))!;
    });
  }

  getStudy(id: string): StudyRecord | undefined {
    return this.guard(() => {
      const sid = parseId(id);
      return sid === undefined ? undefined : this.readStudy(sid);
    });
  }

  listStudies(): StudyRecord[] {
    return this.guard(() => (this.stmt('SELECT * FROM studies ORDER BY id DESC').all() as StudyRow[]).map(studyFromRow));
  }

  setStudyStatus(id: string, status: StudyStatus, now: number, error?: string): void {
    this.write(() => {
      const sid = this.studyId(id);
      const from = this.stmt('SELECT status FROM studies WHERE id = ?').pluck().get(sid) as StudyStatus;
      checkTransition(id, from, status);
      this.stmt(
        `UPDATE studies SET status = ?,
           started_at  = CASE WHEN ? = 'running' THEN COALESCE(started_at, ?) ELSE started_at END,
           finished_at = CASE WHEN ? IN ('complete', 'failed') THEN ? ELSE finished_at END,
           error       = COALESCE(?, error)
         WHERE id = ?`,
      ).run(status, status, now, status, now, error ?? null, sid);
    });
  }

  updateProgress(id: string, progress: StudyProgress): void {
    this.write(() => {
      this.stmt('UPDATE studies SET progress = ? WHERE id = ?').run(JSON.stringify(progress), this.studyId(id));
    });
  }

  createTrial(studyId: string, arch: { key: string; sample: readonly number[] }, now: number): number {
    return this.write(() => {
      const sid = this.studyId(studyId);
      const number = this.stmt('SELECT COALESCE(MAX(number) + 1, 0) FROM trials WHERE study_id = ?').pluck().get(sid) as number;
      this.stmt("INSERT INTO trials (study_id, number, key, sample, state, cost, started_at) VALUES (?, ?, ?, ?, 'running', 0, ?)")
        .run(sid, number, arch.key, JSON.stringify(arch.sample), now);
      return number;
    });
  }

  finishTrial(studyId: string, number: number, result: TrialResult, checkpoint: Checkpoint): void {
    const progress = JSON.stringify(checkpoint.progress);
    const saved = JSON.stringify(checkpoint);
    this.write(() => {
      const sid = parseId(studyId);
      const state = sid === undefined ? undefined : (this.trialState(sid, number) as TrialState | undefined);
      if (sid === undefined || state !== 'running') throw finishConflict(studyId, number, state);
      checkResult(studyId, number, result);
      this.stmt('UPDATE trials SET state = ?, cost = ?, error = ?, finished_at = ? WHERE study_id = ? AND number = ?')
        .run(result.state, result.cost, result.error ?? null, result.finishedAt, sid, number);
      const insert = this.stmt('INSERT INTO trial_metrics (study_id, number, name, value, fidelity) VALUES (?, ?, ?, ?, ?)');
      for (const [name, value] of Object.entries(result.metrics)) {
        insert.run(sid, number, name, value, result.fidelity[name] ?? null);
      }
      this.stmt('UPDATE studies SET progress = ?, checkpoint = ? WHERE id = ?').run(progress, saved, sid);
    });
  }

  abandonRunning(studyId: string, reason: string, now: number): number {
    return this.write(() => {
      const sid = this.studyId(studyId);
      return this.stmt("UPDATE trials SET state = 'failed', error = ?, finished_at = ? WHERE study_id = ? AND state = 'running'")
        .run(reason, now, sid).changes;
    });
  }

  getTrial(studyId: string, number: number): TrialRecord | undefined {
    return this.guard(() => {
      const sid = parseId(studyId);
      if (sid === undefined) return undefined;
      const row = this.stmt('SELECT * FROM trials WHERE study_id = ? AND number = ?').get(sid, number) as TrialRow | undefined;
      return row && this.withMetrics(sid, [row])[0];
    });
  }

  getTrials(studyId: string, query?: TrialQuery): TrialRecord[] {
    return this.guard(() => {
      const sid = parseId(studyId);
      if (sid === undefined) return [];
      const { offset, limit } = pageOf(query);
      const rows = this.stmt(
        `SELECT * FROM trials WHERE study_id = ? AND (? IS NULL OR state IN (SELECT value FROM json_each(?)))
         ORDER BY number LIMIT ? OFFSET ?`,
      ).all(sid, ...statesArgs(query?.states), limit ?? -1, offset) as TrialRow[];
      return this.withMetrics(sid, rows);
    });
  }

  countTrials(studyId: string, states?: readonly TrialState[]): number {
    return this.guard(() => {
      const sid = parseId(studyId);
      if (sid === undefined) return 0;
      return this.stmt(
        'SELECT COUNT(*) FROM trials WHERE study_id = ? AND (? IS NULL OR state IN (SELECT value FROM json_each(?)))',
      ).pluck().get(sid, ...statesArgs(states)) as number;
    });
  }

  getCheckpoint(studyId: string): Checkpoint | undefined {
    return this.guard(() => {
      const sid = parseId(studyId);
      const json = sid === undefined ? undefined : (this.stmt('SELECT checkpoint FROM studies WHERE id = ?').pluck().get(sid) as string | null | undefined);
      return typeof json === 'string' ? (JSON.parse(json) as Checkpoint) : undefined;
    });
  }

  appendCurve(studyId: string, number: number, points: readonly CurvePoint[]): void {
    this.write(() => {
      const sid = this.studyId(studyId);
      const state = this.trialState(sid, number);
      if (state === undefined) throw trialNotFound(studyId, number);
      if (state !== 'running') throw new StoreConflict(`trial ${number} of study ${studyId} is ${state}: its curve is closed`);
      const insert = this.stmt('INSERT INTO curves (study_id, number, step, metric, value) VALUES (?, ?, ?, ?, ?)');
      for (const p of points) insert.run(sid, number, p.step, p.metric, p.value);
    });
  }

  getCurve(studyId: string, number: number): CurvePoint[] {
    return this.guard(() => {
      const sid = parseId(studyId);
      if (sid === undefined) return [];
      const rows = this.stmt('SELECT step, metric, value FROM curves WHERE study_id = ? AND number = ? ORDER BY rowid')
        .all(sid, number) as CurveRow[];
      return rows.map((r) => ({ step: r.step, metric: r.metric, value: num(r.value) }));
    });
  }

  upsertDevice(device: DeviceRecord): void {
    this.write(() => {
      this.stmt(
        `INSERT INTO devices (id, kind, name, info, last_seen_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name, info = excluded.info,
           last_seen_at = excluded.last_seen_at`,
      ).run(device.id, device.kind, device.name, JSON.stringify(device.info), device.lastSeenAt);
    });
  }

  listDevices(): DeviceRecord[] {
    return this.guard(() =>
      (this.stmt('SELECT * FROM devices ORDER BY id').all() as DeviceRow[]).map((r) => ({
        id: r.id, kind: r.kind, name: r.name, info: JSON.parse(r.info) as DeviceRecord['info'], lastSeenAt: r.last_seen_at,
      })),
    );
  }

  addLatencySample(s: LatencySample): number {
    return this.write(() => {
      const sid = this.checkRef(s.studyId, s.trialNumber);
      return Number(
        this.stmt(
          `INSERT INTO latency_samples (device_id, subject, study_id, trial_number, median_ms, p90_ms, runs, provenance, measured_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(s.deviceId, s.subject, sid ?? null, s.trialNumber ?? null, s.medianMs, s.p90Ms ?? null, s.runs,
          JSON.stringify(s.provenance), s.measuredAt).lastInsertRowid,
      );
    });
  }

  getLatencySamples(query?: LatencyQuery): LatencySample[] {
    return this.guard(() => {
      let sid: number | null = null;
      if (query?.studyId !== undefined) {
        const parsed = parseId(query.studyId);
        if (parsed === undefined) return [];
        sid = parsed;
      }
      const rows = this.stmt(
        `SELECT * FROM latency_samples WHERE (@device IS NULL OR device_id = @device) AND (@subject IS NULL OR subject = @subject)
           AND (@study IS NULL OR study_id = @study) ORDER BY id`,
      ).all({ device: query?.deviceId ?? null, subject: query?.subject ?? null, study: sid }) as LatencyRow[];
      return rows.map(latencyFromRow);
    });
  }

  addArtifact(a: ArtifactRecord): number {
    return this.write(() => {
      const sid = this.checkRef(a.studyId, a.trialNumber);
      return Number(
        this.stmt(
          `INSERT INTO artifacts (study_id, trial_number, kind, path, bytes, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        ).run(sid, a.trialNumber ?? null, a.kind, a.path, a.bytes, a.sha256, a.createdAt).lastInsertRowid,
      );
    });
  }

  listArtifacts(studyId: string, trialNumber?: number): ArtifactRecord[] {
    return this.guard(() => {
      const sid = parseId(studyId);
      if (sid === undefined) return [];
      const rows = this.stmt('SELECT * FROM artifacts WHERE study_id = @sid AND (@trial IS NULL OR trial_number = @trial) ORDER BY id')
        .all({ sid, trial: trialNumber ?? null }) as ArtifactRow[];
      return rows.map(artifactFromRow);
    });
  }

  close(): void {
    if (!this.db.open) return;
    this.stmts.clear();
    this.guard(() => this.db.close());
  }

  /** Prepared once per SQL text, reused afterwards. */
  private stmt(sql: string): Database.Statement {
    let s = this.stmts.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.stmts.set(sql, s);
    }
    return s;
  }

  private guard<T>(fn: () => T): T {
    if (!this.db.open) throw new NasError('store-io', `the store on ${this.path} is closed`);
    try {
      return fn();
    } catch (e) {
      throw toStoreError(e, this.path, false);
    }
  }

  /** `fn` in one IMMEDIATE transaction: takes the write lock up front, so read-then-write is safe. */
  private write<T>(fn: () => T): T {
    return this.guard(() => this.db.transaction(fn).immediate());
  }

  private readStudy(sid: number): StudyRecord | undefined {
    const row = this.stmt('SELECT * FROM studies WHERE id = ?').get(sid) as StudyRow | undefined;
    return row && studyFromRow(row);
  }

  /** The numeric id of an existing study, or NasError('not-found'). */
  private studyId(id: string): number {
    const sid = parseId(id);
    if (sid === undefined || this.stmt('SELECT 1 FROM studies WHERE id = ?').pluck().get(sid) === undefined) throw studyNotFound(id);
    return sid;
  }

  private trialState(sid: number, number: number): string | undefined {
    return this.stmt('SELECT state FROM trials WHERE study_id = ? AND number = ?').pluck().get(sid, number) as string | undefined;
  }

  private checkRef(studyId: string | undefined, trialNumber: number | undefined): number | undefined {
    if (studyId === undefined) return undefined;
    const sid = this.studyId(studyId);
    if (trialNumber !== undefined && this.trialState(sid, trialNumber) === undefined) throw trialNotFound(studyId, trialNumber);
    return sid;
  }

  private withMetrics(sid: number, rows: TrialRow[]): TrialRecord[] {
    if (rows.length === 0) return [];
    const metrics = this.stmt(
      'SELECT number, name, value, fidelity FROM trial_metrics WHERE study_id = ? AND number BETWEEN ? AND ? ORDER BY number, name',
    ).all(sid, rows[0]!.number, rows[rows.length - 1]!.number) as MetricRow[];
    const byTrial = new Map<number, MetricRow[]>();
    for (const m of metrics) byTrial.set(m.number, [...(byTrial.get(m.number) ?? []), m]);
    return rows.map((r) => trialFromRow(r, byTrial.get(r.number) ?? []));
  }
}

function statesArgs(states: readonly TrialState[] | undefined): [number | null, string | null] {
  return states === undefined ? [null, null] : [1, JSON.stringify(states)];
}

function studyFromRow(r: StudyRow): StudyRecord {
  return {
    id: String(r.id),
    spec: JSON.parse(r.spec) as StudySpec,
    status: r.status,
    progress: JSON.parse(r.progress) as StudyProgress,
    createdAt: r.created_at,
    ...(r.started_at !== null && { startedAt: r.started_at }),
    ...(r.finished_at !== null && { finishedAt: r.finished_at }),
    ...(r.error !== null && { error: r.error }),
  };
}

function trialFromRow(r: TrialRow, metricRows: readonly MetricRow[]): TrialRecord {
  const metrics: Record<string, number> = {};
  const fidelity: Record<string, string> = {};
  for (const m of metricRows) {
    metrics[m.name] = num(m.value);
    if (m.fidelity !== null) fidelity[m.name] = m.fidelity;
  }
  return {
    studyId: String(r.study_id),
    number: r.number,
    key: r.key,
    sample: JSON.parse(r.sample) as number[],
    state: r.state,
    metrics: metrics as Metrics,
    fidelity,
    cost: num(r.cost),
    startedAt: r.started_at,
    ...(r.error !== null && { error: r.error }),
    ...(r.finished_at !== null && { finishedAt: r.finished_at }),
  };
}

function latencyFromRow(r: LatencyRow): LatencySample {
  return {
    deviceId: r.device_id,
    subject: r.subject,
    ...(r.study_id !== null && { studyId: String(r.study_id) }),
    ...(r.trial_number !== null && { trialNumber: r.trial_number }),
    medianMs: num(r.median_ms),
    ...(r.p90_ms !== null && { p90Ms: r.p90_ms }),
    runs: r.runs,
    provenance: JSON.parse(r.provenance) as LatencySample['provenance'],
    measuredAt: r.measured_at,
  };
}

function artifactFromRow(r: ArtifactRow): ArtifactRecord {
  return {
    studyId: String(r.study_id),
    ...(r.trial_number !== null && { trialNumber: r.trial_number }),
    kind: r.kind,
    path: r.path,
    bytes: r.bytes,
    sha256: r.sha256,
    createdAt: r.created_at,
  };
}

/**
 * Turns a SQLite (or file system) failure into NasError('store-io') with one readable line.
 * NasErrors pass through; anything that is not an I/O failure (a bug) is rethrown unchanged.
 */
export function toStoreError(e: unknown, path: string, opening: boolean): unknown {
  if (e instanceof NasError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  const detail = errorMessage(e);
  const io = (message: string) => new NasError('store-io', message, { cause: e });
  if (typeof code === 'string') {
    if (code.startsWith('SQLITE_FULL')) return io(`cannot write ${path}: the disk is full (${detail})`);
    if (code.startsWith('SQLITE_NOTADB') || (opening && code.startsWith('SQLITE_CORRUPT'))) {
      return io(`${path} is not a Frontier database (${detail})`);
    }
    if (code.startsWith('SQLITE_CORRUPT')) return io(`${path} is damaged (${detail}); restore it from a backup`);
    if (code.startsWith('SQLITE_READONLY')) return io(`cannot write ${path}: it is read-only (${detail})`);
    if (code.startsWith('SQLITE_IOERR')) return io(`I/O error on ${path} (${detail})`);
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      return io(`${path} is locked by another process (${detail})`);
    }
    if (code.startsWith('SQLITE_CANTOPEN')) return io(`cannot open ${path} (${detail})`);
    if (code.startsWith('SQLITE_PERM') || code.startsWith('SQLITE_AUTH')) return io(`no permission to use ${path} (${detail})`);
    if (code.startsWith('SQLITE_')) return io(`database error on ${path} (${detail})`);
    if (code === 'ENOSPC') return io(`cannot create ${path}: the disk is full (${detail})`);
    if (opening) return io(`cannot open ${path} (${detail})`); // EACCES, ENOTDIR, EROFS … from mkdir
  }
  if (e instanceof TypeError && /database connection is not open/.test(detail)) return io(`the store on ${path} is closed`);
  return e;
}
