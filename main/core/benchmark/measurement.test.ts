import { describe, expect, it } from 'vitest';
import { benchmarkFlags, checkBenchmarkConfig, DEFAULT_BENCHMARK_CONFIG, median, quantile, summarizeRepeats } from './measurement.js';

describe('benchmark measurement rules', () => {
  it('builds exact-count benchmark_model flags per delegate', () => {
    expect(benchmarkFlags({ ...DEFAULT_BENCHMARK_CONFIG, delegate: 'gpu', threads: 2, runs: 20, warmupRuns: 5 }, '/data/local/tmp/frontier/m.tflite')).toEqual([
      '--graph=/data/local/tmp/frontier/m.tflite', '--num_threads=2', '--warmup_runs=5', '--num_runs=20', '--warmup_min_secs=0', '--min_secs=0', '--use_gpu=true',
    ]);
    expect(benchmarkFlags({ ...DEFAULT_BENCHMARK_CONFIG, delegate: 'cpu' }, 'm')).not.toContain('--use_xnnpack=true');
    expect(benchmarkFlags({ ...DEFAULT_BENCHMARK_CONFIG, opProfiling: true }, 'm')).toContain('--enable_op_profiling=true');
  });

  it('rejects bad configurations with a reason', () => {
    expect(checkBenchmarkConfig(DEFAULT_BENCHMARK_CONFIG)).toBeUndefined();
    expect(checkBenchmarkConfig({ ...DEFAULT_BENCHMARK_CONFIG, affinity: 'little!' })).toMatch(/affinity/);
    expect(checkBenchmarkConfig({ ...DEFAULT_BENCHMARK_CONFIG, delegate: 'tpu' as never })).toMatch(/delegate/);
    expect(checkBenchmarkConfig({ ...DEFAULT_BENCHMARK_CONFIG, repeats: 0 })).toMatch(/repeats/);
  });

  it('takes median and spread of repeats and flags a noisy measurement', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 5], 0.9)).toBeCloseTo(4.6);
    expect(summarizeRepeats([10, 10.4, 9.8], 0.1)).toMatchObject({ medianMs: 10, noisy: false });
    expect(summarizeRepeats([10, 10.4, 9.8], 0.1).spread).toBeCloseTo(0.06);
    expect(summarizeRepeats([10, 14, 9.8], 0.1).noisy).toBe(true);
    expect(summarizeRepeats([7], 0.1)).toMatchObject({ medianMs: 7, spread: 0, noisy: false });
  });
});
