import { GaussianProcess } from '../predictors/gp.js';
import type { Predictor } from '../predictors/types.js';
import type { StrategyContext } from '../strategy.js';
import { ModelBasedStrategy } from './model-based.js';

/**
 * Bayesian optimisation with a Gaussian process on a categorical kernel (exp of minus the scaled
 * Hamming distance of the one-hot decisions, or of NB201 path encodings, plus an additive term) on
 * rank-transformed targets, expected improvement by default, maximised over every one-step
 * neighbour of the best architectures, their random mutations and random candidates; after 10
 * results without a new best (`patience`), random candidates only, until the best improves. The GP
 * sees at most 100 results (the best half and the most recent). Options: see MODEL_OPTIONS.
 */
export class GpBoStrategy extends ModelBasedStrategy {
  readonly name = 'bo';

  constructor(ctx: StrategyContext) {
    super(ctx, { init: 10, acquisition: 'ei', refit: 1, candidates: 100, maxPoints: 100, neighbours: 1, goodShare: 0, patience: 10 });
  }

  protected makePredictor(): Predictor {
    return new GaussianProcess();
  }
}
