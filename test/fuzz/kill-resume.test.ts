import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../main/services/sqlite-store.js';
import { cli, cliAsync, json, tempDir } from '../cli-helpers.js';

/**
 * kill -9 at random points, then `frontier resume`, N times: no finished trial may be lost or
 * repeated, whatever the search was doing when it died (evaluating, committing a trial, starting,
 * taking over the previous lease). Each round: a paced search killed a random delay after it began,
 * a resume killed a random delay after it took the lease half of the time, then a resume to the end; the finished
 * trials must be exactly those of an uninterrupted run with the same seed.
 *
 * CI runs 2 rounds; more by a command, e.g. FRONTIER_KILL_RUNS=50 npx vitest run test/fuzz/kill-resume.test.ts
 * (FRONTIER_FUZZ_SEED picks another seed). The summary line gives the numbers.
 */

const RUNS = Number(process.env.FRONTIER_KILL_RUNS ?? 2);
const SEED = Number(process.env.FRONTIER_FUZZ_SEED ?? 20261130);
const BUDGET = 60;
const ARGS = ['search', '--space', 'nb201', '--strategy', 'evolution', '--budget-evals', String(BUDGET), '--seed', '17'];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/**
 * Starts a command, waits until `ready` holds for it (the search has begun, or the resume holds the
 * lease), then kills it with SIGKILL after `ms` more, unless it ended first; says whether it landed.
 */
async function killAfter(args: readonly string[], db: string, ms: number, ready: (s: SqliteStore, pid: number) => boolean): Promise<boolean> {
  const child = cliAsync(args, { db });
  children.push(child);
  let done = false;
  const exited = new Promise<void>((r) => child.once('exit', () => ((done = true), r())));
  while (!done) {
    if (existsSync(db)) {
      let s: SqliteStore | undefined;
      try {
        s = SqliteStore.open(db, { readonly: true });
        if (ready(s, child.pid!)) break;
      } catch {
        // not created yet
      } finally {
        s?.close();
      }
    }
    await sleep(20);
  }
  const ended = done || (await Promise.race([exited.then(() => true), sleep(ms).then(() => false)]));
  if (ended) return false;
  child.kill('SIGKILL');
  await exited;
  return true;
}

function finished(db: string, id: string): { keys: string[]; interrupted: number; numbers: number[]; complete: number } {
  const store = SqliteStore.open(db, { readonly: true });
  try {
    const trials = store.getTrials(id);
    const interrupted = trials.filter((t) => t.state === 'failed' && t.error?.startsWith('interrupted'));
    return {
      keys: trials.filter((t) => !interrupted.includes(t)).map((t) => `${t.key} ${t.state}`),
      interrupted: interrupted.length,
      numbers: trials.map((t) => t.number),
      complete: trials.filter((t) => t.state === 'complete').length,
    };
  } finally {
    store.close();
  }
}

describe('kill -9 at random points, then resume', () => {
  it(`${RUNS} rounds: 0 finished trials lost or repeated`, { timeout: 60_000 + RUNS * 30_000 }, async () => {
    const dir = tempDir('frontier-kill-');
    const refDb = join(dir, 'ref.db');
    const reference = json<{ studyId: string }>(cli([...ARGS, '--json'], { db: refDb }));
    const want = finished(refDb, reference.studyId).keys;
    expect(want).toHaveLength(BUDGET);

    const tally = { rounds: 0, kills: 0, landed: 0, midRun: 0, interrupted: 0, lost: 0, repeated: 0 };
    /** Whether the kill left study 1 mid-run (status running, some trials in): the interesting case. */
    const midRun = (db: string): boolean => {
      if (!existsSync(db)) return false;
      let s: SqliteStore | undefined;
      try {
        s = SqliteStore.open(db, { readonly: true });
        return s.getStudy('1')?.status === 'running' && s.countTrials('1') > 0;
      } catch {
        return false; // killed while it created the database: no tables yet
      } finally {
        s?.close();
      }
    };
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 4_000 }),
        fc.option(fc.integer({ min: 0, max: 3_000 }), { nil: undefined }),
        async (first, second) => {
          const db = join(dir, `round-${tally.rounds++}.db`);
          tally.kills++;
          if (await killAfter([...ARGS, '--pace', '0.0005'], db, first, (st) => st.getStudy('1') !== undefined)) tally.landed++;
          if (midRun(db)) tally.midRun++;
          const exists = (() => {
            const s = SqliteStore.open(db);
            try {
              return s.getStudy('1') !== undefined;
            } finally {
              s.close();
            }
          })();
          if (!exists) return; // killed before the study was created: nothing to lose
          if (second !== undefined) {
            tally.kills++;
            if (await killAfter(['resume', '1'], db, second, (st, pid) => st.getLease('1')?.pid === pid)) tally.landed++;
            if (midRun(db)) tally.midRun++;
          }
          const end = cli(['resume', '1', '--json'], { db });
          if (end.code !== 0) expect(end.stderr).toMatch(/already complete/);
          const got = finished(db, '1');
          tally.interrupted += got.interrupted;
          const missing = want.filter((k, i) => got.keys[i] !== k).length;
          tally.lost += Math.max(0, want.length - got.keys.length) + (got.keys.length === want.length ? missing : 0);
          tally.repeated += Math.max(0, got.keys.length - want.length);
          expect(got.keys).toEqual(want);
          expect(got.complete).toBeGreaterThan(0);
          expect(got.numbers).toEqual([...got.numbers.keys()]);
          expect(got.interrupted).toBeLessThanOrEqual(second === undefined ? 1 : 2);
        },
      ),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    console.log(`kill-resume: ${tally.rounds} rounds, ${tally.kills} kill -9 (${tally.landed} while the process ran, ${tally.midRun} of them mid-search), ${tally.interrupted} in-flight trials abandoned and re-run, ${tally.lost} finished trials lost, ${tally.repeated} repeated`);
    expect(tally).toMatchObject({ lost: 0, repeated: 0 });
  });
});
