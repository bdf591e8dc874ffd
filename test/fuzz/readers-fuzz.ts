/**
 * Property-based fuzzing of every dataset reader (IDX, CIFAR binary, image folders of PNG/JPEG, CSV
 * datasets) and of the generic user-file opener, with fast-check. Each input is a valid file made at
 * random, then maybe mutated (truncated, bytes flipped, a header field set to 0 or 2³²−1, garbage
 * appended, re-encoded). The invariant: the reader returns a dataset that passes its own checks, or
 * throws a NasError('invalid-input') whose message is one readable line naming the file — no other
 * exception, no stack trace, no hang, no huge allocation.
 *
 * Runs as its own process (test/fuzz/readers.test.ts starts it with a small heap and a timeout, so a
 * hang or an out-of-memory crash is caught and named instead of taking the test runner down):
 *   node --import tsx test/fuzz/readers-fuzz.ts            (FRONTIER_FUZZ_RUNS, FRONTIER_FUZZ_SEED)
 *   FRONTIER_FUZZ_RUNS=20000 npx vitest run test/fuzz/readers
 * Before each input it writes `<reader> <folder>` to $FRONTIER_FUZZ_PROGRESS, so the files of an input
 * that hung are left on disk to replay. The last line of stdout is the JSON report.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { NasError } from '../../shared/errors.js';
import type { Dataset } from '../../main/services/data/dataset.js';
import { encodeIdx } from '../../main/services/data/idx-writer.js';
import { readCifar, readCsvDataset, readDataset, readIdx, readImageFolder } from '../../main/services/data/readers.js';
import { printable, readUserFile, readUserText, type UserFileLimits } from '../../main/services/user-file.js';

export const FUZZ_SEED = Number(process.env['FRONTIER_FUZZ_SEED'] ?? 20261130);
export function fuzzRuns(ciDefault: number): number {
  const n = Number(process.env['FRONTIER_FUZZ_RUNS'] ?? ciDefault);
  return Number.isInteger(n) && n > 0 ? n : ciDefault;
}

/** Small limits, so that refusing is cheap; the same code paths as the defaults. */
const LIMITS: Partial<UserFileLimits> = {
  dataBytes: 4 * 1024 * 1024,
  inflatedBytes: 4 * 1024 * 1024,
  textBytes: 1024 * 1024,
  imageFileBytes: 1024 * 1024,
  imagePixels: 1_000_000,
  decodedImageBytes: 32 * 1024 * 1024,
  datasetBytes: 8 * 1024 * 1024,
};
/** An input slower than this counts as a hang (the parent also kills the whole run on its timeout). */
const SLOW_MS = 5000;

export interface ReaderTally {
  inputs: number;
  ok: number;
  refused: number;
  crashes: number;
  hangs: number;
  stackTraces: number;
  slowestMs: number;
  totalMs: number;
  failure?: string;
}

// ---------------------------------------------------------------------------------------------
// Mutations

type Mutation =
  | { kind: 'none' }
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; at: readonly [number, number][] }
  | { kind: 'append'; bytes: Uint8Array }
  | { kind: 'field'; field: number; value: number }
  | { kind: 'random'; bytes: Uint8Array }
  | { kind: 'empty' };

const u32 = fc.oneof(fc.constantFrom(0, 1, 0xff, 0xffff, 0x7fffffff, 0xffffffff, 65_535, 100_000), fc.integer({ min: 0, max: 0xffffffff }));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('field' as const), field: fc.nat(), value: u32 }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 256 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'empty' as const }) },
);

/** A header field: where it is and how wide (bytes, big-endian). */
interface Field {
  readonly at: number;
  readonly size: 1 | 2 | 4;
}

function mutate(buf: Uint8Array, m: Mutation, fields: readonly Field[]): Buffer {
  const b = Buffer.from(buf);
  switch (m.kind) {
    case 'none':
      return b;
    case 'truncate':
      return b.subarray(0, b.length === 0 ? 0 : m.at % b.length);
    case 'flip':
      for (const [at, x] of m.at) if (b.length > 0) b[at % b.length] = (b[at % b.length] as number) ^ x;
      return b;
    case 'append':
      return Buffer.concat([b, m.bytes]);
    case 'field': {
      const f = fields[m.field % Math.max(1, fields.length)];
      if (!f || f.at + f.size > b.length) return b;
      if (f.size === 1) b[f.at] = m.value & 0xff;
      else if (f.size === 2) b.writeUInt16BE(m.value & 0xffff, f.at);
      else b.writeUInt32BE(m.value >>> 0, f.at);
      return b;
    }
    case 'random':
      return Buffer.from(m.bytes);
    case 'empty':
      return Buffer.alloc(0);
  }
}

// ---------------------------------------------------------------------------------------------
// Invariants

const LEAK = /\n\s+at |\b(?:TypeError|RangeError|URIError|SyntaxError|ReferenceError|Error): |node:internal|\[object /;

class Violation extends Error {}

/** A result must satisfy the dataset invariants; `maxValues` bounds its size by what was read. */
function checkResult(d: Dataset, maxValues: number): void {
  const [h, w, c] = d.shape;
  const n = d.y.length;
  const fail = (what: string) => {
    throw new Violation(`result from ${d.source}: ${what}`);
  };
  if (!(n >= 1)) fail('no examples');
  for (const v of d.shape) if (!(Number.isInteger(v) && v >= 1)) fail(`shape ${d.shape.join('×')}`);
  if (!(Number.isInteger(d.classes) && d.classes >= 1 && d.classes <= 10_000)) fail(`${d.classes} classes`);
  if (d.x.length !== n * h * w * c) fail(`${d.x.length} values for ${n} examples of ${d.shape.join('×')}`);
  if (d.x.length > maxValues) fail(`${d.x.length} values, more than the ${maxValues} the input can justify`);
  for (let i = 0; i < n; i++) {
    const l = d.y[i] as number;
    if (!(Number.isInteger(l) && l >= 0 && l < d.classes)) fail(`label ${l} of example ${i} outside 0..${d.classes - 1}`);
  }
  for (let i = 0; i < d.x.length; i++) if (!Number.isFinite(d.x[i] as number)) fail(`value ${d.x[i]} at ${i} is not finite`);
  if (d.classNames && d.classNames.length !== d.classes) fail(`${d.classNames.length} class names for ${d.classes} classes`);
}

/** An error must be a NasError('invalid-input') with one readable line that names `where`. */
function checkError(e: unknown, where: string, t: ReaderTally): void {
  if (!(e instanceof NasError)) {
    if (e instanceof Error && e.stack && LEAK.test(e.stack)) t.stackTraces++;
    throw new Violation(`not a NasError: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
  const m = e.message;
  if (e.code !== 'invalid-input') throw new Violation(`NasError code ${e.code}: ${m}`);
  if (LEAK.test(m)) {
    t.stackTraces++;
    throw new Violation(`message shows internals: ${JSON.stringify(m)}`);
  }
  if (m.length === 0 || m.length > 600) throw new Violation(`message of ${m.length} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028-\u202e\u2066-\u2069\ufeff\ufffd]|\p{Cs}/u.test(m)) throw new Violation(`message has control or replacement characters: ${JSON.stringify(m)}`);
  if (!m.includes(where)) throw new Violation(`message does not name ${where}: ${m}`);
}

// ---------------------------------------------------------------------------------------------
// The harness: one property per reader

const root = mkdtempSync(join(tmpdir(), 'frontier-fuzz-readers-'));
const progress = process.env['FRONTIER_FUZZ_PROGRESS'];
let inputNo = 0;
let peakRss = 0;

function freshDir(reader: string): string {
  const d = join(root, `${reader}-${inputNo++}`);
  mkdirSync(d, { recursive: true });
  return d;
}

/**
 * Runs one input: `setup` writes the files into a fresh folder and returns what to call, where the
 * errors must point and how many values a result may have.
 */
function runInput(reader: string, t: ReaderTally, setup: (dir: string) => { call: () => Dataset | Buffer | string; where: string; maxValues: number; check?: (r: Buffer | string) => void }): boolean {
  const dir = freshDir(reader);
  const input = setup(dir);
  if (progress) writeFileSync(progress, `${reader} ${dir}\n`);
  t.inputs++;
  const start = performance.now();
  let result: Dataset | Buffer | string | undefined;
  let error: unknown;
  let threw = false;
  try {
    result = input.call();
  } catch (e) {
    threw = true;
    error = e;
  }
  const ms = performance.now() - start;
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  t.slowestMs = Math.max(t.slowestMs, Math.round(ms));
  try {
    if (ms > SLOW_MS) {
      t.hangs++;
      throw new Violation(`took ${Math.round(ms)} ms`);
    }
    if (threw) {
      checkError(error, input.where, t);
      t.refused++;
      if (process.env['FRONTIER_FUZZ_VERBOSE']) process.stderr.write(`${reader}: ${(error as Error).message.replace(root, '…')}\n`);
    } else if (typeof result === 'string' || Buffer.isBuffer(result)) {
      input.check?.(result);
      t.ok++;
    } else {
      checkResult(result as Dataset, input.maxValues);
      t.ok++;
    }
  } catch (v) {
    if (!(v instanceof Violation) || !/took \d+ ms/.test(v.message)) t.crashes++;
    throw v;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return true;
}

// IDX -------------------------------------------------------------------------------------------

const idxInput = fc.record({
  n: fc.integer({ min: 1, max: 8 }),
  h: fc.integer({ min: 1, max: 8 }),
  w: fc.integer({ min: 1, max: 8 }),
  c: fc.constantFrom(0, 1, 3),
  classes: fc.integer({ min: 1, max: 12 }),
  seed: fc.nat(),
  gzip: fc.boolean(),
  target: fc.constantFrom('images', 'labels'),
  mutation,
  bomb: fc.oneof({ weight: 9, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 5, max: 8 }) }),
});

function idxProperty(t: ReaderTally) {
  return fc.property(idxInput, (a) =>
    runInput('idx', t, (dir) => {
      const dims = a.c === 0 ? [a.n, a.h, a.w] : [a.n, a.h, a.w, a.c];
      const per = a.h * a.w * (a.c || 1);
      const px = Uint8Array.from({ length: a.n * per }, (_, i) => (i * 31 + a.seed) & 0xff);
      const lb = Uint8Array.from({ length: a.n }, (_, i) => (i + a.seed) % a.classes);
      const fields: Field[] = [{ at: 2, size: 1 }, { at: 3, size: 1 }, ...[0, 1, 2, 3].map((i) => ({ at: 4 + 4 * i, size: 4 as const }))];
      const raw = { images: encodeIdx(dims, px, false), labels: encodeIdx([a.n], lb, false) };
      const write = (which: 'images' | 'labels') => {
        let b: Buffer = raw[which];
        if (which === a.target) b = mutate(b, a.mutation, fields);
        if (a.bomb && which === a.target) b = gzipSync(Buffer.concat([b, Buffer.alloc(a.bomb * 1024 * 1024)]), { level: 1 });
        else if (a.gzip) b = gzipSync(b, { level: 1 });
        const p = join(dir, `${which}.idx${a.gzip ? '.gz' : ''}`);
        writeFileSync(p, b);
        return p;
      };
      const images = write('images');
      const labels = write('labels');
      return { call: () => readIdx(images, labels, undefined, LIMITS), where: dir, maxValues: LIMITS.inflatedBytes as number };
    }),
  );
}

// CIFAR -----------------------------------------------------------------------------------------

const cifarInput = fc.record({
  variant: fc.constantFrom(10 as const, 100 as const),
  labels: fc.array(fc.integer({ min: 0, max: 99 }), { minLength: 1, maxLength: 3 }),
  files: fc.integer({ min: 1, max: 2 }),
  seed: fc.nat(),
  mutation,
});

function cifarProperty(t: ReaderTally) {
  return fc.property(cifarInput, (a) =>
    runInput('cifar', t, (dir) => {
      const lb = a.variant === 10 ? 1 : 2;
      const record = lb + 3072;
      const files: string[] = [];
      for (let f = 0; f < a.files; f++) {
        const buf = Buffer.alloc(a.labels.length * record);
        a.labels.forEach((l, i) => {
          buf[i * record + lb - 1] = l % a.variant;
          for (let p = 0; p < 3072; p++) buf[i * record + lb + p] = (p * 7 + a.seed + i) & 0xff;
        });
        const fields = a.labels.map((_, i) => ({ at: i * record + lb - 1, size: 1 as const }));
        const p = join(dir, `data_batch_${f + 1}.bin`);
        writeFileSync(p, f === 0 ? mutate(buf, a.mutation, fields) : buf);
        files.push(p);
      }
      return { call: () => readCifar(files, a.variant, undefined, LIMITS), where: dir, maxValues: files.length * (LIMITS.dataBytes as number) };
    }),
  );
}

// Image folders -----------------------------------------------------------------------------------

const imageSpec = fc.record({
  format: fc.constantFrom('png', 'jpeg'),
  w: fc.integer({ min: 1, max: 12 }),
  h: fc.integer({ min: 1, max: 12 }),
  grey: fc.boolean(),
  seed: fc.nat(),
});
const folderInput = fc.record({
  classes: fc.array(fc.array(imageSpec, { minLength: 1, maxLength: 2 }), { minLength: 2, maxLength: 3 }),
  target: fc.nat(),
  mutation,
  size: fc.option(fc.tuple(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 })), { nil: undefined }),
  channels: fc.constantFrom(undefined, 1 as const, 3 as const),
});

const JPEG_POOL = 16;
let pool: Buffer[] | undefined;
function jpegPool(): Buffer[] {
  pool ??= Array.from({ length: JPEG_POOL }, (_, k) => {
    const w = 1 + ((k * 5) % 12);
    const h = 1 + ((k * 7) % 12);
    const rgba = Buffer.alloc(w * h * 4);
    for (let i = 0; i < w * h; i++) rgba.set(k % 2 ? [i & 0xff, i & 0xff, i & 0xff, 255] : [i & 0xff, (i * 3) & 0xff, (i * 7) & 0xff, 255], i * 4);
    return Buffer.from(jpeg.encode({ data: rgba, width: w, height: h }, 50 + k * 3).data);
  });
  return pool;
}

function encodeImage(s: { format: string; w: number; h: number; grey: boolean; seed: number }): { bytes: Buffer; fields: Field[] } {
  const rgba = Buffer.alloc(s.w * s.h * 4);
  for (let i = 0; i < s.w * s.h; i++) {
    const v = (i * 37 + s.seed) & 0xff;
    rgba.set(s.grey ? [v, v, v, 255] : [v, (v * 3) & 0xff, (v * 7) & 0xff, 255], i * 4);
  }
  if (s.format === 'png') {
    const p = new PNG({ width: s.w, height: s.h });
    rgba.copy(p.data);
    return { bytes: PNG.sync.write(p), fields: [{ at: 16, size: 4 }, { at: 20, size: 4 }, { at: 24, size: 1 }, { at: 25, size: 1 }] };
  }
  // jpeg-js takes ~30 ms per encode, so JPEGs come from a pool made once (sizes 1..12, grey and colour).
  const bytes = jpegPool()[(s.w * 13 + s.h + (s.grey ? 1000 : 0) + s.seed) % JPEG_POOL] as Buffer;
  const sof = bytes.indexOf(Buffer.from([0xff, 0xc0]));
  return { bytes, fields: sof < 0 ? [] : [{ at: sof + 5, size: 2 }, { at: sof + 7, size: 2 }, { at: sof + 9, size: 1 }] };
}

function folderProperty(t: ReaderTally) {
  return fc.property(folderInput, (a) =>
    runInput('images', t, (dir) => {
      const all = a.classes.flat();
      const target = a.target % all.length;
      let k = 0;
      a.classes.forEach((imgs, ci) => {
        mkdirSync(join(dir, `class${ci}`));
        for (const [ii, s] of imgs.entries()) {
          const { bytes, fields } = encodeImage(s);
          writeFileSync(join(dir, `class${ci}`, `img${ii}.${s.format === 'png' ? 'png' : 'jpg'}`), k++ === target ? mutate(bytes, a.mutation, fields) : bytes);
        }
      });
      const opts = { ...(a.size ? { size: a.size } : {}), ...(a.channels ? { channels: a.channels } : {}), limits: LIMITS };
      return { call: () => readImageFolder(dir, opts), where: dir, maxValues: LIMITS.datasetBytes as number };
    }),
  );
}

// CSV datasets -------------------------------------------------------------------------------------

const cell = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -1000, max: 1000 }).map(String) },
  { weight: 3, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(String) },
  { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map(String) },
  { weight: 1, arbitrary: fc.constantFrom('1e39', '-1e39', '3.4e38', '1e-50', '0x10', '', ' 7 ', 'NaN', 'Infinity', '1,5') },
);
const label = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 5 }).map(String) },
  { weight: 4, arbitrary: fc.constantFrom('cat', 'dog', 'bird') },
  { weight: 1, arbitrary: fc.constantFrom('cat', 'dog', 'bird', '-1', '2.5', '99999999', '10000', '9999', '1e3', '007', 'ünïcödé', '"quoted"', '') },
);
const csvInput = fc.record({
  features: fc.integer({ min: 1, max: 4 }),
  rows: fc.array(fc.tuple(fc.array(cell, { minLength: 4, maxLength: 4 }), label), { minLength: 1, maxLength: 12 }),
  named: fc.boolean(),
  labelOpt: fc.constantFrom(undefined, undefined, undefined, 'label', 'f0', 'missing'),
  encoding: fc.constantFrom('utf8', 'utf8', 'utf8', 'utf8', 'utf8', 'utf8-bom', 'utf16le-bom', 'utf16be-bom', 'utf16le', 'latin1'),
  crlf: fc.boolean(),
  edits: fc.oneof({ weight: 3, arbitrary: fc.constant([] as [number, number, string][]) }, { weight: 1, arbitrary: fc.array(fc.tuple(fc.nat(), fc.nat({ max: 3 }), fc.string({ unit: 'binary', maxLength: 4 })), { maxLength: 4 }) }),
  bytes: fc.oneof({ weight: 4, arbitrary: fc.constant({ kind: 'none' } as Mutation) }, { weight: 1, arbitrary: mutation }),
  manyRows: fc.oneof({ weight: 15, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 150_000, max: 160_000 }) }),
});

function csvProperty(t: ReaderTally) {
  return fc.property(csvInput, (a) =>
    runInput('csv', t, (dir) => {
      const header = [...Array.from({ length: a.features }, (_, i) => `f${i}`), 'label'];
      const lines = [header.join(',')];
      a.rows.forEach(([cells, l], i) => lines.push([...cells.slice(0, a.features), a.named ? l : String(i % 3)].join(',')));
      for (let i = 0; i < a.manyRows; i++) lines.push(`${`${i % 10},`.repeat(a.features)}${i % 3}`);
      let text = lines.join(a.crlf ? '\r\n' : '\n') + '\n';
      for (const [at, del, ins] of a.edits) {
        const p = at % (text.length + 1);
        text = text.slice(0, p) + ins + text.slice(p + del);
      }
      let bytes: Buffer;
      switch (a.encoding) {
        case 'utf8-bom':
          bytes = Buffer.from(`\ufeff${text}`, 'utf8');
          break;
        case 'utf16le-bom':
          bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
          break;
        case 'utf16be-bom':
          bytes = Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]);
          break;
        case 'utf16le':
          bytes = Buffer.from(text, 'utf16le');
          break;
        case 'latin1':
          bytes = Buffer.from(text, 'latin1');
          break;
        default:
          bytes = Buffer.from(text, 'utf8');
      }
      const p = join(dir, 'data.csv');
      writeFileSync(p, mutate(bytes, a.bytes, []));
      const opts = { ...(a.labelOpt ? { label: a.labelOpt } : {}), limits: { ...LIMITS, textBytes: 4 * 1024 * 1024 } };
      return { call: () => readCsvDataset(p, opts), where: p, maxValues: 4 * 1024 * 1024 };
    }),
  );
}

// The generic opener ---------------------------------------------------------------------------------

const openerInput = fc.record({
  kind: fc.constantFrom('bytes', 'text', 'utf16-bom', 'utf16', 'empty', 'fifo', 'folder', 'broken-link', 'link', 'link-loop', 'dev-null', 'gzip', 'gzip-bomb', 'too-big', 'missing'),
  bytes: fc.uint8Array({ maxLength: 512 }),
  text: fc.string({ unit: 'grapheme', maxLength: 64 }),
  asText: fc.boolean(),
  gunzip: fc.boolean(),
  viaDataset: fc.boolean(),
  name: fc.constantFrom('input.csv', 'input.csv', 'input.csv', 'in\nput.csv', 'in\u202eput.csv', 'in\u0000put.csv'.replace('\u0000', '\u0007'), 'ïnpüt.csv'),
});

function openerProperty(t: ReaderTally) {
  const maxBytes = 64 * 1024;
  const maxInflatedBytes = 256 * 1024;
  return fc.property(openerInput, (a) =>
    runInput('opener', t, (dir) => {
      let p = join(dir, a.name);
      switch (a.kind) {
        case 'bytes':
          writeFileSync(p, a.bytes);
          break;
        case 'text':
          writeFileSync(p, a.text);
          break;
        case 'utf16-bom':
          writeFileSync(p, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(a.text, 'utf16le')]));
          break;
        case 'utf16':
          writeFileSync(p, Buffer.from(a.text, 'utf16le'));
          break;
        case 'empty':
          writeFileSync(p, '');
          break;
        case 'fifo':
          execFileSync('mkfifo', [p]);
          break;
        case 'folder':
          mkdirSync(p);
          break;
        case 'broken-link':
          symlinkSync(join(dir, 'nowhere'), p);
          break;
        case 'link':
          writeFileSync(join(dir, 'target'), a.bytes);
          symlinkSync(join(dir, 'target'), p);
          break;
        case 'link-loop':
          symlinkSync(p, p);
          break;
        case 'dev-null':
          p = '/dev/null';
          break;
        case 'gzip':
          writeFileSync(p, gzipSync(a.bytes));
          break;
        case 'gzip-bomb':
          writeFileSync(p, gzipSync(Buffer.alloc(maxInflatedBytes + 1 + a.bytes.length * 1024)));
          break;
        case 'too-big':
          writeFileSync(p, Buffer.alloc(maxBytes + 1 + a.bytes.length));
          break;
        case 'missing':
          p = join(dir, 'missing', 'input.csv');
          break;
      }
      const check = (r: Buffer | string) => {
        if (typeof r === 'string') {
          if (r.includes('\u0000')) throw new Violation('text with a NUL character');
          if (r.length > maxBytes) throw new Violation(`text of ${r.length} characters from a ${maxBytes}-byte limit`);
        } else if (r.length > (a.gunzip ? maxInflatedBytes : maxBytes)) throw new Violation(`${r.length} bytes beyond the limit`);
      };
      const call = a.viaDataset ? () => readDataset(p, { limits: { ...LIMITS, textBytes: maxBytes } }).data : a.asText ? () => readUserText(p, { maxBytes }) : () => readUserFile(p, { maxBytes, gunzip: a.gunzip, maxInflatedBytes });
      return { call, where: printable(p), maxValues: maxBytes, check };
    }),
  );
}

// ---------------------------------------------------------------------------------------------

export interface FuzzReport {
  seed: number;
  runs: number;
  peakRssMiB: number;
  readers: Record<string, ReaderTally>;
}

export function runFuzz(runs: number, seed: number): FuzzReport {
  const readers: Record<string, ReaderTally> = {};
  peakRss = process.memoryUsage.rss();
  const run = <T>(name: string, make: (t: ReaderTally) => fc.IPropertyWithHooks<T>) => {
    const t: ReaderTally = { inputs: 0, ok: 0, refused: 0, crashes: 0, hangs: 0, stackTraces: 0, slowestMs: 0, totalMs: 0 };
    readers[name] = t;
    const start = performance.now();
    const details = fc.check(make(t), { seed, numRuns: runs });
    t.totalMs = Math.round(performance.now() - start);
    if (details.failed) {
      const err = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      t.failure = `${err}\n  replay: FRONTIER_FUZZ_SEED=${details.seed} (path ${details.counterexamplePath})\n  counterexample: ${fc.stringify(details.counterexample).slice(0, 2000)}`;
    }
  };
  try {
    run('IDX', idxProperty);
    run('CIFAR binary', cifarProperty);
    run('image folder (PNG/JPEG)', folderProperty);
    run('CSV dataset', csvProperty);
    run('user-file opener', openerProperty);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return { seed, runs, peakRssMiB: Math.round(peakRss / (1024 * 1024)), readers };
}

if (process.argv[1] && /readers-fuzz\.ts$/.test(process.argv[1])) {
  const report = runFuzz(fuzzRuns(100), FUZZ_SEED);
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
