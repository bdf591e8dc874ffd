import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The TensorFlow Lite C++ interpreter compiled to WebAssembly (the single-threaded SIMD build in the
 * npm package @tensorflow/tfjs-tflite@0.0.1-alpha.10, Apache-2.0), run in this Node process through
 * its embind class TFLiteWebModelRunner: an interpreter independent of both our exporter and tfjs,
 * with the TFLite builtins Arm NN 20.08 lacks (GATHER, CAST). scripts/fetch-tflite-web.mjs puts its
 * wasm/ folder in .cache/tflite-web/ (it cannot be a dependency: its tfjs-core peer conflicts with ours).
 * The Emscripten module is built for the web only; in Node it needs just its wasm bytes handed over
 * (wasmBinary), as it then neither fetches nor reads files.
 */
export const TFLITE_WEB_DIR = resolve(import.meta.dirname, '../../.cache/tflite-web/wasm');
const JS = join(TFLITE_WEB_DIR, 'tflite_web_api_cc_simd.js');
const WASM = join(TFLITE_WEB_DIR, 'tflite_web_api_cc_simd.wasm');

/** Why the interpreter cannot be used here, or undefined when it can. */
export function tfliteWebUnavailable(): string | undefined {
  const missing = [JS, WASM].filter((f) => !existsSync(f));
  if (missing.length === 0) return undefined;
  return `${missing.join(', ')} missing: run \`node scripts/fetch-tflite-web.mjs\` (npm registry access needed)`;
}

interface TensorInfo {
  readonly name: string;
  readonly shape: string;
  readonly dataType: string;
  data(): Float32Array | Int32Array | Uint8Array;
  delete(): void;
}
interface CppVector<T> { size(): number; get(i: number): T; delete(): void }
interface Runner {
  GetInputs(): CppVector<TensorInfo>;
  GetOutputs(): CppVector<TensorInfo>;
  Infer(): boolean;
  delete(): void;
}
interface StatusOr<T> { ok(): boolean; errorMessage(): string; value(): T; delete?(): void }
interface TfliteWebModule {
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _free(p: number): void;
  TFLiteWebModelRunner: { CreateFromBufferAndOptions(ptr: number, len: number, o: { numThreads: number; enableProfiling: boolean; maxProfilingBufferEntries: number }): StatusOr<Runner> };
}

let loaded: Promise<TfliteWebModule> | undefined;
/** What the interpreter printed during the current call (its error reporter writes there). */
const log: string[] = [];
const said = (): string => (log.length ? ` (${log.join('; ')})` : '');

/** Loads the Emscripten module once per test process. */
function load(): Promise<TfliteWebModule> {
  if (!loaded) {
    // Evaluated as the CommonJS script it is (a plain require would take it for ESM: our package.json says "type": "module").
    const cjs = { exports: {} as unknown };
    new Function('module', 'exports', readFileSync(JS, 'utf8'))(cjs, cjs.exports);
    const factory = cjs.exports as (m: object) => Promise<TfliteWebModule>;
    loaded = factory({ wasmBinary: readFileSync(WASM), print: (s: string) => log.push(s), printErr: (s: string) => log.push(s) });
  }
  return loaded;
}

function items<T extends { delete(): void }>(v: CppVector<T>): T[] {
  try {
    return Array.from({ length: v.size() }, (_, i) => v.get(i));
  } finally {
    v.delete();
  }
}

export interface TfliteWebResult {
  readonly output: Float32Array;
  /** Output shape as the interpreter reports it. */
  readonly shape: number[];
  /** The input tensor's type as the interpreter read it from the file. */
  readonly inputType: string;
}

/**
 * Runs a .tflite file on one float32 input in the TFLite interpreter (one thread); returns its only
 * output. Throws with the interpreter's message when the file does not load or inference fails.
 */
export async function runTfliteInWasm(model: Uint8Array, input: Float32Array): Promise<TfliteWebResult> {
  const m = await load();
  log.length = 0;
  const ptr = m._malloc(model.length);
  let runner: Runner | undefined;
  try {
    m.HEAPU8.set(model, ptr);
    const made = m.TFLiteWebModelRunner.CreateFromBufferAndOptions(ptr, model.length, { numThreads: 1, enableProfiling: false, maxProfilingBufferEntries: 0 });
    if (!made.ok()) throw new Error(`TFLite (wasm) could not load the model: ${made.errorMessage()}${said()}`);
    runner = made.value();
    const inputs = items(runner.GetInputs());
    const outputs = items(runner.GetOutputs());
    try {
      if (inputs.length !== 1 || outputs.length !== 1) throw new Error(`TFLite (wasm): expected 1 input and 1 output, got ${inputs.length} and ${outputs.length}`);
      const [inp, out] = [inputs[0] as TensorInfo, outputs[0] as TensorInfo];
      if (inp.dataType !== 'float32') throw new Error(`TFLite (wasm): input is ${inp.dataType}, not float32`);
      const dst = inp.data() as Float32Array;
      if (dst.length !== input.length) throw new Error(`TFLite (wasm): input has ${dst.length} values (shape ${inp.shape}), given ${input.length}`);
      dst.set(input);
      if (!runner.Infer()) throw new Error(`TFLite (wasm): inference failed${said()}`);
      if (out.dataType !== 'float32') throw new Error(`TFLite (wasm): output is ${out.dataType}, not float32`);
      return { output: Float32Array.from(out.data() as Float32Array), shape: out.shape.split(',').map(Number), inputType: inp.dataType };
    } finally {
      for (const t of [...inputs, ...outputs]) t.delete();
    }
  } finally {
    runner?.delete();
    m._free(ptr);
  }
}
