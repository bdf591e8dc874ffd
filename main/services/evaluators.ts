import { NasError } from '../../shared/errors.js';
import type { EvaluatorSpec, ObjectiveSpec, StudySpec } from '../../shared/types/index.js';
import type { Evaluator } from '../core/evaluator.js';
import { FidelityTableEvaluator, NB201_FIDELITIES } from '../core/fidelity.js';
import { joinTables, parseCost, parseCsv, TableEvaluator, type CsvTable } from '../core/table.js';
import { LutEvaluator } from './devices/lut-evaluator.js';
import { resolveResource } from './resources.js';
import { readUserText, statUserPath } from './user-file.js';
import { TrainEvaluator, type EvaluatorContext, type TrainEvaluatorSpec } from './train/evaluator.js';
import { createSupernetEvaluator } from './train/supernet-study.js';
import { createFinetuneEvaluator } from './train/supernet-finetune.js';

export type { EvaluatorContext } from './train/evaluator.js';

/** The NAS-Bench-201 replay defaults (protocol of the NAS-Bench-201 paper). */
export const NB201_TABLES = {
  tables: ['builtin:nb201/accuracy.csv'],
  knownTables: ['builtin:nb201/cost.csv', 'builtin:nb201/latency.csv'],
  cost: 'train_time_200ep_c10valid*0.06',
} as const;

/**
 * The table evaluator of the NAS-Bench-201 replay, optionally with another cost or a real-time pace;
 * `fidelities`: the 12- and 200-epoch columns as two fidelities, each at its own cost (for
 * multi-fidelity strategies; the cost and pace are then the fidelities' own).
 */
export function nb201EvaluatorSpec(opts: { cost?: string; pace?: number; fidelities?: boolean } = {}): EvaluatorSpec {
  if (opts.fidelities) return { kind: 'table', tables: [...NB201_TABLES.tables], knownTables: [...NB201_TABLES.knownTables], fidelities: 'nb201' };
  return {
    kind: 'table',
    tables: [...NB201_TABLES.tables],
    knownTables: [...NB201_TABLES.knownTables],
    cost: opts.cost ?? NB201_TABLES.cost,
    ...(opts.pace ? { pace: opts.pace } : {}),
  };
}

/** The default hardware-aware NB201 objectives: CIFAR-10 accuracy against Pixel 3 latency. */
export const NB201_OBJECTIVES: readonly ObjectiveSpec[] = [
  { metric: 'c10_valid_12ep', direction: 'max' },
  { metric: 'hwnb_pixel3', direction: 'min' },
];

const csvCache = new Map<string, { mtimeMs: number; table: CsvTable }>();

/** Reads and parses a CSV table (cached per path and modification time); errors name the file. */
export function loadCsv(ref: string): CsvTable {
  const path = resolveResource(ref);
  const { mtimeMs } = statUserPath(path, 'table');
  const hit = csvCache.get(path);
  if (hit && hit.mtimeMs === mtimeMs) return hit.table;
  const table = parseCsv(readUserText(path, { what: 'table' }), path);
  csvCache.set(path, { mtimeMs, table });
  return table;
}

/** Every metric a study records: objectives, constraints and report columns. */
export function studyMetrics(spec: StudySpec): string[] {
  return [...new Set([...spec.objectives.map((o) => o.metric), ...spec.constraints.map((c) => c.metric), ...spec.report])];
}

/** `latency:<serial>`: a phone's latency (a lookup table's, or measured on a worker's phone with search --redis); not a local backend's. */
export function isPhoneLatency(metric: string): boolean {
  return metric.startsWith('latency:') && !metric.startsWith('latency:local:') && metric.length > 'latency:'.length;
}

/** The metrics a table must have: the study's, but a phone's latency no table has (it is measured on the phone). */
function tableMetrics(spec: StudySpec, joined: { columns: ReadonlyMap<string, unknown> }): string[] {
  return studyMetrics(spec).filter((m) => joined.columns.has(m) || !isPhoneLatency(m));
}

/** `ctx` carries what an evaluator may record besides trial results (latency samples into the store). */
export type EvaluatorFactory = (spec: StudySpec, ctx?: EvaluatorContext) => Evaluator;

/** Every evaluator kind, registered in one explicit table. */
export const EVALUATORS: Record<string, EvaluatorFactory> = {
  table: (spec) => {
    const e = spec.evaluator as { tables?: readonly string[]; knownTables?: readonly string[]; cost?: string; pace?: number; fidelities?: unknown };
    const results = (e.tables ?? []).map(loadCsv);
    const known = (e.knownTables ?? []).map(loadCsv);
    if (results.length + known.length === 0) throw new NasError('invalid-input', 'a table evaluator needs at least one --table');
    const joined = joinTables([...results, ...known]);
    const knownColumns = new Set([...joined.columns].filter(([, src]) => known.some((t) => t.source === src)).map(([c]) => c));
    if (e.fidelities !== undefined) {
      if (e.fidelities !== 'nb201') throw new NasError('invalid-input', `table fidelities ${JSON.stringify(e.fidelities)}: the only preset is 'nb201' (12 and 200 epochs)`);
      if (e.cost !== undefined || e.pace) throw new NasError('invalid-input', "a table with fidelities charges each fidelity its own cost: leave out the cost and the pace");
      return new FidelityTableEvaluator(joined, { metrics: tableMetrics(spec, joined), known: knownColumns, levels: NB201_FIDELITIES });
    }
    return new TableEvaluator(joined, {
      metrics: tableMetrics(spec, joined),
      known: knownColumns,
      ...(e.cost ? { cost: parseCost(e.cost) } : {}),
      ...(e.pace ? { pace: e.pace } : {}),
    });
  },
  lut: (spec) => new LutEvaluator(spec),
  /** Real training with tfjs (main/services/train): see TrainEvaluatorSpec for the settings. */
  train: (spec, ctx) => new TrainEvaluator(spec, spec.evaluator as TrainEvaluatorSpec, ctx),
  /** Sub-networks of a trained once-for-all supernet, scored with its shared weights (train/supernet-study.ts). */
  supernet: (spec) => createSupernetEvaluator(spec),
  /** The top sub-networks of a supernet search fine-tuned from their inherited weights (train/supernet-finetune.ts). */
  'supernet-finetune': (spec, ctx) => createFinetuneEvaluator(spec, ctx),
};

export function createEvaluator(spec: StudySpec, ctx?: EvaluatorContext): Evaluator {
  const factory = EVALUATORS[spec.evaluator.kind];
  if (!factory) {
    throw new NasError('invalid-input', `no evaluator '${spec.evaluator.kind}' (available: ${Object.keys(EVALUATORS).join(', ')})`);
  }
  return factory(spec, ctx);
}
