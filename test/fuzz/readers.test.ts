/**
 * Fuzzes every dataset reader and the user-file opener (see readers-fuzz.ts) in a child process
 * with a small heap and a timeout: a hang or an out-of-memory crash ends that process, not the test
 * runner, and is reported with the reader and the input folder it was on. CI: a fixed seed and
 * 100 inputs per reader (a few seconds). Longer:
 *   FRONTIER_FUZZ_RUNS=20000 npx vitest run test/fuzz/readers
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../cli-helpers.js';
import { FUZZ_SEED, fuzzRuns, type FuzzReport } from './readers-fuzz.js';

const RUNS = fuzzRuns(100);
/** Inputs are milliseconds each; the limit only catches a hang. */
const LIMIT_MS = 120_000 + RUNS * 100;
const dir = mkdtempSync(join(tmpdir(), 'frontier-fuzz-progress-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dataset readers under fuzzing', () => {
  it(`IDX, CIFAR, image folders, CSV datasets and the opener: a valid dataset or one readable NasError (seed ${FUZZ_SEED}, ${RUNS} inputs each)`, () => {
    const progress = join(dir, 'progress');
    const r = spawnSync(process.execPath, ['--max-old-space-size=1024', '--import', 'tsx', join(ROOT, 'test/fuzz/readers-fuzz.ts')], {
      cwd: ROOT,
      env: { ...process.env, FRONTIER_FUZZ_RUNS: String(RUNS), FRONTIER_FUZZ_SEED: String(FUZZ_SEED), FRONTIER_FUZZ_PROGRESS: progress },
      encoding: 'utf8',
      timeout: LIMIT_MS,
      killSignal: 'SIGKILL',
      maxBuffer: 64 * 1024 * 1024,
    });
    const last = (() => {
      try {
        return readFileSync(progress, 'utf8').trim();
      } catch {
        return '(none)';
      }
    })();
    if (r.error || r.status !== 0) {
      const why = r.signal === 'SIGKILL' ? `hang: killed after ${LIMIT_MS} ms` : `crash: exit ${r.status} ${r.signal ?? ''}`;
      throw new Error(`fuzz process ${why}; last input: ${last}\n${r.stderr.slice(-4000)}`);
    }
    const report = JSON.parse(r.stdout.trim().split('\n').pop() as string) as FuzzReport;
    console.log(
      [
        `reader fuzz: seed ${report.seed}, ${report.runs} runs per reader, peak RSS ${report.peakRssMiB} MiB`,
        ...Object.entries(report.readers).map(([name, t]) => `  ${name}: ${t.inputs} inputs, ${t.ok} read, ${t.refused} refused (NasError), ${t.crashes} crashes, ${t.hangs} hangs, ${t.stackTraces} stack traces, slowest ${t.slowestMs} ms`),
      ].join('\n'),
    );
    for (const [name, t] of Object.entries(report.readers)) {
      expect(t.failure, name).toBeUndefined();
      expect({ name, crashes: t.crashes, hangs: t.hangs, stackTraces: t.stackTraces }).toEqual({ name, crashes: 0, hangs: 0, stackTraces: 0 });
      expect(t.ok, `${name}: some inputs must be read successfully`).toBeGreaterThan(0);
      expect(t.refused, `${name}: some inputs must be refused`).toBeGreaterThan(0);
    }
    expect(report.peakRssMiB).toBeLessThan(1024);
  });
});
