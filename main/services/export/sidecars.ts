/**
 * What a text or speech model needs beside it to be used: a text model takes token ids, so its export
 * carries the study's fitted tokenizer (`<name>.tokenizer.json`); a speech model takes normalised
 * MFCC / log-mel frames, so its export carries the feature settings and the training split's
 * normalisation (`<name>.features.json`). Each file is plain JSON that says how to reproduce the
 * app's encoding without the app (see data/tokenizer.ts and data/audio-features.ts for the definitions).
 */
import path from 'node:path';
import { NasError } from '../../../shared/errors.js';
import type { ModelGraph, StudyRecord } from '../../../shared/types/index.js';
import { audioOptions, featureShape, frameGeometry } from '../data/audio-features.js';
import { checkTextSettings, checkTokenizer, PAD_ID, UNKNOWN_ID, vocabSize } from '../data/tokenizer.js';
import type { TrainEvaluatorSpec } from '../train/evaluator.js';
import { prepareData, type DataSpec } from '../train/trial.js';
import { DEFAULT_DATASET } from '../data/builtin.js';

export type SidecarKind = 'tokenizer' | 'features';

export interface Sidecar {
  readonly kind: SidecarKind;
  /** Where it goes: beside a model file, or inside a TensorFlow.js model's folder. */
  readonly file: string;
  readonly json: Record<string, unknown>;
}

/** `<dir>/<name without extension>.<kind>.json` beside a file; `<folder>/<kind>.json` inside a tfjs folder. */
export function sidecarPath(out: string, kind: SidecarKind, folder: boolean): string {
  if (folder) return path.join(out, `${kind}.json`);
  const ext = path.extname(out);
  return path.join(path.dirname(out), `${path.basename(out, ext)}.${kind}.json`);
}

/**
 * The sidecar a trial's export needs, or undefined (image and tabular models). `weights` are the
 * settings of the weights file exported (its data and, for a search's weights, the subset it trained on).
 */
export function trialSidecar(rec: StudyRecord, graph: ModelGraph, weights: Readonly<Record<string, unknown>>, out: string, folder: boolean): Sidecar | undefined {
  const e = (rec.spec.evaluator.kind === 'train' ? rec.spec.evaluator : {}) as Partial<TrainEvaluatorSpec>;
  if (graph.nodes[0]?.op === 'Embedding') return { kind: 'tokenizer', file: sidecarPath(out, 'tokenizer', folder), json: tokenizerSidecar(rec, graph, e) };
  if (e.audio) return { kind: 'features', file: sidecarPath(out, 'features', folder), json: featuresSidecar(rec, graph, weights, e) };
  return undefined;
}

function tokenizerSidecar(rec: StudyRecord, graph: ModelGraph, e: Partial<TrainEvaluatorSpec>): Record<string, unknown> {
  const s = checkTextSettings(e.text ?? {});
  if (e.text?.tokenizer === undefined) throw new NasError('invalid-input', `study ${rec.id} has no stored tokenizer, so its text models cannot be exported with the ids they were trained on`);
  const tokenizer = checkTokenizer(e.text.tokenizer, s);
  if (graph.input[0] !== s.length) throw new NasError('internal', `study ${rec.id}: the model takes ${graph.input[0]} tokens, the stored tokenizer settings ${s.length}`);
  return {
    format: 'frontier-tokenizer',
    version: 1,
    kind: 'byte-pairs',
    normalize: 'NFC',
    lowercase: true,
    encoding: 'utf-8',
    length: s.length,
    vocab: vocabSize(s),
    ids: { pad: PAD_ID, unknown: UNKNOWN_ID, byteBase: 2, mergeBase: 258 },
    padding: 'end',
    truncation: 'end',
    rules: [
      'normalise the text to Unicode NFC, lower-case it, take its UTF-8 bytes',
      'read the bytes left to right: if this byte and the next form merges[k] (4 hex digits, first byte high), emit mergeBase + k and skip both; else emit byteBase + byte',
      'stop after `length` ids; pad with `pad` (0) at the end; `unknown` (1) is reserved and never emitted',
      'feed the ids as float32 of shape [1, length, 1, 1] (NHWC) or [1, 1, length, 1] (NCHW)',
    ],
    merges: tokenizer.merges,
  };
}

function featuresSidecar(rec: StudyRecord, graph: ModelGraph, weights: Readonly<Record<string, unknown>>, e: Partial<TrainEvaluatorSpec>): Record<string, unknown> {
  const a = audioOptions(e.audio);
  const [frames, coefficients] = featureShape(a);
  if (graph.input[0] !== frames || graph.input[1] !== coefficients) throw new NasError('internal', `study ${rec.id}: the model takes ${graph.input.join('×')}, the stored feature settings give ${frames}×${coefficients}`);
  // The normalisation of the split the weights were trained on (a search's weights: its training subset).
  const data: DataSpec = {
    ref: typeof weights.data === 'string' ? weights.data : (e.data ?? DEFAULT_DATASET),
    val: e.val ?? 1000,
    seed: rec.spec.seed,
    cwd: e.cwd ?? process.cwd(),
    audio: e.audio ?? {},
    ...(weights.source === 'search' && e.maxTrain !== undefined ? { maxTrain: e.maxTrain } : {}),
  };
  const d = prepareData(data);
  if (typeof weights.trainExamples === 'number' && weights.trainExamples !== d.train.y.length) {
    throw new NasError('invalid-input', `study ${rec.id}: the weights trained on ${weights.trainExamples} examples of ${data.ref}, which now gives ${d.train.y.length}: retrain the trial to export it with its normalisation`);
  }
  const g = frameGeometry(a);
  return {
    format: 'frontier-audio-features',
    version: 1,
    kind: a.kind,
    sampleRate: a.sampleRate,
    clipMs: a.clipMs,
    windowMs: a.windowMs,
    hopMs: a.hopMs,
    window: g.window,
    hop: g.hop,
    fftSize: g.fftSize,
    frames,
    nMels: a.nMels,
    nMfcc: a.kind === 'mfcc' ? a.nMfcc : null,
    fmin: a.fmin,
    fmax: a.fmax,
    logOffset: 1e-6,
    normalisation: { mean: d.normalisation.mean, std: d.normalisation.std, trainExamples: d.train.y.length, data: data.ref },
    rules: [
      'mono PCM at sampleRate, scaled to [-1, 1); cut or zero-pad at the end to clipMs',
      'frames of `window` samples every `hop` samples, no padding; periodic Hann window; zero-pad to fftSize; power spectrum |rfft|^2',
      'HTK mel scale (2595·log10(1 + f/700)), nMels triangles between fmin and fmax with unit peaks (no area normalisation); log-mel = ln(energy + logOffset)',
      'mfcc: the first nMfcc coefficients of the orthonormal DCT-II of each log-mel frame',
      'then (x - mean) / std; feed as float32 [1, frames, coefficients, 1] (NHWC) or [1, 1, frames, coefficients] (NCHW)',
    ],
  };
}
