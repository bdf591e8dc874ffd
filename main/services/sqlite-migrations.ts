import type Database from 'better-sqlite3';
import { NasError } from '../../shared/errors.js';

/** One schema step. Migration `i` (0-based) takes a database from `user_version = i` to `i + 1`. */
export type Migration = (db: Database.Database) => void;

/**
 * The schema history, oldest first. Never edit a released entry: append a new one.
 * JSON columns hold plain data; REAL NULL stands for NaN where a number is required.
 */
export const MIGRATIONS: readonly Migration[] = [
  (db) =>
    db.exec(`
      CREATE TABLE studies (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        name        TEXT NOT NULL,
        spec        TEXT NOT NULL,          -- JSON StudySpec
        status      TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        started_at  INTEGER,
        finished_at INTEGER,
        error       TEXT,
        progress    TEXT NOT NULL,          -- JSON StudyProgress
        checkpoint  TEXT                    -- JSON Checkpoint (progress + strategy state); NULL until a trial finishes
      );
      CREATE TABLE trials (
        study_id    INTEGER NOT NULL REFERENCES studies(id),
        number      INTEGER NOT NULL,
        key         TEXT NOT NULL,
        sample      TEXT NOT NULL,          -- JSON number[]
        state       TEXT NOT NULL,
        cost        REAL,                   -- NULL = NaN
        error       TEXT,
        started_at  INTEGER NOT NULL,
        finished_at INTEGER,
        PRIMARY KEY (study_id, number)
      );
      CREATE INDEX trials_by_state ON trials (study_id, state, number);
      CREATE TABLE trial_metrics (
        study_id INTEGER NOT NULL,
        number   INTEGER NOT NULL,
        name     TEXT NOT NULL,
        value    REAL,                      -- NULL = NaN
        fidelity TEXT,
        PRIMARY KEY (study_id, number, name),
        FOREIGN KEY (study_id, number) REFERENCES trials (study_id, number)
      );
      CREATE TABLE curves (
        study_id INTEGER NOT NULL,
        number   INTEGER NOT NULL,
        step     REAL NOT NULL,
        metric   TEXT NOT NULL,
        value    REAL,                      -- NULL = NaN
        FOREIGN KEY (study_id, number) REFERENCES trials (study_id, number)
      );
      CREATE INDEX curves_by_trial ON curves (study_id, number);
      CREATE TABLE devices (
        id           TEXT PRIMARY KEY,
        kind         TEXT NOT NULL,
        name         TEXT NOT NULL,
        info         TEXT NOT NULL,         -- JSON
        last_seen_at INTEGER NOT NULL
      );
      CREATE TABLE latency_samples (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        device_id    TEXT NOT NULL,         -- no foreign key: samples may be imported for devices never seen here
        subject      TEXT NOT NULL,
        study_id     INTEGER REFERENCES studies(id),
        trial_number INTEGER,
        median_ms    REAL,                  -- NULL = NaN
        p90_ms       REAL,
        runs         INTEGER NOT NULL,
        provenance   TEXT NOT NULL,         -- JSON
        measured_at  INTEGER NOT NULL,
        FOREIGN KEY (study_id, trial_number) REFERENCES trials (study_id, number)
      );
      CREATE INDEX latency_by_device_subject ON latency_samples (device_id, subject);
      CREATE INDEX latency_by_study ON latency_samples (study_id);
      CREATE TABLE artifacts (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        study_id     INTEGER NOT NULL REFERENCES studies(id),
        trial_number INTEGER,
        kind         TEXT NOT NULL,
        path         TEXT NOT NULL,
        bytes        INTEGER NOT NULL,
        sha256       TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        FOREIGN KEY (study_id, trial_number) REFERENCES trials (study_id, number)
      );
      CREATE INDEX artifacts_by_trial ON artifacts (study_id, trial_number);
    `),
  (db) =>
    db.exec(`
      CREATE TABLE study_leases (             -- who runs a study now (see Store: leases)
        study_id     INTEGER PRIMARY KEY REFERENCES studies(id),
        owner        TEXT NOT NULL,           -- random token of the run
        pid          INTEGER NOT NULL,
        host         TEXT NOT NULL,
        acquired_at  INTEGER NOT NULL,
        heartbeat_at INTEGER NOT NULL
      );
    `),
  // Artifacts double as the exports table: each export (ONNX, TensorFlow.js, TFLite, report) and
  // each retrained trial's weights, with its source trial, path, checksum, time and now settings.
  (db) => db.exec(`ALTER TABLE artifacts ADD COLUMN settings TEXT;  -- JSON ArtifactRecord.settings; NULL when none`),
  // The user's notes and tags on a study (the workbench's Searches list).
  (db) => db.exec(`
    ALTER TABLE studies ADD COLUMN notes TEXT;  -- NULL when none
    ALTER TABLE studies ADD COLUMN tags TEXT;   -- JSON string[]; NULL when none
  `),
  // A study's CPU use summed over its runs in a workbench (StudyRecord.cpu), kept after the run.
  (db) => db.exec(`ALTER TABLE studies ADD COLUMN cpu TEXT;  -- JSON StudyCpu; NULL when no run was measured`),
];

/**
 * Brings `db` up to the newest schema in one IMMEDIATE transaction (so two processes opening a
 * fresh file cannot both migrate it). Refuses databases from a newer build and non-Frontier
 * databases that already hold tables.
 */
export function migrate(db: Database.Database, path: string, migrations: readonly Migration[] = MIGRATIONS): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > migrations.length) {
      throw new NasError(
        'store-io',
        `${path} was written by a newer version of Frontier (schema version ${version}; this build knows up to ${migrations.length}). Update Frontier or choose another database.`,
      );
    }
    if (version === 0) {
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .pluck()
        .all() as string[];
      if (tables.length > 0) {
        throw new NasError('store-io', `${path} is not a Frontier database (it already holds tables: ${tables.join(', ')})`);
      }
    }
    for (let v = version; v < migrations.length; v++) {
      migrations[v]!(db);
      db.pragma(`user_version = ${v + 1}`);
    }
  }).immediate();
}
