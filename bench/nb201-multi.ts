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
import { FidelityTableEvaluator, NB201_FIDELITIES } from '../main/core/fidelity.js';
import { nb201EvaluatorSpec, createEvaluator } from '../main/services/evaluators.js';
import { writeSection } from './results-file.js';

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '30' },
    'slow-seeds': { type: 'string', default: '5' },
    'mf-seeds': { type: 'string', default: '30' },
    strategies: { type: 'string' },
    'mf-strategies': { type: 'string', default: 'asha,hyperband,asha:eta=16,hyperband:eta=16,asha:mutate=0' },
    skip: { type: 'string', default: '' },
    out: { type: 'string' },
  },
});
const SEEDS = Number(args.seeds);
/** Seeds for a strategy whose first run takes over SLOW_MS (model-based ones refit a model per ask). */
const SLOW_SEEDS = Math.min(SEEDS, Number(args['slow-seeds']));
const SLOW_MS = 5_000;
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
  let seeds = SEEDS;
  for (let seed = 0; seed < seeds; seed++) {
    (await moRun(strategy, seed)).forEach((r, k) => ratios[k]?.push(r));
    if (seed === 0 && Date.now() - t0 > SLOW_MS) seeds = SLOW_SEEDS;
  }
  const cells = ratios.map((rs) => {
    const { mean, std } = meanStd(rs);
    return `${mean.toFixed(4)} ± ${std.toFixed(4)} (min ${Math.min(...rs).toFixed(4)})`;
  });
  moRows.push(`| ${strategy} | ${cells.join(' | ')} | ${seeds} |`);
  process.stderr.write(`${strategy}: ${cells.join(' | ')} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
}

// ---------------------------------------------------------------------------------------------
// Multi-fidelity, one objective: c10_valid at 12 or 200 epochs, each charged its training time.
// ---------------------------------------------------------------------------------------------

const MF_BUDGETS = [3_000, 6_000, 20_000];
const MF_OBJECTIVES: ObjectiveSpec[] = [{ metric: 'c10_valid', direction: 'max' }];
const table = moEvaluator.table;
const mfEvaluator = new FidelityTableEvaluator(table, { metrics: ['c10_valid'], known: new Set(), levels: NB201_FIDELITIES });
const protocolEvaluator = new TableEvaluator(table, { metrics: ['c10_valid_12ep'], known: new Set(), cost: { column: 'train_time_200ep_c10valid', factor: 0.06 } });

/** `name` or `name:key=value,key=value`. */
function variant(text: string): { name: string; options: Record<string, unknown> } {
  const [name, opts] = text.split(':') as [string, string | undefined];
  return { name, options: Object.fromEntries((opts ?? '').split(';').filter(Boolean).map((kv) => kv.split('=') as [string, string])) };
}

interface MfOutcome { test: number; evals: number; full: number }

async function mfRun(text: string, seconds: number, seed: number): Promise<MfOutcome> {
  const { name, options } = variant(text);
  const multi = MULTI_FIDELITY.has(name);
  const evaluator = multi ? mfEvaluator : protocolEvaluator;
  const objectives = multi ? MF_OBJECTIVES : [{ metric: 'c10_valid_12ep', direction: 'max' } as const];
  const store = new InMemoryStore();
  const s: StudySpec = { name: text, space: 'nb201', strategy: name, strategyOptions: options, objectives, constraints: [], report: [], budget: { seconds }, seed, evaluator: { kind: 'bench' } };
  const rec = store.createStudy(s, 0);
  const strategy = createStrategy(name, { space, objectives, seed, options, ...(multi ? { fidelities: mfEvaluator.fidelities } : {}) });
  const out = await new Study(rec.id, { store, space, evaluator, clock: { now: () => 0 }, strategy }).run(CancellationToken.None);
  // Best by validation at the highest fidelity reached; its 200-epoch test accuracy.
  const done = store.getTrials(rec.id, { states: ['complete'] });
  const level = (f: string | undefined) => (f?.startsWith('epochs:') ? Number(f.slice(7)) : 12);
  const metric = objectives[0]!.metric;
  const top = Math.max(...done.map((t) => level(t.fidelity[metric])));
  let best = -Infinity;
  let test = NaN;
  for (const t of done) {
    if (level(t.fidelity[metric]) !== top) continue;
    const v = t.metrics[metric] as number;
    if (v > best) {
      best = v;
      test = table.rows.get(t.key)?.c10_test as number;
    }
  }
  return { test, evals: out.progress.evals, full: done.filter((t) => level(t.fidelity[metric]) === 200).length };
}

const mfRows: string[] = [];
for (const text of ['evolution', 'random', ...args['mf-strategies'].split(',').filter(Boolean)]) {
  const t0 = Date.now();
  const cells: string[] = [];
  const notes: string[] = [];
  for (const seconds of MF_BUDGETS) {
    const runs: MfOutcome[] = [];
    for (let seed = 0; seed < MF_SEEDS; seed++) runs.push(await mfRun(text.replaceAll('+', ';'), seconds, seed));
    const { mean, std } = meanStd(runs.map((r) => r.test));
    cells.push(`${mean.toFixed(2)} ± ${std.toFixed(2)}`);
    notes.push(`${Math.round(meanStd(runs.map((r) => r.evals)).mean)} (${meanStd(runs.map((r) => r.full)).mean.toFixed(1)})`);
  }
  const label = MULTI_FIDELITY.has(variant(text).name) ? text.replaceAll('+', ', ') : `${text} (12 epochs only, the protocol)`;
  mfRows.push(`| ${label} | ${cells.join(' | ')} | ${notes.join(' / ')} |`);
  process.stderr.write(`${text}: ${cells.join(' | ')}; evals ${notes.join(' / ')} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
}

const seconds = (Date.now() - started) / 1000;
const body = `## NAS-Bench-201, two objectives and multiple fidelities

Command: \`npx tsx bench/nb201-multi.ts ${process.argv.slice(2).filter((x) => !x.startsWith('--out')).join(' ')}\` (${seconds.toFixed(1)} s on ${cpus().length} cores, ${new Date().toISOString().slice(0, 10)}).

### Two objectives: \`c10_valid_12ep:max\` + \`hwnb_pixel3:min\`

Hypervolume of the front of the first N evaluations as a share of the true front's (${TRUE_FRONT.length} points over all
${all.length.toLocaleString('en-US')} rows), reference point = the worst of each objective over the whole table
(accuracy ${(-(REF[0] as number)).toFixed(3)} %, latency ${(REF[1] as number).toFixed(3)} ms); mean ± std (min) over the seeds
(${SEEDS}; ${SLOW_SEEDS} for a strategy whose first run takes over ${SLOW_MS / 1000} s, the model-based ones, which refit a
model per ask). Each evaluation is one 12-epoch result (every strategy the same).

| strategy | 100 evaluations | 300 evaluations | 1,000 evaluations | seeds |
|---|---|---|---|---|
${moRows.join('\n')}

### Multi-fidelity on CIFAR-10: 12 and 200 epochs

\`hyperband\` and \`asha\` choose per trial 12 epochs (\`c10_valid_12ep\`, charged \`train_time_200ep_c10valid*0.06\`)
or 200 epochs (\`c10_valid\`, charged the whole \`train_time_200ep_c10valid\`: the benchmark's 12-epoch runs are
their own schedule, so a promotion cannot continue one and is charged the full 200 epochs); objective
\`c10_valid:max\`. Reported: mean ± std over ${MF_SEEDS} seeds of \`c10_test\` (200 epochs) of the architecture
with the best validation accuracy at the highest fidelity the search reached. Evolution and random search
run the NAS-Bench-201 protocol (every evaluation 12 epochs) on the same budgets, for reference. Options
after the colon (\`eta\`: keep the best 1/eta of a rung; \`mutate\`: share of new architectures bred by
mutation from a rung's recent best instead of drawn at random; default eta 3, mutate 0.8).

| strategy | 3,000 s | 6,000 s | 20,000 s | evaluations (of them at 200 epochs) |
|---|---|---|---|---|
${mfRows.join('\n')}
`;
const out = args.out ?? fileURLToPath(new URL('./RESULTS.md', import.meta.url));
writeSection(out, 'nb201-multi', body);
process.stdout.write(body);
