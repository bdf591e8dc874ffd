/**
 * Reproduces the NAS-Bench-201 multi-trial protocol on the shipped tables: fitness the 12-epoch
 * validation accuracy, each evaluation costs 12/200 of its 200-epoch training time, the search stops
 * once the next evaluation would overrun the simulated budget, result = 200-epoch test accuracy of
 * the best-fitness architecture; mean ± std over seeds.
 *
 * CIFAR-10: fitness c10_valid_12ep, cost train_time_200ep_c10valid*0.06, result c10_test, budgets
 * 3,000 / 6,000 / 12,000 (NAS-Bench-201) / 20,000 s (NATS-Bench). CIFAR-100: fitness
 * c100_valid_12ep, cost train_time_200ep_c100*0.06, result c100_test, budgets 10,000 / 20,000 / 40,000 s.
 *
 * One search per strategy and seed runs to the largest budget; a smaller budget's result is read
 * from the prefix of that search that fits it. This is exact: strategies do not know the budget,
 * trials run one at a time, and a budget-B search stops at the first evaluation that would overrun B.
 *
 * Multi-fidelity strategies (hyperband, asha) choose 12 or 200 epochs per trial: they are not run
 * here (on this single-fidelity table their rows meant nothing) but in bench/nb201-multi.ts, where
 * each fidelity is charged its own cost. The output also gives the protocol's ceiling, computed from
 * the table (see ceiling()).
 *
 *   npm run bench:nb201 [-- --seeds 100] [--strategies bananas,bananas:predictor=gbt,bo,tpe] [--datasets c10,c100] [--out FILE]
 */
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { StudySpec } from '../shared/types/index.js';
import { CancellationToken } from '../main/core/cancellation.js';
import { InMemoryStore } from '../main/core/in-memory-store.js';
import { createSpace } from '../main/core/spaces.js';
import { STRATEGIES, createStrategy } from '../main/core/strategies.js';
import { Study } from '../main/core/study.js';
import { parseCost, type TableEvaluator } from '../main/core/table.js';
import { nb201EvaluatorSpec, createEvaluator } from '../main/services/evaluators.js';
import { writeSection } from './results-file.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '100' },
    'first-seed': { type: 'string', default: '0' },
    strategies: { type: 'string' },
    datasets: { type: 'string', default: 'c10,c100' },
    option: { type: 'string', multiple: true },
    out: { type: 'string' },
  },
});

/** `--option bo.init=5`: a strategy option for one strategy (repeatable). */
const OPTIONS: Record<string, Record<string, string>> = {};
for (const o of values.option ?? []) {
  const m = /^([a-z0-9]+)\.([A-Za-z0-9]+)=(.+)$/.exec(o);
  if (!m) throw new Error(`--option must look like strategy.key=value, got '${o}'`);
  ((OPTIONS[m[1] as string] ??= {})[m[2] as string] = m[3] as string);
}

interface Dataset {
  readonly id: string;
  readonly title: string;
  readonly fitness: string;
  readonly result: string;
  readonly cost: string;
  readonly budgets: readonly number[];
  readonly optimum: number;
  /** Figures to compare with: today's (issue 11) and the papers'. */
  readonly reference: Readonly<Record<string, Readonly<Record<number, string>>>>;
}

const DATASETS: readonly Dataset[] = [
  {
    id: 'c10',
    title: 'CIFAR-10',
    fitness: 'c10_valid_12ep',
    result: 'c10_test',
    cost: 'train_time_200ep_c10valid*0.06',
    budgets: [3_000, 6_000, 12_000, 20_000],
    optimum: 94.37,
    reference: { target: { 3000: '≥ 93.95', 6000: '≥ 94.20', 20000: '≥ 94.33' } },
  },
  {
    id: 'c100',
    title: 'CIFAR-100',
    fitness: 'c100_valid_12ep',
    result: 'c100_test',
    cost: 'train_time_200ep_c100*0.06',
    budgets: [10_000, 20_000, 40_000],
    optimum: 73.51,
    reference: {},
  },
];

const SEEDS = Number(values.seeds);
const FIRST = Number(values['first-seed']);
if (!Number.isInteger(FIRST) || FIRST < 0) throw new Error(`--first-seed must be a whole number ≥ 0, got ${values['first-seed']}`);
if (!Number.isInteger(SEEDS) || SEEDS < 2) throw new Error(`--seeds must be a whole number ≥ 2, got ${values.seeds}`);
/** Whether a strategy chooses a fidelity per trial (hyperband, asha): those belong in bench/nb201-multi.ts. */
const multiFidelity = (n: string) => createStrategy(n, { space: createSpace('nb201'), objectives: [{ metric: 'x', direction: 'max' }], seed: 0, options: {} }).askFidelity !== undefined;
const names = values.strategies ? values.strategies.split(',').map((s) => s.trim()).filter(Boolean) : Object.keys(STRATEGIES).filter((n) => !multiFidelity(n));
/**
 * A row of the table: a strategy name, optionally with options of its own after colons
 * (`bananas:predictor=gbt`), on top of `--option` for that strategy.
 */
function variant(entry: string): { name: string; options: Record<string, string> } {
  const [name = '', ...opts] = entry.split(':');
  const options: Record<string, string> = { ...(OPTIONS[name] ?? {}) };
  for (const o of opts) {
    const m = /^([A-Za-z0-9]+)=(.+)$/.exec(o);
    if (!m) throw new Error(`a strategy variant looks like name:key=value, got '${entry}'`);
    options[m[1] as string] = m[2] as string;
  }
  return { name, options };
}
for (const entry of names) {
  const n = variant(entry).name;
  if (!Object.hasOwn(STRATEGIES, n)) throw new Error(`unknown strategy '${n}' (choose from ${Object.keys(STRATEGIES).join(', ')})`);
  if (multiFidelity(n)) throw new Error(`${n} chooses 12 or 200 epochs per trial: run it with bench/nb201-multi.ts (--mf-strategies ${n}), which charges each fidelity its cost; this single-fidelity protocol has no row for it`);
}
const datasets = (values.datasets ?? '').split(',').map((d) => {
  const ds = DATASETS.find((x) => x.id === d.trim());
  if (!ds) throw new Error(`unknown dataset '${d}' (choose from ${DATASETS.map((x) => x.id).join(', ')})`);
  return ds;
});

function spec(ds: Dataset, strategy: string, seconds: number, seed: number): StudySpec {
  return {
    name: `nb201-protocol ${ds.id} ${strategy}`,
    space: 'nb201',
    strategy,
    objectives: [{ metric: ds.fitness, direction: 'max' }],
    constraints: [],
    report: [ds.result],
    budget: { seconds },
    seed,
    evaluator: nb201EvaluatorSpec({ cost: ds.cost }),
  };
}

/**
 * What the table says about the protocol before any search: `sorted` the fitness (12-epoch
 * validation) of every architecture, best first, with `result` the tie-averaged result (200-epoch
 * test) at each position; `meanCost` the mean evaluation cost.
 */
interface TableFacts {
  readonly fitness: number[];
  readonly result: number[];
  readonly meanCost: number;
  /** Lowest and highest result of the cells tied at the best fitness. */
  readonly topRange: readonly [number, number];
}

function tableFacts(ds: Dataset, evaluator: ReturnType<typeof createEvaluator>): TableFacts {
  const cost = parseCost(ds.cost);
  const rows = [...(evaluator as TableEvaluator).table.rows.values()]
    .map((m) => ({ f: m[ds.fitness] as number, r: m[ds.result] as number, c: cost.column ? (m[cost.column] as number) * cost.factor : cost.factor }))
    .filter((x) => Number.isFinite(x.f) && Number.isFinite(x.r) && Number.isFinite(x.c))
    .sort((a, b) => b.f - a.f);
  const result = rows.map((x) => x.r);
  const tied = rows.filter((x) => x.f === (rows[0] as { f: number }).f).map((x) => x.r);
  const topRange = [Math.min(...tied), Math.max(...tied)] as const;
  // Ties in fitness (isomorphic cells share the 12-epoch figures): which one a search keeps is chance, so average them.
  for (let i = 0; i < rows.length; ) {
    let j = i;
    while (j < rows.length && (rows[j] as { f: number }).f === (rows[i] as { f: number }).f) j++;
    const mean = result.slice(i, j).reduce((a, b) => a + b, 0) / (j - i);
    for (let k = i; k < j; k++) result[k] = mean;
    i = j;
  }
  return { fitness: rows.map((x) => x.f), result, meanCost: rows.reduce((a, x) => a + x.c, 0) / rows.length, topRange };
}

/** 1-based rank of a fitness among the table's (1 + how many architectures have a strictly better one). */
function fitnessRank(facts: TableFacts, f: number): number {
  let lo = 0;
  let hi = facts.fitness.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((facts.fitness[mid] as number) > f) lo = mid + 1;
    else hi = mid;
  }
  return lo + 1;
}

/** Mean result of the top-k architectures by fitness. */
const topMean = (facts: TableFacts, k: number) => facts.result.slice(0, k).reduce((a, b) => a + b, 0) / k;

/** Exact expected result of random search with n distinct evaluations: P(best is position r) = C(N−1−r, n−1)/C(N, n). */
function randomExpectation(facts: TableFacts, n: number): number {
  const N = facts.result.length;
  let p = n / N;
  let e = 0;
  for (let r = 0; r <= N - n; r++) {
    e += p * (facts.result[r] as number);
    p *= (N - r - n) / (N - 1 - r);
  }
  return e;
}

/**
 * The protocol's ceiling and what a target demands, from the table alone: an oracle that knows the
 * fitness column evaluates the best-fitness architecture first, so its result is that architecture's
 * (at any budget that fits one evaluation); a search reaches a target on average only if its best
 * find is, on average, as good as a uniform pick among the top K by fitness.
 */
function ceiling(ds: Dataset, facts: TableFacts): string {
  const ks = [1, 5, 10, 25, 50, 100, 300];
  const needed = Object.entries(ds.reference.target ?? {}).map(([b, t]) => {
    const target = Number(t.replace(/[^0-9.]/g, ''));
    let k = 0;
    while (k < facts.result.length && topMean(facts, k + 1) >= target) k++;
    return `${Number(b).toLocaleString('en-US')} s (${t}): K = ${k}`;
  });
  const rnd = ds.budgets.map((b) => {
    const n = Math.floor(b / facts.meanCost);
    return `${b.toLocaleString('en-US')} s ≈ ${n} evaluations: ${randomExpectation(facts, n).toFixed(2)}`;
  });
  return `Ceiling (from the table): an oracle that knows \`${ds.fitness}\` evaluates the best architecture by it first and scores **${(facts.result[0] as number).toFixed(2)}** at every budget (${facts.topRange[0] === facts.topRange[1] ? 'one cell has that fitness' : `the mean over the cells tied at that fitness, ${facts.topRange[0].toFixed(2)}–${facts.topRange[1].toFixed(2)}: a search keeps whichever it meets first`}; optimum ${ds.optimum}): ${facts.topRange[0] >= ds.optimum - 0.005 ? 'the protocol itself caps nothing below the optimum, and' : 'the top of the 12-epoch ranking is not the test optimum here, but'} the 12-epoch ranking is what a search must climb. Mean \`${ds.result}\` of the top K by \`${ds.fitness}\` (of ${facts.result.length}): ${ks.map((k) => `K=${k}: ${topMean(facts, k).toFixed(2)}`).join(', ')}.${needed.length ? ` A target is reached on average only by a search whose best find is as good as a uniform pick among the top K, with ${needed.join('; ')}.` : ''} Random search, exact expectation (mean cost ${facts.meanCost.toFixed(0)} s): ${rnd.join('; ')}.
`;
}

interface Run {
  /** Result (test accuracy of the best-fitness architecture) per budget. */
  readonly results: number[];
  /** Rank of the best fitness found among the whole table's, per budget. */
  readonly ranks: number[];
  /** Evaluations that fit each budget. */
  readonly evals: number[];
  /** Held-out Kendall τ of the strategy's predictor, when it reports one. */
  readonly tau?: number;
}

async function runOnce(ds: Dataset, entry: string, seed: number, evaluator: ReturnType<typeof createEvaluator>, facts: TableFacts): Promise<Run> {
  const store = new InMemoryStore();
  const max = Math.max(...ds.budgets);
  const { name: strategy, options } = variant(entry);
  const s = spec(ds, strategy, max, seed);
  const rec = store.createStudy(s, 0);
  const space = createSpace('nb201');
  const study = new Study(rec.id, {
    store, space, evaluator, clock: { now: () => 0 },
    strategy: createStrategy(strategy, { space, objectives: s.objectives, seed, options }),
  });
  await study.run(CancellationToken.None);
  const trials = store.getTrials(rec.id).slice().sort((a, b) => a.number - b.number);
  const results: number[] = [];
  const ranks: number[] = [];
  const evals: number[] = [];
  for (const budget of ds.budgets) {
    let spent = 0;
    let best = -Infinity;
    let result = NaN;
    let n = 0;
    for (const t of trials) {
      if (spent + t.cost > budget) break; // the budget-B search would not start this one
      spent += t.cost;
      n++;
      const fit = t.metrics[ds.fitness];
      if (t.state === 'complete' && fit !== undefined && fit > best) {
        best = fit;
        result = t.metrics[ds.result] as number;
      }
    }
    results.push(result);
    ranks.push(fitnessRank(facts, best));
    evals.push(n);
  }
  const insights = (store.getCheckpoint(rec.id)?.strategyState as { insights?: { kendallTau?: number | null } } | undefined)?.insights;
  return { results, ranks, evals, ...(typeof insights?.kendallTau === 'number' ? { tau: insights.kendallTau } : {}) };
}

const meanStd = (xs: readonly number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1);
  return { mean: m, std: Math.sqrt(v) };
};

const started = Date.now();
const sections: string[] = [];
for (const ds of datasets) {
  const evaluator = createEvaluator(spec(ds, 'random', 1, 0));
  const facts = tableFacts(ds, evaluator);
  const rows: string[] = [];
  for (const strategy of names) {
    const t0 = Date.now();
    const runs: Run[] = [];
    for (let seed = FIRST; seed < FIRST + SEEDS; seed++) runs.push(await runOnce(ds, strategy, seed, evaluator, facts));
    const ms = (Date.now() - t0) / SEEDS;
    const cells = ds.budgets.map((_, b) => {
      const { mean, std } = meanStd(runs.map((r) => r.results[b] as number));
      return `${mean.toFixed(2)} ± ${std.toFixed(2)}`;
    });
    const evals = ds.budgets.map((_, b) => Math.round(meanStd(runs.map((r) => r.evals[b] as number)).mean)).join(' / ');
    const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1] as number;
    const rankCell = ds.budgets.map((_, b) => median(runs.map((r) => r.ranks[b] as number))).join(' / ');
    const taus = runs.flatMap((r) => (r.tau !== undefined ? [r.tau] : []));
    const tau = taus.length > 0 ? meanStd(taus).mean.toFixed(2) : '–';
    rows.push(`| ${strategy} | ${cells.join(' | ')} | ${evals} | ${rankCell} | ${tau} | ${(ms / 1000).toFixed(2)} |`);
    process.stderr.write(`${ds.id} ${strategy}: ${cells.join(' | ')} (${(ms / 1000).toFixed(2)} s per search)\n`);
  }
  const refs = Object.entries(ds.reference).map(([label, byBudget]) => `| *${label}* | ${ds.budgets.map((b) => byBudget[b] ?? '').join(' | ')} | | | | |`);
  const budgetCols = ds.budgets.map((b) => `${b.toLocaleString('en-US')} s`);
  sections.push(`### ${ds.title}: fitness \`${ds.fitness}\`, cost \`${ds.cost}\`, result \`${ds.result}\` (optimum ${ds.optimum})

| strategy | ${budgetCols.join(' | ')} | evaluations | rank of the best by fitness (median) | predictor τ (held-out) | s per search |
|---|${ds.budgets.map(() => '---|').join('')}---|---|---|---|
${[...rows, ...refs].join('\n')}

${ceiling(ds, facts)}`);
}
const seconds = (Date.now() - started) / 1000;
const body = `## NAS-Bench-201 protocol

Command: \`npm run bench:nb201 -- --seeds ${SEEDS}${FIRST ? ` --first-seed ${FIRST}` : ''}${values.strategies ? ` --strategies ${names.join(',')}` : ''} --datasets ${datasets.map((d) => d.id).join(',')}${(values.option ?? []).map((o) => ` --option ${o}`).join('')}\`
(${SEEDS} seeds ${FIRST}..${FIRST + SEEDS - 1} per strategy; ${seconds.toFixed(0)} s on ${cpus().length} cores, ${new Date().toISOString().slice(0, 10)}).
Each evaluation costs its 12-epoch training time in simulated seconds and an evaluation that would overrun
the budget is not started; reported: mean ± std over seeds of the 200-epoch test accuracy (%) of the
architecture with the best 12-epoch validation accuracy seen. One search per seed runs to the largest
budget and the smaller budgets read the prefix of it that fits (exact: strategies do not see the budget).
Evaluations: mean number per budget. Rank: where the best fitness found stands among all architectures'
(1 = the best 12-epoch validation accuracy in the table), median over seeds, per budget. Predictor τ: Kendall τ between the predictor's forecast for each
proposed architecture (made before it was evaluated) and its measured fitness, mean over seeds (model-based
strategies only).

${sections.join('\n')}`;
const out = values.out ?? fileURLToPath(new URL('./RESULTS.md', import.meta.url));
writeSection(out, 'nb201-protocol', body);
process.stdout.write(body);
