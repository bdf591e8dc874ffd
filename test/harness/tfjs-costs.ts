import { expect } from 'vitest';
import type { GraphCost } from '../../main/core/graph/index.js';
import type { tf } from '../../main/services/train/backend.js';

/**
 * Multiply-adds counted from the built tfjs layers (their own configs and shapes, not the graph's):
 * Conv2D out·kH·kW·cin, DepthwiseConv2D out·kH·kW, Dense cin·units, an attention layer 2·L²·C.
 */
export function tfjsFlops(model: tf.LayersModel): number {
  let flops = 0;
  for (const l of model.layers) {
    const cls = l.getClassName();
    if (!['Conv2D', 'DepthwiseConv2D', 'Dense', 'FrontierAttention'].includes(cls)) continue;
    const cfg = l.getConfig() as { kernelSize?: number[]; units?: number };
    const inputs = ([] as tf.SymbolicTensor[]).concat(l.input as tf.SymbolicTensor | tf.SymbolicTensor[]);
    const inShape = inputs[0]?.shape as number[];
    const cin = inShape[inShape.length - 1] as number;
    const out = (l.outputShape as number[]).slice(1).reduce((a, b) => a * b, 1);
    const area = (cfg.kernelSize ?? [1, 1]).reduce((a, b) => a * b, 1);
    if (cls === 'Conv2D') flops += out * area * cin;
    else if (cls === 'DepthwiseConv2D') flops += out * area;
    else if (cls === 'Dense') flops += cin * (cfg.units as number);
    else flops += 2 * (inShape[1] as number) * (inShape[1] as number) * cin;
  }
  return flops;
}

/** The built model's params, trainable params, FLOPs and output shape `[null, classes]` equal the graph's analytic costs. */
export function expectModelCosts(model: tf.LayersModel, c: GraphCost, key: string, classes: number): void {
  expect(model.countParams(), key).toBe(c.params);
  const trainable = model.trainableWeights.reduce((acc, w) => acc + w.shape.reduce((x: number, y) => x * (y as number), 1), 0);
  expect(trainable, key).toBe(c.trainableParams);
  expect(tfjsFlops(model), key).toBe(c.flops);
  expect(model.outputs[0]?.shape).toEqual([null, classes]);
}
