import { invalidInput } from '../../shared/errors.js';
import type { StudySpec } from '../../shared/types/index.js';
import { checkStrategyOptions } from './strategies.js';
import { parseCost } from './table.js';

/**
 * The most trials in flight at once. A study launches trials until this many are running before it
 * waits for one; a million (`--concurrency 1e6`) under a wall-clock budget would flood the store with
 * running trials.
 */
export const MAX_CONCURRENCY = 1024;

/** Checks a study spec before anything is stored; throws one readable `invalid-input` error. */
export function validateStudySpec(spec: StudySpec): void {
  if (!spec.name || typeof spec.name !== 'string') throw invalidInput('a study needs a name');
  if (!Array.isArray(spec.objectives) || spec.objectives.length === 0) throw invalidInput('a study needs at least one objective (METRIC:min or METRIC:max)');
  const seen = new Set<string>();
  for (const o of spec.objectives) {
    if (seen.has(o.metric)) throw invalidInput(`objective '${o.metric}' is given twice`);
    seen.add(o.metric);
    if (o.direction !== 'min' && o.direction !== 'max') throw invalidInput(`objective '${o.metric}' needs direction min or max`);
  }
  const b = spec.budget;
  const budgets = [b.evals, b.seconds, b.wallMs].filter((v) => v !== undefined);
  if (budgets.length === 0) throw invalidInput('a study needs a budget (evaluations, simulated seconds or wall time)');
  for (const [name, v] of [['evaluations', b.evals], ['simulated seconds', b.seconds], ['wall time', b.wallMs]] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw invalidInput(`budget of ${name} must be a positive number, got ${v}`);
  }
  if (b.evals !== undefined && !Number.isInteger(b.evals)) throw invalidInput(`budget of evaluations must be a whole number, got ${b.evals}`);
  if (!Number.isInteger(spec.seed) || spec.seed < 0 || spec.seed > 0xffffffff) throw invalidInput(`seed must be an integer in 0..4294967295, got ${spec.seed}`);
  if (spec.concurrency !== undefined && !(Number.isInteger(spec.concurrency) && spec.concurrency >= 1)) {
    throw invalidInput(`concurrency must be a whole number ≥ 1, got ${spec.concurrency}`);
  }
  if (spec.concurrency !== undefined && spec.concurrency > MAX_CONCURRENCY) throw invalidInput(`concurrency must be at most ${MAX_CONCURRENCY}, got ${spec.concurrency}`);
  for (const c of spec.constraints) {
    if (!Number.isFinite(c.value)) throw invalidInput(`constraint on '${c.metric}' needs a finite number`);
  }
  const cost = (spec.evaluator as { cost?: unknown } | undefined)?.cost;
  if (typeof cost === 'string') {
    const { factor } = parseCost(cost);
    // A cost of 0 never uses up a simulated-seconds budget: the search would run forever.
    if (!(Number.isFinite(factor) && factor > 0)) throw invalidInput(`cost '${cost}' must be above 0 simulated seconds per evaluation (its factor is ${factor})`);
  }
  checkStrategyOptions(spec.strategy, spec.strategyOptions ?? {});
}
