import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from './builtin.js';
import { channelStats, normalise, splitDataset, type Dataset } from './dataset.js';
import { encodeIdx } from './idx-writer.js';
import { readCifar, readCsvDataset, readDataset, readIdx, readImageFolder } from './readers.js';

const dir = mkdtempSync(join(tmpdir(), 'frontier-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, data: Buffer | string) => {
  const p = join(dir, name);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, data);
  return p;
};

const images = (n: number, h = 4, w = 4) => Uint8Array.from({ length: n * h * w }, (_, i) => i % 256);
const labels = (n: number, k = 3) => Uint8Array.from({ length: n }, (_, i) => i % k);

describe('IDX reader', () => {
  it('reads gzipped and plain IDX pairs', () => {
    for (const gz of [true, false]) {
      const im = file(`ok${gz}/i.idx`, encodeIdx([6, 4, 4], images(6), gz));
      const lb = file(`ok${gz}/l.idx`, encodeIdx([6], labels(6), gz));
      const d = readIdx(im, lb);
      expect(d.shape).toEqual([4, 4, 1]);
      expect(d.classes).toBe(3);
      expect(Array.from(d.y)).toEqual([0, 1, 2, 0, 1, 2]);
      expect(d.x[17]).toBe(17);
    }
  });

  it('names the file and the problem: wrong magic, truncated, count mismatch, bad gzip', () => {
    const lb = file('l6.idx', encodeIdx([6], labels(6), false));
    const bad = file('bad.idx', Buffer.from('PK\x03\x04 hello'));
    expect(() => readIdx(bad, lb)).toThrow(`${bad}: not an IDX file: the magic number must start with 00 00, got 50 4b 03 04`);
    const full = encodeIdx([6, 4, 4], images(6), false);
    const cut = file('cut.idx', full.subarray(0, full.length - 10));
    expect(() => readIdx(cut, lb)).toThrow(`${cut}: truncated: the header promises 6×4×4 = 96 bytes of data, the file has 86`);
    const im5 = file('i5.idx', encodeIdx([5, 4, 4], images(5), false));
    expect(() => readIdx(im5, lb)).toThrow(`${lb}: has 6 labels but ${im5} has 5 images`);
    const gz = encodeIdx([6, 4, 4], images(6), true);
    const cutGz = file('cut.idx.gz', gz.subarray(0, gz.length - 8));
    expect(() => readIdx(cutGz, lb)).toThrow(new RegExp(`^${cutGz.replace(/[.]/g, '\\.')}: is gzip-compressed but does not decompress`));
    const ints = Buffer.from(encodeIdx([6], labels(6), false));
    ints[2] = 0x0c;
    const intFile = file('ints.idx', ints);
    expect(() => readIdx(file('i6.idx', encodeIdx([6, 4, 4], images(6), false)), intFile)).toThrow(`${intFile}: IDX data type int is not supported`);
    expect(() => readIdx(join(dir, 'missing.idx'), lb)).toThrow(/missing\.idx: cannot read: ENOENT/);
  });
});

describe('CIFAR reader', () => {
  const record = (label: number, fine?: number) => {
    const head = fine === undefined ? [label] : [label, fine];
    const px = Array.from({ length: 3072 }, (_, i) => (i < 1024 ? 10 : i < 2048 ? 20 : 30));
    return Buffer.from([...head, ...px]);
  };

  it('reads CIFAR-10 and CIFAR-100 batches into HWC', () => {
    const c10 = file('c10/data_batch_1.bin', Buffer.concat([record(3), record(7)]));
    const d = readCifar([c10], 10);
    expect(d.shape).toEqual([32, 32, 3]);
    expect(Array.from(d.y)).toEqual([3, 7]);
    expect(Array.from(d.x.subarray(0, 6))).toEqual([10, 20, 30, 10, 20, 30]);
    expect(d.classNames?.[3]).toBe('cat');
    const c100 = file('c100/train.bin', Buffer.concat([record(1, 42), record(2, 99)]));
    expect(Array.from(readCifar([c100], 100).y)).toEqual([42, 99]);
  });

  it('rejects truncated files and out-of-range labels, naming the file', () => {
    const cut = file('c10cut.bin', Buffer.concat([record(1), record(2)]).subarray(0, 5000));
    expect(() => readCifar([cut], 10)).toThrow(`${cut}: not a CIFAR-10 binary batch: 5000 bytes is not a whole number of 3073-byte records (truncated?)`);
    const wrong = file('c10wrong.bin', record(12));
    expect(() => readCifar([wrong], 10)).toThrow(`${wrong}: record 0 has label 12, outside 0..9; not a CIFAR-10 file`);
  });
});

describe('image-folder reader', () => {
  const png = (w: number, h: number, grey: number) => {
    const p = new PNG({ width: w, height: h });
    for (let i = 0; i < w * h; i++) p.data.set([grey, grey, grey, 255], i * 4);
    return PNG.sync.write(p);
  };
  const jpg = (w: number, h: number, rgb: [number, number, number]) => {
    const data = Buffer.alloc(w * h * 4);
    for (let i = 0; i < w * h; i++) data.set([...rgb, 255], i * 4);
    return jpeg.encode({ data, width: w, height: h }, 95).data;
  };

  it('reads PNG and JPEG class folders, resizing and detecting greyscale', () => {
    file('imgs/cat/a.png', png(8, 8, 200));
    file('imgs/cat/b.png', png(16, 16, 100));
    file('imgs/dog/c.png', png(8, 8, 50));
    const d = readImageFolder(join(dir, 'imgs'));
    expect(d.shape).toEqual([8, 8, 1]);
    expect(d.classNames).toEqual(['cat', 'dog']);
    expect(Array.from(d.y)).toEqual([0, 0, 1]);
    expect(d.x[64]).toBe(100);
    file('rgb/red/a.jpg', jpg(8, 8, [250, 0, 0]));
    file('rgb/blue/a.jpeg', jpg(8, 8, [0, 0, 250]));
    const c = readImageFolder(join(dir, 'rgb'), { size: [4, 4] });
    expect(c.shape).toEqual([4, 4, 3]);
    expect(c.classNames).toEqual(['blue', 'red']);
    expect(c.x[2]).toBeGreaterThan(200); // blue image: B channel
    expect(c.x[48]).toBeGreaterThan(200); // red image: R channel
  });

  it('an unreadable image names the file', () => {
    file('broken/a/ok.png', png(4, 4, 1));
    const bad = file('broken/b/bad.png', Buffer.concat([png(4, 4, 1).subarray(0, 30)]));
    expect(() => readImageFolder(join(dir, 'broken'))).toThrow(new RegExp(`^${bad.replace(/[.]/g, '\\.')}: unreadable PNG image`));
    const txt = file('broken2/a/x.jpg', 'not an image');
    file('broken2/b/y.png', png(4, 4, 1));
    expect(() => readImageFolder(join(dir, 'broken2'))).toThrow(`${txt}: unreadable image: neither PNG nor JPEG (by its first bytes)`);
  });
});

describe('CSV reader', () => {
  it('reads numeric features with numeric or named labels', () => {
    const p = file('t.csv', 'a,b,species\n1,2,setosa\n3,4.5,virginica\n5,6,setosa\n');
    const d = readCsvDataset(p);
    expect(d.shape).toEqual([1, 1, 2]);
    expect(d.classNames).toEqual(['setosa', 'virginica']);
    expect(Array.from(d.y)).toEqual([0, 1, 0]);
    expect(Array.from(d.x)).toEqual([1, 2, 3, 4.5, 5, 6]);
    const q = file('u.csv', 'y,f\n1,0.5\n0,0.25\n');
    expect(Array.from(readCsvDataset(q, { label: 'y' }).x)).toEqual([0.5, 0.25]);
  });

  it('names the line and column of bad cells', () => {
    const p = file('bad.csv', 'a,b,label\n1,2,0\n3,x,1\n');
    expect(() => readCsvDataset(p)).toThrow(`${p}: line 3, column 'b': 'x' is not a number`);
    const r = file('ragged.csv', 'a,b,label\n1,2,0\n3,1\n');
    expect(() => readCsvDataset(r)).toThrow(`${r}: line 3 has 2 columns, the header has 3`);
    expect(() => readCsvDataset(p, { label: 'nope' })).toThrow(`${p}: no label column 'nope' (columns: a, b, label)`);
  });
});

describe('format detection, splits and normalisation', () => {
  it('reads the shipped Fashion-MNIST subset with its test split', () => {
    const { data, test } = loadDataset('builtin:fashion-mnist');
    expect(data.shape).toEqual([28, 28, 1]);
    expect(data.y.length).toBe(5000);
    expect(test?.y.length).toBe(1000);
    expect(data.classNames?.[9]).toBe('Ankle boot');
    const counts = new Array(10).fill(0);
    for (const l of data.y) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(500));
  });

  it('detects IDX and CIFAR folders', () => {
    file('det/train-images-idx3-ubyte.gz', encodeIdx([6, 4, 4], images(6)));
    file('det/train-labels-idx1-ubyte.gz', encodeIdx([6], labels(6)));
    expect(readDataset(join(dir, 'det')).data.y.length).toBe(6);
    expect(readDataset(join(dir, 'c10')).data.shape).toEqual([32, 32, 3]);
    expect(() => readDataset(join(dir, 'l6.idx'))).toThrow(/not a dataset/);
  });

  it('splits stratified and deterministically under a seed', () => {
    const { data } = loadDataset('builtin:fashion-mnist');
    const a = splitDataset(data, { val: 0.2, seed: 1, maxTrain: 1000 });
    const b = splitDataset(data, { val: 0.2, seed: 1, maxTrain: 1000 });
    const c = splitDataset(data, { val: 0.2, seed: 2, maxTrain: 1000 });
    expect(a.val.y.length).toBe(1000);
    expect(a.train.y.length).toBe(1000);
    expect(Array.from(a.val.y)).toEqual(Array.from(b.val.y));
    expect(Array.from(a.train.x.subarray(0, 784 * 3))).toEqual(Array.from(b.train.x.subarray(0, 784 * 3)));
    expect(Array.from(a.val.x.subarray(0, 784 * 3))).not.toEqual(Array.from(c.val.x.subarray(0, 784 * 3)));
    for (const s of [a.train, a.val]) {
      const counts = new Array(10).fill(0);
      for (const l of s.y) counts[l]++;
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    }
  });

  it('normalises per channel with training statistics', () => {
    const d: Dataset = { source: 't', shape: [1, 2, 2], classes: 2, x: Uint8Array.from([0, 10, 20, 30]), y: Uint8Array.from([0, 1]) };
    const s = channelStats(d);
    expect(s.mean).toEqual([10, 20]);
    expect(s.std).toEqual([10, 10]);
    expect(Array.from(normalise(d, s))).toEqual([-1, -1, 1, 1]);
  });
});
