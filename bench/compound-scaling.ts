/**
 * Compound scaling against scaling one dimension, at equal FLOPs (EfficientNet's Figure 3 lesson),
 * on the built-in data (Fashion-MNIST subset). One base architecture of the default search space
 * (stride-2 stem) is scaled to TIERS × its FLOPs four ways, each the largest φ within the budget
 * (analytic FLOPs): compound (EfficientNet's α 1.2, β 1.1, γ 1.15), depth only (α 2), width only
 * (β √2), resolution only (γ √2); channels rounded to multiples of 4. Each model trains EPOCHS epochs on TRAIN images on the native
 * engine (batch 32, Adam 3e-3 cosine; seeds 1..SEEDS, contenders interleaved, order rotated per
 * seed); the median validation accuracy (500 images) per tier and method. Writes the
 * `compound-scaling` section of bench/RESULTS.md.
 *
 *   node --import tsx bench/compound-scaling.ts [SEEDS=3] [TRAIN=2000] [EPOCHS=2] [TIERS=2,4]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CancellationToken } from '../main/core/cancellation.js';
import { fitPhi, type Coefficients, type Multipliers } from '../main/core/scaling/compound.js';
import { ScaledSpace } from '../main/core/scaling/space.js';
import { DEFAULT_DATASET } from '../main/services/data/builtin.js';
import { scaledCost, trainScaled, type ScaledSetting } from '../main/services/scaling/train-scaled.js';
import { torchInfo } from '../main/services/train/torch-engine.js';
import { TRAIN_DEFAULTS } from '../main/services/train/trainer.js';
import { writeSection } from './results-file.js';

const SEEDS = Number(process.argv[2] ?? 3);
const TRAIN = Number(process.argv[3] ?? 2000);
const EPOCHS = Number(process.argv[4] ?? 2);
const TIERS = (process.argv[5] ?? '2,4').split(',').map(Number);
/** The best trial of the README's default search. */
const BASE = 'w0.5:k5e1-k7e3se/w1:k3e3se/w1:k3e1se/w0.75:k3e6-k5e1';

const METHODS: Record<string, Coefficients> = {
  compound: { alpha: 1.2, beta: 1.1, gamma: 1.15 },
  'depth only': { alpha: 2, beta: 1, gamma: 1 },
  'width only': { alpha: 1, beta: Math.SQRT2, gamma: 1 },
  'resolution only': { alpha: 1, beta: 1, gamma: Math.SQRT2 },
};

const median = (xs: readonly number[]) => {
  const s = xs.slice().sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

async function main(): Promise<void> {
  const cache = mkdtempSync(join(tmpdir(), 'frontier-bench-scale-'));
  try {
    const setting: ScaledSetting = {
      // Channels rounded to multiples of 4: with 8, EfficientNet's 90 % rule turns this network's
      // 8-channel stages into 16 at w 1.12, a jump from 1.13× to 2.07× the FLOPs.
      space: new ScaledSpace({ base: { space: 'mobilenet', key: BASE }, divisor: 4 }),
      data: { ref: DEFAULT_DATASET, val: 500, seed: 1, cwd: process.cwd(), maxTrain: TRAIN },
      cacheDir: cache,
      stemStride: 2,
      backend: 'torch',
    };
    const base = scaledCost(setting, { depth: 1, width: 1, resolution: 1 }).flops as number;
    const plans: { tier: number; method: string; m: Multipliers; phi: number; flops: number }[] = [];
    for (const tier of TIERS) {
      for (const [method, c] of Object.entries(METHODS)) {
        const fit = fitPhi(c, (m) => (scaledCost(setting, m).flops as number) <= tier * base, { lo: 0, hi: 12 });
        if (!fit) throw new Error(`${method} cannot reach ${tier}× FLOPs`);
        plans.push({ tier, method, m: fit.multipliers, phi: fit.phi, flops: scaledCost(setting, fit.multipliers).flops as number });
      }
    }
    const acc = new Map<string, number[]>();
    const baseAcc: number[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const train = { ...TRAIN_DEFAULTS, epochs: EPOCHS, batchSize: 32, lr: 3e-3, patience: 0, seed };
      const r0 = await trainScaled(setting, { depth: 1, width: 1, resolution: 1 }, train, TRAIN, () => undefined, CancellationToken.None);
      baseAcc.push(r0.metrics.val_accuracy as number);
      // Interleaved: every method once per seed and tier, the order rotated per seed.
      for (const tier of TIERS) {
        const row = plans.filter((p) => p.tier === tier);
        const order = row.map((_, i) => row[(i + seed) % row.length] as (typeof row)[number]);
        for (const p of order) {
          const r = await trainScaled(setting, p.m, train, TRAIN, () => undefined, CancellationToken.None);
          const k = `${p.tier}|${p.method}`;
          acc.set(k, [...(acc.get(k) ?? []), r.metrics.val_accuracy as number]);
          console.error(`seed ${seed} ${p.tier}× ${p.method}: d${p.m.depth} w${p.m.width} r${p.m.resolution}, ${p.flops} FLOPs, val_accuracy ${(r.metrics.val_accuracy as number).toFixed(4)} (${r.seconds.toFixed(1)} s)`);
        }
      }
    }
    const lines = [
      '## Compound scaling vs one dimension at equal FLOPs (`bench/compound-scaling.ts`)',
      '',
      `Base \`${BASE}\` (default search space, stride-2 stem, channels to multiples of 4, ${base} FLOPs, median val_accuracy ${median(baseAcc).toFixed(4)}), scaled to each tier's FLOPs by the largest φ within it; ${EPOCHS} epochs on ${TRAIN} images of the built-in Fashion-MNIST subset (resized bilinearly to each resolution), 500 validation images, native engine (libtorch ${torchInfo().torch}), seeds 1..${SEEDS} interleaved; median validation accuracy (min..max).`,
      '',
      '| tier | method | d | w | r (px) | FLOPs | val_accuracy median (min..max) |',
      '|---|---|---|---|---|---|---|',
      ...plans.map((p) => {
        const a = acc.get(`${p.tier}|${p.method}`) ?? [];
        return `| ${p.tier}× | ${p.method} | ${p.m.depth} | ${p.m.width} | ${p.m.resolution} (${Math.round(28 * p.m.resolution)}) | ${p.flops} | ${median(a).toFixed(4)} (${Math.min(...a).toFixed(4)}..${Math.max(...a).toFixed(4)}) |`;
      }),
      '',
      // The reading of the recorded run (2026-11-30); check it still holds after a rerun.
      "Reading: on this small network and 2-epoch training, spending the FLOPs on width or resolution alone beats EfficientNet's fixed coefficients, whose φ is held back by depth: ⌈d·blocks⌉ on stages of 1-2 blocks adds a whole block at d 1.09, and deeper models train worse in 2 epochs. `frontier scale` therefore searches the coefficients on the user's data (its grid; `--grid-min 1` lets a dimension stay unscaled) rather than fixing EfficientNet's.",
      '',
      `Command: \`node --import tsx bench/compound-scaling.ts ${SEEDS} ${TRAIN} ${EPOCHS} ${TIERS.join(',')}\` (${new Date().toISOString().slice(0, 10)}, shared 2-core machine).`,
    ];
    writeSection(fileURLToPath(new URL('RESULTS.md', import.meta.url)), 'compound-scaling', lines.join('\n'));
    console.log(lines.join('\n'));
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

await main();
