import type { DeviceFs } from './device-fs.js';
import { encodeSyncPacket } from './wire.js';

/** Largest DATA chunk of the sync protocol (SYNC.TXT: 64 KiB). */
export const SYNC_DATA_MAX = 64 * 1024;

/**
 * The device side of `sync:` (AOSP SYNC.TXT, v1): 8-byte requests `ID + uint32 length` followed by
 * `length` bytes. STAT → `STAT mode size mtime`; LIST → DENT… DONE; SEND `path,mode` then DATA… DONE
 * (its length field carries the mtime) → OKAY or FAIL; RECV → DATA… DONE or FAIL; QUIT ends it.
 * Requests may be split across, or packed into, transport WRTE messages in any way.
 */
export class SyncService {
  private buf: Buffer = Buffer.alloc(0);
  private send: { path: string; mode: number; chunks: Buffer[] } | undefined;
  private failed = false;

  constructor(
    private readonly fs: DeviceFs,
    private readonly write: (b: Buffer) => void,
    private readonly close: () => void,
    private readonly onPush?: (path: string, bytes: number) => void,
  ) {}

  onData(chunk: Buffer): void {
    this.buf = Buffer.concat([this.buf, chunk]);
    while (this.buf.length >= 8) {
      const id = this.buf.subarray(0, 4).toString('latin1');
      const len = this.buf.readUInt32LE(4);
      // DONE during SEND carries an mtime, not a length; no payload follows it.
      const payloadLen = id === 'DONE' || id === 'QUIT' ? 0 : len;
      if (this.buf.length < 8 + payloadLen) return;
      const payload = Buffer.from(this.buf.subarray(8, 8 + payloadLen));
      this.buf = this.buf.subarray(8 + payloadLen);
      this.handle(id, len, payload);
    }
  }

  private fail(message: string): void {
    const m = Buffer.from(message);
    this.write(encodeSyncPacket('FAIL', m.length, m));
  }

  private handle(id: string, len: number, payload: Buffer): void {
    if (this.send) {
      if (id === 'DATA') {
        this.send.chunks.push(payload);
        return;
      }
      if (id === 'DONE') {
        const { path, mode, chunks } = this.send;
        this.send = undefined;
        if (this.failed) return;
        try {
          const data = Buffer.concat(chunks);
          this.fs.write(path, data, mode & 0o777);
          this.onPush?.(path, data.length);
          this.write(encodeSyncPacket('OKAY', 0));
        } catch (e) {
          this.fail(`couldn't create file: ${(e as Error).message}`);
        }
        return;
      }
      this.send = undefined;
      this.fail(`unexpected ${id} during SEND`);
      return;
    }
    const arg = payload.toString('utf8');
    switch (id) {
      case 'STAT': {
        const s = this.fs.stat(arg);
        const body = Buffer.alloc(12);
        if (s) {
          body.writeUInt32LE(s.mode >>> 0, 0);
          body.writeUInt32LE(Math.min(s.size, 0xffffffff), 4);
          body.writeUInt32LE(s.mtime >>> 0, 8);
        }
        this.write(Buffer.concat([Buffer.from('STAT', 'latin1'), body]));
        return;
      }
      case 'LIST': {
        if (this.fs.isDir(arg)) {
          for (const name of this.fs.list(arg)) {
            const s = this.fs.stat(`${arg}/${name}`);
            const n = Buffer.from(name);
            const body = Buffer.alloc(16);
            body.writeUInt32LE((s?.mode ?? 0) >>> 0, 0);
            body.writeUInt32LE(Math.min(s?.size ?? 0, 0xffffffff), 4);
            body.writeUInt32LE((s?.mtime ?? 0) >>> 0, 8);
            body.writeUInt32LE(n.length, 12);
            this.write(Buffer.concat([Buffer.from('DENT', 'latin1'), body, n]));
          }
        }
        this.write(Buffer.concat([Buffer.from('DONE', 'latin1'), Buffer.alloc(16)]));
        return;
      }
      case 'SEND': {
        const comma = arg.lastIndexOf(',');
        const path = comma >= 0 ? arg.slice(0, comma) : arg;
        const mode = comma >= 0 ? Number(arg.slice(comma + 1)) : 0o644;
        this.failed = false;
        this.send = { path, mode: Number.isFinite(mode) ? mode : 0o644, chunks: [] };
        if (this.fs.isDir(path) || this.fs.isVirtual(path)) {
          this.failed = true;
          this.fail(`couldn't create file: ${path}: ${this.fs.isDir(path) ? 'Is a directory' : 'Read-only file system'}`);
        }
        return;
      }
      case 'RECV': {
        let data: Buffer;
        try {
          if (this.fs.isDir(arg)) throw new Error('Is a directory');
          data = this.fs.read(arg);
        } catch (e) {
          this.fail((e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message);
          return;
        }
        for (let off = 0; off < data.length; off += SYNC_DATA_MAX) {
          const part = data.subarray(off, off + SYNC_DATA_MAX);
          this.write(encodeSyncPacket('DATA', part.length, part));
        }
        this.write(encodeSyncPacket('DONE', 0));
        return;
      }
      case 'QUIT':
        this.close();
        return;
      default:
        this.fail(`unknown sync request ${JSON.stringify(id)} (length ${len})`);
        this.close();
    }
  }
}
