/**
 * Resolution scaling of image data: bilinear resizing (half-pixel centres, as PyTorch's
 * `interpolate(mode='bilinear', align_corners=False)` and TensorFlow 2's `resize`), deterministic,
 * and a cache on disk of each dataset at each resolution, so that every consumer of a dataset
 * reference (training, workers, retraining) reads the resized images as a plain IDX folder.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NasError } from '../../../shared/errors.js';
import { loadDataset } from './builtin.js';
import { dataError, exampleSize, type Dataset } from './dataset.js';
import { encodeIdx } from './idx-writer.js';

/** One axis of a bilinear resize: for each output index, the two source indices and the weight of the second. */
function axis(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; t: Float64Array } {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const t = new Float64Array(outSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const src = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), inSize - 1);
    const lo = Math.floor(src);
    i0[o] = lo;
    i1[o] = Math.min(lo + 1, inSize - 1);
    t[o] = src - lo;
  }
  return { i0, i1, t };
}

/** Every image of `d` resized to [h, w] (bilinear, rounded to the nearest byte); the same size returns `d`. */
export function resizeImages(d: Dataset, size: readonly [number, number]): Dataset {
  const [h, w] = size;
  if (!(Number.isInteger(h) && Number.isInteger(w) && h >= 1 && w >= 1 && h <= 4096 && w <= 4096)) throw new NasError('invalid-input', `resize to ${h}×${w}: height and width must be integers in 1..4096`);
  if (!(d.x instanceof Uint8Array) || d.modality !== undefined) throw dataError(d.source, 'resolution scaling needs image data (bytes per pixel); this dataset is not images');
  if (d.classes > 256) throw dataError(d.source, `${d.classes} classes: a resized copy is stored as IDX files, which hold at most 256 classes`);
  const [H, W, C] = d.shape;
  if (H === h && W === w) return d;
  const ys = axis(H, h);
  const xs = axis(W, w);
  const n = d.y.length;
  const per = exampleSize(d);
  const outPer = h * w * C;
  const out = new Uint8Array(n * outPer);
  const src = d.x;
  for (let k = 0; k < n; k++) {
    const base = k * per;
    const ob = k * outPer;
    for (let oy = 0; oy < h; oy++) {
      const r0 = base + (ys.i0[oy] as number) * W * C;
      const r1 = base + (ys.i1[oy] as number) * W * C;
      const ty = ys.t[oy] as number;
      for (let ox = 0; ox < w; ox++) {
        const c0 = (xs.i0[ox] as number) * C;
        const c1 = (xs.i1[ox] as number) * C;
        const tx = xs.t[ox] as number;
        for (let c = 0; c < C; c++) {
          const top = (src[r0 + c0 + c] as number) * (1 - tx) + (src[r0 + c1 + c] as number) * tx;
          const bottom = (src[r1 + c0 + c] as number) * (1 - tx) + (src[r1 + c1 + c] as number) * tx;
          out[ob + (oy * w + ox) * C + c] = Math.round(top * (1 - ty) + bottom * ty);
        }
      }
    }
  }
  return { ...d, source: `${d.source} at ${h}×${w}`, shape: [h, w, C], x: out };
}

function writeIdxPair(dir: string, prefix: string, d: Dataset): void {
  const [h, w, c] = d.shape;
  // Uncompressed: written and read fast, at the cost of disk (11 MB for 11,000 images of 32×32).
  writeFileSync(path.join(dir, `${prefix}-images-idx3-ubyte`), encodeIdx(c === 1 ? [d.y.length, h, w] : [d.y.length, h, w, c], d.x as Uint8Array, false));
  writeFileSync(path.join(dir, `${prefix}-labels-idx1-ubyte`), encodeIdx([d.y.length], Uint8Array.from(d.y), false));
}

/**
 * The dataset `ref` (a `builtin:` name or a path) resized to [h, w], as an IDX folder under
 * `cacheDir` (test split as `t10k-*`), written once per dataset and size and reused after; returns
 * the folder. The folder name is a digest of the reference and size; a `source.json` says what it is.
 */
export function resizedDataRef(ref: string, cwd: string, size: readonly [number, number], cacheDir: string): string {
  const where = ref.startsWith('builtin:') ? ref : path.resolve(cwd, ref);
  const digest = createHash('sha256').update(JSON.stringify({ where, size })).digest('hex').slice(0, 16);
  const dir = path.join(cacheDir, `${size[0]}x${size[1]}-${digest}`);
  const marker = path.join(dir, 'source.json');
  if (existsSync(marker)) {
    try {
      const m = JSON.parse(readFileSync(marker, 'utf8')) as { where?: string; size?: number[] };
      if (m.where === where && m.size?.join() === size.join()) return dir;
    } catch {
      // a damaged marker: written again below
    }
  }
  const { data, test } = loadDataset(ref, cwd);
  if (data.shape[0] === size[0] && data.shape[1] === size[1]) return where;
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeIdxPair(tmp, 'train', resizeImages(data, size));
  if (test) writeIdxPair(tmp, 't10k', resizeImages(test, size));
  writeFileSync(path.join(tmp, 'source.json'), JSON.stringify({ where, size, from: data.shape, examples: data.y.length, test: test?.y.length ?? 0, resize: 'bilinear, half-pixel centres' }));
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return dir;
}
