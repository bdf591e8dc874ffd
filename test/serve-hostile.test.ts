/**
 * `frontier serve` under hostile input: the real binary in a child process (so a crash is seen),
 * on 127.0.0.1 with port 0; each case sends one exact input with node's net/http and then checks
 * that the server is still up and still answers a valid call.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { tempDir } from './cli-helpers.js';
import { nb201Spec } from './fixtures/nb201-spec.js';
import {
  closeCodeAfterUpgrade,
  encodeFrame,
  postRpc,
  rawExchange,
  rssBytes,
  startServe,
  stopServe,
  upgradeRequest,
} from './serve-helpers.js';

const MiB = 1024 * 1024;
const MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);

describe('frontier serve under hostile input', () => {
  let child: ChildProcess;
  let port: number;
  let token: string;
  let stderr: () => string;

  let assets: string;
  let dir: string;
  /** A fresh server when the previous one died: each case then shows its own defect. */
  async function ensureServer(): Promise<void> {
    if (child && child.exitCode === null && child.signalCode === null) return;
    let url: URL;
    ({ child, url, stderr } = await startServe(join(dir, 'hostile.db'), ['--assets', assets]));
    port = Number(url.port);
    token = url.searchParams.get('token')!;
  }

  beforeAll(() => {
    dir = tempDir();
    assets = join(dir, 'assets');
    mkdirSync(assets);
    writeFileSync(join(assets, 'index.html'), '<!doctype html><title>Frontier</title>');
  });
  beforeEach(ensureServer);
  afterAll(async () => {
    if (child) await stopServe(child);
  });

  /** The server process lives and answers a valid call. */
  async function expectAlive(): Promise<void> {
    expect(child.exitCode, `server died: ${stderr()}`).toBeNull();
    const r = await postRpc(port, 'nas:study.list', 'null', { 'x-frontier-token': token });
    expect(r).toMatchObject({ status: 200 });
    expect(JSON.parse(r.body)).toMatchObject({ ok: true });
  }

  it.each([
    ['with the token', true],
    ['without the token', false],
  ])('refuses a WebSocket upgrade from an opaque origin (Origin: null, a sandboxed iframe) %s', async (_name, withToken) => {
    const reply = await rawExchange(port, upgradeRequest(withToken ? token : 'guess', ['Origin: null']));
    expect(reply.data.toString()).toMatch(withToken ? /^HTTP\/1\.1 403 / : /^HTTP\/1\.1 401 /);
    await expectAlive();
  });

  it.each(['null', 'file://', 'http://', '%%%', 'http://[::1', 'https://evil.example'])('refuses the upgrade from Origin %j and stays up', async (origin) => {
    const reply = await rawExchange(port, upgradeRequest(token, [`Origin: ${origin}`]));
    expect(reply.data.toString()).toMatch(/^HTTP\/1\.1 403 /);
    await expectAlive();
  });

  it('still accepts the upgrade from its own loopback origin', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/events?token=${token}`, { origin: `http://127.0.0.1:${port}` });
    await once(ws, 'open');
    ws.close();
  });

  it.each([
    ['an unmasked frame', 1002, encodeFrame({ opcode: 1, payload: Buffer.from('{}') })],
    ['reserved opcode 3', 1002, encodeFrame({ opcode: 3, mask: MASK, payload: Buffer.from('x') })],
    ['RSV1 without a negotiated extension', 1002, encodeFrame({ opcode: 1, rsv: 4, mask: MASK, payload: Buffer.from('x') })],
    ['a text frame of bad UTF-8', 1007, encodeFrame({ opcode: 1, mask: MASK, payload: Buffer.from([0xff, 0xfe, 0xc3]) })],
    ['close code 999', 1002, encodeFrame({ opcode: 8, mask: MASK, payload: Buffer.from([0x03, 0xe7]) })],
    ['a message over the size limit', 1009, encodeFrame({ opcode: 1, mask: MASK, payload: Buffer.alloc(0), length: 2 * MiB })],
  ])('closes only that WebSocket on %s (close code %i) and stays up', async (_name, code, frame) => {
    const reply = await rawExchange(port, [upgradeRequest(token), frame]);
    expect(closeCodeAfterUpgrade(reply.data)).toBe(code);
    await expectAlive();
  });

  it('ignores a call message whose fields are not what the protocol says, and answers a good one', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/events?token=${token}`);
    await once(ws, 'open');
    const got: unknown[] = [];
    ws.on('message', (d) => got.push(JSON.parse(String(d))));
    ws.send(JSON.stringify({ type: 'call', seq: { toString: 1 }, channel: { toString: 1 }, arg: null }));
    ws.send('null');
    ws.send(Buffer.from([1, 2, 3]), { binary: true });
    ws.send(JSON.stringify({ type: 'call', seq: 7, channel: 'nas:study.list', arg: null }));
    const deadline = Date.now() + 10_000;
    while (!got.some((m) => (m as { seq?: number }).seq === 7) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    ws.close();
    expect(got).toContainEqual({ type: 'result', seq: 7, result: { ok: true, value: [] } });
    await expectAlive();
  });

  it('answers an argument that breaks a schema message (an object whose toString is a number) with invalid-input, over HTTP and WebSocket', async () => {
    const spec = { ...nb201Spec(), objectives: [{ metric: 'c10_valid_12ep', direction: { toString: 1 } }] };
    const r = await postRpc(port, 'nas:study.create', JSON.stringify({ spec }), { 'x-frontier-token': token });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    const ws = new WebSocket(`ws://127.0.0.1:${port}/events?token=${token}`);
    await once(ws, 'open');
    ws.send(JSON.stringify({ type: 'call', seq: 1, channel: 'nas:study.create', arg: { spec } }));
    const [data] = (await once(ws, 'message')) as [Buffer];
    ws.close();
    expect(JSON.parse(String(data))).toMatchObject({ type: 'result', seq: 1, result: { ok: false, error: { code: 'invalid-input' } } });
    await expectAlive();
  });

  it.each([
    ['/rpc/nas:study.%E0%A4%A', 'POST'],
    ['/rpc/%', 'POST'],
    ['/%E0%A4%A', 'GET'],
    ['/assets/%zz.js', 'GET'],
  ])('answers a bad percent-escape in %s with 400, no stack trace or String(e)', async (path, method) => {
    const reply = await rawExchange(port, `${method} ${path}?token=${token} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\nConnection: close\r\n\r\nnull`);
    const text = reply.data.toString();
    expect(text).toMatch(/^HTTP\/1\.1 400 /);
    expect(text).not.toMatch(/URIError|Error:|\n\s+at /);
    await expectAlive();
  });

  it('answers a request target that is no URL with 400', async () => {
    for (const target of ['//', '//x:y@[', 'http://[']) {
      const reply = await rawExchange(port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
      expect(reply.data.toString(), target).toMatch(/^HTTP\/1\.1 400 /);
      const up = await rawExchange(port, upgradeRequest(token, [], target));
      expect(up.data.toString(), target).toMatch(/^HTTP\/1\.1 40[01] /);
    }
    await expectAlive();
  });

  it('refuses a body announced over the limit with a clean 413 before reading it, then closes', async () => {
    const r = await postRpc(
      port,
      'nas:study.list',
      (req) => {
        req.setHeader('content-length', String(20 * MiB));
        req.write(Buffer.alloc(MiB));
        req.end(Buffer.alloc(19 * MiB));
      },
      { 'x-frontier-token': token },
    );
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body)).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    await expectAlive();
  });

  it('refuses a streamed (chunked) body once it passes the limit with a clean 413, not a reset', async () => {
    const r = await postRpc(
      port,
      'nas:study.list',
      (req) => {
        let sent = 0;
        const pump = () => {
          while (sent < 8 * MiB) {
            sent += 256 * 1024;
            if (!req.write(Buffer.alloc(256 * 1024, 0x20))) return void req.once('drain', pump);
          }
          req.end();
        };
        req.on('error', () => {});
        pump();
      },
      { 'x-frontier-token': token },
    );
    expect(r.status).toBe(413);
    expect(r.body).toMatch(/request body over/);
    await expectAlive();
  });

  it('refuses bodies past its memory budget with 503 while 48 uploads are held open, and answers again once they go', async () => {
    const sockets: Socket[] = [];
    const replies: string[] = Array.from({ length: 48 }, () => '');
    try {
      for (let i = 0; i < 48; i++) {
        const s = connect(port, '127.0.0.1');
        s.on('error', () => {});
        s.on('data', (d: Buffer) => (replies[i] += d.toString()));
        // Announces 1 MiB (the limit), sends all but 1 KiB, then holds the rest back: 32 fit the 32 MiB budget.
        s.write(`POST /rpc/nas:study.list HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Frontier-Token: ${token}\r\nContent-Length: ${MiB}\r\n\r\n`);
        s.write(Buffer.alloc(MiB - 1024, 0x20));
        sockets.push(s);
      }
      const deadline = Date.now() + 20_000;
      while (replies.filter((r) => r.startsWith('HTTP/1.1 503 ')).length < 12 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(replies.filter((r) => r.startsWith('HTTP/1.1 503 ')).length).toBeGreaterThanOrEqual(12);
      expect(replies.every((r) => r === '' || r.startsWith('HTTP/1.1 503 '))).toBe(true);
    } finally {
      for (const s of sockets) s.destroy();
    }
    await new Promise((r) => setTimeout(r, 200));
    await expectAlive();
  });

  it('keeps its memory bounded under 10 concurrent 15 MB uploads', async () => {
    const before = rssBytes(child.pid!);
    if (before === undefined && process.env['CI']) throw new Error('no /proc to read the server memory from');
    const upload = () =>
      postRpc(
        port,
        'nas:study.list',
        (req) => {
          let sent = 0;
          const pump = () => {
            while (sent < 15 * MiB) {
              sent += MiB;
              if (!req.write(Buffer.alloc(MiB, 0x20))) return void req.once('drain', pump);
            }
            req.end();
          };
          req.on('error', () => {});
          pump();
        },
        { 'x-frontier-token': token },
      );
    const results = await Promise.all(Array.from({ length: 10 }, upload));
    for (const r of results) expect(r.status).toBe(413);
    const after = rssBytes(child.pid!);
    if (before !== undefined && after !== undefined) expect(after - before).toBeLessThan(100 * MiB);
    await expectAlive();
  });
});
