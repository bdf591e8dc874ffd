// The compiled command line (scripts/build-cli.mjs → out/cli, run by bin/frontier.js): a fresh build
// is what the binary runs, it finds the shipped resources and starts the trainer's worker thread from
// the compiled worker, and a build older than its sources is not used (the binary says so and runs the
// sources). No assertion on start-up time: that is measured by hand (see scripts/build-cli.mjs).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cli, ROOT, tempDir } from './cli-helpers.js';

const dir = tempDir('frontier-compiled-cli-');
const db = join(dir, 'frontier.db');
// Inside the project, like out/cli: the build's packages (external) resolve from its node_modules.
const out = join(ROOT, 'out', `cli-test-${process.pid}`);
const stale = `${out}-stale`;
afterAll(() => {
  for (const d of [dir, out, stale]) rmSync(d, { recursive: true, force: true });
});

interface Stamp {
  entry: string;
  builtAt: string;
  inputs: Record<string, { size: number; mtimeMs: number }>;
}

const verbose = { FRONTIER_CLI_VERBOSE: '1' };

describe('the compiled CLI', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-cli.mjs'), '--outdir', out], { cwd: ROOT, stdio: 'pipe', timeout: 120_000 });
  }, 150_000);

  it('is built from the CLI and the trainer worker, with a stamp of every source it read', () => {
    const stamp = JSON.parse(readFileSync(join(out, 'stamp.json'), 'utf8')) as Stamp;
    expect(existsSync(join(out, stamp.entry))).toBe(true);
    expect(existsSync(join(out, 'worker-boot.mjs'))).toBe(true);
    for (const f of ['main/cli/main.ts', 'main/cli/commands/runs.ts', 'main/cli/commands/search.ts', 'main/services/train/worker.ts', 'shared/errors.ts']) {
      expect(Object.keys(stamp.inputs)).toContain(f);
    }
    expect(Object.keys(stamp.inputs).some((f) => f.includes('node_modules'))).toBe(false); // packages stay external
  });

  it('is what the binary runs when it is current, and it reads shipped resources', () => {
    const runs = cli(['runs'], { db, env: { ...verbose, FRONTIER_CLI_DIR: out } });
    expect(runs.code, runs.stderr).toBe(0);
    expect(runs.stderr).toMatch(/^frontier: compiled CLI out\/cli-test-\d+ \(built /);
    expect(runs.stdout).toMatch(/no searches yet/);
    // builtin: resources are found relative to the source tree, not to the output folder.
    const count = cli(['space', 'count', 'nb201'], { env: { ...verbose, FRONTIER_CLI_DIR: out } });
    expect(count.stderr).toMatch(/compiled CLI/);
    expect(count.stdout.trim()).toBe('15625');
    const search = cli(['search', '--space', 'nb201', '--budget-evals', '5', '--json'], { db, env: { ...verbose, FRONTIER_CLI_DIR: out } });
    expect(search.code, search.stderr).toBe(0);
    expect((JSON.parse(search.stdout) as { evaluations: number }).evaluations).toBe(5);
  });

  it("starts the trainer's worker thread from the compiled worker", async () => {
    const worker = new Worker(join(out, 'worker-boot.mjs'), { workerData: { shared: new SharedArrayBuffer(8) } });
    try {
      const first = await new Promise<unknown>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`worker exited with code ${code}`)));
      });
      expect(first).toEqual({ type: 'ready' });
    } finally {
      await worker.terminate();
    }
  });

  it('is not used once a source file it was built from changed: the binary says so and runs the sources', () => {
    cpSync(out, stale, { recursive: true });
    const stamp = JSON.parse(readFileSync(join(stale, 'stamp.json'), 'utf8')) as Stamp;
    stamp.inputs['main/cli/commands/runs.ts']!.mtimeMs -= 1000; // as if runs.ts had been edited after the build
    writeFileSync(join(stale, 'stamp.json'), JSON.stringify(stamp));
    const r = cli(['runs'], { db: join(dir, 'empty.db'), env: { ...verbose, FRONTIER_CLI_DIR: stale } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^frontier: main\/cli\/commands\/runs\.ts changed since .*-stale was compiled; running the TypeScript sources/);
    expect(r.stdout).toMatch(/no searches yet/);
    const missing = cli(['--version'], { env: { ...verbose, FRONTIER_CLI_DIR: join(dir, 'nowhere') } });
    expect(missing.stderr).toMatch(/no compiled CLI in .*nowhere; running the TypeScript sources/);
    expect(missing.stdout).toBe('0.1.0\n');
    // Not a terminal and not asked: the output is the same whichever runs (tests compare stderr).
    const quiet = cli(['--version'], { env: { FRONTIER_CLI_DIR: stale } });
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).toBe('0.1.0\n');
  });

  it('out/ is not tracked by git', () => {
    expect(readFileSync(join(ROOT, '.gitignore'), 'utf8')).toMatch(/^\/?out\/$/m);
  });

  // `npm test` compiles out/cli first ("pretest"), so under CI the tests that run bin/frontier.js run
  // the compiled CLI; outside CI a build older than the sources being edited is allowed (and announced).
  it.skipIf(!process.env.CI)('the default build (out/cli) is current under CI', () => {
    const r = cli(['--version'], { env: verbose });
    expect(r.stderr, `${BIN} did not run the compiled CLI`).toMatch(/^frontier: compiled CLI out\/cli/);
  });
});
