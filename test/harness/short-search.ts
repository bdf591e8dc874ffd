import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import { BIN, cli, ROOT } from '../cli-helpers.js';

/**
 * `frontier search --space <space> <args>` through the real binary on `db` (killed after 280 s),
 * checked to be a finished evolution search of `evals` evaluations, none failed, training on `data`
 * with the best backend here (the native engine where it is built, else tfjs), with a Pareto front.
 * Returns its stdout and the study as `frontier export <id> --format json` prints it.
 */
export function shortSearch<T>(db: string, space: string, data: string, evals: number, args: readonly string[]): { stdout: string; exported: T } {
  const r = spawnSync(process.execPath, [BIN, 'search', '--space', space, ...args], {
    cwd: ROOT,
    env: { ...process.env, FRONTIER_DB: db },
    encoding: 'utf8',
    timeout: 280_000,
    killSignal: 'SIGKILL',
  });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toMatch(new RegExp(`study \\d+: ${space} space, evolution, objectives val_accuracy:max, latency_ms:min`));
  expect(r.stderr).toMatch(new RegExp(`training on ${data} with backend (torch|wasm)`));
  expect(r.stdout).toMatch(new RegExp(`study \\d+ complete: evaluation budget of ${evals} used`));
  expect(r.stdout).toMatch(new RegExp(`${evals} evaluations, .*; 0 failed`));
  expect(r.stdout).toMatch(new RegExp(`Pareto front: [1-${evals}] architectures?`));
  const id = /study (\d+) complete/.exec(r.stdout)?.[1] as string;
  return { stdout: r.stdout, exported: JSON.parse(cli(['export', id, '--format', 'json'], { db }).stdout) as T };
}
