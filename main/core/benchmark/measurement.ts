/**
 * What a latency measurement on a phone is, as pure data and rules: the benchmark_model command
 * line for a configuration, and how repeated runs become one number (median, spread, too-noisy).
 */

export const DELEGATES = ['cpu', 'xnnpack', 'gpu', 'nnapi'] as const;
export type Delegate = (typeof DELEGATES)[number];

export interface BenchmarkConfig {
  /** Interpreter threads (benchmark_model --num_threads). */
  readonly threads: number;
  /** CPU affinity: `big` (the fastest cluster), `all`, or a hex mask for taskset. */
  readonly affinity: 'big' | 'all' | string;
  readonly delegate: Delegate;
  /** Warm-up inferences before the measured ones, in every repeat. */
  readonly warmupRuns: number;
  /** Measured inferences per repeat. */
  readonly runs: number;
  /** benchmark_model invocations; the measurement is the median of their medians. */
  readonly repeats: number;
  /** Largest accepted relative spread of the repeat medians, (max − min) / median. */
  readonly maxSpread: number;
  /** Wait before each repeat until the SoC is at most this hot (°C). */
  readonly maxStartTemperatureC: number;
  /** Longest cool-down wait per repeat (ms); the measurement is flagged when the phone stays hot. */
  readonly coolDownTimeoutMs: number;
  readonly coolDownPollMs: number;
  /** Per-op timings of the measured runs (benchmark_model --enable_op_profiling). */
  readonly opProfiling?: boolean;
}

export const DEFAULT_BENCHMARK_CONFIG: BenchmarkConfig = {
  threads: 1,
  affinity: 'big',
  delegate: 'xnnpack',
  warmupRuns: 10,
  runs: 50,
  repeats: 3,
  maxSpread: 0.1,
  maxStartTemperatureC: 45,
  coolDownTimeoutMs: 120_000,
  coolDownPollMs: 2_000,
};

/** Validates a configuration; returns the problem or undefined. */
export function checkBenchmarkConfig(c: BenchmarkConfig): string | undefined {
  if (!Number.isInteger(c.threads) || c.threads < 1) return `threads must be a positive integer, got ${c.threads}`;
  if (!(DELEGATES as readonly string[]).includes(c.delegate)) return `unknown delegate '${c.delegate}' (${DELEGATES.join(', ')})`;
  if (c.affinity !== 'big' && c.affinity !== 'all' && !/^(0x)?[0-9a-f]+$/i.test(c.affinity)) return `affinity must be big, all or a hex mask, got '${c.affinity}'`;
  if (!Number.isInteger(c.warmupRuns) || c.warmupRuns < 0) return 'warmupRuns must be a non-negative integer';
  if (!Number.isInteger(c.runs) || c.runs < 1) return 'runs must be a positive integer';
  if (!Number.isInteger(c.repeats) || c.repeats < 1) return 'repeats must be a positive integer';
  if (!(c.maxSpread > 0)) return 'maxSpread must be positive';
  return undefined;
}

/** The benchmark_model flags for a configuration (exact run counts: no minimum durations). */
export function benchmarkFlags(c: BenchmarkConfig, graphPath: string): string[] {
  return [
    `--graph=${graphPath}`,
    `--num_threads=${c.threads}`,
    `--warmup_runs=${Math.max(1, c.warmupRuns)}`,
    `--num_runs=${c.runs}`,
    '--warmup_min_secs=0',
    '--min_secs=0',
    ...(c.delegate === 'xnnpack' ? ['--use_xnnpack=true'] : []),
    ...(c.delegate === 'gpu' ? ['--use_gpu=true'] : []),
    ...(c.delegate === 'nnapi' ? ['--use_nnapi=true'] : []),
    ...(c.opProfiling ? ['--enable_op_profiling=true'] : []),
  ];
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Linear-interpolated quantile q ∈ [0, 1]. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (pos - lo);
}

export interface RepeatSummary {
  readonly medianMs: number;
  /** (max − min) / median of the repeat latencies; 0 with one repeat. */
  readonly spread: number;
  readonly p90Ms: number;
  readonly noisy: boolean;
}

/** One number from repeated runs: their median, with the spread that decides whether to trust it. */
export function summarizeRepeats(latenciesMs: readonly number[], maxSpread: number): RepeatSummary {
  const m = median(latenciesMs);
  const spread = latenciesMs.length > 1 ? (Math.max(...latenciesMs) - Math.min(...latenciesMs)) / m : 0;
  return { medianMs: m, spread, p90Ms: quantile(latenciesMs, 0.9), noisy: !(spread <= maxSpread) };
}
