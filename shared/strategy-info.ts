/**
 * What a search strategy is and which options it reads, as plain data: main builds it from the
 * strategy registry (main/core/strategy-docs.ts); `frontier search --help` prints it and the
 * workbench's New search form offers it (IPC `strategy.list`).
 */
export interface StrategyOptionInfo {
  /** The option's key (`--option KEY=VALUE`, `strategyOptions[KEY]`). */
  readonly name: string;
  /** One line: what it changes. Empty when the strategy's author has not documented it yet. */
  readonly meaning: string;
  /** The default, as text (it may depend on the study: "10 (50 with several objectives)"). */
  readonly default: string;
  /** Accepted values, as text ("≥ 2", "0..1", "its | ucb | ei"). */
  readonly range: string;
  /** How a form reads it: numbers, whole numbers, or one of `choices`. */
  readonly kind: 'number' | 'integer' | 'choice';
  readonly choices?: readonly string[];
}

export interface StrategyInfo {
  /** The registry name (`--strategy NAME`). */
  readonly name: string;
  readonly title: string;
  /** One or two sentences. */
  readonly summary: string;
  readonly options: readonly StrategyOptionInfo[];
}

export interface StrategyCatalog {
  /** Every registered strategy, in registry order. */
  readonly strategies: readonly StrategyInfo[];
  /** Options every strategy takes (the zero-cost filter). */
  readonly common: readonly StrategyOptionInfo[];
}
