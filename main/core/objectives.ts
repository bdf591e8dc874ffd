import { invalidInput } from '../../shared/errors.js';
import type { ConstraintOp, ConstraintSpec, Direction, Metrics, ObjectiveSpec } from '../../shared/types/index.js';

/** `metric:min` or `metric:max`; the metric itself may contain colons (`latency:pixel3:min`). */
export function parseObjective(text: string): ObjectiveSpec {
  const t = text.trim();
  const at = t.lastIndexOf(':');
  const metric = at > 0 ? t.slice(0, at) : '';
  const direction = t.slice(at + 1);
  if (!metric || (direction !== 'min' && direction !== 'max')) {
    throw invalidInput(`objective '${text}' must be METRIC:min or METRIC:max`);
  }
  return { metric, direction: direction as Direction };
}

const CONSTRAINT = /^\s*([^<>=\s]+)\s*(<=|>=|==|<|>)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)\s*$/i;

/** `latency:pixel3 <= 5`, `params<=1e6`. */
export function parseConstraint(text: string): ConstraintSpec {
  const m = CONSTRAINT.exec(text);
  if (!m) throw invalidInput(`constraint '${text}' must look like 'METRIC <= NUMBER' (operators <=, <, >=, >, ==)`);
  return { metric: m[1] as string, op: m[2] as ConstraintOp, value: Number(m[3]) };
}

export function formatConstraint(c: ConstraintSpec): string {
  return `${c.metric} ${c.op} ${c.value}`;
}

export function satisfies(value: number, c: ConstraintSpec): boolean {
  switch (c.op) {
    case '<=': return value <= c.value;
    case '<': return value < c.value;
    case '>=': return value >= c.value;
    case '>': return value > c.value;
    case '==': return value === c.value;
  }
}

/** The constraints that `metrics` violates; constraints on metrics not present are skipped. */
export function violated(metrics: Metrics, constraints: readonly ConstraintSpec[]): ConstraintSpec[] {
  // Own properties only: `in` would also see Object.prototype members ('toString', 'constructor').
  return constraints.filter((c) => Object.hasOwn(metrics, c.metric) && !satisfies(metrics[c.metric] as number, c));
}

/** Objective values in objective order, or a reason why they are unusable. */
export function objectiveValues(metrics: Metrics, objectives: readonly ObjectiveSpec[]): number[] | string {
  const out: number[] = [];
  for (const o of objectives) {
    const v = Object.hasOwn(metrics, o.metric) ? metrics[o.metric] : undefined;
    if (v === undefined) return `objective metric '${o.metric}' was not reported`;
    if (!Number.isFinite(v)) return `objective metric '${o.metric}' is ${v}`;
    out.push(v);
  }
  return out;
}
