/**
 * What each registered strategy does and what its options mean: the one table `frontier search --help`
 * and the New search form (IPC `strategy.list`) read. A strategy registered in strategies.ts appears
 * here by itself, with its STRATEGY_OPTIONS names; document it by adding an entry to STRATEGY_DOCS.
 */
import type { StrategyCatalog, StrategyInfo, StrategyOptionInfo } from '../../shared/strategy-info.js';
import { STRATEGIES, STRATEGY_OPTIONS, type StrategyName } from './strategies.js';
import { SCREEN_PROXIES } from './strategies/zc-filter.js';

type Doc = Omit<StrategyOptionInfo, 'name'>;
const int = (meaning: string, dflt: string, range: string): Doc => ({ meaning, default: dflt, range, kind: 'integer' });
const real = (meaning: string, dflt: string, range: string): Doc => ({ meaning, default: dflt, range, kind: 'number' });
const choice = (meaning: string, dflt: string, choices: readonly string[]): Doc => ({ meaning, default: dflt, range: choices.join(' | '), kind: 'choice', choices });

const MODEL: Record<string, Doc> = {
  init: int('random architectures before the first model is fitted', '10', '≥ 1'),
  draws: choice("where random architectures (the first `init` and the randomShare candidates) come from: uniform over the space, or dense (NAS-Bench-201 only): the 729 cells with a skip or a 1×1/3×3 convolution on every edge (no 'none', no pooling), a prior on the cell's operations that reads no accuracy; mutations and neighbours still reach every cell", 'uniform', ['uniform', 'dense']),
  candidates: int('candidates scored by the acquisition function per ask', '100', '1..100000'),
  parents: int('best architectures mutated into candidates', '5', '≥ 1'),
  neighbours: int('1: every one-step neighbour of those best architectures is a candidate too (a local search ranked by the model); 0: only random mutations', '1 (bo), 0 (bananas)', '0..1'),
  randomShare: real('share of the candidates drawn at random instead of mutated', '0.2', '0..1'),
  goodShare: real('share of the candidates drawn decision by decision from the choices of the best fifth of the results (randomShare + goodShare ≤ 1)', '0.3 (bananas), 0 (bo)', '0..1'),
  patience: int('results without a new best after which asks score random (and goodShare) candidates only, until the best improves; 0: never', '10 (bo), 0 (bananas)', '≥ 0'),
  acquisition: choice('acquisition function: independent Thompson sampling, upper confidence bound, expected improvement', 'its (bananas), ei (bo)', ['its', 'ucb', 'ei']),
  beta: real('exploration weight of ucb (mean + beta·std)', '1', '≥ 0'),
  refit: int('refit the model after this many new results', '2 (bananas), 1 (bo)', '≥ 1'),
  encoding: choice('architecture encoding: path encoding for NAS-Bench-201, one-hot of the decisions otherwise', 'auto', ['auto', 'onehot', 'path']),
  transform: choice('targets mapped to normal quantiles of their ranks (rank) or used as they are', 'rank', ['rank', 'none']),
};
const HALVING: Record<string, Doc> = {
  eta: real('halving rate: the top 1/eta of a rung is promoted to eta× the fidelity', '3', '1.01..1000'),
  min: real('lowest fidelity (e.g. epochs) a candidate is evaluated at', "the evaluator's lowest", "within the evaluator's fidelities"),
  max: real('highest fidelity', "the evaluator's highest", "min..the evaluator's highest"),
  mutate: real('probability that a new candidate mutates a rung\'s recent best instead of being random', '0.8', '0..1'),
};

/** Title, summary and option meanings per strategy. */
export const STRATEGY_DOCS: Partial<Record<StrategyName, { title: string; summary: string; options: Record<string, Doc> }>> = {
  random: { title: 'Random search', summary: 'Uniform samples of the space; the baseline every other strategy should beat.', options: {} },
  evolution: {
    title: 'Regularized evolution',
    summary: 'Aging evolution (Real et al. 2019): tournaments pick a parent, its mutation is the child, the oldest member leaves.',
    options: {
      population: int('members kept (the first asks are random)', '10 (50 with several objectives; 8 in a training search)', '≥ 2'),
      tournament: int('members drawn per tournament', '3 (10 with several objectives)', '≥ 1'),
      crossover: real('probability that a child is the uniform crossover of two winners', '0', '0..1'),
    },
  },
  reinforce: {
    title: 'REINFORCE controller',
    summary: 'An independent categorical policy per decision trained by policy gradient (Williams 1992) with a moving-average baseline and an entropy bonus.',
    options: {
      lr: real('policy learning rate', '0.5', '≥ 0'),
      baselineDecay: real('decay of the reward baseline\'s moving average', '0.9', '0..1'),
      entropy: real('entropy bonus (keeps the policy exploring)', '0.01', '≥ 0'),
      window: int('recent results the reward is ranked against (its share of them beaten)', '100', '≥ 1'),
    },
  },
  local: { title: 'Local search', summary: 'First-improvement hill climbing over the one-decision neighbours of the current architecture, restarting at random at a local optimum (White et al. 2020).', options: {} },
  nsga2: {
    title: 'NSGA-II',
    summary: 'Multi-objective genetic algorithm: non-dominated sorting and crowding distance select parents (Deb et al. 2002).',
    options: {
      population: int('population size', '16 (32 with several objectives)', '≥ 2'),
      crossover: real('probability of uniform crossover between two parents', '0.5', '0..1'),
      mutation: real('chance of each further one-step mutation of a child (every child gets one)', '0.2', '0..0.95'),
    },
  },
  hyperband: { title: 'Hyperband', summary: 'Successive-halving brackets over fidelities (e.g. epochs): many candidates cheaply, the best promoted to more (Li et al. 2017).', options: HALVING },
  asha: { title: 'ASHA', summary: 'Asynchronous successive halving: a candidate is promoted as soon as it is in the top 1/eta of its rung (Li et al. 2020).', options: HALVING },
  bananas: {
    title: 'BANANAS',
    summary: 'Predictor-guided search: an ensemble of small neural networks (or gradient-boosted trees) predicts accuracy from an architecture encoding; candidates mutated from the best are ranked by an acquisition function (White et al. 2021).',
    options: {
      ...MODEL,
      predictor: choice('the predictor: an ensemble of small neural networks, or of gradient-boosted trees (each fitted on its own 80 % of the results; 100 trees of depth 3)', 'mlp', ['mlp', 'gbt']),
      members: int('members of the predictor ensemble (networks or boosted-tree models)', '5', '1..50'),
      epochs: int('training epochs of each network per refit (mlp only)', '100', '1..10000'),
    },
  },
  bo: { title: 'Bayesian optimisation (GP)', summary: 'A Gaussian process with a categorical kernel models the objective; the acquisition function picks among mutated and random candidates.', options: MODEL },
  tpe: {
    title: 'TPE',
    summary: "Tree-structured Parzen estimator (Optuna's default sampler): the best gamma share of results against the rest, per decision.",
    options: {
      startup: int('random architectures before the estimators are used', '10', '≥ 1'),
      candidates: int('draws from the good estimator scored per ask', '24', '1..100000'),
      gamma: real('share of results counted as good', '0.1', '0.01..0.5'),
      priorWeight: real('weight of the uniform prior in each estimator', '1', '≥ 0.001'),
    },
  },
  progressive: {
    title: 'Progressive search (coarse → fine)',
    summary: "A short pass at the lowest fidelity (fewest epochs) over a coarse space (each numeric decision limited to a few choices), then a fine search of the full space around the coarse winners: each evaluated again at full fidelity, then mutations of the best within a radius of a winner. Each trial records its phase (metric 'phase': 0 coarse, 1 fine).",
    options: {
      coarse: int('architectures of the coarse pass', '16', '≥ 1'),
      choices: int('choices per numeric decision (width, kernel, depth…) in the coarse space, spread over its list (first and last kept); operations keep all', '2', '≥ 1'),
      top: int('coarse winners the fine search is centred on', '3', '≥ 1'),
      radius: int('most decisions a fine proposal differs from its nearest coarse winner', '2', '≥ 1'),
    },
  },
};

/** Options every strategy takes: the zero-cost filter (strategies/zc-filter.ts). */
export const COMMON_OPTIONS: readonly StrategyOptionInfo[] = [
  { name: 'zcFilter', ...int('zero-cost filter: candidates drawn per trial, only the best by the proxy is trained (training evaluators)', 'off', '2..1000') },
  { name: 'zcProxy', ...choice('the filter\'s proxy, computed on the untrained model from one batch (higher is better)', SCREEN_PROXIES[0], SCREEN_PROXIES) },
];

/** Every registered strategy with its options, documented where STRATEGY_DOCS has them. */
export function strategyCatalog(): StrategyCatalog {
  const strategies: StrategyInfo[] = Object.keys(STRATEGIES).map((name) => {
    const doc = STRATEGY_DOCS[name as StrategyName];
    const names = (STRATEGY_OPTIONS as Record<string, readonly string[] | undefined>)[name] ?? [];
    return {
      name,
      title: doc?.title ?? name,
      summary: doc?.summary ?? '',
      options: names.map((o) => ({ name: o, ...(doc?.options[o] ?? { meaning: '', default: '', range: '', kind: 'number' as const }) })),
    };
  });
  return { strategies, common: COMMON_OPTIONS };
}

function wrap(text: string, width: number, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.map((l) => indent + l);
}

/** The per-strategy part of `frontier search --help`. */
export function strategyHelp(): string {
  const { strategies, common } = strategyCatalog();
  const out = ['Strategies (--strategy NAME; options --option KEY=VALUE, an unknown key is an error):'];
  const option = (o: StrategyOptionInfo) => {
    const head = `    ${o.name}`.padEnd(20);
    const body = [o.meaning || '(not documented)', o.default ? `default ${o.default}` : '', o.range ? `range ${o.range}` : ''].filter(Boolean).join('; ');
    const [first, ...rest] = wrap(body, 76, '');
    out.push(`${head}${head.length > 20 ? `\n${' '.repeat(20)}` : ''}${first ?? ''}`, ...rest.map((l) => ' '.repeat(20) + l));
  };
  for (const s of strategies) {
    out.push(`  ${s.name} — ${s.title}${s.options.length === 0 ? ' (no options)' : ''}`);
    if (s.summary) out.push(...wrap(s.summary, 92, '    '));
    s.options.forEach(option);
  }
  out.push('  every strategy also takes:');
  common.forEach(option);
  return `${out.join('\n')}\n`;
}
