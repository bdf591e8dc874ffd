/**
 * What the two supernet CLI tests (native and tfjs engine) check of `frontier supernet search --json`
 * for one device: a sub-network of the mobilenet space with an accuracy and a latency, stored as a
 * study that `frontier show` lists it in.
 */
import { expect } from 'vitest';
import { cli, json, type CliResult } from '../cli-helpers.js';

export interface SearchBest {
  readonly device: string;
  readonly study: string;
  readonly architecture: string | null;
  readonly valAccuracy: number | null;
  readonly latencyMs: number | null;
}

/** Checks the search's one best sub-network and its stored study; returns it and `frontier show`'s output. */
export function expectOneBest(r: CliResult, db: string): { best: SearchBest; shown: string } {
  expect(r.code, r.stderr).toBe(0);
  const out = json<{ best: SearchBest[] }>(r);
  expect(out.best).toHaveLength(1);
  const best = out.best[0] as SearchBest;
  expect(best.architecture).toMatch(/^w[0-9.]+:k\d/);
  expect(best.valAccuracy).toBeGreaterThanOrEqual(0);
  expect(best.latencyMs).toBeGreaterThan(0);
  const show = cli(['show', best.study, '--db', db]);
  expect(show.code, show.stderr).toBe(0);
  expect(show.stdout).toContain(best.architecture as string);
  return { best, shown: show.stdout };
}
