import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../main/services/sqlite-store.js';
import { cli, cliAsync, json, tempDir } from './cli-helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function finishedKeys(db: string, id: string): { keys: string[]; states: string[]; numbers: number[] } {
  const store = SqliteStore.open(db);
  try {
    const trials = store.getTrials(id);
    const done = trials.filter((t) => t.state !== 'failed' || !t.error?.startsWith('interrupted'));
    return { keys: done.map((t) => t.key), states: trials.map((t) => t.state), numbers: trials.map((t) => t.number) };
  } finally {
    store.close();
  }
}

describe('a search killed at any point resumes from the store', () => {
  it('SIGKILL mid-run, then `frontier resume`: nothing lost, nothing repeated, same result as an uninterrupted run', async () => {
    const dir = tempDir();
    const db = join(dir, 'f.db');
    const args = ['search', '--space', 'nb201', '--strategy', 'evolution', '--budget-evals', '60', '--seed', '11'];

    const reference = json<{ studyId: string; pareto: unknown }>(cli([...args, '--json'], { db }));

    // The same search replayed in real time (about 50 ms per evaluation), killed without warning.
    const child = cliAsync([...args, '--pace', '0.0005'], { db });
    const id = String(Number(reference.studyId) + 1);
    let seen = 0;
    for (let i = 0; i < 300 && seen < 15; i++) {
      await sleep(100);
      const store = SqliteStore.open(db);
      try {
        seen = store.countTrials(id, ['complete']);
      } finally {
        store.close();
      }
    }
    expect(seen).toBeGreaterThanOrEqual(15);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const store = SqliteStore.open(db);
    const killed = store.getStudy(id);
    const before = store.countTrials(id, ['complete']);
    store.close();
    expect(killed?.status).toBe('running');
    expect(before).toBeLessThan(60);

    const resumed = cli(['resume', id, '--json'], { db });
    expect(resumed.code, resumed.stderr).toBe(0);
    const out = json<{ evaluations: number; status: string; pareto: unknown }>(resumed);
    expect(out.status).toBe('complete');
    expect(out.evaluations).toBe(60);
    // Trial numbers may shift by the one interrupted trial; the front itself is the same.
    const strip = (front: unknown) => (front as { trial: number }[]).map(({ trial: _t, ...rest }) => rest);
    expect(strip(out.pareto)).toEqual(strip(reference.pareto));

    const ref = finishedKeys(db, reference.studyId);
    const got = finishedKeys(db, id);
    expect(got.keys).toEqual(ref.keys);
    expect(new Set(got.numbers).size).toBe(got.numbers.length);
    // At most the one trial in flight at the kill is marked interrupted.
    expect(got.states.filter((s) => s === 'failed').length).toBeLessThanOrEqual(1);
    expect(got.states.filter((s) => s === 'complete')).toHaveLength(60);
  });

  it('Ctrl-C (SIGINT) stops cleanly with status stopped, and resume finishes it', async () => {
    const dir = tempDir();
    const db = join(dir, 'f.db');
    const child = cliAsync(['search', '--space', 'nb201', '--budget-evals', '80', '--pace', '0.0005', '--seed', '5'], { db });
    let stdout = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    for (let i = 0; i < 300; i++) {
      await sleep(100);
      const store = SqliteStore.open(db);
      const n = store.getStudy('1') ? store.countTrials('1', ['complete']) : 0;
      store.close();
      if (n >= 5) break;
    }
    child.kill('SIGINT');
    const code = await new Promise((r) => child.once('exit', r));
    expect(code).toBe(130);
    expect(stdout).toMatch(/study 1 stopped/);
    expect(stdout).toMatch(/resume with: frontier resume 1/);
    const store = SqliteStore.open(db);
    expect(store.getStudy('1')?.status).toBe('stopped');
    expect(store.countTrials('1', ['running'])).toBe(0);
    expect(store.getLease('1')).toBeUndefined(); // a stop releases the lease: anyone may resume at once
    store.close();
    const r = json<{ evaluations: number; status: string }>(cli(['resume', '1', '--json'], { db }));
    expect(r.status).toBe('complete');
    expect(r.evaluations).toBe(80);
    expect(cli(['resume', '1'], { db }).stderr).toMatch(/study 1 is already complete/);
  });
});
