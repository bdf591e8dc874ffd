import { NasError } from '../../../shared/errors.js';
import type { Choice, Dimension } from '../../../shared/types/index.js';
import type { DimensionalSpace } from '../search-space.js';

/**
 * Helpers shared by the block-chain spaces (kws, text, mobilenet): option checks, depth-gated
 * per-block dimensions, and the choice setter their `parse` fills a sample with.
 */

/** Throws `bad(...)` unless every list is a non-empty array of positive integers. */
export function checkPositiveIntegerLists(bad: (m: string) => NasError, lists: readonly (readonly [string, readonly number[]])[]): void {
  for (const [name, list] of lists) {
    if (!Array.isArray(list) || list.length === 0 || list.some((v) => !Number.isInteger(v) || v < 1)) throw bad(`${name} must be a non-empty list of positive integers`);
  }
}

/**
 * Per block b = 1 … maxDepth, one dimension per field, named `<prefix>b<b>.<field>` and active when
 * `depthDim` ≥ b; in block order, then field order.
 */
export function depthGatedBlockDims(depthDim: string, maxDepth: number, prefix: string, fields: readonly (readonly [string, readonly Choice[]])[]): Dimension[] {
  const dims: Dimension[] = [];
  for (let b = 1; b <= maxDepth; b++) {
    const activeIf = { dim: depthDim, gte: b };
    for (const [field, choices] of fields) dims.push({ name: `${prefix}b${b}.${field}`, choices, activeIf });
  }
  return dims;
}

/** The error a space's `parse` throws for a key it cannot read. */
export function keyError(space: DimensionalSpace, key: string): (why: string) => NasError {
  return (why) => new NasError('invalid-sample', `'${key}' is not a ${space.id} architecture: ${why}`);
}

/**
 * A setter for `parse`: `set(name, value, what)` stores the index of `value` among dimension
 * `name`'s choices in `s`, or throws `bad` naming `what`, the value and the allowed choices.
 */
export function choiceSetter(space: DimensionalSpace, s: number[], bad: (why: string) => NasError): (name: string, value: unknown, what: string) => void {
  return (name, value, what) => {
    const i = space.dimIndex(name);
    const d = space.dims[i] as Dimension;
    const c = d.choices.indexOf(value as never);
    if (c < 0) throw bad(`${what} ${String(value)} is not allowed (choices: ${d.choices.join(', ')})`);
    s[i] = c;
  };
}
