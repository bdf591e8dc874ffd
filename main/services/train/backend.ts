/**
 * The training backend, chosen at run time, best first: `torch` (the native libtorch engine in
 * native/torch, when it was built: PyTorch's own kernels, CPU or CUDA; see torch-engine.ts), then the
 * tfjs backends: `tensorflow` (libtensorflow through the optional
 * @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node), `webgpu` (Dawn through the optional `webgpu`
 * package, only when a GPU adapter exists), `wasm` (XNNPACK, SIMD when the runtime has it; Node's
 * build is single-threaded), `cpu` (plain JavaScript, always there). One backend per thread: worker
 * threads each pick their own.
 */
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { errorMessage, NasError } from '../../../shared/errors.js';
import { defaultTorchDevice, loadTorch, torchInfo } from './torch-engine.js';
import { registerWasmTrainingKernels } from './wasm-kernels.js';

export const BACKENDS = ['torch', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export function isBackendName(s: unknown): s is BackendName {
  return typeof s === 'string' && (BACKENDS as readonly string[]).includes(s);
}

export interface BackendInfo {
  readonly name: BackendName;
  /** What runs it, for the user and for latency provenance (library, SIMD, adapter …). */
  readonly detail: string;
  readonly provenance: Readonly<Record<string, unknown>>;
}

const require = createRequire(import.meta.url);
const probes = new Map<BackendName, Promise<BackendInfo | string>>();

// tfjs prints a one-time hint to install tfjs-node on first use of the cpu backend in Node; the
// trainer reports the backend itself, so keep the console clean.
tf.env().set('PROD', true);

function base(): Record<string, unknown> {
  const cpu = cpus()[0];
  return { tfjs: tf.version.tfjs, node: process.versions.node, cpu: cpu?.model ?? 'unknown', cores: cpus().length };
}

function hasVulkanLoader(): boolean {
  const dirs = [...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean), '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/lib64', '/lib', '/usr/local/lib'];
  return dirs.some((d) => existsSync(join(d, 'libvulkan.so.1')));
}

async function probe(name: BackendName): Promise<BackendInfo | string> {
  switch (name) {
    case 'torch': {
      const a = loadTorch();
      if (typeof a === 'string') return a;
      const info = torchInfo();
      const device = defaultTorchDevice();
      const where = device === 'cpu' ? 'CPU, 1 thread per candidate' : `CUDA, ${info.cudaDevices} GPU${info.cudaDevices === 1 ? '' : 's'}`;
      return { name, detail: `libtorch ${info.torch} (${where})`, provenance: { ...base(), backend: name, engine: 'libtorch', torch: info.torch, device, mkldnn: info.mkldnn } };
    }
    case 'tensorflow': {
      for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
        try {
          await import(pkg);
          if (tf.findBackend('tensorflow')) return { name, detail: `libtensorflow via ${pkg}`, provenance: { ...base(), backend: name, package: pkg } };
        } catch {
          // optional dependency not installed (or its native library failed to load): try the next
        }
      }
      return 'neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed';
    }
    case 'webgpu': {
      // Dawn prints a warning to stderr from native code when it cannot load Vulkan; on Linux look
      // for the loader first so a machine without one stays quiet.
      if (process.platform === 'linux' && !hasVulkanLoader()) return 'no Vulkan loader (libvulkan.so.1) on this machine';
      let gpu: { requestAdapter(): Promise<unknown> };
      try {
        const webgpu = (await import('webgpu')) as unknown as { create(flags: string[]): typeof gpu; globals: Record<string, unknown> };
        Object.assign(globalThis, webgpu.globals);
        gpu = webgpu.create([]);
      } catch (e) {
        return `the webgpu package is not usable: ${errorMessage(e)}`;
      }
      const adapter = (await gpu.requestAdapter().catch(() => null)) as { info?: { vendor?: string; architecture?: string; description?: string } } | null;
      if (!adapter) return 'no WebGPU adapter (no GPU, or no Vulkan/Metal/D3D12 driver)';
      if (!(globalThis as { navigator?: unknown }).navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
      const nav = (globalThis as unknown as { navigator: { gpu?: unknown } }).navigator;
      if (!nav.gpu) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
      await import('@tensorflow/tfjs-backend-webgpu');
      const a = adapter.info ?? {};
      const gpuName = [a.vendor, a.architecture, a.description].filter(Boolean).join(' ') || 'unknown GPU';
      return { name, detail: `WebGPU (Dawn) on ${gpuName}`, provenance: { ...base(), backend: name, gpu: gpuName } };
    }
    case 'wasm': {
      try {
        // FRONTIER_TFJS_WASM_DIR: where the .wasm files are when node_modules is not (bundled builds).
        const dir = process.env.FRONTIER_TFJS_WASM_DIR ?? dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
        setWasmPaths(dir.endsWith('/') ? dir : `${dir}/`);
      } catch (e) {
        return `@tensorflow/tfjs-backend-wasm is missing its .wasm files: ${errorMessage(e)}`;
      }
      registerWasmTrainingKernels();
      return { name, detail: 'WebAssembly (XNNPACK)', provenance: { ...base(), backend: name } };
    }
    case 'cpu':
      return { name, detail: 'plain JavaScript', provenance: { ...base(), backend: name } };
  }
}

async function activate(name: BackendName): Promise<BackendInfo | string> {
  let p = probes.get(name);
  if (!p) {
    p = probe(name);
    probes.set(name, p);
  }
  const r = await p;
  if (typeof r === 'string' || name === 'torch') return r;
  try {
    if (!(await tf.setBackend(name))) return `tfjs could not initialise the ${name} backend`;
    await tf.ready();
  } catch (e) {
    return `tfjs could not initialise the ${name} backend: ${errorMessage(e)}`;
  }
  if (name !== 'wasm') return r;
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
  return { ...r, detail: `WebAssembly (XNNPACK, ${simd ? 'SIMD' : 'no SIMD'}, ${threads ? 'threads' : '1 thread'})`, provenance: { ...r.provenance, simd, threads } };
}

export interface BackendChoice {
  readonly info: BackendInfo;
  /** Why each better backend was skipped. */
  readonly skipped: readonly { name: BackendName; reason: string }[];
}

/**
 * Activates `forced` (failing with its reason when it cannot run) or the best available backend.
 * `exclude` leaves backends out of the automatic choice.
 */
export async function chooseBackend(forced?: BackendName, exclude: readonly BackendName[] = []): Promise<BackendChoice> {
  if (forced) {
    const r = await activate(forced);
    if (typeof r === 'string') throw new NasError('device-unavailable', `backend ${forced} is not available: ${r}`);
    return { info: r, skipped: [] };
  }
  const skipped: { name: BackendName; reason: string }[] = [];
  for (const name of BACKENDS) {
    if (exclude.includes(name)) continue;
    const r = await activate(name);
    if (typeof r !== 'string') return { info: r, skipped };
    skipped.push({ name, reason: r });
  }
  throw new NasError('device-unavailable', 'no training backend could be initialised');
}

/** Every backend of this machine that initialises, with why the others do not. Leaves the best active. */
export async function listBackends(): Promise<{ available: BackendInfo[]; unavailable: { name: BackendName; reason: string }[] }> {
  const available: BackendInfo[] = [];
  const unavailable: { name: BackendName; reason: string }[] = [];
  for (const name of BACKENDS) {
    const r = await activate(name);
    if (typeof r === 'string') unavailable.push({ name, reason: r });
    else available.push(r);
  }
  const best = available.find((b) => b.name !== 'torch');
  if (best) await tf.setBackend(best.name);
  return { available, unavailable };
}

export { tf };
