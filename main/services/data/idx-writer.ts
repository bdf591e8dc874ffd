import { gzipSync } from 'node:zlib';

/** An unsigned-byte IDX file (optionally gzipped): the inverse of `readIdxFile`. */
export function encodeIdx(dims: readonly number[], data: Uint8Array, gzip = true): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  const raw = Buffer.concat([header, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
  return gzip ? gzipSync(raw, { level: 9 }) : raw;
}
