// The once-for-all supernet's training and scoring speed on the tfjs fallback against the native
// libtorch engine (the yardstick, measured in the same run): the default mobilenet space on 28×28×1
// images (stem stride 2, as `frontier supernet train`), batch 32, the sandwich rule with 2 random
// sub-networks (4 sub-networks a step, no progressive phase), one thread for libtorch (the tfjs wasm
// backend in Node is single-threaded). Rounds interleave the engines; medians are reported.
//   npx tsx bench/supernet-tfjs.ts [--rounds N] [--dry: print, do not write bench/RESULTS.md]
import { availableParallelism, cpus } from 'node:os';
import { CancellationTokenSource } from '../main/core/cancellation.js';
import { Rng } from '../main/core/rng.js';
import { MobilenetSpace } from '../main/core/spaces/mobilenet.js';
import type { SupernetEngine } from '../main/services/train/supernet-api.js';
import { Supernet } from '../main/services/train/supernet-engine.js';
import { TfjsSupernet } from '../main/services/train/supernet-tfjs.js';
import { loadTorch } from '../main/services/train/torch-engine.js';
import { writeSection } from './results-file.js';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] ?? 0) || 5;
const t = loadTorch();
if (typeof t === 'string') throw new Error(`the native engine is the yardstick: ${t}`);
const space = new MobilenetSpace();
const input = [28, 28, 1] as const;
const classes = 10;
const rng = new Rng(1);
const data = (n: number) => ({ x: Float32Array.from({ length: n * 784 }, () => rng.normal()), y: Int32Array.from({ length: n }, () => rng.int(classes)) });
const train = data(512);
const val = data(200);
const never = new CancellationTokenSource().token;
const o = { input, classes, stemStride: 2, seed: 1 };
const engines: [string, SupernetEngine, number][] = [
  ['libtorch (native, 1 thread)', new Supernet(space, { ...o, device: 'cpu', threads: 1 }), 10],
  ['tfjs', new TfjsSupernet(space, o), 3],
];
for (const [, s] of engines) s.setData(train, val);
const probe = Array.from({ length: 3 }, () => space.freeze(space.sample(rng)));
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;
const stepsPerS = new Map<string, number[]>();
const evalsPerS = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  for (const [name, s, steps] of engines) {
    const res = await s.train({ steps, batchSize: 32, lr: 1e-3, sandwich: 2, progressive: false, seed: r, reportEvery: steps }, () => undefined, never);
    (stepsPerS.get(name) ?? stepsPerS.set(name, []).get(name))?.push(res.steps / res.seconds);
    const t0 = performance.now();
    for (const a of probe) await s.evaluate(a, { calibrationBatches: 2, calibrationBatchSize: 64 });
    (evalsPerS.get(name) ?? evalsPerS.set(name, []).get(name))?.push(probe.length / ((performance.now() - t0) / 1000));
    process.stderr.write(`round ${r + 1}/${rounds} ${name}: ${(res.steps / res.seconds).toFixed(2)} steps/s\n`);
  }
}
const tfjsBackend = (engines[1]?.[1] as TfjsSupernet).backendName;
for (const [, s] of engines) s.dispose();
const [native, tfjs] = engines.map(([n]) => n) as [string, string];
const row = (n: string) => `| ${n === tfjs ? `tfjs (${tfjsBackend})` : n} | ${median(stepsPerS.get(n) as number[]).toFixed(2)} | ${median(evalsPerS.get(n) as number[]).toFixed(2)} |`;
const body = [
  '## Supernet on tfjs vs libtorch (`bench/supernet-tfjs.ts`)',
  '',
  `\`npx tsx bench/supernet-tfjs.ts\`: the default mobilenet supernet (28×28×1, stem stride 2, batch 32, sandwich of 4 sub-networks a step, no progressive phase); ${rounds} interleaved rounds, medians; a sub-network scored = BN recalibration on 2×64 images + 200 validation images. ${cpus()[0]?.model ?? 'CPU'}, ${availableParallelism()} cores shared with other work.`,
  '',
  '| engine | training steps/s | sub-networks scored/s |',
  '| --- | --- | --- |',
  row(native),
  row(tfjs),
  '',
  `tfjs / libtorch: ${(median(stepsPerS.get(tfjs) as number[]) / median(stepsPerS.get(native) as number[])).toFixed(3)}× the training speed, ${(median(evalsPerS.get(tfjs) as number[]) / median(evalsPerS.get(native) as number[])).toFixed(3)}× the scoring speed.`,
];
process.stdout.write(`${body.join('\n')}\n`);
if (!process.argv.includes('--dry')) writeSection('bench/RESULTS.md', 'supernet-tfjs', body.join('\n'));
