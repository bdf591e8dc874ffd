/**
 * A tiny argument validator (no dependency): enough to check what crosses the IPC boundary.
 * A schema either accepts a value or returns a one-line reason naming the offending path.
 */
export type Schema = (value: unknown, path: string) => string | undefined;

const at = (path: string) => (path ? path : 'argument');
const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

export const s = {
  any: (): Schema => () => undefined,
  string: (opts: { min?: number; max?: number; pattern?: RegExp } = {}): Schema => (v, p) => {
    if (typeof v !== 'string') return `${at(p)} must be a string, got ${typeOf(v)}`;
    if (opts.min !== undefined && v.length < opts.min) return `${at(p)} must not be empty`;
    if (opts.max !== undefined && v.length > opts.max) return `${at(p)} is longer than ${opts.max} characters`;
    if (opts.pattern && !opts.pattern.test(v)) return `${at(p)} has an unexpected form: '${v.slice(0, 40)}'`;
    return undefined;
  },
  number: (opts: { integer?: boolean; min?: number; max?: number } = {}): Schema => (v, p) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return `${at(p)} must be a finite number, got ${typeOf(v)}`;
    if (opts.integer && !Number.isInteger(v)) return `${at(p)} must be a whole number, got ${v}`;
    if (opts.min !== undefined && v < opts.min) return `${at(p)} must be ≥ ${opts.min}, got ${v}`;
    if (opts.max !== undefined && v > opts.max) return `${at(p)} must be ≤ ${opts.max}, got ${v}`;
    return undefined;
  },
  boolean: (): Schema => (v, p) => (typeof v === 'boolean' ? undefined : `${at(p)} must be true or false, got ${typeOf(v)}`),
  literal: (...values: readonly (string | number)[]): Schema => (v, p) =>
    values.includes(v as string | number) ? undefined : `${at(p)} must be one of ${values.join(', ')}, got '${String(v)}'`,
  optional: (inner: Schema): Schema => (v, p) => (v === undefined ? undefined : inner(v, p)),
  array: (item: Schema, opts: { max?: number } = {}): Schema => (v, p) => {
    if (!Array.isArray(v)) return `${at(p)} must be a list, got ${typeOf(v)}`;
    if (opts.max !== undefined && v.length > opts.max) return `${at(p)} has more than ${opts.max} entries`;
    for (let i = 0; i < v.length; i++) {
      const e = item(v[i], `${p}[${i}]`);
      if (e) return e;
    }
    return undefined;
  },
  /** A plain object with exactly these keys (unknown keys are rejected unless `open`). */
  object: (shape: Record<string, Schema>, opts: { open?: boolean } = {}): Schema => (v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${at(p)} must be an object, got ${typeOf(v)}`;
    const rec = v as Record<string, unknown>;
    if (!opts.open) {
      for (const k of Object.keys(rec)) if (!Object.hasOwn(shape, k)) return `${at(p)} has an unknown field '${k}'`;
    }
    for (const [k, sch] of Object.entries(shape)) {
      const e = sch(rec[k], p ? `${p}.${k}` : k);
      if (e) return e;
    }
    return undefined;
  },
  /** A plain object used as a map: every value checked by `value`. */
  record: (value: Schema): Schema => (v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return `${at(p)} must be an object, got ${typeOf(v)}`;
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      const e = value(x, p ? `${p}.${k}` : k);
      if (e) return e;
    }
    return undefined;
  },
  /** No argument at all (undefined or null). */
  none: (): Schema => (v, p) => (v === undefined || v === null ? undefined : `${at(p)}: this method takes no argument`),
};

/** Runs a schema; the reason, or undefined when the value is acceptable. */
export function check(schema: Schema, value: unknown): string | undefined {
  return schema(value, '');
}
