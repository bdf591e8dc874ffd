import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reproduceCommand } from '../main/cli/commands/report.js';
import type { StudySpec } from '../shared/types/index.js';
import { BIN, cli, json, tempDir } from './cli-helpers.js';

// Transfer on the shipped NAS-Bench-201 tables: a CIFAR-10 search seeds a CIFAR-100 one.
const dir = tempDir('frontier-warm-');
const db = join(dir, 'studies.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Trial {
  number: number;
  key: string;
  metrics: Record<string, number>;
}

const trialsOf = (id: string): Trial[] => {
  const out = join(dir, `${id}.json`);
  const r = cli(['export', id, '--format', 'json', '--out', out], { db });
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(readFileSync(out, 'utf8')) as { trials: Trial[] }).trials.sort((a, b) => a.number - b.number);
};

describe('frontier search --warm-start', () => {
  it('re-evaluates the source Pareto set first (in order), then the strategy continues; the spec records where the seeds came from', () => {
    const src = json<{ studyId: string; pareto: { architecture: string }[] }>(cli(['search', '--space', 'nb201', '--budget-evals', '40', '--seed', '1', '--json'], { db }));
    const front = src.pareto.map((p) => p.architecture);
    expect(front.length).toBeGreaterThanOrEqual(2);
    const r = cli(['search', '--space', 'nb201', '--objective', 'c100_valid_12ep:max', '--objective', 'hwnb_pixel3:min', '--cost', 'train_time_200ep_c100*0.06', '--budget-evals', '30', '--seed', '2', '--warm-start', src.studyId], { db });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`warm start: ${front.length} architectures of ${src.studyId} are evaluated first`);
    const id = /study (\S+):/.exec(r.stderr)?.[1] as string;
    const trials = trialsOf(id);
    expect(trials).toHaveLength(30);
    expect(trials.slice(0, front.length).map((t) => t.key)).toEqual(front);
    // Re-evaluated on the new task: CIFAR-100 accuracies, not the source's CIFAR-10 ones.
    expect(trials.every((t) => typeof t.metrics.c100_valid_12ep === 'number')).toBe(true);
    // The strategy's own asks follow: not more of the front.
    expect(trials.slice(front.length).some((t) => !front.includes(t.key))).toBe(true);
    const spec = (JSON.parse(readFileSync(join(dir, `${id}.json`), 'utf8')) as { spec: { strategyOptions: Record<string, unknown> } }).spec;
    expect(spec.strategyOptions.warmStart).toEqual(front);
    expect(spec.strategyOptions.warmStartFrom).toEqual([src.studyId]);

    // The report's reproduce command carries the seeds: run by a shell, it asks the same trials.
    const command = reproduceCommand(spec as unknown as StudySpec);
    expect(command).toContain('warmStart=');
    const again = spawnSync('bash', ['-c', `frontier() { "${process.execPath}" "${BIN}" "$@"; }\n${command} --json`], { env: { ...process.env, FRONTIER_DB: db }, encoding: 'utf8', timeout: 120_000 });
    expect(again.status, again.stderr).toBe(0);
    const againId = (JSON.parse(again.stdout) as { studyId: string }).studyId;
    expect(trialsOf(againId).map((t) => t.key)).toEqual(trials.map((t) => t.key));

    // One objective: the top k of each source, the sources in the order given, each architecture once.
    const one = json<{ studyId: string }>(cli(['search', '--space', 'nb201', '--objective', 'c10_valid_12ep:max', '--budget-evals', '25', '--seed', '3', '--json'], { db }));
    const top3 = trialsOf(one.studyId).sort((a, b) => (b.metrics.c10_valid_12ep as number) - (a.metrics.c10_valid_12ep as number) || a.number - b.number).map((t) => t.key).filter((k, i, all) => all.indexOf(k) === i).slice(0, 3);
    const r2 = json<{ studyId: string }>(cli(['search', '--space', 'nb201', '--objective', 'c10_valid_12ep:max', '--budget-evals', '12', '--seed', '4', '--warm-start', `${one.studyId},${src.studyId}`, '--warm-start-k', '3', '--json'], { db }));
    const expected = [...top3, ...front.filter((k) => !top3.includes(k))];
    expect(trialsOf(r2.studyId).slice(0, expected.length).map((t) => t.key)).toEqual(expected);
  }, 120_000);

  it('refuses an unknown study, hyperband and a stray --warm-start-k with the reason, creating no study', () => {
    const before = json<unknown[]>(cli(['runs', '--json'], { db })).length;
    const unknown = cli(['search', '--space', 'nb201', '--budget-evals', '5', '--warm-start', '999'], { db });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/warm start: no study with id 999/);
    const hb = cli(['search', '--space', 'nb201', '--strategy', 'hyperband', '--budget-evals', '5', '--warm-start', '1'], { db });
    expect(hb.code).not.toBe(0);
    expect(hb.stderr).toMatch(/warm start is not available for hyperband/);
    const k = cli(['search', '--space', 'nb201', '--budget-evals', '5', '--warm-start-k', '3'], { db });
    expect(k.code).not.toBe(0);
    expect(k.stderr).toMatch(/--warm-start-k needs --warm-start/);
    expect(json<unknown[]>(cli(['runs', '--json'], { db })).length).toBe(before);
  }, 120_000);
});
