import { GbtEnsemble } from '../predictors/gbt.js';
import { MlpEnsemble } from '../predictors/mlp.js';
import type { Predictor } from '../predictors/types.js';
import type { StrategyContext } from '../strategy.js';
import { choiceOption, ModelBasedStrategy, wholeOption } from './model-based.js';

/** The predictors BANANAS can use: an ensemble of small neural networks, or of gradient-boosted trees. */
export const BANANAS_PREDICTORS = ['mlp', 'gbt'] as const;

/**
 * BANANAS (White et al., AAAI 2021): an ensemble of small neural predictors on the path encoding
 * (NAS-Bench-201) or the one-hot of the decisions (other spaces), fitted on rank-transformed
 * targets, independent Thompson sampling over candidates: mutations of the best architectures,
 * random ones, and 30 % drawn decision by decision from the choices of the best fifth of the results
 * (one-step neighbours off by default: with many near-identical candidates ITS mostly picks the
 * luckiest draw). Options: see MODEL_OPTIONS, plus `predictor` (mlp, or gbt: gradient-boosted
 * trees, each member on its own subsample of the results), `members` (ensemble size) and `epochs`
 * (training epochs of each network per refit; mlp only).
 */
export class BananasStrategy extends ModelBasedStrategy {
  readonly name = 'bananas';
  private readonly members: number;
  private readonly epochs: number;
  private readonly predictor: (typeof BANANAS_PREDICTORS)[number];

  constructor(ctx: StrategyContext) {
    super(ctx, { init: 10, acquisition: 'its', refit: 2, candidates: 100, maxPoints: 200, neighbours: 0, goodShare: 0.3, patience: 0 });
    this.members = wholeOption(ctx, 'members', 5, 1, 50);
    this.epochs = wholeOption(ctx, 'epochs', 100, 1, 10_000);
    this.predictor = choiceOption(ctx, 'predictor', BANANAS_PREDICTORS, 'mlp');
    if (this.predictor === 'gbt' && ctx.options.epochs !== undefined) throw new RangeError("strategy option 'epochs' trains the mlp predictor; predictor gbt has no epochs");
  }

  protected makePredictor(seed: number): Predictor {
    if (this.predictor === 'gbt') return new GbtEnsemble({ members: this.members, seed });
    return new MlpEnsemble({ members: this.members, epochs: this.epochs, lr: 0.02, seed });
  }
}
