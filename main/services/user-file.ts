/**
 * Opening files the user names (datasets, tables, space documents) safely. Every reader of a user
 * path goes through here, so each gets the same guarantees:
 *
 * - only regular files are opened: a folder, a named pipe (FIFO), a socket or a device is refused
 *   by a stat before opening, and again by an fstat of the opened descriptor (opened non-blocking,
 *   so a path swapped for a FIFO in between cannot hang the read);
 * - sizes are bounded: the file itself (`maxBytes`) and, for gzip, what it inflates to
 *   (`maxInflatedBytes`), so a 1 MB gzip bomb cannot become gigabytes;
 * - every failure is one NasError('invalid-input') naming the file and the reason in words
 *   ('broken symbolic link', 'is a folder, not a file', 'is not UTF-8 text', …), never a bare
 *   ENOENT/EISDIR and never raw bytes of the file.
 */
import { isUtf8 } from 'node:buffer';
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, statSync, type Stats } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { errorMessage, NasError } from '../../shared/errors.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/**
 * Default limits. They are generous for what Frontier trains on (small images, MNIST/CIFAR-sized
 * sets, tables of a few hundred thousand rows) and small enough that a hostile or mistaken file
 * ends in a clear error instead of exhausting memory.
 */
export const USER_FILE_LIMITS = {
  /** A binary data file as stored on disk (IDX, CIFAR batch). */
  dataBytes: 1 * GiB,
  /** What one gzip-compressed file may inflate to. */
  inflatedBytes: 1 * GiB,
  /** A text file (CSV table or dataset). */
  textBytes: 256 * MiB,
  /** A search-space document (.yaml/.json). */
  spaceBytes: 16 * MiB,
  /** One image file on disk. */
  imageFileBytes: 64 * MiB,
  /** One image's width × height, read from its header before decoding. */
  imagePixels: 25_000_000,
  /**
   * All images of an image folder together, decoded as RGBA. Images are decoded one at a time, so
   * this bounds the time a folder takes, not memory (datasetBytes bounds the result).
   */
  decodedImageBytes: 8 * GiB,
  /** A dataset's examples in memory (bytes of uint8 pixels or float32 features). */
  datasetBytes: 1 * GiB,
  /** Classes of a dataset (labels are 0..classes−1). */
  classes: 10_000,
} as const;

export type UserFileLimits = { -readonly [K in keyof typeof USER_FILE_LIMITS]: number };

/** The defaults, with any overrides (tests use small ones). */
export function userFileLimits(over: Partial<UserFileLimits> = {}): UserFileLimits {
  return { ...USER_FILE_LIMITS, ...over };
}

/** '1.5 GiB', '300 MiB', '12 KiB', '17 bytes'. */
export function formatBytes(n: number): string {
  if (n >= GiB) return `${+(n / GiB).toFixed(1)} GiB`;
  if (n >= MiB) return `${+(n / MiB).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

/**
 * Text from a file or its name made safe to show in a one-line message: control characters (C0,
 * DEL, C1), U+FFFD, lone surrogates, the BOM and bidirectional overrides become \uXXXX.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff\ufffd]|\p{Cs}/gu, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `cannot read <what> <path>: <reason>`, one line (the path made printable). */
export function userFileError(path: string, what: string, reason: string): NasError {
  return new NasError('invalid-input', `cannot read ${what} ${printable(path)}: ${reason}`);
}

function code(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

/** A filesystem error in words; ENOENT on a dangling symbolic link says so. */
function reasonOf(path: string, e: unknown): string {
  switch (code(e)) {
    case 'ENOENT': {
      try {
        if (lstatSync(path).isSymbolicLink()) return `broken symbolic link (it points to ${printable(readlinkSync(path))}, which does not exist)`;
      } catch {
        // not there at all
      }
      return 'no such file or folder (ENOENT)';
    }
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code(e)})`;
    case 'ELOOP':
      return 'symbolic link loop (ELOOP)';
    case 'ENOTDIR':
      return 'a part of the path is not a folder (ENOTDIR)';
    case 'ENAMETOOLONG':
      return 'the path is too long (ENAMETOOLONG)';
    case 'EISDIR':
      return 'is a folder, not a file';
    default:
      return printable(errorMessage(e));
  }
}

/** What a non-regular file is, for messages. */
function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'is a folder, not a file';
  if (st.isFIFO()) return 'is a named pipe (FIFO), not a regular file';
  if (st.isSocket()) return 'is a socket, not a regular file';
  if (st.isCharacterDevice()) return 'is a character device, not a regular file';
  if (st.isBlockDevice()) return 'is a block device, not a regular file';
  return 'is not a regular file';
}

/** stat(path) (following symbolic links), with errors in words. */
export function statUserPath(path: string, what = 'file'): Stats {
  try {
    return statSync(path);
  } catch (e) {
    throw userFileError(path, what, reasonOf(path, e));
  }
}

/** The names in a folder (sorted), with errors in words. */
export function readUserFolder(path: string, what = 'folder'): string[] {
  const st = statUserPath(path, what);
  if (!st.isDirectory()) throw userFileError(path, what, 'is not a folder');
  try {
    return readdirSync(path).sort();
  } catch (e) {
    throw userFileError(path, what, reasonOf(path, e));
  }
}

export interface ReadUserFileOptions {
  /** What the file is, for messages: 'table', 'space file', 'dataset file'. Default 'file'. */
  readonly what?: string;
  /** Largest file accepted (default USER_FILE_LIMITS.dataBytes). */
  readonly maxBytes?: number;
  /** Inflate gzip-compressed content (by its magic bytes 1f 8b). */
  readonly gunzip?: boolean;
  /** Largest inflated size accepted (default USER_FILE_LIMITS.inflatedBytes). */
  readonly maxInflatedBytes?: number;
}

/** Reads a regular file whole, within the size limits; optionally inflating gzip. */
export function readUserFile(path: string, o: ReadUserFileOptions = {}): Buffer {
  const what = o.what ?? 'file';
  const max = o.maxBytes ?? USER_FILE_LIMITS.dataBytes;
  const fail = (reason: string) => userFileError(path, what, reason);
  const st = statUserPath(path, what);
  if (!st.isFile()) throw fail(kindOf(st));
  if (st.size > max) throw fail(`${formatBytes(st.size)} is more than the ${formatBytes(max)} limit for a ${what}`);
  let fd: number;
  try {
    // Non-blocking: should the path have become a FIFO since the stat, opening it still returns.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw fail(reasonOf(path, e));
  }
  let buf: Buffer;
  try {
    const fst = fstatSync(fd);
    if (!fst.isFile()) throw fail(kindOf(fst));
    // The size is a hint (files under /proc say 0, a file may grow): read to EOF, up to max + 1.
    buf = Buffer.allocUnsafe(Math.min(max + 1, Math.max(fst.size + 1, 64 * 1024)));
    let len = 0;
    for (;;) {
      if (len === buf.length) {
        if (len > max) throw fail(`more than the ${formatBytes(max)} limit for a ${what}`);
        const bigger = Buffer.allocUnsafe(Math.min(max + 1, buf.length * 2));
        buf.copy(bigger, 0, 0, len);
        buf = bigger;
      }
      let n: number;
      try {
        n = readSync(fd, buf, len, buf.length - len, null);
      } catch (e) {
        throw fail(reasonOf(path, e));
      }
      if (n === 0) break;
      len += n;
    }
    buf = buf.subarray(0, len);
  } finally {
    closeSync(fd);
  }
  if (o.gunzip && buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    const maxOut = o.maxInflatedBytes ?? USER_FILE_LIMITS.inflatedBytes;
    try {
      return gunzipSync(buf, { maxOutputLength: maxOut });
    } catch (e) {
      if (code(e) === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
        throw fail(`is gzip-compressed and inflates to more than ${formatBytes(maxOut)} (the limit; ${formatBytes(buf.length)} compressed), which is not a plausible ${what}`);
      }
      throw fail(`is gzip-compressed but does not decompress (${reasonOf(path, e)}); the file is probably truncated`);
    }
  }
  return buf;
}

/** The offset of the first byte that is not valid UTF-8, or −1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  const n = b.length;
  let i = 0;
  while (i < n) {
    const c = b[i] as number;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    if (i + need >= n) return i; // truncated sequence
    const b1 = b[i + 1] as number;
    if (b1 < lo || b1 > hi) return i;
    for (let k = 2; k <= need; k++) {
      const bk = b[i + k] as number;
      if (bk < 0x80 || bk > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

function lineAt(b: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (b[i] === 0x0a) line++;
  return line;
}

/**
 * Bytes to text: UTF-8 (a UTF-8 byte-order mark is dropped), or UTF-16 LE/BE when it starts with
 * its byte-order mark. Anything else (NUL bytes, invalid UTF-8) is refused with a reason that says
 * where, never with the bytes themselves.
 */
export function decodeUserText(b: Uint8Array, path: string, what = 'file'): string {
  const fail = (reason: string) => userFileError(path, what, reason);
  let text: string;
  if ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff)) {
    const be = b[0] === 0xfe;
    if (b.length % 2 !== 0) throw fail(`UTF-16 text (by its byte-order mark) with an odd number of bytes (${b.length}); the file is probably truncated`);
    const body = Buffer.from(b.subarray(2));
    if (be) body.swap16();
    try {
      text = new TextDecoder('utf-16le', { fatal: true }).decode(body);
    } catch {
      throw fail('UTF-16 text (by its byte-order mark) with invalid surrogate pairs; save it as UTF-8');
    }
  } else {
    const body = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? b.subarray(3) : b;
    const nul = body.indexOf(0);
    if (nul >= 0) {
      // 'a\0b\0' or '\0a\0b': UTF-16 without a byte-order mark.
      const utf16 = body.length >= 4 && (body[1] === 0 || body[0] === 0) && (body[3] === 0 || body[2] === 0);
      throw fail(
        utf16
          ? 'is not UTF-8 text: it looks like UTF-16 without a byte-order mark; save it as UTF-8'
          : `is not UTF-8 text: it contains NUL bytes (the first at line ${lineAt(body, nul)}), so it is probably a binary file`,
      );
    }
    if (!isUtf8(body)) {
      const at = firstInvalidUtf8(body);
      throw fail(`is not UTF-8 text: byte 0x${(body[at] ?? 0).toString(16).padStart(2, '0')} at line ${lineAt(body, at)} is not valid UTF-8 (Latin-1 or another encoding?); save it as UTF-8`);
    }
    text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  }
  if (text.includes('\u0000')) throw fail('is not text: it contains NUL characters');
  return text;
}

/** Reads a regular text file (see `readUserFile` and `decodeUserText`); default limit USER_FILE_LIMITS.textBytes. */
export function readUserText(path: string, o: Omit<ReadUserFileOptions, 'gunzip' | 'maxInflatedBytes'> = {}): string {
  const buf = readUserFile(path, { ...o, maxBytes: o.maxBytes ?? USER_FILE_LIMITS.textBytes });
  return decodeUserText(buf, path, o.what ?? 'file');
}
