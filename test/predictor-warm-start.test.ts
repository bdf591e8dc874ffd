/**
 * Issue 15, predictor warm-up (meta-learned initialisation) on the shipped NAS-Bench-201 table: a
 * CIFAR-100 bananas (or bo) search whose predictor is pre-trained on a past CIFAR-10 search's results
 * (strategy option prior, as `frontier search --predictor-warm-start ID` gives it) proposes, from its
 * first ask, architectures the past data scores high; the same search from cold draws its first
 * `init` at random. Asserted on the proposals themselves, per seed.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ObjectiveSpec, Sample, StudySpec } from '../shared/types/index.js';
import { Rng } from '../main/core/rng.js';
import { Nb201Space } from '../main/core/spaces/nb201.js';
import { createStrategy } from '../main/core/strategies.js';
import { reproduceCommand } from '../main/services/export/study-report.js';
import { SqliteStore } from '../main/services/sqlite-store.js';
import { cli, tempDir } from './cli-helpers.js';
import { nb201Rows } from './fixtures/nb201-table.js';

const space = new Nb201Space();
const c10 = new Map(nb201Rows('c10_valid_12ep').map((r) => [space.freeze(r.sample as Sample).key, r.value]));
const c100 = new Map(nb201Rows('c100_valid_12ep').map((r) => [space.freeze(r.sample as Sample).key, r.value]));
const ONE: ObjectiveSpec[] = [{ metric: 'c100_valid_12ep', direction: 'max' }];
const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const median = (v: readonly number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const FIRST = 10;

/** A past CIFAR-10 search: 200 distinct random architectures with their validation accuracy. */
function pastSearch(seed: number): [string, number][] {
  const rng = new Rng(seed);
  const out = new Map<string, number>();
  while (out.size < 200) {
    const key = space.freeze(space.sample(rng)).key;
    out.set(key, c10.get(key) as number);
  }
  return [...out];
}

/** The first FIRST asks of a CIFAR-100 search, each told its table value. */
function firstAsks(name: string, seed: number, options: Record<string, unknown>): string[] {
  const s = createStrategy(name, { space, objectives: ONE, seed, options });
  const keys: string[] = [];
  for (let i = 0; i < FIRST; i++) {
    const a = space.freeze(s.ask({ finished: i, pending: 0 }) as Sample);
    keys.push(a.key);
    s.tell({ sample: a.sample, key: a.key, state: 'complete', values: [c100.get(a.key) as number] });
  }
  return keys;
}

describe('predictor warm-up from a past search (option prior)', () => {
  for (const name of ['bananas', 'bo']) {
    it(`${name}: the first proposals differ from a cold start's and score higher under the past data`, () => {
      const options = {};
      const allC10 = [...c10.values()].sort((a, b) => a - b);
      const p90 = allC10[Math.floor(0.9 * allC10.length)] as number;
      for (const seed of [1, 2, 3]) {
        const past = pastSearch(100 + seed);
        const cold = firstAsks(name, seed, options);
        const warm = firstAsks(name, seed, { ...options, prior: past, priorFrom: ['7'] });
        expect(warm).not.toEqual(cold);
        expect(new Set(warm).size).toBe(FIRST);
        // Under the past data the first ten score higher, most of them in the top tenth of the space.
        const warmC10 = mean(warm.map((k) => c10.get(k) as number));
        const coldC10 = mean(cold.map((k) => c10.get(k) as number));
        expect(warmC10, `seed ${seed}: warm ${warmC10} vs cold ${coldC10}`).toBeGreaterThan(coldC10);
        expect(median(warm.map((k) => c10.get(k) as number))).toBeGreaterThan(p90);
        expect(median(cold.map((k) => c10.get(k) as number))).toBeLessThan(p90);
        // And on the new task they carry over: higher CIFAR-100 accuracy than the cold start's random draws.
        expect(mean(warm.map((k) => c100.get(k) as number))).toBeGreaterThan(mean(cold.map((k) => c100.get(k) as number)));
      }
    });
  }
});

describe('frontier search --predictor-warm-start', () => {
  it('pre-trains bananas on a past search of the space; the report reproduces it by id; bad uses are refused, creating nothing', () => {
    const dir = tempDir('frontier-prior-cli-');
    const db = join(dir, 'f.db');
    try {
      const past = cli(['search', '--space', 'nb201', '--strategy', 'random', '--objective', 'c10_valid_12ep:max', '--budget-evals', '60', '--seed', '1', '--json'], { db });
      expect(past.code, past.stderr).toBe(0);
      const r = cli(['search', '--space', 'nb201', '--strategy', 'bananas', '--objective', 'c100_valid_12ep:max', '--budget-evals', '6', '--seed', '2', '--predictor-warm-start', '1'], { db });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('predictor warm-up: 60 results of 1 pre-train the bananas predictor');
      const store = SqliteStore.open(db, { readonly: true });
      let spec: StudySpec;
      try {
        spec = store.getStudy('2')!.spec;
        expect(spec.strategyOptions?.priorFrom).toEqual(['1']);
        expect(spec.strategyOptions?.prior).toHaveLength(60);
        // Its proposals: better under the past data than the past random search's own draws.
        const c10Of = (id: string) => store.getTrials(id).map((t) => c10.get(t.key) as number);
        expect(median(c10Of('2'))).toBeGreaterThan(median(c10Of('1')));
      } finally {
        store.close();
      }
      expect(reproduceCommand(spec)).toMatch(/--strategy bananas --predictor-warm-start 1 --objective c100_valid_12ep:max/);
      const evo = cli(['search', '--space', 'nb201', '--strategy', 'evolution', '--budget-evals', '3', '--predictor-warm-start', '1'], { db });
      expect([evo.code, evo.stderr]).toEqual([2, "frontier: strategy option 'prior' warms up a predictor: only bananas and bo have one, not evolution\n"]);
      const none = cli(['search', '--space', 'nb201', '--strategy', 'bo', '--budget-evals', '3', '--predictor-warm-start', '9'], { db });
      expect([none.code, none.stderr]).toEqual([2, "frontier: predictor warm-up: no study with id 9 (see 'frontier runs')\n"]);
      const runs = SqliteStore.open(db, { readonly: true });
      try {
        expect(runs.listStudies()).toHaveLength(2);
      } finally {
        runs.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
