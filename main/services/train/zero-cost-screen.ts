/**
 * Zero-cost proxies of architectures for a study: the untrained model of each candidate, initialised
 * under the study's seed, scored on one fixed mini-batch of the training data. Serves both the
 * zero-cost filter (`Screen`, main/core/strategies/zc-filter.ts) and zero-cost metrics (objectives,
 * constraints and report columns named synflow, naswot, grad_norm, snip), known before training.
 *
 * Runs on this thread, synchronously: `grad_norm` and `snip` on the native engine when it is built
 * (its gradients), everything else on the thread's tfjs backend. `prepare()` activates the wasm
 * backend when no tfjs backend is active yet; without it the plain-JavaScript one is used (slower).
 */
import { NasError } from '../../../shared/errors.js';
import type { ModelGraph } from '../../../shared/types/index.js';
import { graphCost } from '../../core/graph/cost.js';
import { chooseBackend, tf } from './backend.js';
import { loadTorch, TorchModel } from './torch-engine.js';
import type { TensorData } from './trainer.js';
import { isZeroCostProxy, torchGradientProxies, zeroCostOfGraph, type ProxyBatch, type ZeroCostProxy } from './zero-cost.js';

/** Examples in the proxies' mini-batch. */
export const ZERO_COST_BATCH = 64;

/** Metrics a screen computes: the proxies and the analytic params and flops. */
export function isScreenMetric(m: string): boolean {
  return isZeroCostProxy(m) || m === 'params' || m === 'flops';
}

/** `size` examples spread evenly over `data` (deterministic). */
export function proxyBatch(data: TensorData, size = ZERO_COST_BATCH): ProxyBatch {
  const n = data.y.length;
  const per = data.shape[0] * data.shape[1] * data.shape[2];
  const b = Math.min(size, n);
  const x = new Float32Array(b * per);
  const y = new Int32Array(b);
  for (let i = 0; i < b; i++) {
    const at = Math.floor((i * n) / b);
    x.set(data.x.subarray(at * per, (at + 1) * per), i * per);
    y[i] = data.y[at] as number;
  }
  return { x, y };
}

export class ZeroCostScreen {
  constructor(
    private readonly batch: ProxyBatch,
    private readonly seed: number,
  ) {}

  /** Activates a fast tfjs backend on this thread if none is active (idempotent). */
  async prepare(): Promise<void> {
    if (!tf.getBackend()) await chooseBackend('wasm').catch(() => chooseBackend('cpu'));
  }

  /** The named metrics (proxies, params, flops) of a model graph; higher proxies are better. */
  metrics(graph: ModelGraph, names: readonly string[]): Record<string, number> {
    const out: Record<string, number> = {};
    const cost = names.includes('params') || names.includes('flops') ? graphCost(graph) : undefined;
    if (cost && names.includes('params')) out.params = cost.params;
    if (cost && names.includes('flops')) out.flops = cost.flops;
    const proxies = names.filter(isZeroCostProxy);
    const bad = names.find((m) => !isScreenMetric(m));
    if (bad) throw new NasError('invalid-input', `'${bad}' is not a zero-cost metric (synflow, naswot, grad_norm, snip, params, flops)`);
    if (proxies.length === 0) return out;
    const torch = typeof loadTorch() !== 'string';
    const onTorch: ZeroCostProxy[] = torch ? proxies.filter((p) => p === 'grad_norm' || p === 'snip') : [];
    const onTfjs = proxies.filter((p) => !onTorch.includes(p));
    if (onTorch.length > 0) {
      const m = new TorchModel(graph, { seed: this.seed, device: 'cpu' });
      try {
        const g = torchGradientProxies(m, this.batch);
        for (const p of onTorch) out[p] = g[p as 'grad_norm' | 'snip'];
      } finally {
        m.dispose();
      }
    }
    if (onTfjs.length > 0) {
      // A thread with no tfjs backend yet (the native engine trains): the plain-JavaScript one starts
      // synchronously (prepare() activates wasm, faster, beforehand).
      if (!tf.getBackend()) void tf.setBackend('cpu');
      Object.assign(out, zeroCostOfGraph(graph, this.batch, onTfjs, this.seed));
    }
    return out;
  }

  /** One proxy (or params/flops) of a model graph, for the zero-cost filter. */
  score(graph: ModelGraph, proxy: string): number {
    return this.metrics(graph, [proxy])[proxy] as number;
  }
}
