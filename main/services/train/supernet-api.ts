/**
 * What a once-for-all supernet engine offers, whichever computes it: the native libtorch one
 * (supernet-engine.ts, class Supernet) or the tfjs fallback (supernet-tfjs.ts, class TfjsSupernet).
 * Both compute the same function of the same weights (same names, Keras layouts and slicing), so
 * `weights()` of one is `setWeights(…)` of the other, and a sub-network's logits agree.
 */
import type { Architecture, ModelGraph } from '../../../shared/types/index.js';
import type { CancellationToken } from '../../core/cancellation.js';
import { buildGraph } from '../../core/graph/index.js';
import type { MobilenetSpace } from '../../core/spaces/mobilenet.js';
import type { SupernetSpec } from '../../core/supernet.js';
import type { MapWeights } from '../export/weights.js';
import type { SubnetScoreOptions, SupernetProgress, SupernetTrainOptions, SupernetTrainResult } from './supernet-engine.js';
import { TorchModel, type TorchExamples } from './torch-engine.js';

export interface SupernetEngine {
  readonly space: MobilenetSpace;
  readonly spec: SupernetSpec;
  /** Parameters and BatchNorm statistics of the largest network (what the supernet stores). */
  paramCount(): number;
  /** Training examples (also the BatchNorm recalibration source) and validation examples, NHWC. */
  setData(train: TorchExamples, val: TorchExamples): void;
  /** Trains (resuming `o.checkpoint` when it exists); Cancelled on cancel (checkpoint written), DivergedError at a non-finite loss. */
  train(o: SupernetTrainOptions, onProgress: (p: SupernetProgress) => void, token: CancellationToken): Promise<SupernetTrainResult>;
  /** Recalibrates the sub-network's BatchNorm statistics, then its validation accuracy and loss. */
  evaluate(a: Architecture, o?: SubnetScoreOptions, token?: CancellationToken): Promise<{ accuracy: number; loss: number }>;
  /** Logits of the sub-network (inference mode, current statistics), row-major [n, classes]. */
  predict(a: Architecture, x: Float32Array): Float32Array;
  /** Every weight at its largest, Keras layouts, keyed `<node id>/<kind>` as the largest network's graph. */
  weights(): MapWeights;
  setWeights(w: ReadonlyMap<string, Float32Array>): void;
  /** The sub-network's weights, cut from the shared ones, keyed and laid out as `graph(a)`'s nodes. */
  subnetWeights(a: Architecture): MapWeights;
  graph(a: Architecture): ModelGraph;
  /** The sub-network as an ordinary libtorch model with its inherited weights (needs the native engine; the caller disposes it). */
  standalone(a: Architecture, o?: { device?: string; threads?: number }): TorchModel;
  /** Loads a checkpoint's weights and statistics (not its optimizer state); returns its step. */
  loadCheckpoint(path: string): number;
  dispose(): void;
}

/** A sub-network's standalone model graph: what buildGraph gives the architecture with the supernet's input, classes and stem. */
export function subnetGraph(space: MobilenetSpace, spec: SupernetSpec, a: Architecture): ModelGraph {
  return buildGraph(space, a, { input: spec.input, classes: spec.classes, mobilenet: { stemStride: spec.stemStride } });
}

/** A sub-network as an ordinary libtorch model with the weights it inherits from `e` (the caller disposes it). */
export function standaloneSubnet(e: Pick<SupernetEngine, 'graph' | 'subnetWeights'>, a: Architecture, o: { device?: string; threads?: number } = {}): TorchModel {
  const m = new TorchModel(e.graph(a), { device: o.device ?? 'cpu', threads: o.threads ?? 1 });
  try {
    m.setWeights(e.subnetWeights(a).map);
  } catch (err) {
    m.dispose();
    throw err;
  }
  return m;
}
