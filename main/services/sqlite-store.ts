import fs from 'node:fs';
import nodePath from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { NasError, StoreConflict, errorMessage } from '../../shared/errors.js';
import type {
  ArtifactRecord,
  CurvePoint,
  DeviceRecord,
  LatencySample,
  Metrics,
  StudyCpu,
  StudyProgress,
  StudyRecord,
  StudySpec,
  StudyStatus,
  TrialRecord,
  TrialState,
} from '../../shared/types/index.js';
import type { Checkpoint, LatencyQuery, LeaseHolder, LeasePolicy, Store, StudyLease, TrialQuery, TrialResult } from '../core/store.js';
import {
  EMPTY_PROGRESS,
  addCpu,
  checkResult,
  checkTransition,
  fencedOut,
  finishConflict,
  leaseIsStale,
  leaseLost,
  pageOf,
  studyBusy,
  studyNotFound,
  trialNotFound,
} from '../core/store-rules.js';
import { MIGRATIONS, migrate } from './sqlite-migrations.js';

interface StudyRow {
  id: number; spec: string; status: StudyStatus; created_at: number; started_at: number | null;
  finished_at: number | null; error: string | null; progress: string; notes?: string | null; tags?: string | null; cpu?: string | null;
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
interface LeaseRow { study_id: number; owner: string; pid: number; host: string; acquired_at: number; heartbeat_at: number }
interface ArtifactRow {
  study_id: number; trial_number: number | null; kind: string; path: string; bytes: number; sha256: string; created_at: number;
  settings?: string | null;
}

/** SQLite REAL cannot hold NaN (it becomes NULL); read NULL back as NaN. */
const num = (v: number | null): number => (v === null ? Number.NaN : v);
/** Study ids are decimal strings of positive integers; anything else names no study. */
const parseId = (id: string | undefined): number | undefined =>
  id !== undefined && /^[1-9][0-9]{0,15}$/.test(id) && Number.isSafeInteger(Number(id)) ? Number(id) : undefined;

export interface SqliteOpenOptions {
  /**
   * A better_sqlite3.node built for another runtime (or FRONTIER_SQLITE_BINDING): the desktop
   * app's engine runs on Electron's ABI while the CLI and tests use Node's.
   */
  readonly nativeBinding?: string;
  /**
   * Open for reading only (runs, show, pareto, export): works in a read-only folder or mount, where
   * WAL cannot create its side files, by falling back to SQLite's immutable mode. Writes throw.
   * The file must exist.
   */
  readonly readonly?: boolean;
  /** Run `PRAGMA quick_check` when opening for writing and refuse a damaged file (default true). */
  readonly check?: boolean;
}

/**
 * Store on one SQLite file (WAL, synchronous=NORMAL: a committed transaction survives a killed
 * process). Every SQLite failure surfaces as NasError('store-io') with a readable message.
 * JSON columns (spec, progress, checkpoint, info, provenance) keep JSON-representable data only;
 * a row whose JSON cannot be read fails with a message naming the study (and trial).
 */
export class SqliteStore implements Store {
  private readonly stmts = new Map<string, Database.Statement>();
  /** Leases this handle holds: study id → owner token (write fencing, see `Store`). */
  private readonly held = new Map<number, string>();

  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
    /** False for a read-only handle on a database from before leases (no study_leases table). */
    private readonly hasLeases = true,
  ) {}

  static open(path: string, opts: SqliteOpenOptions = {}): SqliteStore {
    // URI file names (the read-only fallback's `?immutable=1`): better-sqlite3 reads this once, when
    // it first loads SQLite, so it is set before any database is opened.
    process.env.SQLITE_USE_URI ??= '1';
    if (opts.readonly) return SqliteStore.openReadonly(path, opts);
    let db: Database.Database | undefined;
    const nativeBinding = opts.nativeBinding ?? process.env.FRONTIER_SQLITE_BINDING;
    try {
      if (path !== ':memory:') fs.mkdirSync(nodePath.dirname(nodePath.resolve(path)), { recursive: true });
      db = new Database(path, { timeout: 5000, ...(nativeBinding ? { nativeBinding } : {}) });
      db.pragma('busy_timeout = 5000');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      if (opts.check !== false && path !== ':memory:') checkIntegrity(db, path);
      migrate(db, path);
      return new SqliteStore(db, path);
    } catch (e) {
      db?.close();
      throw toStoreError(e, path, true);
    }
  }

  private static openReadonly(path: string, opts: SqliteOpenOptions): SqliteStore {
    const nativeBinding = opts.nativeBinding ?? process.env.FRONTIER_SQLITE_BINDING;
    const base = { readonly: true, fileMustExist: true, timeout: 5000, ...(nativeBinding ? { nativeBinding } : {}) };
    if (!fs.existsSync(path)) throw new NasError('store-io', `no database at ${path}`);
    const attempt = (file: string): SqliteStore => {
      let db: Database.Database | undefined;
      try {
        db = new Database(file, base);
        db.pragma('busy_timeout = 5000');
        const version = db.pragma('user_version', { simple: true }) as number;
        if (version > MIGRATIONS.length) migrate(db, path); // throws: written by a newer Frontier
        const leases = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'study_leases'").pluck().get() !== undefined;
        return new SqliteStore(db, path, leases);
      } catch (e) {
        db?.close();
        throw e;
      }
    };
    try {
      return attempt(path);
    } catch (e) {
      const code = String((e as { code?: unknown } | null)?.code ?? '');
      // WAL needs to create -shm (and -wal) next to the file; in a read-only folder it cannot, so
      // read the file as immutable instead (nobody can be writing it there).
      if (!/^SQLITE_(READONLY|CANTOPEN|IOERR)/.test(code)) throw toStoreError(e, path, true);
      try {
        return attempt(`${pathToFileURL(nodePath.resolve(path)).href}?immutable=1`);
      } catch (e2) {
        throw new NasError('store-io', `cannot read ${path}: ${errorMessage(e)}; reading it as immutable failed too (${errorMessage(e2)})`, { cause: e2 });
      }
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

  listStudies(onDamaged?: (id: string, error: NasError) => void): StudyRecord[] {
    return this.guard(() => {
      const out: StudyRecord[] = [];
      for (const row of this.stmt('SELECT * FROM studies ORDER BY id DESC').all() as StudyRow[]) {
        try {
          out.push(this.studyFromRow(row));
        } catch (e) {
          if (!(e instanceof NasError)) throw e;
          onDamaged?.(String(row.id), e);
        }
      }
      return out;
    });
  }

  setStudyStatus(id: string, status: StudyStatus, now: number, error?: string): void {
    this.write(() => {
      const sid = this.studyId(id, true);
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

  updateStudyInfo(id: string, info: { readonly name?: string; readonly notes?: string; readonly tags?: readonly string[] }): StudyRecord {
    // Not a run write (no lease fence): renaming or annotating a study another process runs is fine.
    return this.guard(() =>
      this.db.transaction(() => {
        const sid = this.studyId(id, true);
        const row = this.stmt('SELECT * FROM studies WHERE id = ?').get(sid) as StudyRow;
        if (info.name !== undefined) {
          const spec = { ...this.studyFromRow(row).spec, name: info.name };
          this.stmt('UPDATE studies SET name = ?, spec = ? WHERE id = ?').run(info.name, JSON.stringify(spec), sid);
        }
        if (info.notes !== undefined) this.stmt('UPDATE studies SET notes = ? WHERE id = ?').run(info.notes === '' ? null : info.notes, sid);
        if (info.tags !== undefined) this.stmt('UPDATE studies SET tags = ? WHERE id = ?').run(info.tags.length === 0 ? null : JSON.stringify(info.tags), sid);
        return this.readStudy(sid)!;
      }).immediate(),
    );
  }

  addStudyCpu(id: string, run: Omit<StudyCpu, 'runs'>): void {
    // Not a run write (no lease fence): the accounting of a run that just ended.
    this.guard(() =>
      this.db.transaction(() => {
        const sid = this.studyId(id, true);
        const row = this.stmt('SELECT cpu FROM studies WHERE id = ?').get(sid) as { cpu: string | null };
        const total = addCpu(row.cpu === null ? undefined : parseCpu(row.cpu), run);
        this.stmt('UPDATE studies SET cpu = ? WHERE id = ?').run(JSON.stringify(total), sid);
      }).immediate(),
    );
  }

  deleteStudy(id: string, now: number, policy: LeasePolicy): void {
    this.guard(() =>
      this.db.transaction(() => {
        const sid = this.studyId(id, true);
        const lease = this.leaseRow(sid);
        if (lease && !leaseIsStale(lease, now, policy)) throw studyBusy(lease, now);
        // Every table that records something of a study (found by its study_id column), children
        // first does not matter: foreign keys are checked at the commit.
        this.db.pragma('defer_foreign_keys = ON');
        const tables = this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('studies', 'sqlite_sequence')").pluck().all() as string[];
        for (const t of tables) {
          const cols = this.db.prepare(`PRAGMA table_info("${t.replace(/"/g, '""')}")`).all() as { name: string }[];
          if (cols.some((c) => c.name === 'study_id')) this.db.prepare(`DELETE FROM "${t.replace(/"/g, '""')}" WHERE study_id = ?`).run(sid);
        }
        this.stmt('DELETE FROM studies WHERE id = ?').run(sid);
      }).immediate(),
    );
  }

  updateProgress(id: string, progress: StudyProgress): void {
    this.write(() => {
      this.stmt('UPDATE studies SET progress = ? WHERE id = ?').run(JSON.stringify(progress), this.studyId(id, true));
    });
  }

  createTrial(studyId: string, arch: { key: string; sample: readonly number[] }, now: number): number {
    return this.write(() => {
      const sid = this.studyId(studyId, true);
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
      if (sid !== undefined) this.fence(sid);
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
      const sid = this.studyId(studyId, true);
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
      return typeof json === 'string' ? this.json<Checkpoint>(json, `study ${studyId}`, 'checkpoint') : undefined;
    });
  }

  appendCurve(studyId: string, number: number, points: readonly CurvePoint[]): void {
    this.write(() => {
      const sid = this.studyId(studyId, true);
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

  acquireLease(
    studyId: string,
    holder: LeaseHolder & { readonly owner: string },
    now: number,
    policy: LeasePolicy,
  ): { lease: StudyLease; replaced?: StudyLease } {
    return this.write(() => {
      const sid = this.studyId(studyId);
      const current = this.leaseRow(sid);
      if (current && !leaseIsStale(current, now, policy)) throw studyBusy(current, now);
      this.stmt(
        `INSERT INTO study_leases (study_id, owner, pid, host, acquired_at, heartbeat_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (study_id) DO UPDATE SET owner = excluded.owner, pid = excluded.pid, host = excluded.host,
           acquired_at = excluded.acquired_at, heartbeat_at = excluded.heartbeat_at`,
      ).run(sid, holder.owner, holder.pid, holder.host, now, now);
      this.held.set(sid, holder.owner);
      const lease: StudyLease = { studyId, owner: holder.owner, pid: holder.pid, host: holder.host, acquiredAt: now, heartbeatAt: now };
      return { lease, ...(current ? { replaced: current } : {}) };
    });
  }

  renewLease(studyId: string, owner: string, now: number): void {
    this.write(() => {
      const sid = parseId(studyId);
      const changed = sid === undefined ? 0 : this.stmt('UPDATE study_leases SET heartbeat_at = ? WHERE study_id = ? AND owner = ?').run(now, sid, owner).changes;
      if (changed === 0) throw leaseLost(studyId, sid === undefined ? undefined : this.leaseRow(sid), now);
    });
  }

  releaseLease(studyId: string, owner: string): boolean {
    const sid = parseId(studyId);
    if (sid === undefined) return false;
    if (this.held.get(sid) === owner) this.held.delete(sid);
    return this.write(() => this.stmt('DELETE FROM study_leases WHERE study_id = ? AND owner = ?').run(sid, owner).changes > 0);
  }

  getLease(studyId: string): StudyLease | undefined {
    return this.guard(() => {
      const sid = parseId(studyId);
      return sid === undefined ? undefined : this.leaseRow(sid);
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
        id: r.id, kind: r.kind, name: r.name, info: this.json<DeviceRecord['info']>(r.info, `device ${r.id}`, 'info'), lastSeenAt: r.last_seen_at,
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
      return rows.map((r) => latencyFromRow(r, (text) => this.json<LatencySample['provenance']>(text, `a latency sample of ${r.device_id}`, 'provenance')));
    });
  }

  addArtifact(a: ArtifactRecord): number {
    return this.write(() => {
      const sid = this.checkRef(a.studyId, a.trialNumber);
      return Number(
        this.stmt(
          `INSERT INTO artifacts (study_id, trial_number, kind, path, bytes, sha256, created_at, settings) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(sid, a.trialNumber ?? null, a.kind, a.path, a.bytes, a.sha256, a.createdAt, a.settings === undefined ? null : JSON.stringify(a.settings)).lastInsertRowid,
      );
    });
  }

  listArtifacts(studyId: string, trialNumber?: number): ArtifactRecord[] {
    return this.guard(() => {
      const sid = parseId(studyId);
      if (sid === undefined) return [];
      const rows = this.stmt('SELECT * FROM artifacts WHERE study_id = @sid AND (@trial IS NULL OR trial_number = @trial) ORDER BY id')
        .all({ sid, trial: trialNumber ?? null }) as ArtifactRow[];
      return rows.map((r) => artifactFromRow(r, (text) => this.json<Record<string, unknown>>(text, `artifact ${r.path}`, 'settings')));
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
    return row && this.studyFromRow(row);
  }

  /**
   * The numeric id of an existing study, or NasError('not-found'). `run`: the write belongs to a
   * study's run, which only the holder of the study's lease (if any) may make.
   */
  private studyId(id: string, run = false): number {
    const sid = parseId(id);
    if (sid === undefined || this.stmt('SELECT 1 FROM studies WHERE id = ?').pluck().get(sid) === undefined) throw studyNotFound(id);
    if (run) this.fence(sid);
    return sid;
  }

  private fence(sid: number): void {
    const lease = this.leaseRow(sid);
    if (lease && this.held.get(sid) !== lease.owner) throw fencedOut(lease);
  }

  private leaseRow(sid: number): StudyLease | undefined {
    if (!this.hasLeases) return undefined;
    const r = this.stmt('SELECT * FROM study_leases WHERE study_id = ?').get(sid) as LeaseRow | undefined;
    return r && { studyId: String(r.study_id), owner: r.owner, pid: r.pid, host: r.host, acquiredAt: r.acquired_at, heartbeatAt: r.heartbeat_at };
  }

  /** JSON.parse of a stored column; a damaged value fails naming where it is. */
  private json<T>(text: string, where: string, column: string): T {
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw new NasError('store-io', `${this.path}: ${where} is damaged: its ${column} is not valid JSON (${errorMessage(e)})`, { cause: e });
    }
  }

  private studyFromRow(r: StudyRow): StudyRecord {
    const where = `study ${r.id}`;
    const spec = this.json<StudySpec>(r.spec, where, 'spec');
    const progress = this.json<StudyProgress>(r.progress, where, 'progress');
    if (spec === null || typeof spec !== 'object' || !Array.isArray(spec.objectives) || spec.budget === null || typeof spec.budget !== 'object') {
      throw new NasError('store-io', `${this.path}: ${where} is damaged: its spec is not a study spec`);
    }
    if (progress === null || typeof progress !== 'object' || typeof progress.evals !== 'number') {
      throw new NasError('store-io', `${this.path}: ${where} is damaged: its progress is not a progress record`);
    }
    return studyFromRow(r, spec, progress);
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
    return rows.map((r) => trialFromRow(r, byTrial.get(r.number) ?? [], this.json<number[]>(r.sample, `trial ${r.number} of study ${sid}`, 'sample')));
  }
}

function statesArgs(states: readonly TrialState[] | undefined): [number | null, string | null] {
  return states === undefined ? [null, null] : [1, JSON.stringify(states)];
}

function studyFromRow(r: StudyRow, spec: StudySpec, progress: StudyProgress): StudyRecord {
  return {
    id: String(r.id),
    spec,
    status: r.status,
    progress,
    createdAt: r.created_at,
    ...(r.started_at !== null && { startedAt: r.started_at }),
    ...(r.finished_at !== null && { finishedAt: r.finished_at }),
    ...(r.error !== null && { error: r.error }),
    ...(r.notes !== null && r.notes !== undefined && { notes: r.notes }),
    ...(r.tags !== null && r.tags !== undefined && { tags: parseTags(r.tags) }),
    ...(r.cpu !== null && r.cpu !== undefined && parseCpu(r.cpu) && { cpu: parseCpu(r.cpu)! }),
  };
}

/** A stored cpu column (JSON StudyCpu); anything else reads as none measured. */
function parseCpu(text: string): StudyCpu | undefined {
  try {
    const c = JSON.parse(text) as Partial<StudyCpu> | null;
    const ok = c !== null && typeof c === 'object' && [c.cpuSeconds, c.wallSeconds, c.cores, c.runs].every((v) => typeof v === 'number' && Number.isFinite(v));
    return ok ? (c as StudyCpu) : undefined;
  } catch {
    return undefined;
  }
}

/** A stored tags column (JSON string[]); anything else reads as no tags. */
function parseTags(text: string): string[] {
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function trialFromRow(r: TrialRow, metricRows: readonly MetricRow[], sample: number[]): TrialRecord {
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
    sample,
    state: r.state,
    metrics: metrics as Metrics,
    fidelity,
    cost: num(r.cost),
    startedAt: r.started_at,
    ...(r.error !== null && { error: r.error }),
    ...(r.finished_at !== null && { finishedAt: r.finished_at }),
  };
}

function latencyFromRow(r: LatencyRow, json: (text: string) => LatencySample['provenance']): LatencySample {
  return {
    deviceId: r.device_id,
    subject: r.subject,
    ...(r.study_id !== null && { studyId: String(r.study_id) }),
    ...(r.trial_number !== null && { trialNumber: r.trial_number }),
    medianMs: num(r.median_ms),
    ...(r.p90_ms !== null && { p90Ms: r.p90_ms }),
    runs: r.runs,
    provenance: json(r.provenance),
    measuredAt: r.measured_at,
  };
}

function artifactFromRow(r: ArtifactRow, json: (text: string) => Record<string, unknown>): ArtifactRecord {
  return {
    studyId: String(r.study_id),
    ...(r.trial_number !== null && { trialNumber: r.trial_number }),
    kind: r.kind,
    path: r.path,
    bytes: r.bytes,
    sha256: r.sha256,
    createdAt: r.created_at,
    ...(typeof r.settings === 'string' && { settings: json(r.settings) }), // no column in a read-only schema-2 file
  };
}

/**
 * `PRAGMA quick_check` (O(file size), milliseconds for a typical database): a damaged file is never
 * written to, since writing could spread the damage and lose what is still readable.
 */
function checkIntegrity(db: Database.Database, path: string): void {
  let problems: string[];
  try {
    problems = db.prepare('PRAGMA quick_check(3)').pluck().all() as string[];
  } catch (e) {
    const code = String((e as { code?: unknown } | null)?.code ?? '');
    if (!code.startsWith('SQLITE_CORRUPT') && !code.startsWith('SQLITE_NOTADB')) throw e;
    problems = [errorMessage(e)];
  }
  if (problems.length === 1 && problems[0] === 'ok') return;
  const detail = problems.join('; ').replace(/\*\*\* in database main \*\*\*\s*/g, '').replace(/\s*\n\s*/g, '; ');
  throw new NasError(
    'store-io',
    `${path} is damaged (${detail.length > 300 ? `${detail.slice(0, 300)}…` : detail}); Frontier will not write to it. 'frontier runs' may still list what is readable; restore it from a backup, or use another database (--db)`,
  );
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
    if (code.startsWith('SQLITE_NOTADB')) return io(`${path} is not a Frontier database (${detail})`);
    if (code.startsWith('SQLITE_CORRUPT')) return io(`${path} is damaged (${detail}); restore it from a backup`);
    if (code === 'SQLITE_READONLY_DIRECTORY' || (code.startsWith('SQLITE_CANTOPEN') && folderReadOnly(path))) {
      return io(`cannot write ${path}: its folder is read-only (SQLite writes its journal next to the file); read-only commands (runs, show, pareto, export) still work, or copy it elsewhere and use --db`);
    }
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

function folderReadOnly(path: string): boolean {
  if (path === ':memory:') return false;
  try {
    fs.accessSync(nodePath.dirname(nodePath.resolve(path)), fs.constants.W_OK);
    return false;
  } catch {
    return true;
  }
}
