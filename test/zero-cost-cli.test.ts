// `frontier search` as a user meets issue 11's parts: every strategy's options in --help, the
// zero-cost filter's flags and their errors, and a proxy as a report metric of a real (tiny) search.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STRATEGIES, STRATEGY_OPTIONS, type StrategyName } from '../main/core/strategies.js';
import { cli, json, tempDir } from './cli-helpers.js';

describe('frontier search: strategies and zero-cost proxies', () => {
  it('--help lists every registered strategy with each of its options and the zero-cost filter', () => {
    const r = cli(['search', '--help']);
    expect(r.code).toBe(0);
    for (const name of Object.keys(STRATEGIES)) {
      expect(r.stdout).toMatch(new RegExp(`\\n  ${name} — `));
      for (const o of STRATEGY_OPTIONS[name as StrategyName]) expect(r.stdout).toMatch(new RegExp(`\\n    ${o}\\s`));
    }
    expect(r.stdout).toMatch(/--zero-cost-filter K/);
    expect(r.stdout).toMatch(/\n {4}zcProxy\s+the filter's proxy/);
  });

  it('refuses the filter flags where they cannot work, with one clear line each, and creates nothing', () => {
    const db = join(tempDir('frontier-zc-cli-'), 'f.db');
    const alone = cli(['search', '--zero-cost-proxy', 'snip', '--budget-evals', '2'], { db });
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--zero-cost-proxy needs --zero-cost-filter K/);
    const table = cli(['search', '--space', 'nb201', '--zero-cost-filter', '4', '--budget-evals', '5'], { db });
    expect(table.code).not.toBe(0);
    expect(table.stderr).toMatch(/zcFilter \(a zero-cost filter\) needs an evaluator that builds the models: training, not a table/);
    expect(cli(['runs', '--json'], { db }).stdout.trim()).toMatch(/^\[\s*\]$|^$/);
  });

  it('a filtered training search records a proxy as a report metric', () => {
    const db = join(tempDir('frontier-zc-cli-'), 'f.db');
    const r = cli(['search', '--backend', 'wasm', '--workers', '0', '--budget-evals', '2', '--max-train', '200', '--val', '50', '--epochs', '1', '--no-latency', '--report', 'synflow', '--zero-cost-filter', '3', '--zero-cost-proxy', 'params', '--json'], { db });
    expect(r.code, r.stderr).toBe(0);
    const out = json<{ evaluations: number; best: { val_accuracy: { metrics: Record<string, number> } } }>(r);
    expect(out.evaluations).toBe(2);
    expect(out.best.val_accuracy.metrics.synflow).toBeGreaterThan(0);
  }, 120_000);
});
