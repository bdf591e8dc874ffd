/**
 * Exports one trial's trained model (its newest `weights` artifact, made by a retraining) as ONNX,
 * TensorFlow.js or TFLite, records the export as an artifact of the trial (format, options, the
 * weights' checksum and provenance, the file's SHA-256) and gives a snippet that loads it.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NasError } from '../../../shared/errors.js';
import type { ArtifactRecord, ModelGraph } from '../../../shared/types/index.js';
import type { Store } from '../../core/store.js';
import { exportOnnx } from './onnx.js';
import { trialSidecar, type SidecarKind } from './sidecars.js';
import { exportTfjs } from './tfjs-model.js';
import { exportTflite } from './tflite.js';
import { decodeWeightsFile } from './weights-file.js';

export const MODEL_FORMATS = ['onnx', 'tfjs', 'tflite'] as const;
export type ModelFormat = (typeof MODEL_FORMATS)[number];

export interface TrialExportOptions {
  readonly studyId: string;
  readonly trial: number;
  readonly format: ModelFormat;
  /** A file (onnx, tflite) or a folder (tfjs: model.json and weights.bin in it). */
  readonly out: string;
  /** Append a softmax (default true). */
  readonly softmax?: boolean;
  /** ONNX only: opset 13 (default) or 10. */
  readonly opset?: 10 | 13;
  /** ONNX only: input layout (default nchw). */
  readonly inputLayout?: 'nchw' | 'nhwc';
  readonly now?: number;
}

export interface TrialExport {
  readonly artifact: ArtifactRecord;
  /** The files written. */
  readonly files: readonly string[];
  readonly snippet: string;
  readonly graph: ModelGraph;
}

/** Why a trial cannot be exported yet, as the one-line message users see. */
export function noWeightsMessage(studyId: string, trial: number): string {
  return `trial ${trial} of study ${studyId} has no trained weights (a search keeps each candidate's metrics, not its weights): run 'frontier retrain ${studyId} --trial ${trial}' (or '--top K') to train it on the full data, then export again`;
}

/** The newest weights of a trial, read and checked against their recorded SHA-256. */
export function loadTrialWeights(store: Store, studyId: string, trial: number): { artifact: ArtifactRecord; file: ReturnType<typeof decodeWeightsFile> } {
  const a = store.listArtifacts(studyId, trial).filter((x) => x.kind === 'weights').sort((x, y) => y.createdAt - x.createdAt)[0];
  if (!a) throw new NasError('not-found', noWeightsMessage(studyId, trial));
  if (!existsSync(a.path)) throw new NasError('not-found', `the weights of trial ${trial} of study ${studyId} were at ${a.path}, which is gone: retrain it ('frontier retrain ${studyId} --trial ${trial}')`);
  const bytes = readFileSync(a.path);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== a.sha256) throw new NasError('invalid-input', `the weights file ${a.path} changed since it was written (SHA-256 ${sha.slice(0, 12)}…, recorded ${a.sha256.slice(0, 12)}…): retrain the trial ('frontier retrain ${studyId} --trial ${trial}')`);
  return { artifact: a, file: decodeWeightsFile(bytes, a.path) };
}

export function loadSnippet(format: ModelFormat, file: string, graph: ModelGraph, o: { softmax: boolean; inputLayout?: 'nchw' | 'nhwc'; sidecar?: { kind: SidecarKind; file: string } }): string {
  const [h, w, c] = graph.input;
  const name = path.basename(file);
  const out = o.softmax ? 'probabilities' : 'logits';
  // A text model takes the study tokenizer's ids as they are (no normalisation is baked in or applied).
  const vocab = graph.nodes[0]?.op === 'Embedding' ? graph.nodes[0].attrs.vocab : undefined;
  const side = o.sidecar ? path.basename(o.sidecar.file) : undefined;
  const what =
    vocab !== undefined ? `token ids 0..${vocab - 1} from the study's tokenizer${side ? ` (${side}: its rules and merges)` : ''}, as float32, not normalised`
    : o.sidecar?.kind === 'features' ? `audio features as in ${side} (settings, then (x - mean) / std)`
    : 'normalised as in training';
  switch (format) {
    case 'onnx': {
      const shape = o.inputLayout === 'nhwc' ? `(1, ${h}, ${w}, ${c})` : `(1, ${c}, ${h}, ${w})`;
      return [
        '# Python: pip install onnxruntime numpy',
        'import numpy as np, onnxruntime as ort',
        `session = ort.InferenceSession("${name}")`,
        `x = np.zeros(${shape}, dtype=np.float32)  # ${o.inputLayout === 'nhwc' ? 'NHWC' : 'NCHW'}, ${what}`,
        `${out} = session.run(["${out}"], {"input": x})[0]  # shape (1, ${graph.classes})`,
        `print(${out}.argmax(axis=1))`,
      ].join('\n');
    }
    case 'tfjs':
      return [
        '// Browser: <script src="https://cdn.jsdelivr.net/npm/@tensorflow/tfjs"></script> (or npm i @tensorflow/tfjs)',
        `// serve the ${name} folder (model.json and weights.bin) next to the page`,
        `const model = await tf.loadGraphModel('${name}/model.json');`,
        `const x = tf.zeros([1, ${h}, ${w}, ${c}]); // NHWC, ${what}`,
        `const ${out} = model.predict(x); // shape [1, ${graph.classes}]`,
        `console.log(${out}.argMax(-1).dataSync());`,
      ].join('\n');
    case 'tflite':
      return [
        '// Android (Kotlin): implementation("org.tensorflow:tensorflow-lite:2.14.0"); put the file in src/main/assets',
        `val model = FileUtil.loadMappedFile(context, "${name}")  // org.tensorflow.lite.support.common.FileUtil`,
        'val interpreter = org.tensorflow.lite.Interpreter(model)',
        `val input = Array(1) { Array(${h}) { Array(${w}) { FloatArray(${c}) } } }  // NHWC, ${what}`,
        `val output = Array(1) { FloatArray(${graph.classes}) }  // ${out}`,
        'interpreter.run(input, output)',
      ].join('\n');
  }
}

function sha256(...parts: Uint8Array[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
}

export function exportTrialModel(store: Store, o: TrialExportOptions): TrialExport {
  const rec = store.getStudy(o.studyId);
  if (!rec) throw new NasError('not-found', `no study with id '${o.studyId}'`);
  const trial = store.getTrial(rec.id, o.trial);
  if (!trial) throw new NasError('not-found', `study ${rec.id} has no trial ${o.trial}`);
  if (!(MODEL_FORMATS as readonly string[]).includes(o.format)) throw new NasError('invalid-input', `unknown model format '${String(o.format)}' (onnx, tfjs or tflite)`);
  const { artifact: source, file } = loadTrialWeights(store, rec.id, o.trial);
  const softmax = o.softmax ?? true;
  // What a text or speech model needs beside it (the tokenizer; the feature settings and normalisation), made before anything is written.
  const side = trialSidecar(rec, file.graph, source.settings ?? {}, o.out, o.format === 'tfjs');
  const metadata = { study: rec.id, trial: String(o.trial), architecture: trial.key, weightsSha256: source.sha256 };
  const description = `Frontier study ${rec.id} trial ${o.trial}: ${trial.key}`;
  const files: string[] = [];
  let bytes: number;
  let sha: string;
  let settings: Record<string, unknown>;
  const write = (p: string, data: Uint8Array | string) => {
    try {
      mkdirSync(path.dirname(p), { recursive: true });
      writeFileSync(p, data);
    } catch (e) {
      throw new NasError('invalid-input', `cannot write ${p}: ${(e as Error).message}`);
    }
    files.push(p);
  };
  if (o.format === 'onnx') {
    const ex = exportOnnx(file.graph, file.weights, { softmax, opset: o.opset ?? 13, inputLayout: o.inputLayout ?? 'nchw', description, metadata });
    write(o.out, ex.bytes);
    bytes = ex.bytes.length;
    sha = sha256(ex.bytes);
    settings = { opset: o.opset ?? 13, inputLayout: o.inputLayout ?? 'nchw', softmax, input: ex.inputName, output: ex.outputName };
  } else if (o.format === 'tflite') {
    const ex = exportTflite(file.graph, file.weights, { softmax, description });
    write(o.out, ex.bytes);
    bytes = ex.bytes.length;
    sha = sha256(ex.bytes);
    settings = { softmax, inputLayout: 'nhwc' };
  } else {
    if (existsSync(o.out) && !statSync(o.out).isDirectory()) throw new NasError('invalid-input', `--out ${o.out} is a file: a TensorFlow.js export is a folder (model.json and weights.bin)`);
    const ex = exportTfjs(file.graph, file.weights, { softmax, metadata });
    const json = new TextEncoder().encode(JSON.stringify(ex.modelJson));
    write(path.join(o.out, 'model.json'), json);
    write(path.join(o.out, ex.weightsFile), ex.weights);
    bytes = json.length + ex.weights.length;
    // One checksum over the folder: model.json's bytes then the weights file's.
    sha = sha256(json, ex.weights);
    settings = { softmax, inputLayout: 'nhwc', format: 'graph-model', files: ['model.json', ex.weightsFile], modelJsonSha256: sha256(json), weightsBinSha256: sha256(ex.weights) };
  }
  let sidecar: { kind: SidecarKind; file: string; sha256: string } | undefined;
  if (side) {
    const text = `${JSON.stringify(side.json, null, 1)}\n`;
    write(side.file, text);
    sidecar = { kind: side.kind, file: side.file, sha256: sha256(new TextEncoder().encode(text)) };
  }
  const artifact: ArtifactRecord = {
    studyId: rec.id, trialNumber: o.trial, kind: o.format, path: o.out, bytes, sha256: sha, createdAt: o.now ?? Date.now(),
    settings: { ...settings, architecture: trial.key, weights: { sha256: source.sha256, path: source.path, ...(source.settings ?? {}) }, ...(sidecar ? { sidecar } : {}) },
  };
  store.addArtifact(artifact);
  return { artifact, files, snippet: loadSnippet(o.format, o.out, file.graph, { softmax, ...(o.inputLayout ? { inputLayout: o.inputLayout } : {}), ...(sidecar ? { sidecar } : {}) }), graph: file.graph };
}
