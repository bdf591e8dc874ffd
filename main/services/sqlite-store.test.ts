import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NasError } from '../../shared/errors.js';
import { SPEC, describeStoreContract, progress, result } from '../../test/store-contract.js';
import { MIGRATIONS, migrate } from './sqlite-migrations.js';
import { SqliteStore, toStoreError } from './sqlite-store.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function tempDir(): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontier-store-'));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

function catchError(fn: () => unknown): NasError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(NasError);
    return e as NasError;
  }
  throw new Error('expected an error');
}

/** The private connection, for tests that must provoke SQLite failures. */
const rawDb = (store: SqliteStore) => (store as unknown as { db: Database.Database }).db;

describeStoreContract('SqliteStore (file)', () => {
  const { dir, cleanup } = tempDir();
  const file = path.join(dir, 'nested', 'dir', 'frontier.db');
  return { store: SqliteStore.open(file), cleanup, reopen: () => SqliteStore.open(file) };
});

describeStoreContract('SqliteStore (:memory:)', () => ({ store: SqliteStore.open(':memory:') }));

describe('SqliteStore on disk', () => {
  let dir: string;
  let cleanup: () => void;
  let file: string;
  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    file = path.join(dir, 'frontier.db');
  });
  afterEach(() => cleanup());

  it('creates parent folders and configures WAL, NORMAL sync, foreign keys, busy timeout', () => {
    const deep = path.join(dir, 'a', 'b', 'c.db');
    const store = SqliteStore.open(deep);
    const db = rawDb(store);
    expect(fs.existsSync(deep)).toBe(true);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    store.close();
  });

  it('keeps everything after close and reopen, and continues ids', () => {
    let store = SqliteStore.open(file);
    const id = store.createStudy(SPEC, 1).id;
    store.setStudyStatus(id, 'running', 2);
    store.createTrial(id, { key: 'a', sample: [1, 2] }, 3);
    store.createTrial(id, { key: 'b', sample: [3, 4] }, 4);
    store.appendCurve(id, 0, [{ step: 1, metric: 'loss', value: 0.5 }]);
    store.finishTrial(id, 0, result(), { progress: progress(1), strategyState: { gen: 1 } });
    store.upsertDevice({ id: 'dev', kind: 'android', name: 'Pixel', info: { soc: 'Tensor' }, lastSeenAt: 5 });
    store.addLatencySample({ deviceId: 'dev', subject: 'a', studyId: id, trialNumber: 0, medianMs: 3, runs: 5, provenance: {}, measuredAt: 6 });
    store.addArtifact({ studyId: id, trialNumber: 0, kind: 'tflite', path: '/a', bytes: 1, sha256: 'h', createdAt: 7 });
    const before = {
      study: store.getStudy(id), trials: store.getTrials(id), checkpoint: store.getCheckpoint(id), curve: store.getCurve(id, 0),
      devices: store.listDevices(), latency: store.getLatencySamples(), artifacts: store.listArtifacts(id),
    };
    store.close();

    store = SqliteStore.open(file);
    expect({
      study: store.getStudy(id), trials: store.getTrials(id), checkpoint: store.getCheckpoint(id), curve: store.getCurve(id, 0),
      devices: store.listDevices(), latency: store.getLatencySamples(), artifacts: store.listArtifacts(id),
    }).toEqual(before);
    expect(before.trials.map((t) => t.state)).toEqual(['complete', 'running']);
    expect(before.study!.progress).toEqual(progress(1));
    expect(store.createTrial(id, { key: 'c', sample: [] }, 8)).toBe(2);
    expect(Number(store.createStudy(SPEC, 9).id)).toBe(Number(id) + 1);
    store.close();
  });

  it('keeps a finished trial when the process is SIGKILLed right after finishTrial', async () => {
    const setup = SqliteStore.open(file);
    const id = setup.createStudy(SPEC, 1).id;
    setup.setStudyStatus(id, 'running', 2);
    setup.createTrial(id, { key: 'a', sample: [1] }, 3);
    setup.close();

    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/fixtures/store-finish-trial.ts'), file, id, '0'], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('ok\n')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`child exited (${code}) before finishing: ${stderr}`)));
    });
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    // The commit lives only in the WAL: the killed process never checkpointed it into the main file.
    expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(0);

    const store = SqliteStore.open(file);
    const t = store.getTrial(id, 0)!;
    expect(t).toMatchObject({ state: 'complete', fidelity: { acc: 'epochs:200' }, cost: 42, finishedAt: 9_000 });
    expect(t.metrics['acc']).toBe(0.875);
    expect(Number.isNaN(t.metrics['lat'])).toBe(true);
    expect(store.getStudy(id)!.progress).toEqual({ evals: 1, failed: 0, rejected: 2, costSeconds: 42, wallMs: 1234 });
    expect(store.getCheckpoint(id)!.strategyState).toEqual({ generation: 3, population: [[0, 1], [2, 3]] });
    store.close();
  });

  it('rolls back the whole finishTrial when any write fails', () => {
    const store = SqliteStore.open(file);
    const id = store.createStudy(SPEC, 1).id;
    store.setStudyStatus(id, 'running', 2);
    store.createTrial(id, { key: 'a', sample: [1] }, 3);
    // Make the third write of the transaction (the second metric) fail after two writes succeeded.
    rawDb(store).exec(`CREATE TRIGGER boom BEFORE INSERT ON trial_metrics WHEN NEW.name = 'lat'
                       BEGIN SELECT RAISE(ABORT, 'injected failure'); END`);
    expect(() => store.finishTrial(id, 0, result(), { progress: progress(1), strategyState: { gen: 1 } })).toThrow(/injected failure/);
    expect(store.getTrial(id, 0)).toMatchObject({ state: 'running', metrics: {}, fidelity: {} });
    expect(store.getTrial(id, 0)!.finishedAt).toBeUndefined();
    expect(store.getStudy(id)!.progress.evals).toBe(0);
    expect(store.getCheckpoint(id)).toBeUndefined();
    rawDb(store).exec('DROP TRIGGER boom');
    store.finishTrial(id, 0, result(), { progress: progress(1), strategyState: { gen: 1 } });
    expect(store.getTrial(id, 0)!.state).toBe('complete');
    store.close();
  });

  it('reports a full disk as store-io "disk is full"', () => {
    const store = SqliteStore.open(file);
    const id = store.createStudy(SPEC, 1).id;
    const db = rawDb(store);
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
    const big = { ...SPEC, spaceOptions: { blob: 'x'.repeat(200_000) } };
    const err = catchError(() => store.createStudy(big, 2));
    expect(err.code).toBe('store-io');
    expect(err.message).toMatch(/disk is full/);
    expect(err.message).toContain(file);
    expect(store.listStudies().map((s) => s.id)).toEqual([id]);
    store.close();
  });
});

describe('SqliteStore migrations and bad files', () => {
  let dir: string;
  let cleanup: () => void;
  let file: string;
  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    file = path.join(dir, 'frontier.db');
  });
  afterEach(() => cleanup());

  const tables = (f: string) => {
    const db = new Database(f, { readonly: true });
    try {
      const names = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
      return { names, version: db.pragma('user_version', { simple: true }) };
    } finally {
      db.close();
    }
  };

  it('migrates an empty database at user_version 0', () => {
    const db = new Database(file);
    db.pragma('user_version = 0');
    db.exec('VACUUM');
    db.close();
    SqliteStore.open(file).close();
    const { names, version } = tables(file);
    expect(version).toBe(MIGRATIONS.length);
    expect(names).toEqual(expect.arrayContaining(['studies', 'trials', 'trial_metrics', 'curves', 'devices', 'latency_samples', 'artifacts']));
  });

  it('refuses a database from a newer version with a clear error, leaving it untouched', () => {
    const db = new Database(file);
    db.pragma('user_version = 999');
    db.close();
    const err = catchError(() => SqliteStore.open(file));
    expect(err.code).toBe('store-io');
    expect(err.message).toContain(file);
    expect(err.message).toContain(`newer version of Frontier (schema version 999; this build knows up to ${MIGRATIONS.length})`);
    expect(tables(file)).toEqual({ names: [], version: 999 });
  });

  it('refuses a SQLite database of another application', () => {
    const db = new Database(file);
    db.exec('CREATE TABLE photos (id INTEGER)');
    db.close();
    const err = catchError(() => SqliteStore.open(file));
    expect(err.code).toBe('store-io');
    expect(err.message).toBe(`${file} is not a Frontier database (it already holds tables: photos)`);
  });

  it('applies pending migrations in order and all-or-nothing', () => {
    const db = new Database(file);
    const steps = [
      (d: Database.Database) => d.exec('CREATE TABLE one (x)'),
      (d: Database.Database) => d.exec('CREATE TABLE two (x)'),
      () => {
        throw new Error('migration 3 failed');
      },
    ];
    expect(() => migrate(db, file, steps)).toThrow('migration 3 failed');
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    expect(db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").pluck().get()).toBe(0);
    migrate(db, file, steps.slice(0, 1));
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    migrate(db, file, steps.slice(0, 2)); // only step 2 runs: step 1 would fail with "table one already exists"
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all()).toEqual(['one', 'two']);
    db.close();
  });

  it('reports a corrupt file as store-io naming the path, without changing it', () => {
    const junk = crypto.randomBytes(8192);
    fs.writeFileSync(file, junk);
    const err = catchError(() => SqliteStore.open(file));
    expect(err.code).toBe('store-io');
    expect(err.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a Frontier database \\(`));
    expect(fs.readFileSync(file).equals(junk)).toBe(true);
  });

  it('reports a path it cannot create as store-io', () => {
    fs.writeFileSync(path.join(dir, 'plain-file'), 'x');
    const err = catchError(() => SqliteStore.open(path.join(dir, 'plain-file', 'sub', 'frontier.db')));
    expect(err.code).toBe('store-io');
    expect(err.message).toContain('plain-file');
  });
});

describe('SqliteStore: read-only handles, damaged rows and damaged files', () => {
  let dir: string;
  let cleanup: () => void;
  let file: string;
  beforeEach(() => {
    ({ dir, cleanup } = tempDir());
    file = path.join(dir, 'frontier.db');
  });
  afterEach(() => cleanup());

  /** Three studies, the middle one with a trial. */
  const seed = () => {
    const s = SqliteStore.open(file);
    const ids = [s.createStudy(SPEC, 1).id, s.createStudy(SPEC, 2).id, s.createStudy(SPEC, 3).id];
    s.setStudyStatus(ids[1]!, 'running', 4);
    s.createTrial(ids[1]!, { key: 'a', sample: [1] }, 5);
    s.close();
    return ids;
  };

  it('a read-only handle reads everything and refuses every write as store-io, changing nothing', () => {
    const ids = seed();
    const before = fs.readFileSync(file);
    const ro = SqliteStore.open(file, { readonly: true });
    try {
      expect(ro.listStudies().map((r) => r.id)).toEqual([...ids].reverse());
      expect(ro.getTrials(ids[1]!)).toHaveLength(1);
      expect(ro.getLease(ids[1]!)).toBeUndefined();
      for (const write of [() => ro.createStudy(SPEC, 9), () => ro.createTrial(ids[1]!, { key: 'b', sample: [2] }, 9), () => ro.setStudyStatus(ids[0]!, 'running', 9)]) {
        const e = catchError(write);
        expect(e.code).toBe('store-io');
        expect(e.message).toMatch(/read-only|readonly/);
      }
    } finally {
      ro.close();
    }
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(catchError(() => SqliteStore.open(path.join(dir, 'none.db'), { readonly: true })).message).toMatch(/no database at .*none\.db/);
    expect(fs.existsSync(path.join(dir, 'none.db'))).toBe(false);
  });

  it('a row with bad JSON fails naming its study (and trial); the list leaves it out and reports it', () => {
    const ids = seed();
    const raw = new Database(file);
    raw.prepare('UPDATE studies SET spec = ? WHERE id = ?').run('{"name": ', Number(ids[0]));
    raw.prepare('UPDATE trials SET sample = ? WHERE study_id = ?').run('[1,', Number(ids[1]));
    raw.close();
    const s = SqliteStore.open(file);
    try {
      const e = catchError(() => s.getStudy(ids[0]!));
      expect(e.code).toBe('store-io');
      expect(e.message).toBe(`${file}: study ${ids[0]} is damaged: its spec is not valid JSON (${e.message.split('(').slice(1).join('(')}`);
      const damaged: string[] = [];
      expect(s.listStudies((id, err) => damaged.push(`${id}: ${err.message}`)).map((r) => r.id)).toEqual([ids[2], ids[1]]);
      expect(damaged).toEqual([expect.stringMatching(new RegExp(`^${ids[0]}: .*study ${ids[0]} is damaged`))]);
      expect(catchError(() => s.getTrials(ids[1]!)).message).toMatch(new RegExp(`trial 0 of study ${ids[1]} is damaged: its sample is not valid JSON`));
      expect(s.countTrials(ids[1]!)).toBe(1);
    } finally {
      s.close();
    }
  });

  it('a file damaged in its middle is refused for writing (quick_check), untouched, and still opens read-only', () => {
    const w = SqliteStore.open(file);
    const id = w.createStudy(SPEC, 1).id;
    w.setStudyStatus(id, 'running', 2);
    for (let i = 0; i < 400; i++) w.createTrial(id, { key: `k${i}`.repeat(20), sample: [i] }, 3);
    w.close();
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(4096 * 2, 0xa5), 0, 4096 * 2, 4096 * 3);
    fs.closeSync(fd);
    const before = fs.readFileSync(file);
    const err = catchError(() => SqliteStore.open(file));
    expect(err.code).toBe('store-io');
    expect(err.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is damaged \\(.+\\); Frontier will not write to it`));
    expect(err.message).not.toMatch(/\n/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    const ro = SqliteStore.open(file, { readonly: true });
    expect(ro.getStudy(id)?.status).toBe('running');
    ro.close();
    // Skipping the check (explicitly) still opens it.
    SqliteStore.open(file, { check: false }).close();
  });
});

describe('toStoreError', () => {
  const sqlite = (code: string, message: string) => new Database.SqliteError(message, code);
  it.each([
    ['SQLITE_FULL', 'database or disk is full', /^cannot write \/d\/f\.db: the disk is full \(database or disk is full\)$/],
    ['SQLITE_IOERR_WRITE', 'disk I/O error', /^I\/O error on \/d\/f\.db \(disk I\/O error\)$/],
    ['SQLITE_IOERR_FSYNC', 'disk I/O error', /^I\/O error on \/d\/f\.db/],
    ['SQLITE_READONLY', 'attempt to write a readonly database', /^cannot write \/d\/f\.db: it is read-only/],
    ['SQLITE_READONLY_DBMOVED', 'attempt to write a readonly database', /read-only/],
    ['SQLITE_BUSY', 'database is locked', /^\/d\/f\.db is locked by another process/],
    ['SQLITE_NOTADB', 'file is not a database', /^\/d\/f\.db is not a Frontier database \(file is not a database\)$/],
    ['SQLITE_CORRUPT', 'database disk image is malformed', /^\/d\/f\.db is damaged/],
  ])('maps %s', (code, message, expected) => {
    const e = toStoreError(sqlite(code, message), '/d/f.db', false);
    expect(e).toBeInstanceOf(NasError);
    expect((e as NasError).code).toBe('store-io');
    expect((e as NasError).message).toMatch(expected);
  });

  it('passes NasErrors and programming errors through', () => {
    const nas = new NasError('not-found', 'x');
    expect(toStoreError(nas, '/f', false)).toBe(nas);
    const bug = new RangeError('Too many parameter values were provided');
    expect(toStoreError(bug, '/f', false)).toBe(bug);
  });
});
