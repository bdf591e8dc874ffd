import { invalidInput } from '../../shared/errors.js';
import type { Strategy, StrategyFactory } from './strategy.js';
import { BananasStrategy } from './strategies/bananas.js';
import { RegularizedEvolutionStrategy } from './strategies/evolution.js';
import { GpBoStrategy } from './strategies/gp-bo.js';
import { LocalSearchStrategy } from './strategies/local.js';
import { Nsga2Strategy } from './strategies/nsga2.js';
import { RandomStrategy } from './strategies/random.js';
import { ReinforceStrategy } from './strategies/reinforce.js';
import { withZeroCostFilter, ZC_FILTER_OPTIONS, type ScreenContext } from './strategies/zc-filter.js';
import { AshaStrategy, HyperbandStrategy } from './strategies/successive-halving.js';
import { TpeStrategy } from './strategies/tpe.js';
import { PROGRESSIVE_OPTIONS, ProgressiveStrategy } from './strategies/progressive.js';
import { MODEL_OPTIONS } from './strategies/model-based.js';
import { PRIOR_OPTIONS, PRIOR_STRATEGIES } from './predictors/prior.js';
import { WARM_START_OPTIONS, withWarmStart } from './strategies/warm-start.js';

/** Every search strategy, registered in one explicit table. */
export const STRATEGIES = {
  random: (ctx) => new RandomStrategy(ctx),
  evolution: (ctx) => new RegularizedEvolutionStrategy(ctx),
  reinforce: (ctx) => new ReinforceStrategy(ctx),
  local: (ctx) => new LocalSearchStrategy(ctx),
  nsga2: (ctx) => new Nsga2Strategy(ctx),
  hyperband: (ctx) => new HyperbandStrategy(ctx),
  asha: (ctx) => new AshaStrategy(ctx),
  bananas: (ctx) => new BananasStrategy(ctx),
  bo: (ctx) => new GpBoStrategy(ctx),
  tpe: (ctx) => new TpeStrategy(ctx),
  progressive: (ctx) => new ProgressiveStrategy(ctx),
} satisfies Record<string, StrategyFactory>;

export type StrategyName = keyof typeof STRATEGIES;

/** The options each strategy reads (`--option KEY=VALUE`); anything else is a mistake, not a no-op. */
export const STRATEGY_OPTIONS: Record<StrategyName, readonly string[]> = {
  random: [],
  evolution: ['population', 'tournament', 'crossover'],
  reinforce: ['lr', 'baselineDecay', 'entropy', 'window'],
  local: [],
  nsga2: ['population', 'crossover', 'mutation'],
  hyperband: ['eta', 'min', 'max', 'mutate'],
  asha: ['eta', 'min', 'max', 'mutate'],
  bananas: [...MODEL_OPTIONS, 'predictor', 'members', 'epochs'],
  bo: [...MODEL_OPTIONS],
  tpe: ['startup', 'candidates', 'gamma', 'priorWeight'],
  progressive: PROGRESSIVE_OPTIONS,
};

/**
 * Throws a readable `invalid-input` error for an option the strategy does not read (a typo such as
 * `populaton` would otherwise be ignored silently). Unknown strategies are left to `createStrategy`.
 * Checked when a study is created, not when a stored one is rebuilt, so old studies stay resumable.
 */
export function checkStrategyOptions(name: string, options: Readonly<Record<string, unknown>>): void {
  if (!Object.hasOwn(STRATEGY_OPTIONS, name)) return;
  const valid = STRATEGY_OPTIONS[name as StrategyName];
  for (const key of Object.keys(options)) {
    // zcFilter and zcProxy: every strategy can be filtered by a zero-cost proxy (strategies/zc-filter.ts)
    // warmStart/warmStartFrom: every strategy but the multi-fidelity ones can be seeded (strategies/warm-start.ts)
    if (valid.includes(key) || (ZC_FILTER_OPTIONS as readonly string[]).includes(key) || (WARM_START_OPTIONS as readonly string[]).includes(key)) continue;
    // prior/priorFrom: past searches' scores that pre-train the predictor of bananas and bo (predictors/prior.ts)
    if ((PRIOR_OPTIONS as readonly string[]).includes(key)) {
      if (PRIOR_STRATEGIES.includes(name)) continue;
      throw invalidInput(`strategy option '${key}' warms up a predictor: only ${PRIOR_STRATEGIES.join(' and ')} have one, not ${name}`);
    }
    if (valid.length === 0) throw invalidInput(`strategy option '${key}': strategy ${name} takes no options`);
    const near = valid.find((v) => v.toLowerCase() === key.toLowerCase() || editDistance(v.toLowerCase(), key.toLowerCase()) <= 2);
    throw invalidInput(`unknown strategy option '${key}' for ${name}${near ? ` (did you mean '${near}'?)` : ''}; its options: ${valid.join(', ')}`);
  }
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length] as number;
}

/**
 * The named strategy; options zcFilter/zcProxy wrap it in a zero-cost filter that uses `ctx.screen`,
 * option warmStart (architecture keys) in a warm start that asks those first (outside the filter).
 */
export function createStrategy(name: string, ctx: ScreenContext): Strategy {
  const factory = Object.hasOwn(STRATEGIES, name) ? (STRATEGIES as Record<string, StrategyFactory>)[name] : undefined;
  if (!factory) throw invalidInput(`unknown strategy '${name}' (choose one of ${Object.keys(STRATEGIES).join(', ')})`);
  try {
    return withWarmStart(ctx, (c) => withZeroCostFilter({ ...ctx, ...c }, factory));
  } catch (e) {
    if (e instanceof RangeError) throw invalidInput(e.message);
    throw e;
  }
}
