/**
 * Dataset readers. Each reads whole files into memory and checks them; anything wrong becomes one
 * NasError('invalid-input') naming the file and the problem (never a crash deep in tfjs, never a hang).
 * Files are opened only through ../user-file (regular files only, bounded sizes, gzip bombs and
 * oversized images refused before they are inflated or decoded); see USER_FILE_LIMITS.
 */
import { extname, join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { errorMessage } from '../../../shared/errors.js';
import { formatBytes, printable, readUserFile, readUserFolder, readUserText, statUserPath, userFileError, userFileLimits, type UserFileLimits } from '../user-file.js';
import { checkDataset, concatDatasets, dataError, type Dataset } from './dataset.js';
import { isTextCsv, readTextDataset, TEXT_EXTENSIONS } from './text-reader.js';
import { isSpeechFolder, readSpeechFolder, type SpeechFolderOptions } from './speech.js';

/** Limits for one read (tests lower them); default USER_FILE_LIMITS. */
export interface ReadLimits {
  readonly limits?: Partial<UserFileLimits>;
}

function readBytes(file: string, lim: UserFileLimits): Buffer {
  return readUserFile(file, { what: 'dataset file', maxBytes: lim.dataBytes, gunzip: true, maxInflatedBytes: lim.inflatedBytes });
}

/** A cell or name for a message: printable (see `printable`) and at most `max` characters. */
function show(text: string, max = 40): string {
  const clean = printable(text);
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

const IDX_TYPES: Record<number, string> = { 0x08: 'unsigned byte', 0x09: 'signed byte', 0x0b: 'short', 0x0c: 'int', 0x0d: 'float', 0x0e: 'double' };

/** One IDX file: dims and its unsigned-byte payload. */
export function readIdxFile(file: string, limits: Partial<UserFileLimits> = {}): { dims: number[]; data: Uint8Array } {
  const buf = readBytes(file, userFileLimits(limits));
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
export function readIdx(imagesFile: string, labelsFile: string, classNames?: readonly string[], limits: Partial<UserFileLimits> = {}): Dataset {
  const img = readIdxFile(imagesFile, limits);
  const lab = readIdxFile(labelsFile, limits);
  if (img.dims.length !== 3 && img.dims.length !== 4) throw dataError(imagesFile, `expected images (3 or 4 dimensions: N×H×W[×C]), got ${img.dims.length} dimension(s) ${img.dims.join('×')}`);
  if (lab.dims.length !== 1) throw dataError(labelsFile, `expected labels (1 dimension), got ${lab.dims.join('×')}`);
  const [n, h, w, c = 1] = img.dims as [number, number, number, number?];
  if (n === 0) throw dataError(imagesFile, `no examples (the header says ${img.dims.join('×')})`);
  if (h === 0 || w === 0 || c === 0) throw dataError(imagesFile, `images of ${h}×${w} pixels with ${c} channel(s): nothing to learn from`);
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
export function readCifar(files: readonly string[], variant: 10 | 100, classNames?: readonly string[], limits: Partial<UserFileLimits> = {}): Dataset {
  const lim = userFileLimits(limits);
  const labelBytes = variant === 10 ? 1 : 2;
  const record = labelBytes + 3072;
  const parts = files.map((file): Dataset => {
    const buf = readBytes(file, lim);
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

const JPEG_SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/** Width and height from a PNG's IHDR or a JPEG's start-of-frame marker, without decoding; undefined if not found. */
export function imageHeaderSize(buf: Uint8Array): { width: number; height: number } | undefined {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47 && b.toString('latin1', 12, 16) === 'IHDR') {
    return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
  }
  if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
    let i = 2;
    while (i + 4 <= b.length) {
      if (b[i] !== 0xff) return undefined;
      const m = b[i + 1] as number;
      if (m === 0xff) {
        i++; // fill byte
        continue;
      }
      if (m === 0x01 || (m >= 0xd0 && m <= 0xd8)) {
        i += 2; // markers without a length
        continue;
      }
      if (JPEG_SOF.has(m)) return i + 9 <= b.length ? { height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) } : undefined;
      if (m === 0xd9 || m === 0xda) return undefined; // end of image, or scan data before any frame header
      i += 2 + b.readUInt16BE(i + 2);
    }
  }
  return undefined;
}

/** Decoded bytes so far, shared by the images of one folder. */
export interface DecodeBudget {
  decodedBytes: number;
}

/**
 * Decodes a PNG or JPEG to RGBA pixels. The size in its header is checked against the per-image
 * pixel limit and the budget of decoded bytes before anything is decoded.
 */
export function decodeImage(file: string, limits: Partial<UserFileLimits> = {}, budget: DecodeBudget = { decodedBytes: 0 }): { width: number; height: number; rgba: Uint8Array } {
  const lim = userFileLimits(limits);
  const buf = readUserFile(file, { what: 'image', maxBytes: lim.imageFileBytes });
  const isPng = buf.length >= 8 && buf.readUInt32BE(0) === 0x89504e47;
  const isJpeg = buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff;
  if (!isPng && !isJpeg) throw dataError(file, 'unreadable image: neither PNG nor JPEG (by its first bytes)');
  const kind = isPng ? 'PNG' : 'JPEG';
  const admit = (width: number, height: number) => {
    if (width === 0 || height === 0) throw dataError(file, `unreadable ${kind} image: ${width}×${height} pixels`);
    if (width * height > lim.imagePixels) {
      const mp = (v: number) => +(v / 1e6).toFixed(1);
      throw userFileError(file, 'image', `${width}×${height} pixels (${mp(width * height)} megapixels) is more than the limit of ${mp(lim.imagePixels)} megapixels per image; resize the images first`);
    }
    if (budget.decodedBytes + width * height * 4 > lim.decodedImageBytes) {
      throw userFileError(file, 'image', `the images decode to more than ${formatBytes(lim.decodedImageBytes)} together (the limit); use fewer or smaller images`);
    }
  };
  const header = imageHeaderSize(buf);
  if (header) admit(header.width, header.height);
  let out: { width: number; height: number; rgba: Uint8Array };
  try {
    if (isPng) {
      const png = PNG.sync.read(buf);
      out = { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) };
    } else {
      const img = jpeg.decode(buf, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: lim.imagePixels / 1e6,
        maxMemoryUsageInMB: Math.ceil((lim.imagePixels * 4 * 2) / (1024 * 1024)),
      });
      out = { width: img.width, height: img.height, rgba: img.data };
    }
  } catch (e) {
    throw dataError(file, `unreadable ${kind} image: ${decoderReason(e)}`);
  }
  if (!header || header.width !== out.width || header.height !== out.height) admit(out.width, out.height);
  if (out.rgba.length !== out.width * out.height * 4) throw dataError(file, `unreadable ${kind} image: ${out.rgba.length} bytes of pixels for ${out.width}×${out.height}`);
  budget.decodedBytes += out.rgba.length;
  return out;
}

/**
 * Why pngjs or jpeg-js gave up, in words: their own messages when they are plain ones, otherwise
 * (a TypeError from inside the decoder, pngjs's "read requests waiting on finished stream") a
 * sentence instead of the decoder's internals.
 */
function decoderReason(e: unknown): string {
  const m = errorMessage(e);
  if (/read requests wait|unexpected end|end of (stream|file|data)/i.test(m)) return 'the data ends early (truncated file?)';
  if ((e instanceof Error && e.constructor !== Error) || /undefined|null|is not a function|Cannot (read|set) prop/.test(m)) return 'corrupt data the decoder cannot follow (damaged or truncated file?)';
  return show(m, 100);
}

export interface ImageFolderOptions {
  /** Resize every image to this [H, W] (nearest neighbour); default: the size of the first image. */
  readonly size?: readonly [number, number];
  /** 1 (greyscale, ITU-R 601 luma) or 3 (RGB); default 3, or 1 when every image is grey. */
  readonly channels?: 1 | 3;
}

/**
 * A folder with one sub-folder per class (sorted by name) holding PNG/JPEG images. Images are
 * decoded one at a time and resized straight into the dataset, so memory holds the dataset and one
 * decoded image.
 */
export function readImageFolder(dir: string, o: ImageFolderOptions & ReadLimits = {}): Dataset {
  const lim = userFileLimits(o.limits);
  const entries = readUserFolder(dir, 'dataset folder');
  const classNames = entries.filter((e) => statUserPath(join(dir, e), 'dataset folder entry').isDirectory());
  if (classNames.length < 2) throw dataError(dir, `an image folder needs one sub-folder per class (at least 2), found ${classNames.length}`);
  if (classNames.length > lim.classes) throw dataError(dir, `${classNames.length} class sub-folders: at most ${lim.classes} classes`);
  const files: { file: string; label: number }[] = [];
  classNames.forEach((c, label) => {
    const imgs = readUserFolder(join(dir, c), 'class folder').filter((f) => IMAGE_EXT.has(extname(f).toLowerCase()));
    if (imgs.length === 0) throw dataError(join(dir, c), 'class folder has no .png/.jpg/.jpeg images');
    for (const f of imgs) files.push({ file: join(dir, c, f), label });
  });
  const budget: DecodeBudget = { decodedBytes: 0 };
  const firstFile = files[0] as { file: string };
  let first: ReturnType<typeof decodeImage> | undefined = o.size ? undefined : decodeImage(firstFile.file, lim, budget);
  const [h, w] = o.size ?? [(first as { height: number }).height, (first as { width: number }).width];
  if (!(Number.isInteger(h) && Number.isInteger(w) && h > 0 && w > 0)) throw dataError(dir, `image size ${h}×${w} is not a positive whole number of pixels`);
  const n = files.length;
  const per3 = h * w * 3;
  if (n * per3 > lim.datasetBytes) throw dataError(dir, `${n} images of ${h}×${w}×3 take ${formatBytes(n * per3)}, more than the ${formatBytes(lim.datasetBytes)} limit; use fewer or smaller images (size)`);
  const rgb = new Uint8Array(n * per3);
  const y = classNames.length <= 256 ? new Uint8Array(n) : new Int32Array(n);
  let grey = true;
  files.forEach(({ file, label }, i) => {
    const img = first ?? decodeImage(file, lim, budget);
    first = undefined;
    y[i] = label;
    if (grey) {
      for (let k = 0; k < img.rgba.length; k += 4) {
        if (img.rgba[k] !== img.rgba[k + 1] || img.rgba[k] !== img.rgba[k + 2]) {
          grey = false;
          break;
        }
      }
    }
    for (let r = 0; r < h; r++) {
      const sr = Math.min(img.height - 1, Math.floor((r * img.height) / h));
      for (let col = 0; col < w; col++) {
        const sc = Math.min(img.width - 1, Math.floor((col * img.width) / w));
        const s = (sr * img.width + sc) * 4;
        const d = i * per3 + (r * w + col) * 3;
        rgb[d] = img.rgba[s] as number;
        rgb[d + 1] = img.rgba[s + 1] as number;
        rgb[d + 2] = img.rgba[s + 2] as number;
      }
    }
  });
  const c = o.channels ?? (grey ? 1 : 3);
  let x = rgb;
  if (c === 1) {
    x = new Uint8Array(n * h * w);
    for (let p = 0; p < x.length; p++) x[p] = Math.round(0.299 * (rgb[3 * p] as number) + 0.587 * (rgb[3 * p + 1] as number) + 0.114 * (rgb[3 * p + 2] as number));
  }
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
export function readCsvDataset(file: string, o: CsvOptions & ReadLimits = {}): Dataset {
  const lim = userFileLimits(o.limits);
  const text = readUserText(file, { what: 'dataset', maxBytes: lim.textBytes });
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((s) => s.trim());
  if (header.length < 2 || header.every((h) => h === '')) throw dataError(file, 'expected a header row with at least one feature column and a label column');
  const li = o.label === undefined ? header.length - 1 : header.indexOf(o.label);
  if (li < 0) {
    const cols = header.slice(0, 20).map((h) => show(h)).join(', ') + (header.length > 20 ? `, … (${header.length} columns)` : '');
    throw dataError(file, `no label column '${show(o.label ?? '')}' (columns: ${cols})`);
  }
  // Float32 from the start (a JS array of doubles would take twice the memory and has a length limit).
  let features = new Float32Array(1024);
  let nf = 0;
  const rawLabels: string[] = [];
  const labelLines: number[] = [];
  for (let ln = 1; ln < lines.length; ln++) {
    const line = lines[ln] as string;
    if (line.trim() === '') continue;
    const cells = line.split(',').map((s) => s.trim());
    if (cells.length !== header.length) throw dataError(file, `line ${ln + 1} has ${cells.length} columns, the header has ${header.length}`);
    cells.forEach((cell, ci) => {
      if (ci === li) {
        rawLabels.push(cell);
        labelLines.push(ln + 1);
        return;
      }
      const v = Number(cell);
      if (cell === '' || !Number.isFinite(v)) throw dataError(file, `line ${ln + 1}, column '${show(header[ci] as string)}': '${show(cell)}' is not a number`);
      // Features are stored as float32: beyond its range a value would silently become ±Infinity.
      if (Math.abs(v) > FLOAT32_MAX) throw dataError(file, `line ${ln + 1}, column '${show(header[ci] as string)}': ${show(cell)} is outside the float32 range (±3.4e38)`);
      if (nf === features.length) {
        if (nf * 4 >= lim.datasetBytes) throw dataError(file, `line ${ln + 1}: the features take more than the ${formatBytes(lim.datasetBytes)} limit for a dataset in memory`);
        const bigger = new Float32Array(Math.min(nf * 2, Math.floor(lim.datasetBytes / 4) + 1));
        bigger.set(features);
        features = bigger;
      }
      features[nf++] = v;
    });
  }
  if (rawLabels.length === 0) throw dataError(file, 'no data rows');
  const { y, classes, names } = csvLabels(file, rawLabels, labelLines, lim.classes);
  if (classes < 2) throw dataError(file, `the label column '${show(header[li] as string)}' has a single class`);
  const f = header.length - 1;
  return checkDataset({ source: file, shape: [1, 1, f], classes, ...(names ? { classNames: names } : {}), x: features.slice(0, nf), y });
}

const FLOAT32_MAX = 3.4028234663852886e38;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Labels to class indices. All numeric: each must be an integer 0..maxClasses−1 and the classes are
 * 0..largest. Otherwise they are class names, indexed in sorted order, at most maxClasses of them.
 * Errors name the line.
 */
function csvLabels(file: string, raw: readonly string[], lines: readonly number[], maxClasses: number): { y: Int32Array; classes: number; names?: string[] } {
  const y = new Int32Array(raw.length);
  if (raw.every((l) => NUMBER.test(l))) {
    let largest = 0;
    raw.forEach((l, i) => {
      if (!/^\d+$/.test(l)) throw dataError(file, `line ${lines[i]}: label '${show(l)}' is not a class index (numeric labels are integers 0..${maxClasses - 1}; use names for other classes)`);
      const v = Number(l);
      if (v >= maxClasses) throw dataError(file, `line ${lines[i]}: label ${show(l)} is too large: at most ${maxClasses} classes (labels 0..${maxClasses - 1})`);
      y[i] = v;
      if (v > largest) largest = v;
    });
    return { y, classes: largest + 1 };
  }
  const seen = new Set<string>();
  raw.forEach((l, i) => {
    if (seen.has(l)) return;
    seen.add(l);
    if (seen.size > maxClasses) throw dataError(file, `line ${lines[i]}: label '${show(l)}' is class ${seen.size}: at most ${maxClasses} classes`);
  });
  const names = [...seen].sort();
  const index = new Map(names.map((n, k) => [n, k]));
  raw.forEach((l, i) => {
    y[i] = index.get(l) as number;
  });
  return { y, classes: names.length, names };
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
 * `test.bin`); a speech folder (class sub-folders of .wav clips, see speech.ts); otherwise a folder of
 * class sub-folders of images.
 */
export function readDataset(path: string, o: CsvOptions & ImageFolderOptions & Omit<SpeechFolderOptions, 'limits'> & ReadLimits = {}): LoadedData {
  const lim = o.limits ?? {};
  const text = { limits: lim, ...(o.label !== undefined ? { labelField: o.label } : {}) };
  if (!statUserPath(path, 'dataset').isDirectory()) {
    const ext = extname(path).toLowerCase();
    if (ext === '.tsv' || ext === '.jsonl' || (ext === '.csv' && isTextCsv(path, text))) return readTextDataset(path, undefined, text);
    if (ext === '.csv') return { data: readCsvDataset(path, o) };
    throw dataError(path, 'not a dataset: give a .csv, .tsv or .jsonl file or a folder (IDX files, CIFAR batches, train/test text files, or one sub-folder of images per class)');
  }
  const files = readUserFolder(path, 'dataset folder');
  const idx = (prefix: string) => {
    const img = files.find((f) => IDX_PAIR.exec(f)?.[1] === prefix);
    if (!img) return undefined;
    const lab = files.find((f) => f === img.replace('-images', '-labels').replace('idx3', 'idx1'));
    if (!lab) throw dataError(join(path, img), `no matching labels file (${img.replace('-images', '-labels').replace('idx3', 'idx1')})`);
    return readIdx(join(path, img), join(path, lab), undefined, lim);
  };
  const train = idx('train');
  if (train) {
    const test = idx('t10k') ?? idx('test');
    return { data: train, ...(test ? { test } : {}) };
  }
  const batches = files.filter((f) => /^data_batch_\d+\.bin$/.test(f));
  if (batches.length > 0) {
    const test = files.includes('test_batch.bin') ? readCifar([join(path, 'test_batch.bin')], 10, undefined, lim) : undefined;
    return { data: readCifar(batches.map((f) => join(path, f)), 10, undefined, lim), ...(test ? { test } : {}) };
  }
  if (files.includes('train.bin')) {
    const test = files.includes('test.bin') ? readCifar([join(path, 'test.bin')], 100, undefined, lim) : undefined;
    return { data: readCifar([join(path, 'train.bin')], 100, undefined, lim), ...(test ? { test } : {}) };
  }
  if (isSpeechFolder(path, files)) return readSpeechFolder(path, o);
  const textFile = (stem: string) => TEXT_EXTENSIONS.map((e) => `${stem}${e}`).find((f) => files.includes(f));
  const textTrain = textFile('train');
  if (textTrain) {
    const textTest = textFile('test');
    return readTextDataset(join(path, textTrain), textTest === undefined ? undefined : join(path, textTest), text);
  }
  return { data: readImageFolder(path, o) };
}

