import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dominates } from '../main/core/pareto.js';
import { BIN, cli, json, ROOT, tempDir } from './cli-helpers.js';

interface FrontEntry {
  trial: number;
  architecture: string;
  metrics: Record<string, number>;
}
interface SearchJson {
  studyId: string;
  evaluations: number;
  simulatedSeconds: number;
  rejected: number;
  status: string;
  best: Record<string, FrontEntry>;
  pareto: FrontEntry[];
}

function parseCsv(text: string): Record<string, string>[] {
  const [head, ...lines] = text.trim().split('\n');
  const cols = (head as string).split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

describe('frontier search (the CLI a user runs)', () => {
  const dir = tempDir();
  const db = join(dir, 'frontier.db');

  it('runs the issue example: NB201 evolution on a 20,000 s budget and shows the front', () => {
    const r = cli(['search', '--space', 'nb201', '--strategy', 'evolution', '--objective', 'c10_valid_12ep:max', '--report', 'c10_test', '--budget-seconds', '20000', '--seed', '1'], { db });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/study \d+ complete: simulated budget of 20000 s used/);
    expect(r.stdout).toMatch(/Pareto front: 1 architecture/);
    expect(r.stdout).toMatch(/best c10_valid_12ep \(max\): [\d.]+ — trial \d+ \|/);
    // Not a terminal here: plain progress lines on stderr, never on stdout.
    expect(r.stderr).toMatch(/study \d+ 100% \d+ evals/);
  });

  it('--json: study id, evaluations, cost, best per objective with report columns, and a true Pareto front', () => {
    const r = cli(['search', '--space', 'nb201', '--budget-evals', '300', '--seed', '7', '--json'], { db });
    expect(r.code, r.stderr).toBe(0);
    const out = json<SearchJson>(r);
    expect(out.evaluations).toBe(300);
    expect(out.simulatedSeconds).toBeGreaterThan(0);
    expect(out.best.c10_valid_12ep?.metrics.c10_test).toBeGreaterThan(0);
    expect(out.best.hwnb_pixel3?.metrics.hwnb_pixel3).toBeGreaterThan(0);
    // Check the front against every trial, exported.
    const csv = cli(['export', out.studyId, '--format', 'csv'], { db });
    expect(csv.code, csv.stderr).toBe(0);
    const rows = parseCsv(csv.stdout).filter((t) => t.state === 'complete');
    expect(rows).toHaveLength(300);
    const vec = (m: Record<string, number | string>) => [-Number(m.c10_valid_12ep), Number(m.hwnb_pixel3)];
    for (const f of out.pareto) {
      expect(rows.some((t) => dominates(vec(t as Record<string, string>), vec(f.metrics)))).toBe(false);
    }
    const nondominated = rows.filter((t) => !rows.some((u) => dominates(vec(u as Record<string, string>), vec(t as Record<string, string>))));
    expect(new Set(out.pareto.map((f) => f.architecture))).toEqual(new Set(nondominated.map((t) => t.architecture)));
  });

  it('is deterministic under the seed', () => {
    const a = json<SearchJson>(cli(['search', '--space', 'nb201', '--strategy', 'reinforce', '--budget-evals', '150', '--seed', '3', '--json'], { db }));
    const b = json<SearchJson>(cli(['search', '--space', 'nb201', '--strategy', 'reinforce', '--budget-evals', '150', '--seed', '3', '--json'], { db }));
    const c = json<SearchJson>(cli(['search', '--space', 'nb201', '--strategy', 'reinforce', '--budget-evals', '150', '--seed', '4', '--json'], { db }));
    expect(a.pareto).toEqual(b.pareto);
    expect(a.studyId).not.toBe(b.studyId);
    const ea = cli(['export', a.studyId, '--format', 'csv'], { db }).stdout.split('\n').map((l) => l.split(',')[2]);
    const ec = cli(['export', c.studyId, '--format', 'csv'], { db }).stdout.split('\n').map((l) => l.split(',')[2]);
    expect(ea).not.toEqual(ec);
  });

  it('a model-based search reports its predictor quality on held-out trials (text, --json, show)', () => {
    const args = ['search', '--space', 'nb201', '--strategy', 'bo', '--objective', 'c10_valid_12ep:max', '--budget-evals', '40', '--seed', '2'];
    const r = cli(args, { db });
    expect(r.code, r.stderr).toBe(0);
    // 10 random initial trials, then 30 proposed by the model, each forecast before it was evaluated.
    expect(r.stdout).toMatch(/predictor on 30 held-out trials: Kendall τ -?\d\.\d\d, Spearman ρ -?\d\.\d\d/);
    const out = json<SearchJson & { predictor?: { heldOut: number; kendallTau: number; spearman: number } }>(cli([...args, '--json'], { db }));
    expect(out.predictor?.heldOut).toBe(30);
    expect(Math.abs(out.predictor?.kendallTau as number)).toBeLessThanOrEqual(1);
    expect(cli(['show', out.studyId], { db }).stdout).toMatch(/predictor on 30 held-out trials/);
    // Strategies without a predictor say nothing about one.
    expect(json<Record<string, unknown>>(cli(['search', '--space', 'nb201', '--strategy', 'local', '--budget-evals', '20', '--json'], { db })).predictor).toBeUndefined();
  });

  it('applies hard constraints up front and keeps every front member feasible', () => {
    const out = json<SearchJson>(cli(['search', '--space', 'nb201', '--constraint', 'hwnb_pixel3 <= 5', '--budget-evals', '200', '--seed', '2', '--json'], { db }));
    expect(out.evaluations).toBe(200);
    expect(out.rejected).toBeGreaterThan(0);
    for (const f of out.pareto) expect(f.metrics.hwnb_pixel3).toBeLessThanOrEqual(5);
  });

  it('plugs in any CSV with an arch_str or index column, with a cost expression', () => {
    const table = join(dir, 'mine.csv');
    const acc = readFileSync(join(__dirname, '..', 'resources', 'nb201', 'accuracy.csv'), 'utf8').trim().split('\n');
    writeFileSync(table, ['index,my_score,my_cost', ...acc.slice(1).map((l) => { const c = l.split(','); return `${c[0]},${Number(c[0]) % 97},${2}`; })].join('\n'));
    const r = cli(['search', '--space', 'nb201', '--table', 'resources/nb201/accuracy.csv', '--table', table, '--objective', 'my_score:max', '--cost', 'my_cost*5', '--budget-seconds', '100', '--json'], { db });
    expect(r.code, r.stderr).toBe(0);
    const out = json<SearchJson>(r);
    expect(out.evaluations).toBe(10);
    expect(out.simulatedSeconds).toBe(100);
    expect(out.best.my_score?.metrics.my_score).toBeLessThanOrEqual(96);
  });

  it('lists, shows and exports past searches', () => {
    const runs = json<{ id: string; status: string; evaluations: number }[]>(cli(['runs', '--json'], { db }));
    expect(runs.length).toBeGreaterThanOrEqual(5);
    expect(runs.every((s) => s.status === 'complete')).toBe(true);
    expect(Number(runs[0]?.id)).toBeGreaterThan(Number(runs[1]?.id));
    const text = cli(['runs'], { db });
    expect(text.stdout).toMatch(/^id\s+name\s+status/);
    const show = cli(['show', runs[0]?.id as string], { db });
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/objectives my_score:max/);
    const pareto = cli(['pareto', '1'], { db });
    expect(pareto.stdout.split('\n')[0]).toMatch(/^trial\s+architecture\s+c10_valid_12ep \(max\)\s+c10_test/);
    const full = JSON.parse(cli(['export', '1', '--format', 'json'], { db }).stdout) as { trials: unknown[]; spec: { strategy: string } };
    expect(full.spec.strategy).toBe('evolution');
    expect(full.trials.length).toBeGreaterThan(100);
    const file = join(dir, 'out.csv');
    expect(cli(['export', '1', '--format', 'csv', '--out', file], { db }).code).toBe(0);
    expect(readFileSync(file, 'utf8').split('\n')[0]).toBe('trial,state,architecture,cost,c10_test,c10_valid_12ep,error');
  });
});

describe('frontier space count', () => {
  it('counts exactly, astronomically large included', () => {
    expect(cli(['space', 'count', 'nb201']).stdout).toBe('15625\n');
    const u = cli(['space', 'count', 'nb201', '--unique']);
    expect(u.stderr).toMatch(/^6466 distinct/);
    expect(cli(['space', 'count', 'mobilenet']).stdout.trim()).toBe(((3n * (18n + 18n ** 2n + 18n ** 3n + 18n ** 4n)) ** 4n).toString());
  });
});

describe('bad input: non-zero exit and a one-line reason', () => {
  const dir = tempDir();
  const db = join(dir, 'f.db');
  const cases: [string, string[], RegExp][] = [
    ['unknown command', ['serach'], /unknown command 'serach'/],
    ['unknown strategy', ['search', '--space', 'nb201', '--strategy', 'genetic'], /unknown strategy 'genetic' \(choose one of random, evolution, reinforce, local, /],
    ['bad objective', ['search', '--space', 'nb201', '--objective', 'accuracy'], /objective 'accuracy' must be METRIC:min or METRIC:max/],
    ['unknown metric', ['search', '--space', 'nb201', '--objective', 'top5:max'], /no table has a column 'top5'/],
    ['bad constraint', ['search', '--space', 'nb201', '--constraint', 'latency < fast'], /constraint 'latency < fast' must look like/],
    ['bad budget', ['search', '--space', 'nb201', '--budget-evals', '0'], /--budget-evals must be a whole number ≥ 1, got '0'/],
    ['negative budget', ['search', '--space', 'nb201', '--budget-evals', '-5'], /--budget-evals must be a whole number ≥ 1, got '-5'/],
    ['bad duration', ['search', '--space', 'nb201', '--budget-wall', '10 minutes'], /'10 minutes' is not a duration/],
    ['unknown flag', ['search', '--space', 'nb201', '--budget', '3'], /search: Unknown option '--budget'/],
    ['bad strategy option', ['search', '--space', 'nb201', '--option', 'population=1'], /strategy option 'population' must be a number in \[2, Infinity\], got 1/],
    ['misspelt strategy option', ['search', '--space', 'nb201', '--option', 'populaton=50'], /unknown strategy option 'populaton' for evolution \(did you mean 'population'\?\); its options: population, tournament, crossover/],
    ['__proto__ as a strategy option', ['search', '--space', 'nb201', '--option', '__proto__=5'], /unknown strategy option '__proto__' for evolution; its options: population, tournament, crossover/],
    ['a strategy option given twice', ['search', '--space', 'nb201', '--option', 'population=5', '--option', 'population=6'], /--option 'population' is given twice/],
    ['option of a strategy without options', ['search', '--space', 'nb201', '--strategy', 'random', '--option', 'population=5'], /strategy option 'population': strategy random takes no options/],
    ['bad value of a strategy option', ['search', '--space', 'nb201', '--strategy', 'reinforce', '--option', 'baselineDecay=2'], /strategy option 'baselineDecay' must be a number in \[0, 1\], got 2/],
    ['concurrency beyond reason', ['search', '--space', 'nb201', '--concurrency', '1000000'], /--concurrency must be a whole number in 1\.\.1024, got '1000000'/],
    ['pace beyond setTimeout', ['search', '--space', 'nb201', '--pace', '1e9'], /--pace must be a number in 0\.\.3600, got '1e9'/],
    ['missing table file', ['search', '--table', 'nope.csv', '--objective', 'a:max'], /cannot read table .*nope\.csv/],
    ['unknown study', ['show', '42'], /no study with id '42'/],
    ['a newline in an argument stays escaped (found by fuzzing)', ['show', 'a\nb'], /no study with id 'a\\nb'/],
    ['a newline in an unknown command', ['se\rarch'], /unknown command 'se\\rarch'/],
    ['bad export format', ['export', '1', '--format', 'xml'], /--format must be csv, json, onnx, tfjs or tflite, got 'xml'/],
    ['unknown space', ['space', 'count', 'resnet'], /unknown search space 'resnet'/],
    ['space without a subcommand (found by fuzzing: help on stdout, nothing on stderr)', ['space'], /space: which subcommand\? try 'frontier space count nb201'/],
  ];
  for (const [name, args, message] of cases) {
    it(name, () => {
      const r = cli(args, { db });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
    });
  }

  it('a file that is not a database gives a clear error naming it', () => {
    const bad = join(dir, 'junk.db');
    writeFileSync(bad, 'this is not sqlite '.repeat(100));
    const r = cli(['runs', '--db', bad]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(bad);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--help works for every command', () => {
    for (const c of ['search', 'runs', 'show', 'pareto', 'resume', 'export', 'space']) {
      const r = cli([c, '--help']);
      expect(r.code, c).toBe(0);
      expect(r.stdout, c).toMatch(new RegExp(`^Usage: frontier ${c}`));
    }
    expect(cli(['--help']).stdout).toMatch(/Commands:/);
  });
});

describe('a closed pipe (frontier show 1 | head)', () => {
  it('exits quietly, without an EPIPE stack trace', async () => {
    // The reader is gone before the first write: every write to stdout fails with EPIPE.
    const child = spawn(process.execPath, [BIN, 'search', '--help'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((res) => child.on('exit', res));
      expect(stderr).toBe('');
      expect(code).toBe(0);
    } finally {
      child.kill();
    }
  });
});

describe('tables that do not fit the space: refused before a study exists', () => {
  const dir = tempDir();
  const db = join(dir, 'f.db');
  const accuracy = readFileSync(join(ROOT, 'resources', 'nb201', 'accuracy.csv'), 'utf8').split('\n');
  const studies = () => json<unknown[]>(cli(['runs', '--json'], { db })).length;

  it('an nb201 table without --space (so mobilenet) matches no architecture: exit 2, one line, no study', () => {
    // Before: 200 of 200 trials failed ("not in the table") and the search exited 0.
    const t = join(dir, 'nb.csv');
    writeFileSync(t, accuracy.slice(0, 201).join('\n') + '\n');
    const r = cli(['search', '--table', t, '--objective', 'c10_valid:max', '--budget-evals', '200'], { db });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^frontier: none of the 200 table rows is an architecture of space mobilenet \(.*nb\.csv:2: '\|.*' is not a mobilenet architecture: .*\); they are nb201 architectures: give --space nb201\n$/);
    expect(studies()).toBe(0);
  });

  it('a duplicate row is an error naming both rows (it made "best acc 999")', () => {
    const t = join(dir, 'dup.csv');
    writeFileSync(t, [...accuracy.slice(0, 4), accuracy[2]?.replace(/,[\d.]+$/, ',999')].join('\n') + '\n');
    const r = cli(['search', '--space', 'nb201', '--table', t, '--objective', 'c10_valid:max', '--budget-evals', '5'], { db });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^frontier: .*dup\.csv:5: arch_str '\|.*\|' is given again \(first on line 3\); one row per architecture\n$/);
    expect(studies()).toBe(0);
  });

  it('a NaN in an objective column is an error naming column and row', () => {
    const t = join(dir, 'nan.csv');
    writeFileSync(t, 'arch_str,acc\n' + accuracy.slice(1, 4).map((l, i) => `${l.split(',')[1]},${i === 1 ? 'NaN' : '0.5'}`).join('\n') + '\n');
    const r = cli(['search', '--space', 'nb201', '--table', t, '--objective', 'acc:max', '--budget-evals', '5'], { db });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^frontier: .*nan\.csv:3: column 'acc' holds 'NaN', which is not a number \(leave the cell empty for a missing value\)\n$/);
    expect(studies()).toBe(0);
  });

  it('a table with a few architectures of the space runs, with a warning saying how many', () => {
    const t = join(dir, 'few.csv');
    writeFileSync(t, accuracy.slice(0, 101).join('\n') + '\n');
    const r = cli(['search', '--space', 'nb201', '--table', t, '--objective', 'c10_valid:max', '--budget-evals', '3'], { db });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('frontier: warning: the tables have 100 of the 15,625 architectures of space nb201 (0.6%): trials of the others fail\n');
  });
});
