import { describe, expect, it } from 'vitest';
import { BenchmarkParseError, latencyMs, parseBenchmarkOutput, parseDelegates } from './parse.js';

describe('parseBenchmarkOutput', () => {
  it('reads exponent forms everywhere a number may appear', () => {
    const o = parseBenchmarkOutput('count=3 first=1.5e+03 curr=1E3 min=1e3 max=1.5e3 avg=1.2e+03 std=2.5e+02 p5=1e3 median=1.1e3 p95=1.5e3\nInference timings in us: Init: 2e+04, First inference: 1.5e+03, Warmup (avg): 1.5e+03, Inference (avg): 1.2e+03\n');
    expect(o.runs).toEqual({ count: 3, first: 1500, curr: 1000, min: 1000, max: 1500, avg: 1200, std: 250, p5: 1000, median: 1100, p95: 1500 });
    expect(o.initUs).toBe(20000);
    expect(latencyMs(o)).toBeCloseTo(1.1);
  });

  it('takes the last count= line as the measured runs and the one before as warm-up, ignoring profiler timings', () => {
    const o = parseBenchmarkOutput('count=2 curr=900\n\ncount=10 first=800 curr=700 min=690 max=810 avg=720 std=30\n============================== Run Order ==============================\nTimings (microseconds): count=10 first=1 curr=1 min=1 max=1 avg=1 std=0\n');
    expect(o.format).toBe('stats-only');
    expect(o.runs?.count).toBe(10);
    expect(o.warmup).toEqual({ count: 2, curr: 900 });
    expect(o.inferenceAvgUs).toBe(720);
  });

  it('fails loudly on output without timings (a crash, a missing model)', () => {
    expect(() => parseBenchmarkOutput('ERROR: Could not open \'/data/local/tmp/x.tflite\'.\nERROR: Failed to load model\n')).toThrow(BenchmarkParseError);
  });

  it('flags partial and silent delegation, but not full delegation', () => {
    expect(parseDelegates('Replacing 10 out of 10 node(s) with delegate (TfLiteXNNPackDelegate) node, yielding 1 partitions.').fallback).toEqual([]);
    expect(parseDelegates('Replacing 7 out of 10 node(s) with delegate (TfLiteGpuDelegateV2) node, yielding 2 partitions.').fallback).toHaveLength(1);
    expect(parseDelegates('WARNING: 3 nodes will not be executed by the delegate').fallback).toHaveLength(1);
    expect(parseDelegates('ERROR: Failed to apply GPU delegate.').fallback).toHaveLength(1);
    expect(parseDelegates('INFO: 12 operations will run on the GPU, and the remaining 0 operations will run on the CPU.').fallback).toEqual([]);
  });
});
