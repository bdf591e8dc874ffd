/**
 * Training throughput (images/s) of one fixed MobileNet-style network, 28×28×1, batch 128, on every
 * tfjs backend that runs here and on PyTorch CPU (Debian's python3-torch, the same graph built layer
 * for layer by bench/train_throughput_torch.py, the same number of threads as tfjs wasm: 1),
 * interleaved round by round so that machine load hits all alike; medians per backend. Writes the
 * `train-throughput` section of bench/RESULTS.md.
 *
 *   node --import tsx bench/train-throughput.ts [ROUNDS=3]
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { buildGraph, graphCost } from '../main/core/graph/index.js';
import { MobilenetSpace } from '../main/core/spaces/mobilenet.js';
import { chooseBackend, listBackends, tf, type BackendName } from '../main/services/train/backend.js';
import { buildModel } from '../main/services/train/model.js';
import { TorchModel } from '../main/services/train/torch-engine.js';
import { CancellationTokenSource } from '../main/core/cancellation.js';
import { quantile } from '../main/services/train/latency.js';
import { writeSection } from './results-file.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const BATCH = 128;
const ARCH = 'w0.5:k3e3-k3e3/w0.5:k3e3-k3e3/w0.5:k5e3se-k3e3/w0.5:k3e3';
const space = new MobilenetSpace();
const graph = buildGraph(space, space.freeze(space.parse(ARCH)), { input: [28, 28, 1], classes: 10 });
const cost = graphCost(graph);
/** Timed steps per round: the JavaScript cpu backend is ~100× slower than the others. */
const STEPS: Record<BackendName | 'pytorch', number> = { torch: 10, tensorflow: 10, webgpu: 10, wasm: 4, cpu: 1, pytorch: 10 };

/** The native libtorch engine: the same steps (batch gathered from a set of BATCH×STEPS images), timed inside the addon. */
async function torchRound(steps: number): Promise<number> {
  const n = BATCH * steps;
  const x = Float32Array.from({ length: n * 784 }, () => Math.random() * 2 - 1);
  const y = Int32Array.from({ length: n }, (_, i) => i % 10);
  const model = new TorchModel(graph, { device: 'cpu', threads: 1 });
  try {
    // Warm-up step (allocator, kernels), then the timed steps of one epoch.
    const o = { epochs: 1, batchSize: BATCH, lr: 1e-3, schedule: 'constant' as const, patience: 0, seed: 0 };
    const val = { x: x.subarray(0, 2 * 784), y: y.subarray(0, 2) };
    const token = new CancellationTokenSource().token;
    await model.train({ x: x.subarray(0, BATCH * 784), y: y.subarray(0, BATCH) }, val, { ...o, steps: 1 }, () => {}, token);
    const r = await model.train({ x, y }, val, o, () => {}, token);
    return r.imagesPerSecond;
  } finally {
    model.dispose();
  }
}

function tfjsRound(name: BackendName, steps: number): Promise<number> {
  return (async () => {
    await chooseBackend(name);
    const model = buildModel(graph, 0);
    const opt = tf.train.adam(1e-3);
    const x = tf.randomNormal([BATCH, 28, 28, 1]);
    const y = tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32') as tf.Tensor1D, 10);
    const step = async () => {
      const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true) as tf.Scalar;
      await loss.data(); // wait for asynchronous backends to finish the step
      loss.dispose();
    };
    try {
      await step(); // warm-up (kernel compilation, allocation)
      const t = performance.now();
      for (let i = 0; i < steps; i++) await step();
      return (steps * BATCH) / ((performance.now() - t) / 1000);
    } finally {
      model.dispose();
      opt.dispose();
      x.dispose();
      y.dispose();
    }
  })();
}

function startTorch(): Promise<{ run(steps: number): Promise<number>; close(): void; info: { params: number; torch: string } } | string> {
  return new Promise((resolve) => {
    const script = fileURLToPath(new URL('./train_throughput_torch.py', import.meta.url));
    const env = { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824', OMP_NUM_THREADS: '1' };
    const py = spawn(process.env.FRONTIER_PYTHON ?? '/usr/bin/python3', [script], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let err = '';
    py.stderr.on('data', (d: Buffer) => (err += d.toString()));
    py.on('error', (e) => resolve(`cannot start /usr/bin/python3: ${e.message}`));
    const lines = createInterface({ input: py.stdout });
    const waiting: ((l: string) => void)[] = [];
    lines.on('line', (l) => waiting.shift()?.(l));
    py.on('exit', (code) => {
      for (const w of waiting.splice(0)) w(JSON.stringify({ error: `python exited ${code}: ${err.trim().split('\n').pop()}` }));
    });
    const next = () => new Promise<string>((r) => waiting.push(r));
    py.stdin.write(JSON.stringify({ graph, batch: BATCH, threads: 1 }) + '\n');
    void next().then((l) => {
      const m = JSON.parse(l) as { ready?: boolean; params: number; torch: string; error?: string };
      if (!m.ready) return resolve(m.error ?? 'PyTorch did not start');
      resolve({
        info: { params: m.params, torch: m.torch },
        run: async (steps) => {
          py.stdin.write(`${steps}\n`);
          const r = JSON.parse(await next()) as { imagesPerSecond?: number; error?: string };
          if (r.imagesPerSecond === undefined) throw new Error(r.error ?? 'PyTorch failed');
          return r.imagesPerSecond;
        },
        close: () => py.stdin.end(),
      });
    });
  });
}

const skip = (process.env.FRONTIER_BENCH_SKIP ?? '').split(',').filter(Boolean);
const listed = await listBackends();
const available = listed.available.filter((b) => !skip.includes(b.name));
const unavailable = listed.unavailable;
const torch = await startTorch();
const samples = new Map<string, number[]>();
const add = (k: string, v: number) => samples.set(k, [...(samples.get(k) ?? []), v]);
for (let r = 1; r <= ROUNDS; r++) {
  for (const b of available) {
    if (b.name === 'cpu' && r > 1) continue; // one round of the cpu backend takes minutes
    if (b.name === 'torch') add('torch-native (libtorch addon)', await torchRound(STEPS.torch));
    else add(`tfjs ${b.name}`, await tfjsRound(b.name, STEPS[b.name]));
  }
  if (typeof torch !== 'string') add('pytorch cpu', await torch.run(STEPS.pytorch));
  console.log(`round ${r}:`, [...samples].map(([k, v]) => `${k} ${(v[v.length - 1] as number).toFixed(0)}`).join(', '));
}
if (typeof torch !== 'string') torch.close();

const med = (k: string) => quantile([...(samples.get(k) ?? [])].sort((a, b) => a - b), 0.5);
const ref = samples.has('pytorch cpu') ? med('pytorch cpu') : NaN;
/** Median over rounds of this backend's images/s divided by PyTorch's in the same round (paired). */
const paired = (k: string) => {
  const v = samples.get(k) ?? [];
  const p = samples.get('pytorch cpu') ?? [];
  if (v.length !== p.length || v.length === 0) return 'n/a';
  return quantile(v.map((x, i) => x / (p[i] as number)).sort((a, b) => a - b), 0.5).toFixed(3);
};
const rows = [...samples.keys()].map((k) => {
  const v = samples.get(k) as number[];
  return `| ${k} | ${med(k).toFixed(0)} | ${Math.min(...v).toFixed(0)}–${Math.max(...v).toFixed(0)} | ${v.length} | ${Number.isFinite(ref) ? (med(k) / ref).toFixed(3) : 'n/a'} | ${paired(k)} |`;
});
const body = [
  '## Training throughput (bench/train-throughput.ts)',
  '',
  `\`node --import tsx bench/train-throughput.ts ${ROUNDS}\` on ${new Date().toISOString().slice(0, 10)}: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.versions.node}, tfjs ${tf.version.tfjs}${typeof torch === 'string' ? '' : `, PyTorch ${torch.info.torch}`}.`,
  `Network: mobilenet \`${ARCH}\` (stem stride 1), 28×28×1, 10 classes, ${cost.params} params, ${(cost.flops / 1e6).toFixed(2)} M multiply-adds per image; batch ${BATCH}, Adam, training mode. One thread everywhere (tfjs wasm in Node has no threads; PyTorch set to 1).`,
  `Rounds interleave the backends; median images/s over rounds (the cpu backend: one round of one step). The paired ratio divides each round's figure by PyTorch's in the same round, so load that hits one round hits both.`,
  '',
  '| backend | images/s (median) | range | rounds | ratio of medians to PyTorch | median of paired per-round ratios |',
  '|---|---|---|---|---|---|',
  ...rows,
  '',
  ...(skip.length ? [`Skipped on purpose (FRONTIER_BENCH_SKIP): ${skip.join(', ')}.`] : []),
  `Not available here: ${unavailable.map((u) => `${u.name} (${u.reason})`).join('; ') || 'none'}${typeof torch === 'string' ? `; PyTorch (${torch})` : ''}.`,
];
writeSection(fileURLToPath(new URL('./RESULTS.md', import.meta.url)), 'train-throughput', body.join('\n'));
console.log(body.join('\n'));
