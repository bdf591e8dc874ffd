/**
 * Training and timing one compound-scaled model: the data resized to the model's resolution
 * (cached per resolution on disk), the native engine or TensorFlow.js as for any trial.
 */
import type { CurvePoint, Metrics, ModelGraph } from '../../../shared/types/index.js';
import type { CancellationToken } from '../../core/cancellation.js';
import { costMetrics, graphCost } from '../../core/graph/cost.js';
import type { Multipliers } from '../../core/scaling/compound.js';
import type { ScaledSpace } from '../../core/scaling/space.js';
import { resizedDataRef } from '../data/resize.js';
import type { BackendName } from '../train/backend.js';
import { LATENCY_DEFAULTS, measureLatency, type LatencyOptions } from '../train/latency.js';
import { buildModel } from '../train/model.js';
import { TorchModel } from '../train/torch-engine.js';
import { prepareData, runTrial, threadBackend, type DataSpec } from '../train/trial.js';
import type { TrainOptions } from '../train/trainer.js';

/** The data and model settings every scaled model of one run shares. */
export interface ScaledSetting {
  readonly space: ScaledSpace;
  /** The data at its own resolution. */
  readonly data: DataSpec;
  /** Folder of the resized copies. */
  readonly cacheDir: string;
  readonly stemStride?: number;
  readonly backend?: BackendName;
}

/** The data's shape [H, W, C] and classes. */
export function dataShape(s: ScaledSetting): { input: [number, number, number]; classes: number } {
  const d = prepareData(s.data);
  return { input: [...d.train.shape] as [number, number, number], classes: d.train.classes };
}

/** The model graph of multipliers `m` (its input already the scaled resolution). */
export function scaledGraph(s: ScaledSetting, m: Multipliers): ModelGraph {
  const { input, classes } = dataShape(s);
  return s.space.graph(s.space.sampleOf(m), input, classes, s.stemStride !== undefined ? { stemStride: s.stemStride } : {});
}

/** Analytic params and FLOPs of the model of multipliers `m`. */
export function scaledCost(s: ScaledSetting, m: Multipliers): Metrics {
  return costMetrics(graphCost(scaledGraph(s, m)));
}

const PROBE: LatencyOptions = { warmup: 3, runs: 15, maxMs: 1500 };

/** Batch-1 latency of an untrained model on this machine (weights do not change it): the search for a latency tier's φ. */
export async function probeLatency(graph: ModelGraph, backend?: BackendName, token?: CancellationToken): Promise<number> {
  const choice = await threadBackend(backend);
  if (choice.info.name === 'torch') {
    const m = new TorchModel(graph, { device: 'cpu' });
    try {
      return (await m.latency(PROBE, token)).medianMs;
    } finally {
      m.dispose();
    }
  }
  const model = buildModel(graph, 0);
  try {
    return (await measureLatency(model, graph.input, PROBE)).medianMs;
  } finally {
    model.dispose();
  }
}

export interface ScaledRun {
  readonly metrics: Record<string, number>;
  readonly fidelity: Record<string, string>;
  readonly seconds: number;
  readonly backend: string;
}

/** Trains the model of multipliers `m` on the resized data (`train`, at most `maxTrain` images) and scores and times it. */
export async function trainScaled(s: ScaledSetting, m: Multipliers, train: TrainOptions, maxTrain: number | undefined, report: (p: CurvePoint) => void, token: CancellationToken): Promise<ScaledRun> {
  const graph = scaledGraph(s, m);
  const [h, w] = graph.input as [number, number, number];
  const native = dataShape(s).input;
  const ref = h === native[0] && w === native[1] ? s.data.ref : resizedDataRef(s.data.ref, s.data.cwd, [h, w], s.cacheDir);
  const { maxTrain: _ignored, ...base } = s.data;
  const data: DataSpec = { ...base, ref, ...(maxTrain !== undefined ? { maxTrain } : {}) };
  const out = await runTrial({ graph, data, train, ...(s.backend ? { backend: s.backend } : {}), latency: LATENCY_DEFAULTS }, report, token);
  const r = out.result;
  const images = prepareData(data).train.y.length;
  const trained = `epochs:${r.epochs} on ${images} images at ${h}×${w}`;
  const device = `local:${out.backend.name}`;
  const metrics: Record<string, number> = {
    val_accuracy: r.valAccuracy, val_loss: r.valLoss, train_loss: r.trainLoss, epochs: r.epochs, train_images_per_s: r.imagesPerSecond,
    ...(out.testAccuracy !== undefined ? { test_accuracy: out.testAccuracy } : {}),
    ...(out.latency ? { latency_ms: out.latency.medianMs, latency_p90_ms: out.latency.p90Ms } : {}),
    ...costMetrics(graphCost(graph)),
    depth_mult: m.depth, width_mult: m.width, resolution_mult: m.resolution, resolution: h,
  };
  const fidelity: Record<string, string> = {};
  for (const k of Object.keys(metrics)) {
    fidelity[k] = k.startsWith('latency') || k === 'train_images_per_s' ? device : ['params', 'flops', 'peak_activation_bytes', 'model_bytes'].includes(k) ? 'analytic' : k.endsWith('_mult') || k === 'resolution' ? 'scaling' : trained;
  }
  return { metrics, fidelity, seconds: r.seconds, backend: out.backend.detail };
}
