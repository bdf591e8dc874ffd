/** A value one decision of a search space can take. */
export type Choice = string | number | boolean;

/**
 * One decision of a search space. A dimension may be gated by another one (e.g. the blocks of a
 * stage exist only up to the stage's depth): it is active when the gate's chosen *value* is at least
 * `activeIf.gte`. Gates themselves are never gated. Inactive dimensions are canonicalised to choice 0.
 */
export interface Dimension {
  readonly name: string;
  readonly choices: readonly Choice[];
  readonly activeIf?: { readonly dim: string; readonly gte: number };
}

/** A point of a space: one choice index per dimension, aligned with `SearchSpace.dims`. */
export type Sample = readonly number[];

/** A frozen, canonical architecture. `key` is unique per distinct architecture of the space. */
export interface Architecture {
  readonly space: string;
  readonly key: string;
  readonly sample: Sample;
}

export interface SpaceSummary {
  readonly id: string;
  readonly title: string;
  readonly dims: number;
  /** Exact size as a decimal string (it may exceed 2^53). */
  readonly count: string;
}
