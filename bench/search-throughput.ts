/**
 * The default search's settings (`frontier search` with no options but the backend and a wall
 * budget) run for the same wall time on each training backend, interleaved round by round: how many
 * images each trains per second of wall time (Σ epochs × training-set size over the finished
 * candidates, divided by the search's wall time), candidates finished, best validation accuracy.
 * Writes the `search-throughput` section of bench/RESULTS.md.
 *
 *   node --import tsx bench/search-throughput.ts [ROUNDS=2] [WALL=90s] [BACKENDS=torch,wasm]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantile } from '../main/services/train/latency.js';
import { writeSection } from './results-file.js';

const ROUNDS = Number(process.argv[2] ?? 2);
const WALL = process.argv[3] ?? '90s';
const BACKENDS = (process.argv[4] ?? 'torch,wasm').split(',');
const bin = fileURLToPath(new URL('../bin/frontier.js', import.meta.url));

interface Run {
  imagesPerSecond: number;
  candidates: number;
  bestVal: number;
  wallSeconds: number;
  maxTrain: number;
}

function runSearch(backend: string, seed: number): Run {
  const dir = mkdtempSync(join(tmpdir(), 'frontier-bench-'));
  try {
    const db = join(dir, 'f.db');
    const env = { ...process.env, FRONTIER_DB: db };
    const r = spawnSync(process.execPath, [bin, 'search', '--backend', backend, '--budget-wall', WALL, '--seed', String(seed)], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`frontier search --backend ${backend} failed: ${r.stderr.trim().split('\n').pop()}`);
    const id = /study (\d+) complete/.exec(r.stdout)?.[1];
    const exported = JSON.parse(spawnSync(process.execPath, [bin, 'export', String(id), '--format', 'json'], { env, encoding: 'utf8' }).stdout) as {
      wallSeconds: number;
      spec: { evaluator: { maxTrain?: number } };
      trials: { state: string; metrics: Record<string, number> }[];
    };
    const done = exported.trials.filter((t) => t.state === 'complete');
    const maxTrain = exported.spec.evaluator.maxTrain ?? 0;
    const images = done.reduce((s, t) => s + (t.metrics.epochs ?? 0) * maxTrain, 0);
    return { imagesPerSecond: images / exported.wallSeconds, candidates: done.length, bestVal: Math.max(0, ...done.map((t) => t.metrics.val_accuracy ?? 0)), wallSeconds: exported.wallSeconds, maxTrain };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const runs = new Map<string, Run[]>();
for (let r = 1; r <= ROUNDS; r++) {
  for (const b of BACKENDS) {
    const run = runSearch(b, r);
    runs.set(b, [...(runs.get(b) ?? []), run]);
    console.log(`round ${r}: ${b} ${run.imagesPerSecond.toFixed(0)} images/s, ${run.candidates} candidates, best val ${run.bestVal.toFixed(3)}, ${run.wallSeconds.toFixed(0)} s`);
  }
}
const med = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);
const ref = BACKENDS.includes('wasm') ? med((runs.get('wasm') ?? []).map((x) => x.imagesPerSecond)) : NaN;
const rows = BACKENDS.map((b) => {
  const rs = runs.get(b) ?? [];
  const ips = med(rs.map((x) => x.imagesPerSecond));
  return `| ${b} | ${rs[0]?.maxTrain ?? 0} | ${ips.toFixed(0)} | ${rs.map((x) => x.imagesPerSecond.toFixed(0)).join(', ')} | ${med(rs.map((x) => x.candidates))} | ${med(rs.map((x) => x.bestVal)).toFixed(3)} | ${Number.isFinite(ref) ? (ips / ref).toFixed(1) : 'n/a'}× |`;
});
const body = [
  '## Default search, same wall time per backend (bench/search-throughput.ts)',
  '',
  `\`node --import tsx bench/search-throughput.ts ${ROUNDS} ${WALL} ${BACKENDS.join(',')}\` on ${new Date().toISOString().slice(0, 10)}: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.versions.node}.`,
  `Each run is \`frontier search --backend B --budget-wall ${WALL}\` with every other setting at its default (mobilenet compact space, built-in Fashion-MNIST, 2 epochs, batch 32, one candidate per core on worker threads, regularized evolution, latency timed); rounds interleave the backends, medians over ${ROUNDS} rounds.`,
  'Images trained per second = Σ over finished candidates of epochs × training images, divided by the search\'s wall time (start to the last candidate\'s end, latency timing and validation included).',
  '',
  '| backend | training images per candidate (default) | images trained / wall s (median) | per round | candidates finished | best val_accuracy | ratio to wasm |',
  '|---|---|---|---|---|---|---|',
  ...rows,
];
writeSection(fileURLToPath(new URL('./RESULTS.md', import.meta.url)), 'search-throughput', body.join('\n'));
console.log(body.join('\n'));
