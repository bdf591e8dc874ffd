import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, json, tempDir } from './cli-helpers.js';
import { OPTUNA_SCHEMA, writeOptunaFixture } from './fixtures/optuna-db.js';

const dir = tempDir('frontier-import-');
const db = join(dir, 'studies.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Export {
  spec: Record<string, unknown>;
  trials: { number: number; key: string; sample: number[]; state: string; metrics: Record<string, number>; fidelity: Record<string, string>; cost: number; error?: string }[];
  pareto: { trial: number; architecture: string }[];
}
const exported = (id: string, format: 'json' | 'csv' = 'json'): string => {
  const out = join(dir, `export-${id}.${format}`);
  const r = cli(['export', id, '--format', format, '--out', out], { db });
  expect(r.code, r.stderr).toBe(0);
  return out;
};
const studies = () => json<unknown[]>(cli(['runs', '--json'], { db })).length;
const refused = (args: string[], message: RegExp) => {
  const before = studies();
  const r = cli(['import', ...args], { db });
  expect(r.code, r.stdout).not.toBe(0);
  expect(r.stderr).toMatch(message);
  expect(studies(), 'nothing is written').toBe(before);
};

describe('frontier import: round trip of frontier export', () => {
  it('JSON: settings and every trial come back as they were; CSV with --space and --objective: the same trials and front', () => {
    const src = json<{ studyId: string }>(cli(['search', '--space', 'nb201', '--budget-evals', '25', '--seed', '5', '--constraint', 'hwnb_pixel3 <= 12', '--json'], { db }));
    const file = exported(src.studyId);
    const original = JSON.parse(readFileSync(file, 'utf8')) as Export;
    const r = json<{ studyId: string; trials: number }>(cli(['import', file, '--json'], { db }));
    expect(r.trials).toBe(original.trials.length);
    const back = JSON.parse(readFileSync(exported(r.studyId), 'utf8')) as Export;
    expect(back.spec).toEqual(original.spec);
    const strip = (t: Export['trials'][number]) => ({ number: t.number, key: t.key, sample: t.sample, state: t.state, metrics: t.metrics, fidelity: t.fidelity, cost: t.cost, error: t.error });
    expect(back.trials.map(strip)).toEqual(original.trials.map(strip));
    expect(back.pareto).toEqual(original.pareto);
    expect(cli(['show', r.studyId], { db }).stdout).toContain('complete');

    const csv = exported(src.studyId, 'csv');
    const c = json<{ studyId: string; name: string }>(cli(['import', csv, '--space', 'nb201', '--objective', 'c10_valid_12ep:max', '--objective', 'hwnb_pixel3:min', '--name', 'from csv', '--json'], { db }));
    expect(c.name).toBe('from csv');
    const fromCsv = JSON.parse(readFileSync(exported(c.studyId), 'utf8')) as Export;
    expect(fromCsv.trials.map((t) => [t.key, t.state, t.metrics, t.cost])).toEqual(original.trials.map((t) => [t.key, t.state, t.metrics, t.cost]));
    expect(fromCsv.pareto.map((p) => p.architecture)).toEqual(original.pareto.map((p) => p.architecture));
  }, 120_000);

  it('refuses malformed files with the place and the reason, writing nothing', () => {
    const good = JSON.parse(readFileSync(join(dir, 'export-1.json'), 'utf8')) as Export;
    const write = (name: string, text: string) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    refused([write('cut.json', JSON.stringify(good).slice(0, 200))], /cut\.json: not JSON/);
    refused([write('nospec.json', JSON.stringify({ trials: [] }))], /no 'spec': this is not a study export/);
    const badKey = structuredClone(good);
    (badKey.trials[3] as { key: string }).key = '|conv_7x7~0|';
    refused([write('badkey.json', JSON.stringify(badKey))], /trial 4 of 25: architecture '\|conv_7x7~0\|' is not in the nb201 space/);
    const badMetric = structuredClone(good);
    (badMetric.trials[0] as { metrics: Record<string, unknown> }).metrics.c10_test = 'high';
    refused([write('badmetric.json', JSON.stringify(badMetric))], /trial 1 of 25: metric 'c10_test' must be a finite number, got "high"/);
    const badSpec = structuredClone(good);
    badSpec.spec.objectives = [];
    refused([write('badspec.json', JSON.stringify(badSpec))], /its study settings are not valid: a study needs at least one objective/);
    const csv = readFileSync(join(dir, 'export-1.csv'), 'utf8').split('\n');
    csv[2] = (csv[2] as string).replace('complete', 'finished');
    refused([write('state.csv', csv.join('\n')), '--space', 'nb201', '--objective', 'c10_valid_12ep:max'], /state\.csv: line 3: state must be one of complete, pruned, failed, invalid, got 'finished'/);
    refused([join(dir, 'export-1.csv'), '--space', 'nb201', '--objective', 'accuracy:max'], /objective 'accuracy' is not a column/);
    refused([join(dir, 'export-1.csv')], /a CSV has no settings: give --space/);
    refused([join(dir, 'missing.json')], /cannot read .*missing\.json/);
    refused([write('x.txt', 'hello')], /must be a \.json or \.csv export/);
  }, 120_000);
});

describe('frontier import --optuna', () => {
  const optuna = join(dir, 'optuna.db');
  writeOptunaFixture(optuna);

  it("reads an Optuna study's trials: parameters as decisions, named objectives with directions, states, user attributes and intermediate values", () => {
    const r = json<{ studyId: string; trials: number; complete: number; objectives: unknown; notes: string[] }>(cli(['import', '--optuna', optuna, '--study', 'mlp-tuning', '--json'], { db }));
    expect(r.trials).toBe(7);
    expect(r.complete).toBe(4);
    expect(r.objectives).toEqual([{ metric: 'accuracy', direction: 'max' }, { metric: 'latency_ms', direction: 'min' }]);
    expect(r.notes.join('\n')).toMatch(/not numbers were left out: note/);
    const e = JSON.parse(readFileSync(exported(r.studyId), 'utf8')) as Export;
    expect(e.spec.space).toBe('imported');
    expect(e.trials.map((t) => t.state)).toEqual(['complete', 'complete', 'complete', 'complete', 'pruned', 'failed', 'failed']);
    expect(JSON.parse(e.trials[1]?.key as string)).toEqual({ lr: 0.01, n_layers: 4, activation: 'tanh' });
    expect(JSON.parse(e.trials[6]?.key as string)).toEqual({ lr: 0.002, n_layers: '(unset)', activation: '(unset)' });
    expect(e.trials[6]?.error).toBe('RUNNING in the Optuna study when imported');
    expect(e.trials[0]?.metrics).toEqual({ accuracy: 0.91, latency_ms: 3.5, params_m: 1.2 });
    expect(e.trials[0]?.cost).toBeCloseTo(30.5, 6);
    // The front on the same charts: (0.94, 7.25), (0.91, 3.5), (0.88, 1.5); (0.86, 5.0) is dominated.
    expect(e.pareto.map((p) => p.trial)).toEqual([1, 0, 2]);
    const shown = cli(['show', r.studyId], { db });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('optuna: mlp-tuning');

    const single = json<{ studyId: string; objectives: unknown }>(cli(['import', '--optuna', optuna, '--study', 'single', '--json'], { db }));
    expect(single.objectives).toEqual([{ metric: 'value', direction: 'min' }]);
  }, 120_000);

  it('refuses what is not an Optuna study with the reason, writing nothing', () => {
    refused(['--optuna', optuna], /it holds 2 studies: choose one with --study NAME \(mlp-tuning, single\)/);
    refused(['--optuna', optuna, '--study', 'nope'], /no study named 'nope' \(it has mlp-tuning, single\)/);
    const text = join(dir, 'text.db');
    writeFileSync(text, 'this is not sqlite at all, just text '.repeat(20));
    refused(['--optuna', text], /not a SQLite database/);
    const other = join(dir, 'other.db');
    new Database(other).exec('CREATE TABLE studies (study_id INTEGER); CREATE TABLE trials (trial_id INTEGER)').close();
    refused(['--optuna', other], /not an Optuna storage: no table study_directions, trial_params, trial_values/);
    const broken = join(dir, 'broken.db');
    const b = new Database(broken);
    b.exec(OPTUNA_SCHEMA);
    b.exec("INSERT INTO studies VALUES (1, 's'); INSERT INTO study_directions (direction, study_id, objective) VALUES ('MAXIMIZE', 1, 0); INSERT INTO trials VALUES (1, 0, 1, 'COMPLETE', NULL, NULL);");
    b.prepare('INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json) VALUES (1, ?, 5, ?)').run('act', JSON.stringify({ name: 'CategoricalDistribution', attributes: { choices: ['a', 'b'] } }));
    b.close();
    refused(['--optuna', broken], /parameter 'act' has choice index 5 outside its 2 choices/);
    refused(['--optuna', join(dir, 'none.db')], /none\.db: no such file/);
    refused(['--optuna', optuna, '--space', 'nb201'], /--space is for CSV files/);
  }, 120_000);
});
