/**
 * The native engine on a CUDA machine (a lent GPU box, or a user's with PyTorch+CUDA): builds nothing,
 * only checks and measures what scripts/cuda-check.sh built.
 *  1. the addon sees CUDA (info().cuda) and trains the bench network there;
 *  2. the same weights give the same logits on the GPU and the CPU (≤ 1e-3: cuDNN picks other algorithms);
 *  3. training images/s on the GPU, batch 128, against Python PyTorch on the same GPU and graph
 *     (bench/train_throughput_torch.py with device cuda), interleaved, medians.
 *
 *   node --import tsx bench/cuda-check.ts [ROUNDS=3]
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { CancellationTokenSource } from '../main/core/cancellation.js';
import { buildGraph } from '../main/core/graph/index.js';
import { MobilenetSpace } from '../main/core/spaces/mobilenet.js';
import { quantile } from '../main/services/train/latency.js';
import { torchInfo, TorchModel } from '../main/services/train/torch-engine.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const BATCH = 128;
const STEPS = 50;
const space = new MobilenetSpace();
const graph = buildGraph(space, space.freeze(space.parse('w0.5:k3e3-k3e3/w0.5:k3e3-k3e3/w0.5:k5e3se-k3e3/w0.5:k3e3')), { input: [28, 28, 1], classes: 10 });
const info = torchInfo();
console.log('libtorch', JSON.stringify(info));
if (!info.cuda) {
  console.log('FAIL: this libtorch has no CUDA, or no GPU is visible');
  process.exit(1);
}

const n = BATCH * STEPS;
const x = Float32Array.from({ length: n * 784 }, () => Math.random() * 2 - 1);
const y = Int32Array.from({ length: n }, (_, i) => i % 10);
const token = new CancellationTokenSource().token;
const o = { epochs: 1, batchSize: BATCH, lr: 1e-3, schedule: 'constant' as const, patience: 0, seed: 0 };
const val = { x: x.subarray(0, 2 * 784), y: y.subarray(0, 2) };

// 2. parity GPU vs CPU
const gpu = new TorchModel(graph, { device: 'cuda', seed: 3 });
const cpu = new TorchModel(graph, { device: 'cpu', seed: 3 });
await gpu.train({ x: x.subarray(0, 10 * BATCH * 784), y: y.subarray(0, 10 * BATCH) }, val, o, () => {}, token);
cpu.setWeights(gpu.weights().map);
const probe = x.subarray(0, 8 * 784);
const a = gpu.predict(probe);
const b = cpu.predict(probe);
let diff = 0;
for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
console.log(`parity cuda vs cpu, same weights: max |Δlogit| = ${diff.toExponential(2)} ${diff <= 1e-3 ? 'OK' : 'FAIL'}`);
console.log('latency batch 1 cuda', JSON.stringify(await gpu.latency({ warmup: 10, runs: 50, maxMs: 3000 })), 'cpu', JSON.stringify(await cpu.latency({ warmup: 5, runs: 30, maxMs: 3000 })));
cpu.dispose();

// 3. throughput against Python PyTorch on the same GPU
function startPython(): Promise<(steps: number) => Promise<number>> {
  const script = fileURLToPath(new URL('./train_throughput_torch.py', import.meta.url));
  const py = spawn(process.env.FRONTIER_PYTHON ?? 'python3', [script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: py.stdout })[Symbol.asyncIterator]();
  py.stdin.write(JSON.stringify({ graph, batch: BATCH, threads: 1, device: 'cuda' }) + '\n');
  return lines.next().then(() => async (steps: number) => {
    py.stdin.write(`${steps}\n`);
    return (JSON.parse((await lines.next()).value as string) as { imagesPerSecond: number }).imagesPerSecond;
  });
}
const python = await startPython();
const ours: number[] = [];
const theirs: number[] = [];
for (let r = 0; r < ROUNDS; r++) {
  ours.push((await gpu.train({ x, y }, val, o, () => {}, token)).imagesPerSecond);
  theirs.push(await python(STEPS));
  console.log(`round ${r + 1}: torch-native cuda ${ours[r]?.toFixed(0)} images/s, PyTorch cuda ${theirs[r]?.toFixed(0)}`);
}
const med = (v: number[]) => quantile([...v].sort((p, q) => p - q), 0.5);
console.log(`median: torch-native ${med(ours).toFixed(0)}, PyTorch ${med(theirs).toFixed(0)}, ratio ${(med(ours) / med(theirs)).toFixed(2)}`);
gpu.dispose();
process.exit(0);
