/**
 * Dataset readers. Each reads whole files into memory and checks them; anything wrong becomes one
 * NasError('invalid-input') naming the file and the problem (never a crash deep in tfjs, never a hang).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { errorMessage, NasError } from '../../../shared/errors.js';
import { checkDataset, concatDatasets, dataError, type Dataset } from './dataset.js';

function readBytes(file: string): Buffer {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw dataError(file, `cannot read: ${errorMessage(e)}`);
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      return gunzipSync(buf);
    } catch (e) {
      throw dataError(file, `is gzip-compressed but does not decompress (${errorMessage(e)}); the file is probably truncated`);
    }
  }
  return buf;
}

const IDX_TYPES: Record<number, string> = { 0x08: 'unsigned byte', 0x09: 'signed byte', 0x0b: 'short', 0x0c: 'int', 0x0d: 'float', 0x0e: 'double' };

/** One IDX file: dims and its unsigned-byte payload. */
export function readIdxFile(file: string): { dims: number[]; data: Uint8Array } {
  const buf = readBytes(file);
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0) {
    const head = Array.from(buf.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw dataError(file, `not an IDX file: the magic number must start with 00 00, got ${head || 'an empty file'}`);
  }
  const type = buf[2] as number;
  const ndims = buf[3] as number;
  if (type !== 0x08) throw dataError(file, `IDX data type ${IDX_TYPES[type] ?? `0x${type.toString(16)}`} is not supported (images and labels are unsigned bytes, type 0x08)`);
  if (ndims < 1 || ndims > 4) throw dataError(file, `IDX file with ${ndims} dimensions (expected 1 for labels, 3 for images)`);
  const header = 4 + 4 * ndims;
  if (buf.length < header) throw dataError(file, `truncated: ${buf.length} bytes, shorter than its ${header}-byte header`);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(buf.readUInt32BE(4 + 4 * i));
  const expected = dims.reduce((a, b) => a * b, 1);
  const have = buf.length - header;
  if (have < expected) throw dataError(file, `truncated: the header promises ${dims.join('×')} = ${expected} bytes of data, the file has ${have}`);
  if (have > expected) throw dataError(file, `${have - expected} bytes of trailing data after ${dims.join('×')} values; not a valid IDX file`);
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + header, expected) };
}

/** An IDX image file (N×H×W, or N×H×W×C) with its IDX label file (N). */
export function readIdx(imagesFile: string, labelsFile: string, classNames?: readonly string[]): Dataset {
  const img = readIdxFile(imagesFile);
  const lab = readIdxFile(labelsFile);
  if (img.dims.length !== 3 && img.dims.length !== 4) throw dataError(imagesFile, `expected images (3 or 4 dimensions: N×H×W[×C]), got ${img.dims.length} dimension(s) ${img.dims.join('×')}`);
  if (lab.dims.length !== 1) throw dataError(labelsFile, `expected labels (1 dimension), got ${lab.dims.join('×')}`);
  const [n, h, w, c = 1] = img.dims as [number, number, number, number?];
  if (lab.dims[0] !== n) throw dataError(labelsFile, `has ${lab.dims[0]} labels but ${imagesFile} has ${n} images`);
  let max = 0;
  for (const l of lab.data) max = Math.max(max, l);
  const classes = classNames?.length ?? max + 1;
  if (max >= classes) throw dataError(labelsFile, `label ${max} is outside the ${classes} classes`);
  return checkDataset({ source: imagesFile, shape: [h, w, c], classes, ...(classNames ? { classNames } : {}), x: img.data, y: lab.data });
}

export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/**
 * CIFAR binary batches: records of a label byte (CIFAR-10) or coarse and fine label bytes
 * (CIFAR-100; the fine label is used) followed by 32×32×3 pixels stored channel-planar (R, G, B),
 * converted here to HWC.
 */
export function readCifar(files: readonly string[], variant: 10 | 100, classNames?: readonly string[]): Dataset {
  const labelBytes = variant === 10 ? 1 : 2;
  const record = labelBytes + 3072;
  const parts = files.map((file): Dataset => {
    const buf = readBytes(file);
    if (buf.length === 0 || buf.length % record !== 0) {
      throw dataError(file, `not a CIFAR-${variant} binary batch: ${buf.length} bytes is not a whole number of ${record}-byte records${buf.length > record ? ' (truncated?)' : ''}`);
    }
    const n = buf.length / record;
    const x = new Uint8Array(n * 3072);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const at = i * record;
      const label = buf[at + labelBytes - 1] as number;
      if (label >= variant) throw dataError(file, `record ${i} has label ${label}, outside 0..${variant - 1}; not a CIFAR-${variant} file`);
      y[i] = label;
      const px = at + labelBytes;
      for (let p = 0; p < 1024; p++) {
        x[i * 3072 + p * 3] = buf[px + p] as number;
        x[i * 3072 + p * 3 + 1] = buf[px + 1024 + p] as number;
        x[i * 3072 + p * 3 + 2] = buf[px + 2048 + p] as number;
      }
    }
    return { source: file, shape: [32, 32, 3], classes: variant, x, y };
  });
  const names = classNames ?? (variant === 10 ? CIFAR10_CLASSES : undefined);
  const all = concatDatasets(parts, files.length === 1 ? (files[0] as string) : `${files[0]} (+${files.length - 1} more)`);
  return checkDataset({ ...all, classes: variant, ...(names ? { classNames: names } : {}) });
}

const IMAGE_EXT = new Set(['.png', '.jpg', '.jpeg']);

/** Decodes a PNG or JPEG to RGBA pixels. */
export function decodeImage(file: string): { width: number; height: number; rgba: Uint8Array } {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw dataError(file, `cannot read: ${errorMessage(e)}`);
  }
  const isPng = buf.length >= 8 && buf.readUInt32BE(0) === 0x89504e47;
  const isJpeg = buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff;
  try {
    if (isPng) {
      const png = PNG.sync.read(buf);
      return { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) };
    }
    if (isJpeg) {
      const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 256 });
      return { width: img.width, height: img.height, rgba: img.data };
    }
  } catch (e) {
    throw dataError(file, `unreadable ${isPng ? 'PNG' : 'JPEG'} image: ${errorMessage(e)}`);
  }
  throw dataError(file, 'unreadable image: neither PNG nor JPEG (by its first bytes)');
}

export interface ImageFolderOptions {
  /** Resize every image to this [H, W] (nearest neighbour); default: the size of the first image. */
  readonly size?: readonly [number, number];
  /** 1 (greyscale, ITU-R 601 luma) or 3 (RGB); default 3, or 1 when every image is grey. */
  readonly channels?: 1 | 3;
}

/** A folder with one sub-folder per class (sorted by name) holding PNG/JPEG images. */
export function readImageFolder(dir: string, o: ImageFolderOptions = {}): Dataset {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch (e) {
    throw dataError(dir, `cannot read folder: ${errorMessage(e)}`);
  }
  const classNames = entries.filter((e) => statSync(join(dir, e)).isDirectory());
  if (classNames.length < 2) throw dataError(dir, `an image folder needs one sub-folder per class (at least 2), found ${classNames.length}`);
  const files: { file: string; label: number }[] = [];
  classNames.forEach((c, label) => {
    const imgs = readdirSync(join(dir, c)).filter((f) => IMAGE_EXT.has(extname(f).toLowerCase())).sort();
    if (imgs.length === 0) throw dataError(join(dir, c), 'class folder has no .png/.jpg/.jpeg images');
    for (const f of imgs) files.push({ file: join(dir, c, f), label });
  });
  const decoded = files.map((f) => ({ ...f, img: decodeImage(f.file) }));
  const first = decoded[0] as (typeof decoded)[number];
  const [h, w] = o.size ?? [first.img.height, first.img.width];
  const grey = decoded.every(({ img }) => {
    for (let i = 0; i < img.rgba.length; i += 4) if (img.rgba[i] !== img.rgba[i + 1] || img.rgba[i] !== img.rgba[i + 2]) return false;
    return true;
  });
  const c = o.channels ?? (grey ? 1 : 3);
  const per = h * w * c;
  const x = new Uint8Array(decoded.length * per);
  const y = new Uint8Array(decoded.length);
  decoded.forEach(({ img, label }, i) => {
    y[i] = label;
    for (let r = 0; r < h; r++) {
      const sr = Math.min(img.height - 1, Math.floor((r * img.height) / h));
      for (let col = 0; col < w; col++) {
        const sc = Math.min(img.width - 1, Math.floor((col * img.width) / w));
        const s = (sr * img.width + sc) * 4;
        const d = i * per + (r * w + col) * c;
        if (c === 1) x[d] = Math.round(0.299 * (img.rgba[s] as number) + 0.587 * (img.rgba[s + 1] as number) + 0.114 * (img.rgba[s + 2] as number));
        else for (let k = 0; k < 3; k++) x[d + k] = img.rgba[s + k] as number;
      }
    }
  });
  return checkDataset({ source: dir, shape: [h, w, c], classes: classNames.length, classNames, x, y });
}

export interface CsvOptions {
  /** The label column, by header name; default the last column. */
  readonly label?: string;
}

/**
 * A CSV table with a header row: numeric feature columns and one label column (numbers 0..K−1 or
 * class names, mapped to indices in sorted order). Examples get shape [1, 1, features].
 */
export function readCsvDataset(file: string, o: CsvOptions = {}): Dataset {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw dataError(file, `cannot read: ${errorMessage(e)}`);
  }
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((s) => s.trim());
  if (header.length < 2 || header.every((h) => h === '')) throw dataError(file, 'expected a header row with at least one feature column and a label column');
  const li = o.label === undefined ? header.length - 1 : header.indexOf(o.label);
  if (li < 0) throw dataError(file, `no label column '${o.label}' (columns: ${header.join(', ')})`);
  const features: number[] = [];
  const rawLabels: string[] = [];
  for (let ln = 1; ln < lines.length; ln++) {
    const line = lines[ln] as string;
    if (line.trim() === '') continue;
    const cells = line.split(',').map((s) => s.trim());
    if (cells.length !== header.length) throw dataError(file, `line ${ln + 1} has ${cells.length} columns, the header has ${header.length}`);
    cells.forEach((cell, ci) => {
      if (ci === li) return rawLabels.push(cell);
      const v = Number(cell);
      if (cell === '' || !Number.isFinite(v)) throw dataError(file, `line ${ln + 1}, column '${header[ci]}': '${cell}' is not a number`);
      features.push(v);
    });
  }
  if (rawLabels.length === 0) throw dataError(file, 'no data rows');
  const numeric = rawLabels.every((l) => /^\d+$/.test(l));
  const names = numeric ? undefined : [...new Set(rawLabels)].sort();
  const y = new Int32Array(rawLabels.map((l) => (names ? names.indexOf(l) : Number(l))));
  const classes = names ? names.length : Math.max(...y) + 1;
  if (classes < 2) throw dataError(file, `the label column '${header[li]}' has a single class`);
  const f = header.length - 1;
  return checkDataset({ source: file, shape: [1, 1, f], classes, ...(names ? { classNames: names } : {}), x: Float32Array.from(features), y });
}

/** A dataset and, when the source has one, its own test split. */
export interface LoadedData {
  readonly data: Dataset;
  readonly test?: Dataset;
}

const IDX_PAIR = /^(.*)-images[-.]idx3-ubyte(\.gz)?$/;

/**
 * Reads a dataset by path, recognising the format: a `.csv` file; a folder with IDX files
 * (`train-images-idx3-ubyte[.gz]` + `train-labels-idx1-ubyte[.gz]`, `t10k-*` as test when present);
 * a folder with CIFAR-10 batches (`data_batch_*.bin`, `test_batch.bin`) or CIFAR-100 (`train.bin`,
 * `test.bin`); otherwise a folder of class sub-folders of images.
 */
export function readDataset(path: string, o: CsvOptions & ImageFolderOptions = {}): LoadedData {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    throw new NasError('invalid-input', `cannot read dataset ${path}: ${errorMessage(e)}`);
  }
  if (!isDir) {
    if (extname(path).toLowerCase() === '.csv') return { data: readCsvDataset(path, o) };
    throw dataError(path, 'not a dataset: give a .csv file or a folder (IDX files, CIFAR batches, or one sub-folder of images per class)');
  }
  const files = readdirSync(path).sort();
  const idx = (prefix: string) => {
    const img = files.find((f) => IDX_PAIR.exec(f)?.[1] === prefix);
    if (!img) return undefined;
    const lab = files.find((f) => f === img.replace('-images', '-labels').replace('idx3', 'idx1'));
    if (!lab) throw dataError(join(path, img), `no matching labels file (${img.replace('-images', '-labels').replace('idx3', 'idx1')})`);
    return readIdx(join(path, img), join(path, lab));
  };
  const train = idx('train');
  if (train) {
    const test = idx('t10k') ?? idx('test');
    return { data: train, ...(test ? { test } : {}) };
  }
  const batches = files.filter((f) => /^data_batch_\d+\.bin$/.test(f));
  if (batches.length > 0) {
    const test = files.includes('test_batch.bin') ? readCifar([join(path, 'test_batch.bin')], 10) : undefined;
    return { data: readCifar(batches.map((f) => join(path, f)), 10), ...(test ? { test } : {}) };
  }
  if (files.includes('train.bin')) {
    const test = files.includes('test.bin') ? readCifar([join(path, 'test.bin')], 100) : undefined;
    return { data: readCifar([join(path, 'train.bin')], 100), ...(test ? { test } : {}) };
  }
  return { data: readImageFolder(path, o) };
}

