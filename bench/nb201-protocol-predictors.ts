/**
 * Predictor quality on held-out NAS-Bench-201 architectures: each predictor is fitted on n random
 * architectures of the shipped table (targets: 12-epoch CIFAR-10 validation accuracy, rank-transformed
 * as the strategies do) and scored by Kendall τ and Spearman ρ of its mean prediction against the
 * measured value on 1,000 other architectures; mean ± std over splits.
 *
 *   npx tsx bench/nb201-protocol-predictors.ts [--splits 10] [--sizes 25,50,100,200] [--out FILE]
 */
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { nb201PathEncoding, oneHot } from '../main/core/predictors/encoding.js';
import { GbtEnsemble } from '../main/core/predictors/gbt.js';
import { GaussianProcess } from '../main/core/predictors/gp.js';
import { MlpEnsemble } from '../main/core/predictors/mlp.js';
import type { Predictor } from '../main/core/predictors/types.js';
import { Rng } from '../main/core/rng.js';
import { Nb201Space } from '../main/core/spaces/nb201.js';
import { copula } from '../main/core/strategies/model-based.js';
import { heldOutScores, nb201Rows } from '../test/fixtures/nb201-table.js';
import { writeSection } from './results-file.js';

const { values } = parseArgs({
  options: {
    splits: { type: 'string', default: '10' },
    sizes: { type: 'string', default: '25,50,100,200' },
    out: { type: 'string' },
  },
});
const SPLITS = Number(values.splits);
const SIZES = (values.sizes ?? '').split(',').map(Number);
if (!Number.isInteger(SPLITS) || SPLITS < 2) throw new Error(`--splits must be a whole number ≥ 2, got ${values.splits}`);
for (const n of SIZES) if (!Number.isInteger(n) || n < 5 || n > 5000) throw new Error(`--sizes must be whole numbers in 5..5000, got ${values.sizes}`);

const space = new Nb201Space();
const path = nb201PathEncoding;
const onehot = (s: readonly number[]) => oneHot(space, s);
const PREDICTORS: [string, (seed: number) => Predictor, (s: readonly number[]) => number[]][] = [
  ['gp (path)', () => new GaussianProcess(), path],
  ['mlp ensemble (path, bananas default)', (seed) => new MlpEnsemble({ members: 5, epochs: 100, lr: 0.02, seed }), path],
  ['gbt ensemble (path)', (seed) => new GbtEnsemble({ seed }), path],
  ['gbt ensemble (one-hot)', (seed) => new GbtEnsemble({ seed }), onehot],
];

const rows = nb201Rows('c10_valid_12ep');
const started = Date.now();
const meanStd = (xs: readonly number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1);
  return `${m.toFixed(3)} ± ${Math.sqrt(v).toFixed(3)}`;
};
const lines: string[] = [];
for (const n of SIZES) {
  const res = PREDICTORS.map(() => ({ tau: [] as number[], rho: [] as number[], ms: [] as number[] }));
  for (let split = 0; split < SPLITS; split++) {
    const picked = new Rng(1000 + split).sample(rows, n + 1000);
    const train = picked.slice(0, n);
    const test = picked.slice(n);
    // Interleaved: every predictor sees the same split before the next split is drawn.
    PREDICTORS.forEach(([, make, encode], k) => {
      const t0 = performance.now();
      const p = make(split);
      p.fit(train.map((r) => encode(r.sample)), copula(train.map((r) => r.value)));
      const q = p.query(test.map((r) => encode(r.sample))).mean;
      const ms = performance.now() - t0;
      const { tau, rho } = heldOutScores(q, test.map((r) => r.value));
      const into = res[k] as (typeof res)[number];
      into.tau.push(tau);
      into.rho.push(rho);
      into.ms.push(ms);
    });
  }
  PREDICTORS.forEach(([name], k) => {
    const r = res[k] as (typeof res)[number];
    const med = r.ms.slice().sort((a, b) => a - b)[r.ms.length >> 1] as number;
    lines.push(`| ${n} | ${name} | ${meanStd(r.tau)} | ${meanStd(r.rho)} | ${med.toFixed(0)} |`);
    process.stderr.write(`${n} ${name}: τ ${meanStd(r.tau)}, ρ ${meanStd(r.rho)}\n`);
  });
}
const body = `## NAS-Bench-201 predictors, held out

Command: \`npx tsx bench/nb201-protocol-predictors.ts --splits ${SPLITS} --sizes ${SIZES.join(',')}\`
(${((Date.now() - started) / 1000).toFixed(0)} s on ${cpus().length} cores, ${new Date().toISOString().slice(0, 10)}).
Each predictor is fitted on n random architectures of the shipped table (target: \`c10_valid_12ep\`,
rank-transformed as bananas and bo do) and queried on 1,000 other random architectures; Kendall τ and
Spearman ρ of its mean against the measured value, mean ± std over ${SPLITS} splits (the same splits for every
predictor). gbt: ensemble of 5 boosters of 100 depth-3 trees, learning rate 0.1, each on its own 80 % of the
rows (\`bananas --option predictor=gbt\`). Fit + query time: median per split.

| n | predictor | Kendall τ | Spearman ρ | ms (fit + query) |
|---|---|---|---|---|
${lines.join('\n')}
`;
writeSection(values.out ?? fileURLToPath(new URL('./RESULTS.md', import.meta.url)), 'nb201-predictors', body);
process.stdout.write(body);
