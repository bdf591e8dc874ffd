/**
 * One training trial on the libtorch engine: the same job, data and outputs as the tfjs path in
 * trial.ts, with training, scoring and batch-1 latency run by the addon on its own threads.
 */
import type { CurvePoint } from '../../../shared/types/index.js';
import type { CancellationToken } from '../../core/cancellation.js';
import type { BackendInfo } from './backend.js';
import type { LatencyOptions } from './latency.js';
import { defaultTorchDevice, TorchModel } from './torch-engine.js';
import { latencyOnBackends, type PreparedData, type TrialHooks, type TrialJob, type TrialOutput } from './trial.js';

export async function runTorchTrial(job: TrialJob, backend: BackendInfo, data: PreparedData, report: (p: CurvePoint) => void, token: CancellationToken, hooks: TrialHooks = {}): Promise<TrialOutput> {
  const model = new TorchModel(job.graph, { seed: job.train.seed, device: defaultTorchDevice() });
  try {
    const result = await model.train(data.train, data.val, job.train, report, token);
    const testAccuracy = data.test ? (await model.evaluate(data.test, 256, token)).accuracy : undefined;
    const exclusive = <T>(f: () => Promise<T>) => (hooks.exclusive ? hooks.exclusive(f) : f());
    const o = job.latency as LatencyOptions;
    const latency = job.latency ? await exclusive(() => model.latency(o, token)) : undefined;
    const others = [];
    if (job.latency && model.device !== 'cpu') {
      // Trained on a GPU: also time this machine's CPU, through the same engine.
      const cpu = new TorchModel(job.graph, { device: 'cpu' });
      try {
        cpu.setWeights(model.weights().map);
        others.push({ backend: { ...backend, detail: `${backend.detail}, CPU inference`, provenance: { ...backend.provenance, device: 'cpu' } }, latency: await exclusive(() => cpu.latency(o, token)), label: 'cpu' });
      } finally {
        cpu.dispose();
      }
    }
    if (job.latency && job.latencyBackends?.length) {
      const weights = model.weights();
      others.push(...(await exclusive(() => latencyOnBackends(job.graph, weights, job.latencyBackends ?? [], o, 'torch'))));
    }
    return {
      result,
      ...(testAccuracy !== undefined ? { testAccuracy } : {}),
      ...(latency ? { latency } : {}),
      ...(others.length ? { otherLatency: others } : {}),
      backend: { name: backend.name, detail: backend.detail, provenance: { ...backend.provenance, device: model.device } },
    };
  } finally {
    model.dispose();
  }
}
