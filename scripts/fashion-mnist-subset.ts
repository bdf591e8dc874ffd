/**
 * Regenerates the built-in dataset resources/fashion-mnist/: a stratified subset of Fashion-MNIST
 * (1,100 training and 200 test images per class), from Debian's `dataset-fashion-mnist` package.
 *
 *   node --import tsx scripts/fashion-mnist-subset.ts [SOURCE_DIR] [PER_CLASS_TRAIN] [PER_CLASS_TEST]
 *
 * SOURCE_DIR defaults to /usr/share/datasets/fashion-mnist. The pick is deterministic (seed 0).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../main/core/rng.js';
import { subset, type Dataset } from '../main/services/data/dataset.js';
import { encodeIdx } from '../main/services/data/idx-writer.js';
import { readIdx } from '../main/services/data/readers.js';

const src = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
const perTrain = Number(process.argv[3] ?? 1100);
const perTest = Number(process.argv[4] ?? 200);
const out = fileURLToPath(new URL('../resources/fashion-mnist/', import.meta.url));

function pick(d: Dataset, per: number, seed: number): Dataset {
  const rng = new Rng(seed);
  const byClass: number[][] = Array.from({ length: d.classes }, () => []);
  d.y.forEach((l, i) => (byClass[l] as number[]).push(i));
  const idx: number[] = [];
  for (const c of byClass) {
    const a = c.slice();
    for (let i = a.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [a[i], a[j]] = [a[j] as number, a[i] as number];
    }
    idx.push(...a.slice(0, per));
  }
  idx.sort((a, b) => a - b); // keep the original order of the source files
  return subset(d, idx);
}

mkdirSync(out, { recursive: true });
for (const [prefix, per, seed] of [['train', perTrain, 0], ['t10k', perTest, 1]] as const) {
  const d = pick(readIdx(join(src, `${prefix}-images-idx3-ubyte.gz`), join(src, `${prefix}-labels-idx1-ubyte.gz`)), per, seed);
  const n = d.y.length;
  writeFileSync(join(out, `${prefix}-images-idx3-ubyte.gz`), encodeIdx([n, d.shape[0], d.shape[1]], d.x as Uint8Array));
  writeFileSync(join(out, `${prefix}-labels-idx1-ubyte.gz`), encodeIdx([n], d.y as Uint8Array));
  console.log(`${prefix}: ${n} images (${per} per class)`);
}
