import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { missingPeer } from '../../../test/harness/peer.js';
import { Rng } from '../../core/rng.js';
import { loadDataset } from './builtin.js';
import type { Dataset } from './dataset.js';
import { resizedDataRef, resizeImages } from './resize.js';

const images = (n: number, shape: [number, number, number], seed = 1): Dataset => {
  const rng = new Rng(seed);
  const x = new Uint8Array(n * shape[0] * shape[1] * shape[2]);
  for (let i = 0; i < x.length; i++) x[i] = rng.int(256);
  return { source: 'random', shape, classes: 3, x, y: Uint8Array.from({ length: n }, (_, i) => i % 3) };
};

const PYTHON = '/usr/bin/python3';
const torchMissing = (() => {
  const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `${PYTHON} cannot import torch (Debian python3-torch): ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
})();

describe('resizeImages (bilinear)', () => {
  it('leaves an image of the asked size as it is, and keeps a constant image constant', () => {
    const d = images(2, [5, 4, 3]);
    expect(resizeImages(d, [5, 4])).toBe(d);
    const flat: Dataset = { ...d, x: new Uint8Array(d.x.length).fill(77) };
    const r = resizeImages(flat, [9, 2]);
    expect(r.shape).toEqual([9, 2, 3]);
    expect([...new Set(r.x)]).toEqual([77]);
    expect(r.y).toBe(d.y);
  });

  it('interpolates between pixels with half-pixel centres', () => {
    // One row 0, 100 → 4 pixels: centres at −0.25, 0.25, 0.75, 1.25 of the source (clamped).
    const d: Dataset = { source: 's', shape: [1, 2, 1], classes: 1, x: Uint8Array.from([0, 100]), y: Uint8Array.from([0]) };
    expect([...resizeImages(d, [1, 4]).x]).toEqual([0, 25, 75, 100]);
    // Down to one pixel: the mean of the four.
    const sq: Dataset = { source: 's', shape: [2, 2, 1], classes: 1, x: Uint8Array.from([0, 40, 80, 120]), y: Uint8Array.from([0]) };
    expect([...resizeImages(sq, [1, 1]).x]).toEqual([60]);
  });

  it('refuses data that is not images, and sizes out of range', () => {
    const tab: Dataset = { source: 'table.csv', shape: [1, 1, 4], classes: 2, x: new Float32Array(8), y: Uint8Array.from([0, 1]) };
    expect(() => resizeImages(tab, [2, 2])).toThrow('table.csv: resolution scaling needs image data');
    expect(() => resizeImages(images(1, [4, 4, 1]), [0, 3])).toThrow('resize to 0×3: height and width must be integers in 1..4096');
  });

  it.skipIf(missingPeer('PyTorch (python3-torch)', torchMissing))('matches PyTorch interpolate(bilinear, align_corners=False) to the nearest grey level', () => {
    const d = images(3, [7, 5, 3], 4);
    for (const size of [[11, 9], [3, 2], [7, 13]] as [number, number][]) {
      const script = `
import sys, json, torch
d = json.load(sys.stdin)
x = torch.tensor(d['x'], dtype=torch.float64).reshape(3, 7, 5, 3).permute(0, 3, 1, 2)
y = torch.nn.functional.interpolate(x, size=(${size[0]}, ${size[1]}), mode='bilinear', align_corners=False)
print(json.dumps(y.permute(0, 2, 3, 1).reshape(-1).tolist()))`;
      const r = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify({ x: [...d.x] }), encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const want = JSON.parse(r.stdout) as number[];
      const got = resizeImages(d, size).x;
      expect(got.length).toBe(want.length);
      let worst = 0;
      want.forEach((v, i) => (worst = Math.max(worst, Math.abs((got[i] as number) - v))));
      expect(worst, `size ${size.join('×')}`).toBeLessThanOrEqual(0.5 + 1e-9);
    }
  });
});

describe('resizedDataRef (cached per resolution)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'frontier-resize-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the built-in data at 32×32 once as IDX files, with its test split, and reuses them', () => {
    const ref = resizedDataRef('builtin:fashion-mnist', process.cwd(), [32, 32], dir);
    const orig = loadDataset('builtin:fashion-mnist');
    const got = loadDataset(ref);
    expect(got.data.shape).toEqual([32, 32, 1]);
    expect([...got.data.y]).toEqual([...orig.data.y]);
    expect(got.test?.y.length).toBe(orig.test?.y.length);
    expect(got.data.x.slice(0, 32 * 32)).toEqual(resizeImages(orig.data, [32, 32]).x.slice(0, 32 * 32));
    const stamp = statSync(path.join(ref, 'train-images-idx3-ubyte')).mtimeMs;
    expect(resizedDataRef('builtin:fashion-mnist', process.cwd(), [32, 32], dir)).toBe(ref);
    expect(statSync(path.join(ref, 'train-images-idx3-ubyte')).mtimeMs).toBe(stamp);
    // Another resolution is another folder; the data's own size is the data itself.
    expect(resizedDataRef('builtin:fashion-mnist', process.cwd(), [20, 20], dir)).not.toBe(ref);
    expect(resizedDataRef('builtin:fashion-mnist', process.cwd(), [28, 28], dir)).toBe('builtin:fashion-mnist');
  });
});
