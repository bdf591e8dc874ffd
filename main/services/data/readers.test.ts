import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { NasError } from '../../../shared/errors.js';
import { brokenSymlink, gzipBomb, mkfifo, utf16le, withFifoUnblocked } from '../../../test/fixtures/user-files.js';
import { loadDataset } from './builtin.js';
import { channelStats, normalise, splitDataset, type Dataset } from './dataset.js';
import { encodeIdx } from './idx-writer.js';
import { readCifar, readCsvDataset, readDataset, readIdx, readImageFolder } from './readers.js';
import { tempFiles } from '../../../test/harness/temp-files.js';

const { dir, file } = tempFiles('frontier-data-');

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
    expect(() => readIdx(cutGz, lb)).toThrow(new RegExp(`^cannot read dataset file ${cutGz.replace(/[.]/g, '\\.')}: is gzip-compressed but does not decompress`));
    const ints = Buffer.from(encodeIdx([6], labels(6), false));
    ints[2] = 0x0c;
    const intFile = file('ints.idx', ints);
    expect(() => readIdx(file('i6.idx', encodeIdx([6, 4, 4], images(6), false)), intFile)).toThrow(`${intFile}: IDX data type int is not supported`);
    expect(() => readIdx(join(dir, 'missing.idx'), lb)).toThrow(/^cannot read dataset file .*missing\.idx: no such file or folder \(ENOENT\)$/);
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
    expect(() => readImageFolder(join(dir, 'broken'))).toThrow(`${bad}: unreadable PNG image: the data ends early (truncated file?)`);
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
    const big = file('float32.csv', 'a,b,label\n1,2,0\n3,1e39,1\n');
    expect(() => readCsvDataset(big)).toThrow(`${big}: line 3, column 'b': 1e39 is outside the float32 range (±3.4e38)`);
    const r = file('ragged.csv', 'a,b,label\n1,2,0\n3,1\n');
    expect(() => readCsvDataset(r)).toThrow(`${r}: line 3 has 2 columns, the header has 3`);
    expect(() => readCsvDataset(p, { label: 'nope' })).toThrow(`${p}: no label column 'nope' (columns: a, b, label)`);
    // Names and cells are quoted readably: control characters, U+FFFD, lone surrogates, bidi overrides escaped.
    const odd = file('odd-names.csv', 'a\u0001,\ufffdb,lab\u202eel\n1,2,0\n\ud800x,1,1\n');
    expect(() => readCsvDataset(odd, { label: 'x' })).toThrow(`${odd}: no label column 'x' (columns: a\\u0001, \\ufffdb, lab\\u202eel)`);
    expect(() => readCsvDataset(odd)).toThrow(`${odd}: line 3, column 'a\\u0001': '\\ufffdx' is not a number`);
  });
});

describe('format detection, splits and normalisation', () => {
  it('reads the shipped Fashion-MNIST subset with its test split', () => {
    const { data, test } = loadDataset('builtin:fashion-mnist');
    expect(data.shape).toEqual([28, 28, 1]);
    expect(data.y.length).toBe(11000);
    expect(test?.y.length).toBe(2000);
    expect(data.classNames?.[9]).toBe('Ankle boot');
    const counts = new Array(10).fill(0);
    for (const l of data.y) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(1100));
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
    expect(a.val.y.length).toBe(2200); // 20% of the 11,000 built-in training images
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

/** A PNG whose header claims width × height, with a token (wrong-sized) image body. */
function pngHeaderOnly(width: number, height: number): Buffer {
  const p = new PNG({ width: 1, height: 1 });
  const one = PNG.sync.write(p);
  const out = Buffer.from(one);
  out.writeUInt32BE(width, 16);
  out.writeUInt32BE(height, 20);
  return out;
}

describe('readers refuse what would exhaust memory or hang (issue: reading user files safely)', () => {
  it('CSV: 200,000 rows of numeric labels (Math.max(...labels) overflowed the stack)', () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => `${i % 7},${i % 3}`);
    const p = file('many.csv', `f,label\n${rows.join('\n')}\n`);
    const d = readCsvDataset(p);
    expect(d.y.length).toBe(200_000);
    expect(d.classes).toBe(3);
  });

  it('CSV: features are held as float32 within the dataset memory limit', () => {
    const p = file('wide.csv', `${Array.from({ length: 10 }, (_, i) => `f${i}`).join(',')},label\n${Array.from({ length: 300 }, (_, r) => `${'1,'.repeat(10)}${r % 2}`).join('\n')}\n`);
    expect(readCsvDataset(p).x.length).toBe(3000);
    expect(() => readCsvDataset(p, { limits: { datasetBytes: 8192 } })).toThrow(`${p}: line 206: the features take more than the 8 KiB limit for a dataset in memory`);
  });

  it('CSV: classes are bounded and labels are integers 0..K−1, naming the line', () => {
    const huge = file('huge-label.csv', 'f,label\n1,0\n2,99999999\n3,1\n');
    expect(() => readCsvDataset(huge)).toThrow(`${huge}: line 3: label 99999999 is too large: at most 10000 classes (labels 0..9999)`);
    const frac = file('frac-label.csv', 'f,label\n1,0\n2,1\n3,2.5\n');
    expect(() => readCsvDataset(frac)).toThrow(`${frac}: line 4: label '2.5' is not a class index (numeric labels are integers 0..9999; use names for other classes)`);
    const neg = file('neg-label.csv', 'f,label\n1,-1\n2,1\n');
    expect(() => readCsvDataset(neg)).toThrow(`${neg}: line 2: label '-1' is not a class index (numeric labels are integers 0..9999; use names for other classes)`);
    const names = Array.from({ length: 10_001 }, (_, i) => `1,c${i}`);
    const many = file('many-names.csv', `f,label\n${names.join('\n')}\n`);
    expect(() => readCsvDataset(many)).toThrow(`${many}: line 10002: label 'c10000' is class 10001: at most 10000 classes`);
  });

  it('IDX: a gzip bomb is stopped at the inflate limit, with a clear error', () => {
    const im = file('bomb/train-images-idx3-ubyte.gz', gzipBomb(4 * 1024 * 1024));
    file('bomb/train-labels-idx1-ubyte.gz', encodeIdx([6], labels(6)));
    expect(() => readDataset(join(dir, 'bomb'), { limits: { inflatedBytes: 1024 * 1024 } })).toThrow(
      new RegExp(`^cannot read dataset file ${im.replace(/[.]/g, '\\.')}: is gzip-compressed and inflates to more than 1 MiB`),
    );
  });

  it('IDX: a header with zero examples or zero-sized images is refused', () => {
    const im = file('zero/i.idx', encodeIdx([0, 4, 4], images(0), false));
    const lb = file('zero/l.idx', encodeIdx([0], labels(0), false));
    expect(() => readIdx(im, lb)).toThrow(`${im}: no examples (the header says 0×4×4)`);
    const flat = file('zero/f.idx', encodeIdx([2, 0, 4], images(0), false));
    expect(() => readIdx(flat, file('zero/l2.idx', encodeIdx([2], labels(2), false)))).toThrow(`${flat}: images of 0×4 pixels`);
  });

  it('images: dimensions are checked from the header before decoding, and the total is bounded', () => {
    file('giant/a/ok.png', pngHeaderOnly(1, 1));
    const big = file('giant/b/big.png', pngHeaderOnly(8000, 8000));
    expect(() => readImageFolder(join(dir, 'giant'))).toThrow(`cannot read image ${big}: 8000×8000 pixels (64 megapixels) is more than the limit of 25 megapixels per image; resize the images first`);
    const png = (w: number, h: number) => PNG.sync.write(new PNG({ width: w, height: h }));
    file('many/a/1.png', png(64, 64));
    file('many/a/2.png', png(64, 64));
    file('many/b/3.png', png(64, 64));
    expect(() => readImageFolder(join(dir, 'many'), { limits: { decodedImageBytes: 40_000 } })).toThrow(
      `cannot read image ${join(dir, 'many/b/3.png')}: the images decode to more than 39.1 KiB together (the limit); use fewer or smaller images`,
    );
    expect(readImageFolder(join(dir, 'many')).y.length).toBe(3);
  });

  it('images: more than 256 class folders keep their labels (a Uint8Array wrapped label 256 to 0)', () => {
    const one = PNG.sync.write(new PNG({ width: 1, height: 1 }));
    for (let k = 0; k < 257; k++) file(`wide/c${String(k).padStart(3, '0')}/a.png`, one);
    const d = readImageFolder(join(dir, 'wide'));
    expect(d.classes).toBe(257);
    expect(d.y[256]).toBe(256);
  });

  it('a named pipe as a dataset or an image is refused, not read (it hung forever)', () => {
    const fifo = mkfifo(join(dir, 'pipe.csv'));
    withFifoUnblocked(fifo, () => expect(() => readDataset(fifo)).toThrow(`cannot read dataset ${fifo}: is a named pipe (FIFO), not a regular file`));
    mkdirSync(join(dir, 'pipes/a'), { recursive: true });
    file('pipes/b/ok.png', PNG.sync.write(new PNG({ width: 2, height: 2 })));
    const img = mkfifo(join(dir, 'pipes/a/x.png'));
    withFifoUnblocked(img, () => expect(() => readImageFolder(join(dir, 'pipes'))).toThrow(`cannot read image ${img}: is a named pipe (FIFO), not a regular file`));
  });

  it('broken symbolic links and folders are named as such', () => {
    const link = brokenSymlink(join(dir, 'gone.csv'));
    expect(() => readDataset(link)).toThrow(`cannot read dataset ${link}: broken symbolic link (it points to ${link}.does-not-exist, which does not exist)`);
    file('links/a/ok.png', PNG.sync.write(new PNG({ width: 2, height: 2 })));
    const entry = brokenSymlink(join(dir, 'links/b'));
    let err: unknown;
    try {
      readImageFolder(join(dir, 'links'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NasError);
    expect((err as Error).message).toBe(`cannot read dataset folder entry ${entry}: broken symbolic link (it points to ${entry}.does-not-exist, which does not exist)`);
    mkdirSync(join(dir, 'dirs/train-images-idx3-ubyte'), { recursive: true });
    file('dirs/train-labels-idx1-ubyte', encodeIdx([6], labels(6), false));
    expect(() => readDataset(join(dir, 'dirs'))).toThrow(`cannot read dataset file ${join(dir, 'dirs/train-images-idx3-ubyte')}: is a folder, not a file`);
  });

  it('CSV datasets in UTF-16 with a byte-order mark are read; other encodings are named, not dumped', () => {
    const p = file('utf16.csv', utf16le('a,label\n1,cat\n2,dog\n'));
    expect(readCsvDataset(p).classNames).toEqual(['cat', 'dog']);
    const q = file('utf16-nobom.csv', utf16le('a,label\n1,cat\n2,dog\n', false));
    expect(() => readCsvDataset(q)).toThrow(`cannot read dataset ${q}: is not UTF-8 text: it looks like UTF-16 without a byte-order mark; save it as UTF-8`);
  });
});
