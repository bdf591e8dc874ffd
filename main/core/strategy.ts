import type { ObjectiveSpec, Sample, TrialState } from '../../shared/types/index.js';
import type { SearchSpace } from './search-space.js';

/** What a strategy hears about a finished (or rejected) trial. */
export interface FinishedTrial {
  readonly sample: Sample;
  readonly key: string;
  /** `invalid` also covers architectures rejected by constraints before evaluation. */
  readonly state: Exclude<TrialState, 'running'>;
  /** Objective values in objective order (raw, not sign-adjusted); present iff state is complete. */
  readonly values?: readonly number[];
}

export interface StudyView {
  /** Trials finished so far (complete or not), rejected ones excluded. */
  readonly finished: number;
  /** Trials asked for and not yet told. */
  readonly pending: number;
}

export interface StrategyContext {
  readonly space: SearchSpace;
  readonly objectives: readonly ObjectiveSpec[];
  readonly seed: number;
  readonly options: Readonly<Record<string, unknown>>;
}

/**
 * Ask/tell search strategy (Optuna ask/tell + NNI state_dict). Protocol:
 * - `ask` returns the next sample to evaluate, or undefined when the strategy has nothing left
 *   (the space is exhausted); it may be called again before earlier asks are told (parallel runs).
 * - `tell` is called once per asked sample, in any order.
 * - `snapshot` is plain JSON data; `restore(snapshot())` on a fresh instance built with the same
 *   context continues with exactly the same future asks (determinism under the seed).
 */
export interface Strategy {
  readonly name: string;
  ask(view: StudyView): Sample | undefined;
  tell(trial: FinishedTrial): void;
  snapshot(): unknown;
  restore(state: unknown): void;
}

export type StrategyFactory = (ctx: StrategyContext) => Strategy;

/** Reads a numeric option with bounds, or throws a readable error. */
export function numberOption(ctx: StrategyContext, name: string, fallback: number, min: number, max = Infinity): number {
  const raw = ctx.options[name];
  if (raw === undefined) return fallback;
  const v = typeof raw === 'string' ? Number(raw) : raw;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new RangeError(`strategy option '${name}' must be a number in [${min}, ${max}], got ${String(raw)}`);
  }
  return v;
}
