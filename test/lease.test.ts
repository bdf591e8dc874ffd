import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, existsSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { StudyId } from '../shared/ipc/contract.js';
import { SqliteStore } from '../main/services/sqlite-store.js';
import { StudyService } from '../main/ipc/services.js';
import { StudyRunner } from '../main/ipc/study-runner.js';
import { BIN, ROOT, cli, cliAsync, json, tempDir } from './cli-helpers.js';

/**
 * One study, several processes: the study's lease (see `Store`) lets one run it and refuses the
 * others, naming the holder; a lease left by a killed process is taken over by `resume`. Plus the
 * database failures around it: damaged rows and files, read-only folders, budgets that never end.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function start(args: readonly string[], db: string): { child: ChildProcess; out: () => string; err: () => string; exit: Promise<number | null> } {
  const child = cliAsync(args, { db });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, out: () => out, err: () => err, exit };
}

/** Reads the database (read-only, as `runs` does) until `pred` holds; fails after ~30 s. */
async function waitFor(db: string, pred: (s: SqliteStore) => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (existsSync(db)) {
      let s: SqliteStore | undefined;
      try {
        s = SqliteStore.open(db, { readonly: true });
        if (s.getStudy('1') && pred(s)) return;
      } catch {
        // the search is still creating the database (the file exists, its tables not yet)
      } finally {
        s?.close();
      }
    }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function trialsOf(db: string, id = '1') {
  const s = SqliteStore.open(db, { readonly: true });
  try {
    return s.getTrials(id);
  } finally {
    s.close();
  }
}

const NB201 = ['search', '--space', 'nb201', '--strategy', 'evolution', '--seed', '3'];

describe('one study, two processes (real frontier binary, one SQLite file)', () => {
  it('a resume while the search runs is refused with who holds it; the search finishes with 0 trials lost', async () => {
    const db = join(tempDir(), 'f.db');
    const search = start([...NB201, '--budget-evals', '40', '--pace', '0.0005'], db);
    await waitFor(db, (s) => s.countTrials('1', ['complete']) >= 3, 'three trials');

    const resume = cli(['resume', '1'], { db });
    expect(resume.code).toBe(1);
    expect(resume.stderr).toMatch(new RegExp(`study 1 is being run by process ${search.child.pid} on host '[^']+' \\(last heartbeat \\d+ s ago\\)`));
    expect(resume.stderr.trim().split('\n')).toHaveLength(1);
    // `runs` and `show` say who runs it.
    expect(cli(['runs'], { db }).stdout).toMatch(new RegExp(`running \\(process ${search.child.pid} on host`));
    expect(cli(['show', '1'], { db }).stdout).toMatch(new RegExp(`— running \\(process ${search.child.pid}`));

    expect(await search.exit, search.err()).toBe(0);
    const trials = trialsOf(db);
    expect(trials.map((t) => t.state)).toEqual(Array(40).fill('complete'));
    expect(trials.map((t) => t.number)).toEqual([...Array(40).keys()]);
    expect(cli(['runs'], { db }).stdout).toMatch(/\bcomplete\b/);
  });

  it('the workbench service refuses Resume of a search the CLI runs, and lists it as running elsewhere', async () => {
    const db = join(tempDir(), 'f.db');
    const search = start([...NB201, '--budget-evals', '30', '--pace', '0.0005'], db);
    await waitFor(db, (s) => s.countTrials('1', ['complete']) >= 2, 'two trials');

    const store = SqliteStore.open(db);
    const runner = new StudyRunner(store, { onTrial: () => undefined, onProgress: () => undefined, onStatus: () => undefined });
    const service = new StudyService(store, runner);
    try {
      const [item] = await service.list();
      expect(item).toMatchObject({ id: '1', status: 'running', active: false, runningElsewhere: { pid: search.child.pid } });
      await expect(service.resume({ id: '1' as StudyId })).rejects.toMatchObject({ code: 'study-busy', message: expect.stringMatching(`process ${search.child.pid}`) });
      expect(() => runner.start('1' as StudyId)).toThrow(/is being run by process/);
      expect(runner.isActive('1')).toBe(false);

      expect(await search.exit, search.err()).toBe(0);
      const [after] = await service.list();
      expect(after).toMatchObject({ status: 'complete', active: false });
      expect(after?.runningElsewhere).toBeUndefined();
    } finally {
      await runner.dispose();
      store.close();
    }
    expect(trialsOf(db).filter((t) => t.state !== 'complete')).toEqual([]);
  });

  it('a lease left by a SIGKILLed search is taken over by resume at once (the holder is dead on this host)', async () => {
    const db = join(tempDir(), 'f.db');
    const search = start([...NB201, '--budget-evals', '40', '--pace', '0.0005'], db);
    await waitFor(db, (s) => s.countTrials('1', ['complete']) >= 5, 'five trials');
    search.child.kill('SIGKILL');
    await search.exit;

    const store = SqliteStore.open(db, { readonly: true });
    expect(store.getLease('1')).toMatchObject({ pid: search.child.pid });
    store.close();
    expect(cli(['runs'], { db }).stdout).toMatch(/\binterrupted\b/);

    const resumed = cli(['resume', '1'], { db });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`left running by process ${search.child.pid} on host .*which is gone: taking it over`));
    const trials = trialsOf(db);
    expect(trials.filter((t) => t.state === 'complete')).toHaveLength(40);
    expect(trials.filter((t) => t.state === 'failed').length).toBeLessThanOrEqual(1);
    const after = SqliteStore.open(db, { readonly: true });
    expect(after.getLease('1')).toBeUndefined();
    after.close();
  });
});

describe('budgets', () => {
  it('wall-clock budget across kill + resume: the time up to the kill counts (heartbeat), not just up to the last finished trial', async () => {
    const db = join(tempDir(), 'f.db');
    // Each evaluation takes 4 s of real time (cost 4 simulated s, paced 1:1); the budget is 5 s.
    const search = start([...NB201, '--cost', '4', '--pace', '1', '--budget-wall', '5s'], db);
    await waitFor(db, (s) => (s.getStudy('1')?.progress.wallMs ?? 0) >= 2_000, 'two seconds of recorded wall time');
    search.child.kill('SIGKILL');
    await search.exit;
    const s = SqliteStore.open(db, { readonly: true });
    const killed = s.getStudy('1')!;
    s.close();
    // No trial finished before the kill, so before the heartbeat this was 0.
    expect(killed.progress.evals).toBe(0);
    expect(killed.progress.wallMs).toBeGreaterThanOrEqual(2_000);

    const r = json<{ status: string; wallSeconds: number; evaluations: number }>(cli(['resume', '1', '--json'], { db }));
    expect(r.status).toBe('complete');
    expect(r.wallSeconds).toBeGreaterThanOrEqual(5);
    // The resumed run had at most 3 s of budget left: one 4 s trial, not two.
    expect(r.evaluations).toBe(1);
  });

  it('a zero or negative cost under a simulated-seconds budget is refused instead of running forever', () => {
    const dir = tempDir();
    const db = join(dir, 'f.db');
    const zero = cli(['search', '--space', 'nb201', '--cost', 'train_time_200ep_c10valid*0', '--budget-seconds', '100'], { db });
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/cost 'train_time_200ep_c10valid\*0' must be above 0 simulated seconds per evaluation/);
    expect(zero.stderr.trim().split('\n')).toHaveLength(1);

    // A cost column with zero and negative values: the study fails at the first, naming it.
    const table = join(dir, 'cost.csv');
    const rows = readFileSync(join(ROOT, 'resources', 'nb201', 'accuracy.csv'), 'utf8').trim().split('\n').slice(1);
    writeFileSync(table, ['index,my_cost', ...rows.map((r, i) => `${r.split(',')[0]},${i % 2 ? -1 : 0}`)].join('\n') + '\n');
    const negative = cli(['search', '--space', 'nb201', '--table', join(ROOT, 'resources', 'nb201', 'accuracy.csv'), '--known-table', table, '--objective', 'c10_valid_12ep:max', '--cost', 'my_cost', '--budget-seconds', '100'], { db });
    expect(negative.code).toBe(1);
    expect(negative.stderr).toMatch(/would cost (0|-1) simulated seconds: a simulated-seconds budget needs every evaluation to cost more than 0/);
  });
});

describe('damaged databases', () => {
  it('one bad JSON row: runs lists the others and names the study; show names it; the others still show', () => {
    const db = join(tempDir(), 'f.db');
    for (let i = 0; i < 3; i++) expect(cli([...NB201, '--budget-evals', '3', '--json'], { db }).code).toBe(0);
    const raw = new Database(db);
    raw.prepare("UPDATE studies SET spec = '{\"name\": broken' WHERE id = 2").run();
    raw.prepare("UPDATE trials SET sample = '[1, 2' WHERE study_id = 3 AND number = 1").run();
    raw.close();

    const runs = cli(['runs'], { db });
    expect(runs.code).toBe(1);
    expect(runs.stdout).toMatch(/^1\s+nb201 evolution\s+complete/m);
    expect(runs.stdout).toMatch(/^2\s+\(damaged record\)/m);
    expect(runs.stdout).toMatch(/^3\s+nb201 evolution\s+complete.*damaged trial rows/m);
    expect(runs.stderr).toMatch(/study 2 is damaged: its spec is not valid JSON/);
    expect(runs.stderr).toMatch(/trial 1 of study 3 is damaged: its sample is not valid JSON/);
    expect(runs.stderr).not.toMatch(/at .*\.ts:\d+/);
    const listed = json<{ id: string; damaged?: boolean }[]>(cli(['runs', '--json'], { db }));
    expect(listed.map((r) => [r.id, r.damaged ?? false])).toEqual([['3', false], ['1', false], ['2', true]]);

    const show = cli(['show', '2'], { db });
    expect(show.code).toBe(1);
    expect(show.stderr).toMatch(new RegExp(`^frontier: ${db.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: study 2 is damaged: its spec is not valid JSON`));
    expect(cli(['show', '1'], { db }).code).toBe(0);
  });

  it('the workbench list shows the damaged study named, and the rest', async () => {
    const db = join(tempDir(), 'f.db');
    for (let i = 0; i < 2; i++) expect(cli([...NB201, '--budget-evals', '2', '--json'], { db }).code).toBe(0);
    const raw = new Database(db);
    raw.prepare("UPDATE studies SET progress = 'nope' WHERE id = 1").run();
    raw.close();
    const store = SqliteStore.open(db);
    const runner = new StudyRunner(store, { onTrial: () => undefined, onProgress: () => undefined, onStatus: () => undefined });
    try {
      const list = await new StudyService(store, runner).list();
      expect(list.map((s) => [s.id, s.damaged ?? false])).toEqual([['2', false], ['1', true]]);
      expect(list[1]?.error).toMatch(/study 1 is damaged: its progress is not valid JSON/);
    } finally {
      await runner.dispose();
      store.close();
    }
  });

  it('garbage in the middle of the file: search refuses to write to it (and leaves it as it was)', () => {
    const db = join(tempDir(), 'f.db');
    for (let i = 0; i < 4; i++) expect(cli([...NB201, '--budget-evals', '60', '--json'], { db }).code).toBe(0);
    const size = statSync(db).size;
    expect(size).toBeGreaterThan(8 * 4096);
    const fd = openSync(db, 'r+');
    writeSync(fd, Buffer.alloc(4096 * 3, 0x5a), 0, 4096 * 3, 4096 * 4); // pages 5-7
    closeSync(fd);
    const hash = () => createHash('sha256').update(readFileSync(db)).digest('hex');
    const before = hash();

    const search = cli([...NB201, '--budget-evals', '5'], { db });
    expect(search.code).toBe(1);
    expect(search.stderr).toMatch(/is damaged \(.*\); Frontier will not write to it/);
    expect(search.stderr.trim().split('\n')).toHaveLength(1);
    expect(cli(['resume', '1'], { db }).stderr).toMatch(/Frontier will not write to it/);
    expect(hash()).toBe(before);
  });
});

describe('a database in a read-only folder', () => {
  /** Runs the CLI as a user who cannot write the folder (root writes anywhere: drop to nobody). */
  function asReader(args: readonly string[], db: string) {
    const asRoot = process.getuid?.() === 0;
    const cmd = asRoot ? 'setpriv' : process.execPath;
    const argv = asRoot ? ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args] : [BIN, ...args];
    const r = spawnSync(cmd, argv, { cwd: ROOT, env: { ...process.env, FRONTIER_DB: db, HOME: '/tmp' }, encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it('runs, show, pareto and export work; search says writing is impossible, in one line', () => {
    const dir = tempDir();
    const db = join(dir, 'f.db');
    expect(cli([...NB201, '--budget-evals', '20', '--json'], { db }).code).toBe(0);
    expect(existsSync(`${db}-wal`)).toBe(false); // closed cleanly: SQLite must create -shm to read it
    chmodSync(dir, 0o555);
    chmodSync(db, 0o444);
    try {
      const runs = asReader(['runs'], db);
      expect(runs.stderr).toBe('');
      expect(runs.code).toBe(0);
      expect(runs.stdout).toMatch(/^1\s+nb201 evolution\s+complete/m);
      expect(asReader(['show', '1'], db).stdout).toMatch(/Pareto front/);
      expect(asReader(['pareto', '1', '--json'], db).code).toBe(0);
      expect(asReader(['export', '1', '--format', 'csv'], db).stdout.split('\n').length).toBeGreaterThan(20);

      const search = asReader([...NB201, '--budget-evals', '5'], db);
      expect(search.code).toBe(1);
      expect(search.stderr).toMatch(/cannot write .*f\.db: its folder is read-only/);
      expect(search.stderr.trim().split('\n')).toHaveLength(1);
    } finally {
      chmodSync(dir, 0o755);
    }
  });
});
