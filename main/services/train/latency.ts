import { tf } from './backend.js';

export interface LatencyOptions {
  /** Untimed runs first (kernel compilation, caches, allocator). */
  readonly warmup: number;
  /** Timed runs (at least this many, unless `maxMs` runs out first; never fewer than 5). */
  readonly runs: number;
  /** Stop timing after this many milliseconds (the runs so far count). */
  readonly maxMs: number;
}

export const LATENCY_DEFAULTS: LatencyOptions = { warmup: 5, runs: 30, maxMs: 3000 };

export interface LatencyResult {
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly runs: number;
}

/** The q-quantile (0..1) of sorted values, linearly interpolated. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + ((sorted[hi] as number) - (sorted[lo] as number)) * (pos - lo);
}

/**
 * Batch-1 inference latency of `model` on the active backend: the wall time of predict plus reading
 * the logits back (so asynchronous backends are timed to completion), median and p90 over the runs.
 */
export async function measureLatency(model: tf.LayersModel, inputShape: readonly number[], o: LatencyOptions = LATENCY_DEFAULTS): Promise<LatencyResult> {
  // Uniform in [0, 1): also valid token ids (0 or 1) for a text model's Embedding, which has no negative rows.
  const x = tf.randomUniform([1, ...inputShape], 0, 1, 'float32', 1);
  const once = async () => {
    const y = model.predict(x) as tf.Tensor;
    await y.data();
    y.dispose();
  };
  try {
    for (let i = 0; i < o.warmup; i++) await once();
    const times: number[] = [];
    const start = performance.now();
    while (times.length < Math.max(5, o.runs) && (times.length < 5 || performance.now() - start < o.maxMs)) {
      const t = performance.now();
      await once();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    return { medianMs: quantile(times, 0.5), p90Ms: quantile(times, 0.9), runs: times.length };
  } finally {
    x.dispose();
  }
}
