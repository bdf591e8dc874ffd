// `frontier search --progressive` on the NAS-Bench-201 tables (#15): the coarse pass reads the
// 12-epoch columns, the fine pass the 200-epoch ones around the coarse winners, one stored search
// with each trial's phase.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Nb201Space } from '../main/core/spaces/nb201.js';
import { decisionDistance } from '../main/core/strategies/progressive.js';
import { SqliteStore } from '../main/services/sqlite-store.js';
import { cli, tempDir } from './cli-helpers.js';

describe('frontier search --progressive', () => {
  const dir = tempDir('frontier-progressive-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a coarse pass at 12 epochs and a fine one at 200 around its winners, as one search', () => {
    const db = join(dir, 'f.db');
    const r = cli(['search', '--space', 'nb201', '--progressive', '--option', 'coarse=20', '--budget-evals', '50', '--seed', '4', '--json'], { db, cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const store = SqliteStore.open(db, { readonly: true });
    try {
      expect(store.getStudy('1')?.spec).toMatchObject({ strategy: 'progressive', evaluator: { kind: 'table', fidelities: 'nb201' } });
      const trials = store.getTrials('1');
      expect(trials.length).toBe(50);
      const coarse = trials.slice(0, 20);
      const fine = trials.slice(20);
      expect(coarse.every((t) => t.metrics.phase === 0 && t.fidelity.phase === 'coarse' && t.metrics.fidelity === 12)).toBe(true);
      expect(fine.every((t) => t.metrics.phase === 1 && t.fidelity.phase === 'fine' && t.metrics.fidelity === 200)).toBe(true);
      // The fine pass starts with coarse architectures again, then stays within 2 decisions of one.
      const coarseKeys = new Set(coarse.map((t) => t.key));
      expect(fine.slice(0, 3).every((t) => coarseKeys.has(t.key))).toBe(true);
      const space = new Nb201Space();
      const nearest = fine.map((f) => Math.min(...coarse.map((c) => decisionDistance(space, f.sample, c.sample))));
      expect(Math.max(...nearest)).toBeLessThanOrEqual(2);
      expect(nearest.filter((d) => d > 0).length).toBeGreaterThan(10);
    } finally {
      store.close();
    }
  });

  it('does not combine with another --strategy', () => {
    const r = cli(['search', '--space', 'nb201', '--progressive', '--strategy', 'asha'], { db: join(dir, 'g.db'), cwd: dir });
    expect([r.code, r.stderr.trim()]).toEqual([2, 'frontier: --progressive is the strategy progressive: it does not combine with --strategy asha']);
  });
});
