import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { errorMessage } from '../../../shared/errors.js';
import type { BudgetSpec, EvaluatorSpec, ObjectiveSpec, StudySpec } from '../../../shared/types/index.js';
import { parseConstraint, parseObjective } from '../../core/objectives.js';
import { NB201_TABLES } from '../../services/evaluators.js';
import { defaultDbPath } from '../../services/paths.js';
import { createStudy } from '../../services/studies.js';
import { flag, list, num, parse, parseDuration, str, type Parsed } from '../args.js';
import { DB_OPTION, openStore } from '../common.js';
import { UsageError, type CliIO } from '../io.js';
import { runWithProgress } from '../run-study.js';
import { latencyDevices, lutEvaluatorSpec } from './devices.js';

export const SEARCH_HELP = `Usage: frontier search [options]

Runs a hardware-aware architecture search and prints its Pareto front. With no options: the
NAS-Bench-201 space replayed from its tables, regularized evolution, CIFAR-10 accuracy (max)
against Pixel 3 latency (min), 1000 evaluations.

Search:
  --space NAME|FILE        nb201 (default), mobilenet, or a .yaml/.json space document
  --strategy NAME          random | evolution (default) | reinforce | local
  --option KEY=VALUE       strategy setting, repeatable (evolution: population, tournament,
                           crossover; reinforce: lr, baselineDecay, entropy, window)
  --objective METRIC:DIR   repeatable; DIR is min or max; latency:<serial> is the phone's
                           lookup-table latency (see 'frontier device profile')
                           (nb201 default: c10_valid_12ep:max and hwnb_pixel3:min)
  --constraint 'M OP V'    hard constraint, repeatable, e.g. 'hwnb_pixel3 <= 5' (OP: <= < >= > ==);
                           applied before evaluating when the metric is known up front
  --report METRIC          extra metric to record and show, repeatable (nb201 default: c10_test)
Budget (the first one reached ends the search; default 1000 evaluations):
  --budget-evals N         evaluations
  --budget-seconds S       simulated seconds (sum of each evaluation's cost)
  --budget-wall DURATION   wall-clock time: 90s, 10m, 1h30m
Evaluation by table (default for nb201: the shipped NAS-Bench-201 tables):
  --table FILE             CSV of results, repeatable; rows joined on 'index' or 'arch_str'
  --known-table FILE       CSV of metrics known before evaluating (latency, params), repeatable
  --cost 'COLUMN*FACTOR'   simulated cost of one evaluation
                           (nb201 default: train_time_200ep_c10valid*0.06, 12 epochs)
  --pace FACTOR            replay in real time: wall seconds per simulated second (e.g. 0.001)
Other:
  --seed N                 random seed (default 0); same seed, same search
  --concurrency N          trials evaluated at once (default 1)
  --name NAME              a name for the study
  --db PATH                database file (default: the app-data folder, or $FRONTIER_DB)
  --json                   print one JSON document at the end instead of text
  -h, --help               this help
`;

const OPTIONS = {
  space: { type: 'string' },
  strategy: { type: 'string' },
  option: { type: 'string', multiple: true },
  objective: { type: 'string', multiple: true },
  constraint: { type: 'string', multiple: true },
  report: { type: 'string', multiple: true },
  'budget-evals': { type: 'string' },
  'budget-seconds': { type: 'string' },
  'budget-wall': { type: 'string' },
  table: { type: 'string', multiple: true },
  'known-table': { type: 'string', multiple: true },
  cost: { type: 'string' },
  pace: { type: 'string' },
  seed: { type: 'string' },
  concurrency: { type: 'string' },
  name: { type: 'string' },
  json: { type: 'boolean' },
  ...DB_OPTION,
} as const;

function spaceOf(p: Parsed, io: CliIO): Pick<StudySpec, 'space' | 'spaceOptions'> {
  const space = str(p, 'space') ?? 'nb201';
  if (!['.yaml', '.yml', '.json'].includes(extname(space).toLowerCase())) return { space };
  let document: string;
  try {
    document = readFileSync(resolve(io.cwd, space), 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read space file ${space}: ${errorMessage(e)}`);
  }
  return { space: 'custom', spaceOptions: { document, source: space } };
}

function strategyOptions(p: Parsed): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list(p, 'option')) {
    const at = kv.indexOf('=');
    if (at <= 0) throw new UsageError(`--option '${kv}' must be KEY=VALUE`);
    out[kv.slice(0, at)] = kv.slice(at + 1);
  }
  return out;
}

/** The study spec described by `frontier search` flags. */
export function specFromFlags(p: Parsed, io: CliIO): StudySpec {
  const space = spaceOf(p, io);
  const nb201 = space.space === 'nb201';
  const tables = list(p, 'table');
  const knownTables = list(p, 'known-table');
  const pace = num(p, 'pace', { min: 0 });
  const paced = pace ? { pace } : {};
  let evaluator: EvaluatorSpec;
  if (tables.length + knownTables.length > 0) {
    const cost = str(p, 'cost');
    evaluator = { kind: 'table', tables: tables.map((t) => resolve(io.cwd, t)), knownTables: knownTables.map((t) => resolve(io.cwd, t)), ...(cost ? { cost } : {}), ...paced };
  } else if (latencyDevices(p).length > 0) {
    evaluator = lutEvaluatorSpec(latencyDevices(p), str(p, 'db') ?? defaultDbPath(io.env));
  } else if (nb201) {
    evaluator = { kind: 'table', tables: [...NB201_TABLES.tables], knownTables: [...NB201_TABLES.knownTables], cost: str(p, 'cost') ?? NB201_TABLES.cost, ...paced };
  } else {
    throw new UsageError(`space '${str(p, 'space')}' has no built-in evaluator yet: give its results with --table FILE`);
  }
  let objectives: ObjectiveSpec[];
  try {
    objectives = list(p, 'objective').map(parseObjective);
  } catch (e) {
    throw new UsageError(errorMessage(e));
  }
  if (objectives.length === 0) {
    if (!nb201) throw new UsageError('give at least one --objective METRIC:min|max');
    objectives = [{ metric: 'c10_valid_12ep', direction: 'max' }, { metric: 'hwnb_pixel3', direction: 'min' }];
  }
  const report = list(p, 'report');
  if (report.length === 0 && nb201 && !objectives.some((o) => o.metric === 'c10_test')) report.push('c10_test');
  let constraints;
  try {
    constraints = list(p, 'constraint').map(parseConstraint);
  } catch (e) {
    throw new UsageError(errorMessage(e));
  }
  const wall = str(p, 'budget-wall');
  const budget: BudgetSpec = {
    ...(num(p, 'budget-evals', { integer: true, min: 1 }) !== undefined ? { evals: num(p, 'budget-evals', { integer: true, min: 1 }) } : {}),
    ...(num(p, 'budget-seconds', { min: 0 }) !== undefined ? { seconds: num(p, 'budget-seconds', { min: 0 }) } : {}),
    ...(wall !== undefined ? { wallMs: parseDuration(wall) } : {}),
  };
  const strategy = str(p, 'strategy') ?? 'evolution';
  const concurrency = num(p, 'concurrency', { integer: true, min: 1 });
  return {
    name: str(p, 'name') ?? `${space.space === 'custom' ? str(p, 'space') : space.space} ${strategy}`,
    ...space,
    strategy,
    strategyOptions: strategyOptions(p),
    objectives,
    constraints,
    report,
    budget: Object.keys(budget).length > 0 ? budget : { evals: 1000 },
    seed: num(p, 'seed', { integer: true, min: 0 }) ?? 0,
    evaluator,
    ...(concurrency !== undefined ? { concurrency } : {}),
  };
}

export async function searchCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parse('search', argv, OPTIONS);
  if (flag(p, 'help')) {
    io.out(SEARCH_HELP);
    return 0;
  }
  const spec = specFromFlags(p, io);
  const store = openStore(io, str(p, 'db'));
  try {
    const rec = createStudy(store, spec);
    if (!flag(p, 'json')) io.err(`study ${rec.id}: ${spec.space} space, ${spec.strategy}, objectives ${spec.objectives.map((o) => `${o.metric}:${o.direction}`).join(', ')}\n`);
    return await runWithProgress(io, store, rec.id, flag(p, 'json'));
  } finally {
    store.close();
  }
}
