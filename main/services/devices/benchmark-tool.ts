import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { errorMessage, NasError } from '../../../shared/errors.js';

/** TensorFlow's nightly builds of benchmark_model (tensorflow/lite/tools/benchmark/README.md). */
export const OFFICIAL_BENCHMARK_MODEL_BASE = 'https://storage.googleapis.com/tensorflow-nightly-public/prod/tensorflow/release/lite/tools/nightly/latest/';

/** The official build's file name for an Android ABI; throws for ABIs TensorFlow does not build it for. */
export function benchmarkModelBuild(abi: string): string {
  switch (abi) {
    case 'arm64-v8a':
      return 'android_aarch64_benchmark_model';
    case 'armeabi-v7a':
    case 'armeabi':
      return 'android_arm_benchmark_model';
    default:
      throw new NasError('invalid-input', `no official benchmark_model build for ABI ${abi}: build it from tensorflow/lite/tools/benchmark and give its path`);
  }
}

/**
 * The benchmark_model binary for a phone's ABI in `cacheDir`, downloaded once from `baseUrl` (the
 * official nightly builds) when it is not there yet. The download is written under a temporary name
 * and renamed when complete, so an interrupted download never leaves a broken binary behind.
 */
export async function ensureBenchmarkModel(
  abi: string,
  cacheDir: string,
  o: { baseUrl?: string; fetch?: typeof fetch } = {},
): Promise<string> {
  const name = benchmarkModelBuild(abi);
  const file = path.join(cacheDir, name);
  if (existsSync(file)) return file;
  const url = new URL(name, o.baseUrl ?? OFFICIAL_BENCHMARK_MODEL_BASE).toString();
  let body: Uint8Array;
  try {
    const res = await (o.fetch ?? fetch)(url);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    body = new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    throw new NasError('device-unavailable', `cannot download benchmark_model from ${url}: ${errorMessage(e)} (download it yourself and give --benchmark-model PATH)`);
  }
  if (body.length < 4 || body[0] !== 0x7f || body[1] !== 0x45 || body[2] !== 0x4c || body[3] !== 0x46) {
    throw new NasError('invalid-input', `${url} did not return an ELF executable`);
  }
  mkdirSync(cacheDir, { recursive: true });
  const tmp = `${file}.download`;
  writeFileSync(tmp, body);
  chmodSync(tmp, 0o755);
  renameSync(tmp, file);
  return file;
}
