import { describe, expect, it } from 'vitest';
import type { CurvePoint, ModelGraph } from '../../../shared/types/index.js';
import { speechGraph, textGraph } from '../../../test/fixtures/seq-train-graphs.js';
import { CancellationTokenSource } from '../../core/cancellation.js';
import { chooseBackend, type BackendName } from './backend.js';
import { buildModel } from './model.js';
import { trainModel, type TensorData, type TrainOptions } from './trainer.js';

const L = 8;
const VOCAB = 12;

function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** Token sequences; class 1 when token 2 occurs (ids 0..VOCAB−1, as a tokenizer gives). */
function textData(n: number, seed: number): TensorData {
  const r = rng(seed);
  const x = new Float32Array(n * L);
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    for (let j = 0; j < L; j++) x[i * L + j] = 3 + Math.floor(r() * (VOCAB - 3));
    if (label === 1) x[i * L + Math.floor(r() * L)] = 2;
    y.push(label);
  }
  return { x, y, shape: [L, 1, 1], classes: 2 };
}

/** Spectrogram-like [T, F, 1]: class 1 has energy rising over time, class 0 falling (plus noise). */
function speechData(n: number, t: number, f: number, seed: number): TensorData {
  const r = rng(seed);
  const x = new Float32Array(n * t * f);
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    for (let a = 0; a < t; a++) for (let b = 0; b < f; b++) x[(i * t + a) * f + b] = (label ? a : t - a) / t + (r() - 0.5);
    y.push(label);
  }
  return { x, y, shape: [t, f, 1], classes: 2 };
}

const opts: TrainOptions = { epochs: 4, batchSize: 16, lr: 0.01, schedule: 'constant', patience: 0, seed: 3 };
const never = new CancellationTokenSource().token;

async function losses(g: ModelGraph, train: TensorData, val: TensorData): Promise<number[]> {
  const model = buildModel(g, 2);
  const points: CurvePoint[] = [];
  try {
    await trainModel(model, train, val, opts, (p) => points.push(p), never);
  } finally {
    model.dispose();
  }
  return points.filter((p) => p.metric === 'train_loss').map((p) => p.value);
}

describe.each(['wasm', 'cpu'] as BackendName[])('training sequence graphs on tfjs %s', (backend) => {
  it('a text graph (embedding, layerNorm, attention) learns: its training loss goes down', async () => {
    await chooseBackend(backend);
    const l = await losses(textGraph(L, VOCAB), textData(128, 1), textData(32, 2));
    expect(l.length).toBe(4);
    expect(l.every(Number.isFinite)).toBe(true);
    expect(l[3] as number).toBeLessThan(0.8 * (l[0] as number));
  });

  it('a 1-D conv graph on [T, F, 1] learns: its training loss goes down', async () => {
    await chooseBackend(backend);
    const l = await losses(speechGraph(12, 6), speechData(128, 12, 6, 3), speechData(32, 12, 6, 4));
    expect(l.every(Number.isFinite)).toBe(true);
    expect(l[3] as number).toBeLessThan(0.8 * (l[0] as number));
  });
});
