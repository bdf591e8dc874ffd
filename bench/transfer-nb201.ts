/**
 * Transfer by warm start on the shipped NAS-Bench-201 tables: how many evaluations a CIFAR-100 search
 * (fitness c100_valid_12ep, cost train_time_200ep_c100*0.06) needs to reach a target accuracy when it is
 * warm-started from a CIFAR-10 search's best architectures, against the same search from cold.
 *
 * Per seed: a CIFAR-10 evolution search (fitness c10_valid_12ep, --source-evals evaluations) hands on its
 * top k (strategy option warmStart, as `frontier search --warm-start ID --warm-start-k K` does); then,
 * for each strategy, the CIFAR-100 search from cold and warm-started runs with the same seed, one after
 * the other (interleaved), to --evals evaluations. Targets: the 99th and 99.9th percentile of
 * c100_valid_12ep over all 15,625 architectures. A run that never reaches a target counts as --evals + 1
 * (shown as the share reached). The source search's evaluations are not counted: it is an earlier search.
 *
 *   node --import tsx bench/transfer-nb201.ts [--seeds 50] [--strategies evolution,local,random]
 *     [--source-evals 100] [--k 5] [--evals 300] [--out FILE]
 *
 * A contender `bananas+prior` (or `bo+prior`) is the predictor warm-up instead: the warm run's
 * predictor is pre-trained on every trial of the source search (strategy option prior, as
 * `frontier search --predictor-warm-start ID`), nothing re-evaluated. Runs of only such contenders
 * write their own section (transfer-nb201-predictor).
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { StudySpec, TrialRecord } from '../shared/types/index.js';
import { CancellationToken } from '../main/core/cancellation.js';
import { InMemoryStore } from '../main/core/in-memory-store.js';
import { createSpace } from '../main/core/spaces.js';
import { createStrategy, STRATEGIES } from '../main/core/strategies.js';
import { transferSet } from '../main/core/strategies/warm-start.js';
import { PRIOR_STRATEGIES, priorFrom } from '../main/core/predictors/prior.js';
import { Study } from '../main/core/study.js';
import { parseCsv } from '../main/core/table.js';
import { createEvaluator, nb201EvaluatorSpec } from '../main/services/evaluators.js';
import { resolveResource } from '../main/services/resources.js';
import { writeSection } from './results-file.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '50' },
    strategies: { type: 'string', default: 'evolution,local,random' },
    'source-evals': { type: 'string', default: '100' },
    k: { type: 'string', default: '5' },
    evals: { type: 'string', default: '300' },
    out: { type: 'string' },
  },
});
const whole = (name: string, v: string | undefined, min: number): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}, got ${v}`);
  return n;
};
const SEEDS = whole('seeds', values.seeds, 2);
const SOURCE_EVALS = whole('source-evals', values['source-evals'], 1);
const K = whole('k', values.k, 1);
const EVALS = whole('evals', values.evals, 1);
const names = (values.strategies ?? '').split(',').map((s) => s.trim()).filter(Boolean);
const PRIOR = '+prior';
const base = (n: string) => (n.endsWith(PRIOR) ? n.slice(0, -PRIOR.length) : n);
for (const n of names) {
  if (!Object.hasOwn(STRATEGIES, base(n))) throw new Error(`unknown strategy '${base(n)}' (choose from ${Object.keys(STRATEGIES).join(', ')})`);
  if (n.endsWith(PRIOR) && !PRIOR_STRATEGIES.includes(base(n))) throw new Error(`${n}: only ${PRIOR_STRATEGIES.join(' and ')} have a predictor to warm up`);
}
const predictorOnly = names.every((n) => n.endsWith(PRIOR));

const SOURCE = { fitness: 'c10_valid_12ep', cost: 'train_time_200ep_c10valid*0.06' };
const TARGET = { fitness: 'c100_valid_12ep', cost: 'train_time_200ep_c100*0.06' };

// Targets from the table itself: percentiles of the CIFAR-100 fitness over every architecture.
const table = parseCsv(readFileSync(resolveResource('builtin:nb201/accuracy.csv'), 'utf8'), 'accuracy.csv');
const col = table.columns.indexOf(TARGET.fitness);
if (col < 0) throw new Error(`accuracy.csv has no column ${TARGET.fitness}`);
const all = table.rows.map((r) => Number(r[col])).filter(Number.isFinite).sort((a, b) => a - b);
const quantile = (q: number) => all[Math.min(all.length - 1, Math.floor(q * all.length))] as number;
const targets = [
  { label: 'top 1%', value: quantile(0.99) },
  { label: 'top 0.1%', value: quantile(0.999) },
];

function spec(task: typeof SOURCE, strategy: string, evals: number, seed: number, options: Record<string, unknown> = {}): StudySpec {
  return {
    name: `transfer ${task.fitness} ${strategy}`,
    space: 'nb201',
    strategy,
    strategyOptions: options,
    objectives: [{ metric: task.fitness, direction: 'max' }],
    constraints: [],
    report: [],
    budget: { evals },
    seed,
    evaluator: nb201EvaluatorSpec({ cost: task.cost }),
  };
}

const space = createSpace('nb201');
// One evaluator per task: a table evaluator records the metrics of the spec it was made for.
const evaluators = new Map([SOURCE, TARGET].map((task) => [task.fitness, createEvaluator(spec(task, 'random', 1, 0))]));

async function run(s: StudySpec): Promise<TrialRecord[]> {
  const store = new InMemoryStore();
  const rec = store.createStudy(s, 0);
  const evaluator = evaluators.get(s.objectives[0]?.metric as string);
  if (!evaluator) throw new Error(`no evaluator for ${s.objectives[0]?.metric}`);
  const study = new Study(rec.id, {
    store, space, evaluator, clock: { now: () => 0 },
    strategy: createStrategy(s.strategy, { space, objectives: s.objectives, seed: s.seed, options: s.strategyOptions ?? {} }),
  });
  await study.run(CancellationToken.None);
  return store.getTrials(rec.id).slice().sort((a, b) => a.number - b.number);
}

/** Evaluations until the fitness first reaches `target` (EVALS + 1 when never). */
const toTarget = (trials: readonly TrialRecord[], target: number): number => {
  const i = trials.findIndex((t) => t.state === 'complete' && (t.metrics[TARGET.fitness] ?? -Infinity) >= target);
  return i < 0 ? EVALS + 1 : i + 1;
};

interface Tally {
  cold: number[][];
  warm: number[][];
}
const tally = new Map<string, Tally>(names.map((n) => [n, { cold: targets.map(() => []), warm: targets.map(() => []) }]));
const seedFitness: number[] = [];
const started = Date.now();
for (let seed = 0; seed < SEEDS; seed++) {
  const source = await run(spec(SOURCE, 'evolution', SOURCE_EVALS, 1000 + seed));
  const keys = transferSet(source, [{ metric: SOURCE.fitness, direction: 'max' }], K);
  if (keys.length !== K) throw new Error(`the source search handed on ${keys.length} architectures, not ${K}`);
  // The predictor warm-up's option: every trial of the source search, scored by its fitness.
  const sourceStudy = { spec: { space: 'nb201', objectives: [{ metric: SOURCE.fitness, direction: 'max' as const }] } };
  const prior = priorFrom({ getStudy: () => sourceStudy, getTrials: () => source }, ['source'], 'nb201');
  for (const name of names) {
    const cold = await run(spec(TARGET, base(name), EVALS, seed));
    const warm = await run(spec(TARGET, base(name), EVALS, seed, name.endsWith(PRIOR) ? prior : { warmStart: keys }));
    if (name === names[0] && !predictorOnly) seedFitness.push(Math.max(...warm.slice(0, keys.length).map((t) => t.metrics[TARGET.fitness] ?? -Infinity)));
    const t = tally.get(name) as Tally;
    targets.forEach((tg, i) => {
      (t.cold[i] as number[]).push(toTarget(cold, tg.value));
      (t.warm[i] as number[]).push(toTarget(warm, tg.value));
    });
  }
  if ((seed + 1) % 10 === 0) process.stderr.write(`${seed + 1}/${SEEDS} seeds\n`);
}
const seconds = (Date.now() - started) / 1000;

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: readonly number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const reached = (xs: readonly number[]) => `${Math.round((100 * xs.filter((x) => x <= EVALS).length) / xs.length)}%`;
const rows: string[] = [];
for (const name of names) {
  const t = tally.get(name) as Tally;
  targets.forEach((tg, i) => {
    const c = t.cold[i] as number[];
    const w = t.warm[i] as number[];
    rows.push(`| ${name} | ${tg.label} (≥ ${tg.value.toFixed(2)}) | ${mean(c).toFixed(1)} / ${median(c)} (${reached(c)}) | ${mean(w).toFixed(1)} / ${median(w)} (${reached(w)}) | ${(mean(c) / mean(w)).toFixed(2)}× |`);
  });
}
const body = predictorOnly ? `## Transfer: predictor warm-up on NAS-Bench-201 (CIFAR-10 → CIFAR-100)

Command: \`node --import tsx bench/transfer-nb201.ts --seeds ${SEEDS} --strategies ${names.join(',')} --source-evals ${SOURCE_EVALS} --evals ${EVALS}\`
(${SEEDS} seeds per contender; ${seconds.toFixed(0)} s on ${cpus().length} cores, ${new Date().toISOString().slice(0, 10)}).
Per seed, a CIFAR-10 evolution search (fitness \`${SOURCE.fitness}\`, ${SOURCE_EVALS} evaluations) hands on every trial it
evaluated, scored by its fitness, as the strategy option \`prior\` (as \`frontier search --predictor-warm-start ID\`): the
CIFAR-100 search's predictor is pre-trained on them, so its first asks are the model's picks; nothing is re-evaluated. Cold
and warm runs of the CIFAR-100 search (fitness \`${TARGET.fitness}\`) share the seed, interleaved, up to ${EVALS} evaluations.
Cells: mean / median evaluations until the fitness first reaches the target (a run that never does counts ${EVALS + 1}), and the
share of runs that reached it. Targets: percentiles of \`${TARGET.fitness}\` over all ${all.length.toLocaleString('en-US')} architectures.

| strategy | target | cold: mean / median (reached) | predictor warm-up: mean / median (reached) | cold / warm (mean) |
|---|---|---|---|---|
${rows.join('\n')}
` : `## Transfer: warm start on NAS-Bench-201 (CIFAR-10 → CIFAR-100)

Command: \`node --import tsx bench/transfer-nb201.ts --seeds ${SEEDS} --strategies ${names.join(',')} --source-evals ${SOURCE_EVALS} --k ${K} --evals ${EVALS}\`
(${SEEDS} seeds per contender; ${seconds.toFixed(0)} s on ${cpus().length} cores, ${new Date().toISOString().slice(0, 10)}).
Per seed, a CIFAR-10 evolution search (fitness \`${SOURCE.fitness}\`, ${SOURCE_EVALS} evaluations) hands on its top ${K};
the CIFAR-100 search (fitness \`${TARGET.fitness}\`, cost \`${TARGET.cost}\`) runs from cold and warm-started
(those ${K} evaluated first, as \`frontier search --warm-start ID --warm-start-k ${K}\`), same seed, interleaved, up to
${EVALS} evaluations. Cells: mean / median evaluations of the CIFAR-100 search until its fitness first reaches the target
(a run that never does counts ${EVALS + 1}), and the share of runs that reached it; the source search is not counted.
Targets: percentiles of \`${TARGET.fitness}\` over all ${all.length.toLocaleString('en-US')} architectures (optimum ${(all[all.length - 1] as number).toFixed(2)}).
Best CIFAR-100 fitness among the ${K} seeds themselves: mean ${mean(seedFitness).toFixed(2)}, median ${median(seedFitness).toFixed(2)}.

| strategy | target | cold: mean / median (reached) | warm: mean / median (reached) | cold / warm (mean) |
|---|---|---|---|---|
${rows.join('\n')}
`;
process.stdout.write(`${body}\n`);
writeSection(values.out ?? fileURLToPath(new URL('RESULTS.md', import.meta.url)), predictorOnly ? 'transfer-nb201-predictor' : 'transfer-nb201', body);
