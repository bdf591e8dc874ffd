import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { nb201Spec } from '../../test/fixtures/nb201-spec.js';
import { InMemoryStore } from '../core/in-memory-store.js';
import { SqliteStore } from './sqlite-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('a study\'s CPU use, kept per search', () => {
  it('sums runs in the SQLite file, survives a reopen, and reads a damaged value as none', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontier-cpu-'));
    dirs.push(dir);
    const file = path.join(dir, 's.db');
    let store = SqliteStore.open(file);
    const { id } = store.createStudy(nb201Spec(), 0);
    expect(store.getStudy(id)!.cpu).toBeUndefined();
    store.addStudyCpu(id, { cpuSeconds: 3, wallSeconds: 10, cores: 2, accelerator: null });
    store.addStudyCpu(id, { cpuSeconds: 1.5, wallSeconds: 5, cores: 4, accelerator: 'cpu' });
    store.close();
    store = SqliteStore.open(file);
    expect(store.getStudy(id)!.cpu).toEqual({ cpuSeconds: 4.5, wallSeconds: 15, cores: 4, accelerator: 'cpu', runs: 2 });
    expect(store.listStudies().find((s) => s.id === id)!.cpu?.runs).toBe(2);
    store.close();
    const db = new Database(file);
    db.prepare('UPDATE studies SET cpu = ? WHERE id = ?').run('{"cpuSeconds": "lots"', Number(id));
    db.close();
    store = SqliteStore.open(file);
    expect(store.getStudy(id)!.cpu).toBeUndefined();
    // A damaged value is replaced by the next run's, not added to.
    store.addStudyCpu(id, { cpuSeconds: 2, wallSeconds: 4, cores: 2, accelerator: null });
    expect(store.getStudy(id)!.cpu).toEqual({ cpuSeconds: 2, wallSeconds: 4, cores: 2, accelerator: null, runs: 1 });
    expect(() => store.addStudyCpu('999', { cpuSeconds: 1, wallSeconds: 1, cores: 1, accelerator: null })).toThrow(/999/);
    store.close();
  });

  it('sums runs in memory too', () => {
    const store = new InMemoryStore();
    const { id } = store.createStudy(nb201Spec(), 0);
    store.addStudyCpu(id, { cpuSeconds: 1, wallSeconds: 2, cores: 2, accelerator: null });
    store.addStudyCpu(id, { cpuSeconds: 1, wallSeconds: 2, cores: 2, accelerator: null });
    expect(store.getStudy(id)!.cpu).toEqual({ cpuSeconds: 2, wallSeconds: 4, cores: 2, accelerator: null, runs: 2 });
  });
});
