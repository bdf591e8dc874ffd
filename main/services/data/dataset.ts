import { NasError } from '../../../shared/errors.js';
import { Rng } from '../../core/rng.js';
import { printable, USER_FILE_LIMITS } from '../user-file.js';

/**
 * A labelled dataset in memory. Images are uint8 HWC (0..255), one after another; tabular rows are
 * float32 with shape [1, 1, features]. Labels are class indices 0..classes−1.
 */
export interface Dataset {
  /** Where it came from (a path, or `builtin:fashion-mnist`), for messages and provenance. */
  readonly source: string;
  /** [H, W, C] of one example. */
  readonly shape: readonly [number, number, number];
  readonly classes: number;
  readonly classNames?: readonly string[];
  readonly x: Uint8Array | Float32Array;
  readonly y: Uint8Array | Int32Array;
  /**
   * `text`: x holds token ids (0 padding, 1 unknown), shape [L, 1, 1], and is not normalised (see
   * `dataNormalisation`). Absent: images or tabular features.
   */
  readonly modality?: 'text';
  /** Raw text examples not yet tokenised (text-reader.ts): x then holds each example's index into it, shape [1, 1, 1]. */
  readonly texts?: readonly string[];
}

export function datasetSize(d: Dataset): number {
  return d.y.length;
}

export function exampleSize(d: Dataset): number {
  return d.shape[0] * d.shape[1] * d.shape[2];
}

/** A dataset error: one line naming the file and what is wrong. */
export function dataError(file: string, what: string): NasError {
  return new NasError('invalid-input', `${printable(file)}: ${what}`);
}

/** Checks the invariants of a dataset (at least one example, sizes agree, classes bounded, labels in range). */
export function checkDataset(d: Dataset): Dataset {
  const n = d.y.length;
  const per = exampleSize(d);
  if (n === 0) throw dataError(d.source, 'no examples');
  if (!d.shape.every((v) => Number.isInteger(v) && v > 0)) throw dataError(d.source, `examples of shape ${d.shape.join('×')}: every dimension must be at least 1`);
  if (!(Number.isInteger(d.classes) && d.classes >= 1 && d.classes <= USER_FILE_LIMITS.classes)) throw dataError(d.source, `${d.classes} classes: expected 1..${USER_FILE_LIMITS.classes}`);
  if (d.x.length !== n * per) throw dataError(d.source, `${d.x.length} values for ${n} examples of ${d.shape.join('×')} (expected ${n * per})`);
  for (let i = 0; i < n; i++) {
    const l = d.y[i] as number;
    if (!(l >= 0 && l < d.classes)) throw dataError(d.source, `example ${i} has label ${l}, outside 0..${d.classes - 1}`);
  }
  return d;
}

/** The examples at `idx`, in that order. */
export function subset(d: Dataset, idx: readonly number[], source = d.source): Dataset {
  const per = exampleSize(d);
  const x = d.x instanceof Uint8Array ? new Uint8Array(idx.length * per) : new Float32Array(idx.length * per);
  const y = d.y instanceof Uint8Array ? new Uint8Array(idx.length) : new Int32Array(idx.length);
  idx.forEach((j, i) => {
    x.set(d.x.subarray(j * per, (j + 1) * per), i * per);
    y[i] = d.y[j] as number;
  });
  return { ...d, source, x, y };
}

/** Concatenates datasets of the same shape and classes (e.g. CIFAR batches). */
export function concatDatasets(parts: readonly Dataset[], source: string): Dataset {
  const first = parts[0];
  if (!first) throw new NasError('invalid-input', `${source}: no data`);
  for (const p of parts) {
    if (p.shape.join() !== first.shape.join()) throw dataError(p.source, `examples are ${p.shape.join('×')}, ${first.source} has ${first.shape.join('×')}`);
  }
  const n = parts.reduce((a, p) => a + p.y.length, 0);
  const per = exampleSize(first);
  const x = first.x instanceof Uint8Array ? new Uint8Array(n * per) : new Float32Array(n * per);
  const y = first.y instanceof Uint8Array ? new Uint8Array(n) : new Int32Array(n);
  let at = 0;
  for (const p of parts) {
    x.set(p.x, at * per);
    y.set(p.y, at);
    at += p.y.length;
  }
  let classes = 0;
  for (const p of parts) classes = Math.max(classes, p.classes);
  return { ...first, source, classes, x, y };
}

export interface Splits {
  readonly train: Dataset;
  readonly val: Dataset;
  readonly test?: Dataset;
}

export interface SplitOptions {
  /** Fraction (0..1) or count of examples held out for validation. */
  readonly val: number;
  /** Fraction or count held out for testing (0: none). */
  readonly test?: number;
  /** At most this many training examples (a stratified subset); default all. */
  readonly maxTrain?: number;
  readonly seed: number;
}

/**
 * Stratified, deterministic split: each class is shuffled under the seed and dealt into test, val
 * and train in proportion, so every split keeps the class balance. Same data and seed, same split.
 */
export function splitDataset(d: Dataset, o: SplitOptions): Splits {
  const n = d.y.length;
  const count = (v: number | undefined) => (v === undefined ? 0 : v < 1 ? Math.round(v * n) : Math.floor(v));
  const nVal = count(o.val);
  const nTest = count(o.test);
  if (nVal < 1) throw new NasError('invalid-input', `${d.source}: a validation split of ${o.val} leaves no validation examples`);
  if (nVal + nTest >= n) throw new NasError('invalid-input', `${d.source}: ${n} examples are too few for ${nVal} validation and ${nTest} test examples`);
  const rng = new Rng(o.seed);
  const byClass: number[][] = Array.from({ length: d.classes }, () => []);
  for (let i = 0; i < n; i++) (byClass[d.y[i] as number] as number[]).push(i);
  const val: number[] = [];
  const test: number[] = [];
  const train: number[] = [];
  // Deal classes round-robin over a shuffled order, so quotas spread evenly across classes.
  const shuffled = byClass.map((c) => shuffle(c, rng));
  const order: number[] = [];
  let longest = 0; // a loop, not Math.max(...): no spread over arrays of unbounded length
  for (const c of shuffled) longest = Math.max(longest, c.length);
  for (let k = 0; k < longest; k++) for (const c of shuffled) if (k < c.length) order.push(c[k] as number);
  for (const i of order) {
    if (test.length < nTest) test.push(i);
    else if (val.length < nVal) val.push(i);
    else train.push(i);
  }
  const trainIdx = o.maxTrain !== undefined && o.maxTrain < train.length ? train.slice(0, o.maxTrain) : train;
  const sorted = (a: number[]) => shuffle(a, rng);
  return {
    train: subset(d, sorted(trainIdx), `${d.source} (train)`),
    val: subset(d, sorted(val), `${d.source} (val)`),
    ...(nTest > 0 ? { test: subset(d, sorted(test), `${d.source} (test)`) } : {}),
  };
}

function shuffle(a: readonly number[], rng: Rng): number[] {
  const out = a.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j] as number, out[i] as number];
  }
  return out;
}

/** Per-channel mean and standard deviation (in the data's own units, e.g. 0..255 for images). */
export interface Normalisation {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/** Per-channel statistics of a dataset (computed on the training split, applied to all). */
export function channelStats(d: Dataset): Normalisation {
  const c = d.shape[2];
  const sum = new Float64Array(c);
  const sq = new Float64Array(c);
  for (let i = 0; i < d.x.length; i++) {
    const v = d.x[i] as number;
    sum[i % c] = (sum[i % c] as number) + v;
    sq[i % c] = (sq[i % c] as number) + v * v;
  }
  const per = d.x.length / c;
  const mean = Array.from(sum, (s) => s / per);
  const std = Array.from(sq, (s, k) => Math.sqrt(Math.max(s / per - (mean[k] as number) ** 2, 0)) || 1);
  return { mean, std };
}

/**
 * The normalisation a dataset trains with, from its training split: per-channel statistics, or
 * the identity (mean 0, std 1) for text, whose values are token ids an Embedding looks up.
 */
export function dataNormalisation(train: Dataset): Normalisation {
  if (train.modality === 'text') return { mean: [0], std: [1] };
  return channelStats(train);
}

/** (x − mean) / std per channel, as float32. */
export function normalise(d: Dataset, s: Normalisation): Float32Array {
  const c = d.shape[2];
  const out = new Float32Array(d.x.length);
  for (let i = 0; i < out.length; i++) out[i] = ((d.x[i] as number) - (s.mean[i % c] as number)) / (s.std[i % c] as number);
  return out;
}
