/**
 * A study's recorded model exports as the workbench lists them: each with where its snippet runs and
 * the snippet itself (input shape and classes read from the header of the weights file it came from).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { ModelExport } from '../../../shared/ipc/contract.js';
import type { ArtifactRecord, ModelGraph } from '../../../shared/types/index.js';
import type { Store } from '../../core/store.js';
import type { SidecarKind } from './sidecars.js';
import { loadSnippet, MODEL_FORMATS, type ModelFormat } from './trial-export.js';

export const RUNTIMES: Readonly<Record<ModelFormat, string>> = {
  tflite: 'Android (Kotlin, TensorFlow Lite Interpreter)',
  onnx: 'Python (onnxruntime)',
  tfjs: 'Browser (TensorFlow.js)',
};

/** The graph in a `.fweights` file's header (without reading its tensors), or undefined when unreadable. */
export function weightsFileGraph(file: string): ModelGraph | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(12);
    if (readSync(fd, head, 0, 12, 0) !== 12 || head.subarray(0, 8).toString('latin1') !== 'FRWEIGHT') return undefined;
    const n = head.readUInt32LE(8);
    if (n > 64 * 2 ** 20) return undefined;
    const json = Buffer.alloc(n);
    if (readSync(fd, json, 0, n, 12) !== n) return undefined;
    const graph = (JSON.parse(json.toString('utf8')) as { graph?: ModelGraph }).graph;
    return graph && Array.isArray(graph.input) && typeof graph.classes === 'number' ? graph : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function isModelExport(a: ArtifactRecord): boolean {
  return a.trialNumber !== undefined && (MODEL_FORMATS as readonly string[]).includes(a.kind);
}

/** One recorded export with its loading snippet (placeholders for shape and classes when its weights file is gone). */
export function modelExport(a: ArtifactRecord, graph?: ModelGraph): ModelExport {
  const format = a.kind as ModelFormat;
  const settings = a.settings ?? {};
  const g = graph ?? weightsFileGraph(String((settings.weights as { path?: unknown } | undefined)?.path ?? ''));
  const layout = settings.inputLayout === 'nhwc' || settings.inputLayout === 'nchw' ? settings.inputLayout : undefined;
  const side = settings.sidecar as { kind?: unknown; file?: unknown } | undefined;
  const sidecar = side && (side.kind === 'tokenizer' || side.kind === 'features') && typeof side.file === 'string' ? { kind: side.kind as SidecarKind, file: side.file } : undefined;
  const snippet = loadSnippet(format, a.path, g ?? ({ input: ['H', 'W', 'C'], classes: 'CLASSES' } as unknown as ModelGraph), {
    softmax: settings.softmax !== false,
    ...(format === 'onnx' && layout ? { inputLayout: layout } : {}),
    ...(sidecar ? { sidecar } : {}),
  });
  return { trial: a.trialNumber as number, format, path: a.path, bytes: a.bytes, sha256: a.sha256, createdAt: a.createdAt, settings, runtime: RUNTIMES[format], snippet };
}

/** The study's model exports (of one trial when given), newest first. */
export function listModelExports(store: Store, studyId: string, trial?: number): ModelExport[] {
  return store
    .listArtifacts(studyId, trial)
    .filter(isModelExport)
    .sort((a, b) => b.createdAt - a.createdAt)
    .map((a) => modelExport(a));
}
