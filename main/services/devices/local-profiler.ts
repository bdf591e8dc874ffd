import * as ort from 'onnxruntime-node';
import type { DeviceInfo } from '../../../shared/ipc/contract.js';
import type { ModelGraph } from '../../../shared/types/index.js';
import { CancellationToken, throwIfCancelled } from '../../core/cancellation.js';
import type { DeviceProfiler, OpLatency, OpSpec } from '../../core/device-profiler.js';
import { kernelGraph } from '../../core/latency/kernels.js';
import { exportOnnx } from '../export/onnx.js';
import { randomWeights } from '../export/weights.js';

/** The device id of this machine's CPU in latency tables (`latency:local:cpu`). */
export const LOCAL_CPU = 'local:cpu';

export interface LocalProfilerOptions {
  /** Timed inferences per repeat (default 30). */
  readonly runs?: number;
  /** Untimed inferences before them (default 5). */
  readonly warmupRuns?: number;
  /** Repeats per measurement (default 3): the median of their medians is kept. */
  readonly repeats?: number;
  /** Largest accepted (max − min)/median of the repeats' medians (default 0.1); above it: retried, then `noisy`. */
  readonly maxSpread?: number;
  /** Extra attempts for a noisy measurement (default 2). */
  readonly retries?: number;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** A graph whose output is a vector, as the ONNX exporter takes (a kernel's output flattened). */
function asVectorOutput(g: ModelGraph): ModelGraph {
  const out = g.nodes.find((n) => n.id === g.output);
  const shape = out?.shape ?? [];
  const size = shape.reduce((a, b) => a * b, 1);
  if (shape.length === 1) return { ...g, classes: size };
  return { ...g, nodes: [...g.nodes, { id: 'flat.out', op: 'Reshape', attrs: {}, inputs: [g.output], shape: [size] }], output: 'flat.out', classes: size };
}

/**
 * Latency of this machine's CPU, for `latency:local:cpu` lookup tables: each op configuration (and
 * each calibration architecture) is exported to ONNX with random weights and timed in
 * onnxruntime-node on one thread (batch 1, sequential execution), like a phone's benchmark_model
 * run: warm-up, then `repeats` × `runs` timed inferences, the median kept. Unlike Arm NN (the
 * emulated phone's runtime), onnxruntime runs every op of the speech and text spaces, the
 * Embedding's Gather included. Times are this machine's wall clock, so they vary with its load.
 */
export class LocalOnnxProfiler implements DeviceProfiler {
  private readonly o: Required<LocalProfilerOptions>;

  constructor(o: LocalProfilerOptions = {}) {
    this.o = { runs: 30, warmupRuns: 5, repeats: 3, maxSpread: 0.1, retries: 2, ...o };
  }

  async listDevices(): Promise<DeviceInfo[]> {
    return [];
  }

  /** Times a graph (random weights); `softmax` appends the exporter's Softmax as a whole model has. */
  async measureGraph(_id: string, graph: ModelGraph, _subject: string, token: CancellationToken, softmax: boolean): Promise<{ medianMs: number; spread: number; status: 'ok' | 'noisy' }> {
    const g = asVectorOutput(graph);
    const ex = exportOnnx(g, randomWeights(g, 0), { softmax, inputLayout: 'nhwc' });
    const session = await ort.InferenceSession.create(ex.bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' });
    try {
      const feeds = { [ex.inputName]: new ort.Tensor('float32', new Float32Array(g.input[0] * g.input[1] * g.input[2]), [1, ...g.input]) };
      let result = { medianMs: NaN, spread: Infinity, status: 'noisy' as 'ok' | 'noisy' };
      for (let attempt = 0; attempt <= this.o.retries && result.status !== 'ok'; attempt++) {
        for (let i = 0; i < this.o.warmupRuns; i++) await session.run(feeds);
        const medians: number[] = [];
        for (let r = 0; r < this.o.repeats; r++) {
          const times: number[] = [];
          for (let i = 0; i < this.o.runs; i++) {
            throwIfCancelled(token);
            const t0 = performance.now();
            await session.run(feeds);
            times.push(performance.now() - t0);
          }
          medians.push(median(times));
        }
        const m = median(medians);
        const spread = (Math.max(...medians) - Math.min(...medians)) / m;
        result = { medianMs: m, spread, status: spread <= this.o.maxSpread ? 'ok' : 'noisy' };
      }
      return result;
    } finally {
      await session.release();
    }
  }

  async measure(id: string, ops: readonly OpSpec[], token: CancellationToken = CancellationToken.None, onProgress?: (done: number, total: number) => void): Promise<OpLatency[]> {
    const out: OpLatency[] = [];
    for (const k of ops) {
      const m = await this.measureGraph(id, kernelGraph(k), `op:${k.op}|${k.key}`, token, false);
      out.push({ deviceId: id, op: k.op, key: k.key, medianMs: m.medianMs, spread: m.spread, status: m.status });
      onProgress?.(out.length, ops.length);
    }
    return out;
  }
}
