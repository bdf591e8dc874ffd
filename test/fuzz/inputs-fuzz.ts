/**
 * Shared by the input fuzz tests (space documents, CSV tables, CLI flags): run settings, the tally
 * printed for the README's Reliability table, and the invariant on errors.
 *
 * CI runs a fixed seed and a few hundred inputs per parser; a longer run:
 *   FRONTIER_FUZZ_RUNS=20000 npx vitest run test/fuzz/spaces test/fuzz/tables test/fuzz/cli
 * (FRONTIER_FUZZ_SEED picks another seed; a failure prints the seed and path that replay it).
 */
import { NasError } from '../../shared/errors.js';

export const FUZZ_SEED = Number(process.env['FRONTIER_FUZZ_SEED'] ?? 20261130);

export function fuzzRuns(ciDefault: number): number {
  const n = Number(process.env['FRONTIER_FUZZ_RUNS'] ?? ciDefault);
  return Number.isInteger(n) && n > 0 ? n : ciDefault;
}

/** A test timeout that grows with the run count. */
export const fuzzTimeout = (runs: number, msPerRun = 20) => 60_000 + runs * msPerRun;

/** One input taking this long is a hang (a hang detector, not a speed test: parsers take milliseconds). */
export const HANG_MS = 10_000;

/** What a fuzz run saw. `crashes`: exceptions other than NasError; `stackTraces`: messages showing a stack. */
export interface Tally {
  parser: string;
  inputs: number;
  accepted: number;
  refused: number;
  crashes: number;
  hangs: number;
  stackTraces: number;
}

export const tally = (parser: string): Tally => ({ parser, inputs: 0, accepted: 0, refused: 0, crashes: 0, hangs: 0, stackTraces: 0 });

/** A message that leaks internals: a stack frame or a JS error's String(). */
export const LEAK = /^\s*at .*:\d+:\d+\)?$|\b(?:TypeError|RangeError|URIError|SyntaxError|ReferenceError): |node:internal/m;

/**
 * Runs one input: a result, or a NasError whose message passes `readable`. Anything else is a crash,
 * counted and rethrown so fast-check shrinks it to a small input.
 */
export function classify<T>(t: Tally, run: () => T, readable: (e: NasError) => string | undefined): T | NasError {
  t.inputs++;
  const start = performance.now();
  try {
    const r = run();
    t.accepted++;
    return r;
  } catch (e) {
    if (!(e instanceof NasError)) {
      t.crashes++;
      throw new Error(`${t.parser}: not a NasError: ${e instanceof Error ? e.stack : String(e)}`, { cause: e });
    }
    if (LEAK.test(e.message)) {
      t.stackTraces++;
      throw new Error(`${t.parser}: message shows a stack: ${e.message}`, { cause: e });
    }
    const why = readable(e);
    if (why) {
      t.crashes++;
      throw new Error(`${t.parser}: unreadable message (${why}): ${JSON.stringify(e.message)}`, { cause: e });
    }
    t.refused++;
    return e;
  } finally {
    if (performance.now() - start > HANG_MS) t.hangs++;
  }
}

export function report(t: Tally): void {
  console.log(`fuzz ${JSON.stringify(t)}`);
}
