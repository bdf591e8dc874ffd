import { GaussianProcess } from '../predictors/gp.js';
import type { Predictor } from '../predictors/types.js';
import type { StrategyContext } from '../strategy.js';
import { ModelBasedStrategy } from './model-based.js';

/**
 * Bayesian optimisation with a Gaussian process on a categorical kernel (exp of minus the scaled
 * Hamming distance of the one-hot decisions, or of NB201 path encodings), expected improvement by
 * default, maximised over mutations of the best architectures and random candidates.
 * Options: see MODEL_OPTIONS.
 */
export class GpBoStrategy extends ModelBasedStrategy {
  readonly name = 'bo';

  constructor(ctx: StrategyContext) {
    super(ctx, { init: 10, acquisition: 'ei', refit: 1, candidates: 100, maxPoints: 100 });
  }

  protected makePredictor(): Predictor {
    return new GaussianProcess();
  }
}
