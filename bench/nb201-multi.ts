/**
 * Multi-objective and multi-fidelity searches on the shipped NAS-Bench-201 tables.
 *
 * 1. Two objectives, `c10_valid_12ep:max` + `hwnb_pixel3:min`: hypervolume of the front found after
 *    100, 300 and 1,000 evaluations as a share of the hypervolume of the true front (all 15,625 rows),
 *    with the same reference point (the worst accuracy and the worst latency of the whole table).
 * 2. Multi-fidelity on CIFAR-10 (12 and 200 epochs, each charged its own training time): c10_test of
 *    the best-by-validation architecture at 3,000 / 6,000 / 20,000 simulated seconds.
 *
 *   npx tsx bench/nb201-multi.ts [--seeds 30] [--mf-seeds 30] [--strategies nsga2,evolution,...]
 */
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { ObjectiveSpec, StudySpec } from '../shared/types/index.js';
import { CancellationToken } from '../main/core/cancellation.js';
import { InMemoryStore } from '../main/core/in-memory-store.js';
import { hypervolume, paretoFront, toMinimization } from '../main/core/pareto.js';
import { createSpace } from '../main/core/spaces.js';
import { STRATEGIES, createStrategy } from '../main/core/strategies.js';
import { Study } from '../main/core/study.js';
import { TableEvaluator } from '../main/core/table.js';
import { nb201EvaluatorSpec, createEvaluator } from '../main/services/evaluators.js';
import { writeSection } from './results-file.js';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '30' },
    'mf-seeds': { type: 'string', default: '30' },
    strategies: { type: 'string' },
    skip: { type: 'string', default: '' },
    out: { type: 'string' },
  },
});
const SEEDS = Number(args.seeds);
const MF_SEEDS = Number(args['mf-seeds']);
const CHECKPOINTS = [100, 300, 1000];
const OBJECTIVES: ObjectiveSpec[] = [{ metric: 'c10_valid_12ep', direction: 'max' }, { metric: 'hwnb_pixel3', direction: 'min' }];
/** Strategies that choose a fidelity: they belong in the multi-fidelity table, not here. */
const MULTI_FIDELITY = new Set(['hyperband', 'asha']);

const meanStd = (xs: readonly number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1);
  return { mean: m, std: Math.sqrt(v) };
};

function moSpec(strategy: string, seed: number): StudySpec {
  return {
    name: `nb201-multi ${strategy}`, space: 'nb201', strategy, objectives: OBJECTIVES, constraints: [], report: [],
    budget: { evals: Math.max(...CHECKPOINTS) }, seed, evaluator: nb201EvaluatorSpec(),
  };
}

const started = Date.now();
const space = createSpace('nb201');
const moEvaluator = createEvaluator(moSpec('random', 0)) as TableEvaluator;

// The true front over the whole table, and the reference point: the worst of each objective there.
const all: number[][] = [];
for (const row of moEvaluator.table.rows.values()) {
  const v = OBJECTIVES.map((o) => row[o.metric] as number);
  if (v.every(Number.isFinite)) all.push(toMinimization(v, OBJECTIVES));
}
const REF = [0, 1].map((k) => Math.max(...all.map((p) => p[k] as number)));
const TRUE_FRONT = paretoFront(all).map((i) => all[i] as number[]);
const TRUE_HV = hypervolume(TRUE_FRONT, REF);

async function moRun(strategy: string, seed: number): Promise<number[]> {
  const store = new InMemoryStore();
  const s = moSpec(strategy, seed);
  const rec = store.createStudy(s, 0);
  const study = new Study(rec.id, {
    store, space, evaluator: moEvaluator, clock: { now: () => 0 },
    strategy: createStrategy(strategy, { space, objectives: s.objectives, seed, options: {} }),
  });
  await study.run(CancellationToken.None);
  const trials = store.getTrials(rec.id, {}).slice().sort((a, b) => a.number - b.number);
  return CHECKPOINTS.map((n) => {
    const pts = trials.slice(0, n).filter((t) => t.state === 'complete').map((t) => toMinimization(OBJECTIVES.map((o) => t.metrics[o.metric] as number), OBJECTIVES));
    return hypervolume(pts, REF) / TRUE_HV;
  });
}

const skip = new Set(args.skip.split(',').filter(Boolean));
const moStrategies = (args.strategies?.split(',') ?? Object.keys(STRATEGIES)).filter((n) => !MULTI_FIDELITY.has(n) && !skip.has(n));
const moRows: string[] = [];
for (const strategy of moStrategies) {
  const t0 = Date.now();
  const ratios: number[][] = CHECKPOINTS.map(() => []);
  for (let seed = 0; seed < SEEDS; seed++) (await moRun(strategy, seed)).forEach((r, k) => ratios[k]?.push(r));
  const cells = ratios.map((rs) => {
    const { mean, std } = meanStd(rs);
    return `${mean.toFixed(4)} ± ${std.toFixed(4)} (min ${Math.min(...rs).toFixed(4)})`;
  });
  moRows.push(`| ${strategy} | ${cells.join(' | ')} |`);
  process.stderr.write(`${strategy}: ${cells.join(' | ')} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
}

const seconds = (Date.now() - started) / 1000;
const body = `## NAS-Bench-201, two objectives and multiple fidelities

Command: \`npx tsx bench/nb201-multi.ts --seeds ${SEEDS} --mf-seeds ${MF_SEEDS}${args.strategies ? ` --strategies ${args.strategies}` : ''}${args.skip ? ` --skip ${args.skip}` : ''}\` (${seconds.toFixed(1)} s on ${cpus().length} cores, ${new Date().toISOString().slice(0, 10)}).

### Two objectives: \`c10_valid_12ep:max\` + \`hwnb_pixel3:min\`

Hypervolume of the front of the first N evaluations as a share of the true front's (${TRUE_FRONT.length} points over all
${all.length.toLocaleString('en-US')} rows), reference point = the worst of each objective over the whole table
(accuracy ${(-(REF[0] as number)).toFixed(3)} %, latency ${(REF[1] as number).toFixed(3)} ms); mean ± std (min) over ${SEEDS} seeds.
Each evaluation costs one 12-epoch training (every strategy the same).

| strategy | 100 evaluations | 300 evaluations | 1,000 evaluations |
|---|---|---|---|
${moRows.join('\n')}
`;
const out = args.out ?? fileURLToPath(new URL('./RESULTS.md', import.meta.url));
writeSection(out, 'nb201-multi', body);
process.stdout.write(body);
