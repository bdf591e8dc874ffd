import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { request, type ClientRequest } from 'node:http';
import { connect } from 'node:net';
import { cliAsync } from './cli-helpers.js';

/** Starts `frontier serve --port 0` and resolves with the URL it prints. */
export async function startServe(db: string, extra: string[] = []): Promise<{ child: ChildProcess; url: URL; stderr: () => string }> {
  const child = cliAsync(['serve', '--port', '0', '--db', db, ...extra]);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL: ${out} ${err}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /(http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(new URL(m[1]!));
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  return { child, url, stderr: () => err };
}

export async function stopServe(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  child.kill('SIGINT');
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

/** The server's resident memory in bytes (Linux /proc), or undefined elsewhere. */
export function rssBytes(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

export interface RawReply {
  /** Everything the server sent before closing (or before `waitMs`). */
  readonly data: Buffer;
  /** A socket error the client saw (ECONNRESET …), if any. */
  readonly error?: string;
  /** Whether the server closed the connection within `waitMs`. */
  readonly closed: boolean;
}

/**
 * Writes raw bytes to 127.0.0.1:port and collects the reply until the server closes the connection
 * or `waitMs` passes (then the client closes it). Never rejects.
 */
export function rawExchange(port: number, data: Buffer | string | readonly (Buffer | string)[], waitMs = 1500): Promise<RawReply> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    let error: string | undefined;
    let closed = false;
    const timer = setTimeout(() => socket.destroy(), waitMs);
    socket.on('data', (d: Buffer) => got.push(d));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on('end', () => {
      closed = true;
      socket.end();
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ data: Buffer.concat(got), closed: closed || error !== undefined, ...(error ? { error } : {}) });
    });
    for (const d of Array.isArray(data) ? data : [data]) socket.write(d);
  });
}

/** A WebSocket upgrade request for /events (the token, extra header lines "Name: value"). */
export function upgradeRequest(token: string | undefined, extraHeaders: readonly string[] = [], path = '/events'): string {
  const target = token === undefined ? path : `${path}?token=${encodeURIComponent(token)}`;
  return [
    `GET ${target} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Upgrade: websocket',
    'Connection: Upgrade',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    ...extraHeaders,
    '',
    '',
  ].join('\r\n');
}

export interface FrameSpec {
  readonly fin?: boolean;
  /** RSV1..3 as a 3-bit number. */
  readonly rsv?: number;
  readonly opcode: number;
  /** The masking key; undefined sends an unmasked frame (a protocol error from a client). */
  readonly mask?: Buffer | undefined;
  readonly payload: Buffer;
  /** The length to announce, when it should differ from the payload's (64-bit form when > 65535). */
  readonly length?: number | bigint;
}

/** Encodes one WebSocket frame as RFC 6455 lays it out, without checking that it is valid. */
export function encodeFrame(f: FrameSpec): Buffer {
  const len = f.length ?? f.payload.length;
  const b0 = ((f.fin ?? true) ? 0x80 : 0) | ((f.rsv ?? 0) & 7) << 4 | (f.opcode & 0x0f);
  const maskBit = f.mask ? 0x80 : 0;
  let head: Buffer;
  if (typeof len === 'number' && len < 126) head = Buffer.from([b0, maskBit | len]);
  else if (typeof len === 'number' && len < 65536) {
    head = Buffer.alloc(4);
    head[0] = b0;
    head[1] = maskBit | 126;
    head.writeUInt16BE(len, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = b0;
    head[1] = maskBit | 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  if (!f.mask) return Buffer.concat([head, f.payload]);
  const key = f.mask;
  const body = Buffer.from(f.payload.map((x, i) => x ^ key[i % 4]!));
  return Buffer.concat([head, key, body]);
}

/** The close code of the first close frame (server frames are unmasked) after the 101 response. */
export function closeCodeAfterUpgrade(reply: Buffer): number | undefined {
  const end = reply.indexOf('\r\n\r\n');
  if (end < 0 || !reply.subarray(0, 12).toString().startsWith('HTTP/1.1 101')) return undefined;
  let i = end + 4;
  while (i + 2 <= reply.length) {
    const opcode = reply[i]! & 0x0f;
    let len = reply[i + 1]! & 0x7f;
    let off = i + 2;
    if (len === 126) {
      len = reply.readUInt16BE(off);
      off += 2;
    } else if (len === 127) {
      len = Number(reply.readBigUInt64BE(off));
      off += 8;
    }
    if (opcode === 8) return len >= 2 ? reply.readUInt16BE(off) : 1005;
    i = off + len;
  }
  return undefined;
}

/** One POST /rpc/<channel> with node's http client; the status and body text, or the client-side error. */
export function postRpc(
  port: number,
  channel: string,
  body: string | Buffer | ((req: ClientRequest) => void),
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; error?: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: `/rpc/${channel}`, method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', (e: NodeJS.ErrnoException) => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), error: e.code ?? e.message }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ status: 0, body: '', error: e.code ?? e.message }));
    if (typeof body === 'function') body(req);
    else req.end(body);
  });
}
