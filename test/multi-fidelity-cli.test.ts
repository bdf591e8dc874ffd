// `frontier search` with a multi-fidelity strategy on the NAS-Bench-201 tables, and --early-stop.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEvaluator, loadCsv, nb201EvaluatorSpec } from '../main/services/evaluators.js';
import type { StudySpec } from '../shared/types/index.js';
import { cli, json, tempDir } from './cli-helpers.js';

const dir = tempDir('frontier-mf-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const accuracy = loadCsv('builtin:nb201/accuracy.csv');
const col = (name: string) => accuracy.columns.indexOf(name);
const row = (arch: string) => accuracy.rows.find((r) => r[col('arch_str')] === arch) as readonly string[];

describe('frontier search with hyperband/asha on nb201', () => {
  it('evaluates at 12 or 200 epochs within the simulated budget and ranks the 200-epoch results', () => {
    for (const strategy of ['asha', 'hyperband']) {
      const r = cli(['search', '--space', 'nb201', '--strategy', strategy, '--budget-seconds', '12000', '--json'], { db: join(dir, `${strategy}.db`) });
      expect(r.code, r.stderr).toBe(0);
      const out = json<{ evaluations: number; simulatedSeconds: number; objectives: { metric: string }[]; best: Record<string, { architecture: string; metrics: Record<string, number> }> }>(r);
      expect(out.objectives.map((o) => o.metric)).toEqual(['c10_valid', 'hwnb_pixel3']);
      expect(out.simulatedSeconds).toBeLessThanOrEqual(12000);
      // Far fewer evaluations than 12-epoch ones alone would give (about 100): some ran 200 epochs.
      expect(out.evaluations).toBeGreaterThan(5);
      expect(out.evaluations).toBeLessThan(60);
      const best = out.best.c10_valid!;
      // The best is ranked by its 200-epoch validation accuracy, not a 12-epoch one.
      expect(best.metrics.c10_valid).toBeCloseTo(Number(row(best.architecture)[col('c10_valid')]), 6);
    }
  }, 120_000);

  it('warns when a multi-fidelity strategy gets an evaluator of one fidelity', () => {
    const r = cli(['search', '--space', 'nb201', '--table', 'resources/nb201/accuracy.csv', '--objective', 'c10_valid:max', '--strategy', 'asha', '--budget-evals', '5'], { db: join(dir, 'w.db') });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: strategy asha picks a fidelity \(e\.g\. epochs\) per trial, but this evaluator has only one/);
  }, 60_000);

  it('refuses --cost with a multi-fidelity strategy, and --early-stop without training', () => {
    const cost = cli(['search', '--space', 'nb201', '--strategy', 'asha', '--cost', '5'], { db: join(dir, 'x.db') });
    expect(cost.code).not.toBe(0);
    expect(cost.stderr).toMatch(/--cost and --pace do not apply to asha on nb201: each fidelity \(12 or 200 epochs\) is charged its own training time/);
    const es = cli(['search', '--space', 'nb201', '--early-stop'], { db: join(dir, 'y.db') });
    expect(es.code).not.toBe(0);
    expect(es.stderr).toMatch(/--early-stop needs training \(learning curves\)/);
  }, 60_000);
});

describe('the nb201 table evaluator with fidelities', () => {
  const spec = (evaluator: Record<string, unknown>): StudySpec => ({
    name: 'f', space: 'nb201', strategy: 'asha', objectives: [{ metric: 'c10_valid', direction: 'max' }], constraints: [], report: [], budget: { evals: 1 }, seed: 0,
    evaluator: { ...nb201EvaluatorSpec({ fidelities: true }), ...evaluator } as StudySpec['evaluator'],
  });

  it('offers 12 and 200 epochs; refuses another preset, or a cost beside the fidelities', () => {
    expect(createEvaluator(spec({})).fidelities).toEqual([12, 200]);
    expect(() => createEvaluator(spec({ fidelities: 'nb301' }))).toThrow(`table fidelities "nb301": the only preset is 'nb201' (12 and 200 epochs)`);
    expect(() => createEvaluator(spec({ cost: 'train_time_200ep_c10valid' }))).toThrow('a table with fidelities charges each fidelity its own cost: leave out the cost and the pace');
  });
});
