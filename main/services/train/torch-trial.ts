/**
 * One training trial on the libtorch engine: the same job, data and outputs as the tfjs path in
 * trial.ts, with training, scoring and batch-1 latency run by the addon on its own threads.
 */
import type { CurvePoint, ModelGraph } from '../../../shared/types/index.js';
import type { CancellationToken } from '../../core/cancellation.js';
import type { MapWeights } from '../export/weights.js';
import type { BackendInfo } from './backend.js';
import type { LatencyOptions, LatencyResult } from './latency.js';
import { defaultTorchDevice, TorchModel } from './torch-engine.js';
import { latencyOnBackends, type PreparedData, type TrialHooks, type TrialJob, type TrialOutput } from './trial.js';

/** Batch-1 latency of trained weights on this machine's CPU, in the native engine. */
export async function torchCpuLatency(graph: ModelGraph, weights: MapWeights, o: LatencyOptions, token?: CancellationToken): Promise<LatencyResult> {
  const copy = new TorchModel(graph, { device: 'cpu' });
  try {
    copy.setWeights(weights.map);
    return await copy.latency(o, token);
  } finally {
    copy.dispose();
  }
}

export async function runTorchTrial(job: TrialJob, backend: BackendInfo, data: PreparedData, report: (p: CurvePoint) => void, token: CancellationToken, hooks: TrialHooks = {}): Promise<TrialOutput> {
  const model = new TorchModel(job.graph, { seed: job.train.seed, device: defaultTorchDevice() });
  try {
    if (job.startFrom) model.setWeights(job.startFrom);
    const result = await model.train(data.train, data.val, job.train, report, token);
    const testAccuracy = data.test ? (await model.evaluate(data.test, 256, token)).accuracy : undefined;
    const exclusive = <T>(f: () => Promise<T>) => (hooks.exclusive ? hooks.exclusive(f) : f());
    const o = job.latency as LatencyOptions;
    const latency = job.latency ? await exclusive(() => model.latency(o, token)) : undefined;
    const others = [];
    const onGpu = model.device !== 'cpu';
    const weights = job.latency && (onGpu || job.latencyBackends?.length) ? model.weights() : undefined;
    if (weights && onGpu) {
      // Trained on a GPU: also time this machine's CPU, through the same engine (metric
      // latency_torch_cpu_ms, apart from --latency-on cpu's tfjs latency_cpu_ms).
      const cpuBackend = { ...backend, detail: `${backend.detail}, CPU inference`, provenance: { ...backend.provenance, device: 'cpu' } };
      others.push({ backend: cpuBackend, latency: await exclusive(() => torchCpuLatency(job.graph, weights, o, token)), label: 'torch_cpu' });
    }
    if (weights && job.latencyBackends?.length) {
      others.push(...(await exclusive(() => latencyOnBackends(job.graph, weights, job.latencyBackends ?? [], o, 'torch'))));
    }
    return {
      result,
      ...(testAccuracy !== undefined ? { testAccuracy } : {}),
      ...(latency ? { latency } : {}),
      ...(others.length ? { otherLatency: others } : {}),
      ...(job.keepWeights ? { weights: (weights ?? model.weights()).map } : {}),
      backend: { name: backend.name, detail: backend.detail, provenance: { ...backend.provenance, device: model.device } },
    };
  } finally {
    model.dispose();
  }
}
