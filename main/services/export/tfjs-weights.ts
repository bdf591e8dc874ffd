import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import { NasError } from '../../../shared/errors.js';
import type { ModelGraph } from '../../../shared/types/index.js';
import { MapWeights, weightShapes, type GraphWeights, type WeightKind } from './weights.js';

/** The tfjs layer name of a node id (as main/services/train/model.ts names layers). */
function layerName(id: string): string {
  return id.replace(/[^A-Za-z0-9_.\-/]/g, '_');
}

/**
 * Reads a tfjs-layers model built from `graph` (main/services/train/model.ts: one layer per node,
 * named by the node id) into GraphWeights for the exporter. Per layer, tfjs keeps its weights in
 * this order: Conv2D [kernel, bias?]; DepthwiseConv2D [depthwise_kernel, bias?]; Dense [kernel, bias?];
 * BatchNormalization [gamma, beta, moving_mean, moving_variance]. Layouts match GraphWeights.
 */
export function weightsFromTfjs(model: LayersModel, graph: ModelGraph): MapWeights {
  const map = new Map<string, Float32Array>();
  for (const node of graph.nodes) {
    const kinds = weightShapes(graph, node);
    if (kinds.length === 0) continue;
    let layer;
    try {
      layer = model.getLayer(layerName(node.id));
    } catch {
      throw new NasError('invalid-input', `the tfjs model has no layer for graph node ${node.id}`);
    }
    const ws = layer.getWeights();
    if (ws.length !== kinds.length) throw new NasError('invalid-input', `layer ${layer.name}: ${ws.length} weight tensors, the graph node needs ${kinds.length}`);
    kinds.forEach(([kind, shape]: [WeightKind, number[]], i) => {
      const t = ws[i];
      if (!t || t.shape.join() !== shape.join()) throw new NasError('invalid-input', `layer ${layer.name}: ${kind} has shape [${t?.shape.join(', ')}], expected [${shape.join(', ')}]`);
      map.set(`${node.id}/${kind}`, Float32Array.from(t.dataSync() as Float32Array));
    });
  }
  return new MapWeights(map);
}

/**
 * Writes GraphWeights (e.g. a model trained by the libtorch engine) into a tfjs-layers model built
 * from the same graph: the inverse of weightsFromTfjs, same layer order and layouts.
 */
export function setTfjsWeights(model: LayersModel, graph: ModelGraph, weights: GraphWeights, tensor: (values: Float32Array, shape: number[]) => Tensor): void {
  for (const node of graph.nodes) {
    const kinds = weightShapes(graph, node);
    if (kinds.length === 0) continue;
    const layer = model.getLayer(layerName(node.id));
    const values = kinds.map(([kind, shape]) => {
      const w = weights.get(node.id, kind);
      const n = shape.reduce((a, b) => a * b, 1);
      if (!w || w.length !== n) throw new NasError('invalid-input', `graph node ${node.id}: ${kind} has ${w?.length ?? 0} values, expected ${n} [${shape.join(', ')}]`);
      return tensor(w, shape);
    });
    try {
      layer.setWeights(values);
    } finally {
      values.forEach((t) => t.dispose());
    }
  }
}
