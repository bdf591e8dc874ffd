/**
 * Zero-cost proxies on the built-in data (Fashion-MNIST subset), in two parts. Writes the `zero-cost`
 * section of bench/RESULTS.md.
 *
 * Two sections of bench/RESULTS.md, each rerunnable alone (PART a or b; b alone needs PROXY).
 *
 * A. Rank correlation: N random candidates of the default search space (mobilenet, 1-2 blocks per
 *    stage, stride-2 stem) are scored by each proxy (untrained, seed 0, one batch of 64 training
 *    images) and trained for real on the native engine (1 epoch of TRAIN images, batch 32, Adam 3e-3
 *    cosine, two at a time); Kendall τ-b and Spearman ρ of each proxy against validation accuracy.
 * B. Search at the same wall time: `frontier search` (defaults but WALL of wall time, 1 epoch of
 *    TRAIN images per candidate, no latency objective) with plain regularized evolution against the
 *    same with `--zero-cost-filter K --zero-cost-proxy P` (P: the proxy with the best τ in part A,
 *    among those computed in the search process), seeds 1..SEEDS interleaved; best validation
 *    accuracy per search, mean ± std.
 *
 *   node --import tsx bench/zero-cost.ts [N=40] [TRAIN=3000] [SEEDS=5] [WALL=45s] [K=8] [PART=ab] [PROXY]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SPACE } from '../main/cli/commands/search.js';
import { CancellationTokenSource } from '../main/core/cancellation.js';
import { buildGraph } from '../main/core/graph/index.js';
import { graphCost } from '../main/core/graph/cost.js';
import { kendallTau, spearman } from '../main/core/predictors/rank.js';
import { Rng } from '../main/core/rng.js';
import { createSpace } from '../main/core/spaces.js';
import { DEFAULT_DATASET } from '../main/services/data/builtin.js';
import { chooseBackend } from '../main/services/train/backend.js';
import { prepareData } from '../main/services/train/trial.js';
import { TorchModel, torchInfo } from '../main/services/train/torch-engine.js';
import { TRAIN_DEFAULTS } from '../main/services/train/trainer.js';
import { zeroCostOfGraph, ZERO_COST_PROXIES, torchGradientProxies } from '../main/services/train/zero-cost.js';
import { proxyBatch } from '../main/services/train/zero-cost-screen.js';
import { writeSection } from './results-file.js';

const N = Number(process.argv[2] ?? 40);
const TRAIN = Number(process.argv[3] ?? 3000);
const SEEDS = Number(process.argv[4] ?? 5);
const WALL = process.argv[5] ?? '45s';
const K = Number(process.argv[6] ?? 8);
const PART = process.argv[7] ?? 'ab';
const PROXY = process.argv[8];
if (!PART.includes('a') && !PROXY) throw new Error('part b alone needs the proxy (8th argument)');
const bin = fileURLToPath(new URL('../bin/frontier.js', import.meta.url));
const started = Date.now();

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]) => Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / Math.max(1, xs.length - 1));

const fmt = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const results = process.env.FRONTIER_BENCH_RESULTS ?? fileURLToPath(new URL('./RESULTS.md', import.meta.url));
const machine = () => `${cpus().length} cores of ${cpus()[0]?.model ?? 'unknown'}, shared with other work; libtorch ${torchInfo().torch} on the CPU; ${new Date().toISOString().slice(0, 10)}`;

/** A. Kendall τ and Spearman ρ of each proxy against trained accuracy; returns the proxy with the best τ. */
async function partA(): Promise<string> {
  const t0 = Date.now();
  await chooseBackend('wasm');
  const space = createSpace(DEFAULT_SPACE.space, DEFAULT_SPACE.spaceOptions ?? {});
  const data = prepareData({ ref: DEFAULT_DATASET, val: 1000, maxTrain: TRAIN, seed: 0, cwd: process.cwd() });
  const batch = proxyBatch(data.train);
  const rng = new Rng(2026);
  const keys = new Set<string>();
  const archs = [];
  while (archs.length < N) {
    const a = space.freeze(space.sample(rng));
    if (keys.has(a.key)) continue;
    keys.add(a.key);
    archs.push(a);
  }
  const graphs = archs.map((a) => buildGraph(space, a, { input: data.train.shape, classes: data.train.classes, mobilenet: { stemStride: 2 } }));
  const metricNames = [...ZERO_COST_PROXIES, 'params', 'flops'] as const;
  const scores: Record<string, number[]> = Object.fromEntries(metricNames.map((m) => [m, []]));
  const ms: Record<string, number[]> = Object.fromEntries(metricNames.map((m) => [m, []]));
  const torchMs: number[] = [];
  for (const g of graphs) {
    for (const p of ZERO_COST_PROXIES) {
      const t = performance.now();
      (scores[p] as number[]).push(zeroCostOfGraph(g, batch, [p], 0)[p]);
      (ms[p] as number[]).push(performance.now() - t);
    }
    const t = performance.now();
    const m = new TorchModel(g, { seed: 0, device: 'cpu' });
    torchGradientProxies(m, batch);
    m.dispose();
    torchMs.push(performance.now() - t);
    const c = graphCost(g);
    (scores.params as number[]).push(c.params);
    (scores.flops as number[]).push(c.flops);
  }
  console.log(`proxies of ${N} candidates in ${((Date.now() - started) / 1000).toFixed(0)} s`);

  const acc: number[] = new Array<number>(N).fill(0);
  const trainStart = Date.now();
  const token = new CancellationTokenSource().token;
  const opts = { ...TRAIN_DEFAULTS, epochs: 1, batchSize: 32, lr: 3e-3, patience: 0, seed: 0 };
  const lanes = Math.max(1, Math.min(2, cpus().length));
  let next = 0;
  await Promise.all(Array.from({ length: lanes }, async () => {
    while (next < N) {
      const i = next++;
      const m = new TorchModel(graphs[i] as (typeof graphs)[number], { seed: 0, device: 'cpu', threads: 1 });
      try {
        acc[i] = (await m.train(data.train, data.val, opts, () => undefined, token)).valAccuracy;
      } finally {
        m.dispose();
      }
    }
  }));
  const trainSeconds = (Date.now() - trainStart) / 1000;
  console.log(`trained ${N} candidates in ${trainSeconds.toFixed(0)} s; val accuracy ${Math.min(...acc).toFixed(3)}..${Math.max(...acc).toFixed(3)}`);

  const corr = metricNames.map((m) => ({ m, tau: kendallTau(scores[m] as number[], acc), rho: spearman(scores[m] as number[], acc), ms: m === 'params' || m === 'flops' ? 0 : median(ms[m] as number[]) }));
  for (const c of corr) console.log(`${c.m}: tau ${c.tau.toFixed(3)} rho ${c.rho.toFixed(3)} ${c.ms.toFixed(0)} ms`);

  const body = [
    '## Zero-cost proxies: rank correlation with trained accuracy (`bench/zero-cost.ts`, part A)',
    '',
    `Command: \`node --import tsx bench/zero-cost.ts ${N} ${TRAIN} ${SEEDS} ${WALL} ${K} a\` (${machine()}; ${((Date.now() - t0) / 60000).toFixed(1)} min).`,
    '',
    `${N} distinct random candidates of the default space (mobilenet, 1-2 blocks per stage, stride-2 stem, 28×28×1), each scored untrained (seed 0) on one batch of 64 training images, then trained 1 epoch on ${TRAIN} images (batch 32, Adam 3e-3, cosine) on the native engine and scored on 1,000 validation images (accuracy ${fmt(Math.min(...acc))}–${fmt(Math.max(...acc))}, median ${fmt(median(acc))}; ${trainSeconds.toFixed(0)} s of training, two at a time). Proxy time: median per candidate, tfjs wasm (grad_norm and snip together on the native engine: ${median(torchMs).toFixed(0)} ms).`,
    '',
    '| proxy | Kendall τ | Spearman ρ | ms per candidate |',
    '|---|---|---|---|',
    ...corr.map((c) => `| ${c.m} | ${fmt(c.tau)} | ${fmt(c.rho)} | ${c.m === 'params' || c.m === 'flops' ? 'analytic' : c.ms.toFixed(0)} |`),
  ].join('\n');
  writeSection(results, 'zero-cost-rank', body);
  console.log(body);
  return ([...corr].sort((x, y) => y.tau - x.tau)[0] as (typeof corr)[number]).m;
}

interface Run {
  best: number;
  candidates: number;
  wall: number;
}
function search(seed: number, filtered: boolean, chosen: string): Run {
  const dir = mkdtempSync(join(tmpdir(), 'frontier-zc-'));
  try {
    const env = { ...process.env, FRONTIER_DB: join(dir, 'f.db') };
    const args = ['search', '--backend', 'torch', '--budget-wall', WALL, '--seed', String(seed), '--epochs', '1', '--max-train', String(TRAIN), '--val', '1000', '--no-latency', '--json', ...(filtered ? ['--zero-cost-filter', String(K), '--zero-cost-proxy', chosen] : [])];
    const r = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    if (r.status !== 0) throw new Error(`frontier ${args.join(' ')} failed: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const out = JSON.parse(r.stdout) as { evaluations: number; failed: number; wallSeconds: number; best: { val_accuracy: { metrics: { val_accuracy: number } } | null } };
    return { best: out.best.val_accuracy?.metrics.val_accuracy ?? NaN, candidates: out.evaluations - out.failed, wall: out.wallSeconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
/** B. Best validation accuracy of plain evolution against the zero-cost-filtered one, same wall time, seeds interleaved. */
function partB(chosen: string): void {
  const t0 = Date.now();
  const plain: Run[] = [];
  const filtered: Run[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    for (const f of seed % 2 ? [false, true] : [true, false]) {
      const r = search(seed, f, chosen);
      (f ? filtered : plain).push(r);
      console.log(`seed ${seed} ${f ? `zc-filter(${chosen}, k=${K})` : 'evolution'}: best val ${r.best.toFixed(4)}, ${r.candidates} trained, ${r.wall.toFixed(0)} s`);
    }
  }
  const body = [
    '## Zero-cost-filtered search against plain evolution at the same wall time (`bench/zero-cost.ts`, part B)',
    '',
    `Command: \`node --import tsx bench/zero-cost.ts ${N} ${TRAIN} ${SEEDS} ${WALL} ${K} b ${chosen}\` (${machine()}; ${((Date.now() - t0) / 60000).toFixed(1)} min).`,
    '',
    `\`frontier search --backend torch --budget-wall ${WALL} --epochs 1 --max-train ${TRAIN} --val 1000 --no-latency --seed S\` (evolution, population 8, tournament 3, 2 worker threads) against the same with \`--zero-cost-filter ${K} --zero-cost-proxy ${chosen}\` (each trained candidate is the best-scored of ${K} the strategy drew; the screening runs in the search's own wall time), seeds 1–${SEEDS}, the two interleaved. Best validation accuracy per search:`,
    '',
    '| search | best val accuracy, mean ± std | per seed | candidates trained (mean) |',
    '|---|---|---|---|',
    `| evolution | ${fmt(mean(plain.map((r) => r.best)), 4)} ± ${fmt(std(plain.map((r) => r.best)), 4)} | ${plain.map((r) => fmt(r.best)).join(', ')} | ${fmt(mean(plain.map((r) => r.candidates)), 1)} |`,
    `| evolution + zc-filter (${chosen}, k=${K}) | ${fmt(mean(filtered.map((r) => r.best)), 4)} ± ${fmt(std(filtered.map((r) => r.best)), 4)} | ${filtered.map((r) => fmt(r.best)).join(', ')} | ${fmt(mean(filtered.map((r) => r.candidates)), 1)} |`,
    '',
    `Paired difference (filtered − plain) per seed: ${filtered.map((r, i) => fmt(r.best - (plain[i] as Run).best, 4)).join(', ')}; filtered better in ${filtered.filter((r, i) => r.best > (plain[i] as Run).best).length} of ${SEEDS}.`,
  ].join('\n');
  writeSection(results, `zero-cost-search-${WALL}`, body);
  console.log(body);
}

const chosen = PART.includes('a') ? await partA() : (PROXY as string);
if (PART.includes('b')) partB(chosen);
