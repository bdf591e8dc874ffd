import { invalidInput } from '../../shared/errors.js';
import type { Strategy, StrategyContext, StrategyFactory } from './strategy.js';
import { RegularizedEvolutionStrategy } from './strategies/evolution.js';
import { LocalSearchStrategy } from './strategies/local.js';
import { RandomStrategy } from './strategies/random.js';
import { ReinforceStrategy } from './strategies/reinforce.js';

/** Every search strategy, registered in one explicit table. */
export const STRATEGIES = {
  random: (ctx) => new RandomStrategy(ctx),
  evolution: (ctx) => new RegularizedEvolutionStrategy(ctx),
  reinforce: (ctx) => new ReinforceStrategy(ctx),
  local: (ctx) => new LocalSearchStrategy(ctx),
} satisfies Record<string, StrategyFactory>;

export type StrategyName = keyof typeof STRATEGIES;

export function createStrategy(name: string, ctx: StrategyContext): Strategy {
  const factory = (STRATEGIES as Record<string, StrategyFactory>)[name];
  if (!factory) throw invalidInput(`unknown strategy '${name}' (choose one of ${Object.keys(STRATEGIES).join(', ')})`);
  try {
    return factory(ctx);
  } catch (e) {
    if (e instanceof RangeError) throw invalidInput(e.message);
    throw e;
  }
}
