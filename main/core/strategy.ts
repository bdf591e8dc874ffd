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
  /** The fidelity it was evaluated at, when the strategy asked for one (`askFidelity`). */
  readonly fidelity?: number;
  /**
   * Set when the trial is a warm-start seed (an architecture of an earlier search, asked by the
   * warm-start wrapper, not by this strategy): population-based strategies count it as one of their
   * initial members instead of a random one.
   */
  readonly warmStart?: boolean;
}

/** A sample and the fidelity to evaluate it at (e.g. epochs), from a multi-fidelity strategy. */
export interface FidelityAsk {
  readonly sample: Sample;
  readonly fidelity: number;
}

/** The phase a sample was asked in, by a strategy that runs in phases (progressive: coarse, fine). */
export interface AskedPhase {
  readonly index: number;
  readonly name: string;
}

export interface StudyView {
  /** Trials finished so far (complete or not), rejected ones excluded. */
  readonly finished: number;
  /** Trials asked for and not yet told. */
  readonly pending: number;
  /** The fidelities the study's evaluator offers, ascending (given to multi-fidelity strategies). */
  readonly fidelities?: readonly number[];
  /**
   * Under a simulated-seconds budget, to multi-fidelity strategies: whether evaluating `sample` at
   * `fidelity` still fits in what is left (an ask that does not fit ends the study).
   */
  readonly fits?: (sample: Sample, fidelity: number) => boolean;
}

export interface StrategyContext {
  readonly space: SearchSpace;
  readonly objectives: readonly ObjectiveSpec[];
  readonly seed: number;
  readonly options: Readonly<Record<string, unknown>>;
  /** The fidelities the evaluator offers, ascending (e.g. epochs [12, 200]); absent: one fidelity. */
  readonly fidelities?: readonly number[];
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
  /**
   * Multi-fidelity strategies: `ask` with the fidelity to evaluate at (one of the context's
   * `fidelities`). A study whose evaluator has fidelities calls this instead of `ask`, and tells the
   * trial with its fidelity; `ask` alone asks the same samples (the fidelity is then implied).
   */
  askFidelity?(view: StudyView): FidelityAsk | undefined;
  /**
   * Strategies that run in phases: the phase of the sample just asked (read right after each ask;
   * the study records it with the trial as metric `phase`, its name as that metric's fidelity).
   */
  askedPhase?(): AskedPhase | undefined;
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
