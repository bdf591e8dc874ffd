// ENAS on the NAS-Bench-201 cell, trained on the built-in Fashion-MNIST (14×14), scored by the
// derived cell's CIFAR-10/100 test accuracy looked up in the shipped NAS-Bench-201 table; a companion
// of bench/darts-nb201.ts with the same data, network and epochs.
//
//   node --import tsx bench/enas-nb201.ts [--seeds 3] [--epochs 10] [--train 2000] [--val 1000]
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { oneShotSplits, runEnas } from '../main/services/train/nb201-one-shot.js';
import { writeSection } from './results-file.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '3' }, epochs: { type: 'string', default: '10' }, train: { type: 'string', default: '2000' },
    val: { type: 'string', default: '1000' }, channels: { type: 'string', default: '8' }, out: { type: 'string' },
  },
});
const SEEDS = Number(values.seeds);
const EPOCHS = Number(values.epochs);
const command = `node --import tsx bench/enas-nb201.ts --seeds ${SEEDS} --epochs ${EPOCHS} --train ${values.train} --val ${values.val} --channels ${values.channels}`;

const rows: { seed: number; seconds: number; cell: string; shared: number; c10: number; c100: number; reward: [number, number] }[] = [];
for (let seed = 0; seed < SEEDS; seed++) {
  const data = oneShotSplits('builtin:fashion-mnist', { train: Number(values.train), val: Number(values.val), seed, downsample: 2 });
  const r = await runEnas(data, { epochs: EPOCHS, seed, network: { channels: Number(values.channels) } }, (e) =>
    process.stderr.write(`seed ${seed} epoch ${e.epoch}/${EPOCHS}: loss ${e.trainLoss.toFixed(3)}, mean reward ${e.meanReward.toFixed(3)} (${e.seconds.toFixed(1)} s)\n`));
  rows.push({ seed, seconds: r.seconds, cell: r.archStr, shared: r.sharedAccuracy, c10: r.nb201.c10_test, c100: r.nb201.c100_test, reward: [r.epochs[0]!.meanReward, r.epochs.at(-1)!.meanReward] });
  process.stderr.write(`seed ${seed}: ${r.archStr} ${r.nb201.c10_test.toFixed(2)}% (${r.seconds.toFixed(0)} s)\n`);
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(mean(xs.map((x) => (x - mean(xs)) ** 2)));
const code = (arch: string) => `\`${arch.replaceAll('|', '\\|')}\``;
const body = [
  '## ENAS on the NAS-Bench-201 cell (bench/enas-nb201.ts)',
  '',
  `\`${command}\` — ${new Date().toISOString().slice(0, 10)}, 2 shared cores (libtorch CPU, 1 thread).`,
  `Same data and network as darts-nb201; per epoch one pass of shared-weight steps on sampled cells, then 20 controller updates of 8 cells (reward: accuracy on a validation batch).`,
  '',
  '| seed | search s | derived cell | shared-weight val acc | mean reward epoch 1 → last | C10 test | C100 test |',
  '|---|---|---|---|---|---|---|',
  ...rows.map((r) => `| ${r.seed} | ${r.seconds.toFixed(0)} | ${code(r.cell)} | ${r.shared.toFixed(3)} | ${r.reward[0].toFixed(3)} → ${r.reward[1].toFixed(3)} | ${r.c10.toFixed(2)} | ${r.c100.toFixed(2)} |`),
  '',
  `${rows.length} seeds: CIFAR-10 test ${mean(rows.map((r) => r.c10)).toFixed(2)} ± ${sd(rows.map((r) => r.c10)).toFixed(2)}%, CIFAR-100 ${mean(rows.map((r) => r.c100)).toFixed(2)} ± ${sd(rows.map((r) => r.c100)).toFixed(2)}%.`,
];
writeSection(values.out ?? fileURLToPath(new URL('./RESULTS.md', import.meta.url)), 'enas-nb201', body.join('\n'));
process.stdout.write(`${body.join('\n')}\n`);
