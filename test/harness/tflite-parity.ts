import { expect } from 'vitest';
import { Rng } from '../../main/core/rng.js';
import { exportTflite } from '../../main/services/export/tflite.js';
import type { GraphWeights } from '../../main/services/export/weights.js';
import type { ModelGraph } from '../../shared/types/index.js';
import { runGraphTfjs } from './tfjs-graph.js';

/** Shared by the TFLite export parity tests (Arm NN, the WebAssembly interpreter). */

/** One input of graph `g`, uniform in [-1, 1) from `seed`. */
export function features(g: ModelGraph, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: g.input[0] * g.input[1] * g.input[2] }, () => rng.next() * 2 - 1);
}

/** The largest absolute difference of two equally long outputs. */
export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)));
  return d;
}

/** Runs a TFLite file on one input. */
export type TfliteRunner = (model: Uint8Array, input: Float32Array) => Promise<{ output: Float32Array; shape: number[] }>;

/** The exported file run by `run` vs tfjs on the same graph, weights and input; checks the output's shape and that the reference is not constant. */
export async function tfliteVsTfjs(run: TfliteRunner, g: ModelGraph, w: GraphWeights, x: Float32Array, softmax: boolean): Promise<{ diff: number; ops: readonly string[] }> {
  const model = exportTflite(g, w, { softmax });
  const ref = await runGraphTfjs(g, w, x, { softmax });
  const { output, shape } = await run(model.bytes, x);
  expect(shape).toEqual([1, g.classes]);
  // A constant output would compare well too: the model must compute something.
  expect(Math.max(...ref) - Math.min(...ref)).toBeGreaterThan(1e-3);
  return { diff: maxAbsDiff(output, ref), ops: model.ops };
}
