/**
 * The adb transport wire format (AOSP `adb/protocol.txt`): every message is a 24-byte header of six
 * little-endian uint32 words — command, arg0, arg1, data_length, data_check (sum of the payload
 * bytes), magic (command ^ 0xffffffff) — followed by data_length payload bytes.
 */

export const A_SYNC = 0x434e5953;
export const A_CNXN = 0x4e584e43;
export const A_AUTH = 0x48545541;
export const A_OPEN = 0x4e45504f;
export const A_OKAY = 0x59414b4f;
export const A_CLSE = 0x45534c43;
export const A_WRTE = 0x45545257;
export const A_STLS = 0x534c5453;

/** Protocol version that lets both sides skip the payload checksum (adb ≥ 1.0.39). */
export const A_VERSION_SKIP_CHECKSUM = 0x01000001;
export const A_VERSION_MIN = 0x01000000;

/** AUTH arg0 values. */
export const AUTH_TOKEN = 1;
export const AUTH_SIGNATURE = 2;
export const AUTH_RSAPUBLICKEY = 3;

export const HEADER_BYTES = 24;

export interface AdbMessage {
  readonly command: number;
  readonly arg0: number;
  readonly arg1: number;
  readonly data: Buffer;
}

export function commandName(command: number): string {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(command >>> 0);
  return b.toString('latin1');
}

export function checksum(data: Buffer): number {
  let sum = 0;
  for (const byte of data) sum = (sum + byte) >>> 0;
  return sum;
}

export function encodeMessage(command: number, arg0: number, arg1: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32LE(command >>> 0, 0);
  header.writeUInt32LE(arg0 >>> 0, 4);
  header.writeUInt32LE(arg1 >>> 0, 8);
  header.writeUInt32LE(data.length, 12);
  header.writeUInt32LE(checksum(data), 16);
  header.writeUInt32LE((command ^ 0xffffffff) >>> 0, 20);
  return Buffer.concat([header, data]);
}

/** Incremental decoder: feed it socket chunks, get whole messages; throws on a corrupt header. */
export class MessageDecoder {
  private buf: Buffer = Buffer.alloc(0);
  /** When false (peer speaks A_VERSION_SKIP_CHECKSUM), data_check is not verified. */
  verifyChecksum = true;

  push(chunk: Buffer): AdbMessage[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: AdbMessage[] = [];
    while (this.buf.length >= HEADER_BYTES) {
      const command = this.buf.readUInt32LE(0);
      const magic = this.buf.readUInt32LE(20);
      if (((command ^ 0xffffffff) >>> 0) !== magic) throw new Error(`bad adb message magic for ${commandName(command)}`);
      const length = this.buf.readUInt32LE(12);
      if (this.buf.length < HEADER_BYTES + length) break;
      const data = Buffer.from(this.buf.subarray(HEADER_BYTES, HEADER_BYTES + length));
      const check = this.buf.readUInt32LE(16);
      if (this.verifyChecksum && check !== 0 && check !== checksum(data)) {
        throw new Error(`bad adb payload checksum for ${commandName(command)}`);
      }
      out.push({ command, arg0: this.buf.readUInt32LE(4), arg1: this.buf.readUInt32LE(8), data });
      this.buf = this.buf.subarray(HEADER_BYTES + length);
    }
    return out;
  }
}

/** Sync-protocol ids (AOSP `adb/SYNC.TXT`): 4 ASCII bytes read as a little-endian uint32. */
export function syncId(name: string): number {
  return Buffer.from(name, 'latin1').readUInt32LE(0);
}

export function encodeSyncPacket(id: string, lengthOrValue: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, 'latin1');
  head.writeUInt32LE(lengthOrValue >>> 0, 4);
  return Buffer.concat([head, data]);
}
