import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ClientMessage, MessagePortLike, ServerMessage } from '../../shared/ipc/messages.js';
import { serveMessages, type NasServer } from './server.js';

export interface HttpServeOptions {
  /** Interface to bind; default 127.0.0.1 (this machine only). */
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** Built renderer assets (index.html …); a short help page is served when missing. */
  readonly assetsDir?: string;
  /** Session token; random when not given. */
  readonly token?: string;
}

export interface HttpServe {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};
const MAX_BODY = 16 * 1024 * 1024;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * The contract over HTTP + WebSocket (`frontier serve`), for a browser tab:
 * - `POST /rpc/<channel>` with the JSON argument → a `CallResult` (HTTP 200, even for errors);
 * - `GET /events` upgrades to a WebSocket carrying `{type:'event', event, payload}` messages
 *   (and answering `{type:'call'}` messages too);
 * - anything else is a static file of the renderer build (index.html for unknown paths).
 * Every data route needs the token (`x-frontier-token` header or `?token=`). Bound to loopback, the
 * Host header must name a loopback address (no DNS rebinding). Pages get a CSP that only allows
 * this origin: nothing the page loads or sends leaves the machine.
 */
export async function serveHttp(server: NasServer, opts: HttpServeOptions = {}): Promise<HttpServe> {
  const hostname = opts.host ?? '127.0.0.1';
  const token = opts.token ?? randomBytes(18).toString('base64url');
  const tokenBuf = Buffer.from(token);
  const loopbackOnly = LOOPBACK.has(hostname);
  const sockets = new Set<WebSocket>();

  const tokenOk = (given: string | null | undefined) => {
    if (!given) return false;
    const b = Buffer.from(given);
    return b.length === tokenBuf.length && timingSafeEqual(b, tokenBuf);
  };
  const hostOk = (req: IncomingMessage) => {
    if (!loopbackOnly) return true;
    const h = (req.headers.host ?? '').replace(/:\d+$/, '');
    return LOOPBACK.has(h);
  };

  const http = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(e));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostOk(req)) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('misdirected request');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/rpc/')) {
      if (req.method !== 'POST') {
        res.writeHead(405, { allow: 'POST' }).end();
        return;
      }
      if (!tokenOk(header(req, 'x-frontier-token') ?? url.searchParams.get('token'))) {
        json(res, 401, { ok: false, error: { code: 'invalid-input', message: 'missing or wrong session token: open the URL that frontier serve printed' } });
        return;
      }
      let arg: unknown;
      try {
        const body = await readBody(req);
        arg = body.length ? JSON.parse(body) : undefined;
      } catch (e) {
        json(res, 400, { ok: false, error: { code: 'invalid-input', message: `bad request body: ${(e as Error).message}` } });
        return;
      }
      const channel = decodeURIComponent(url.pathname.slice('/rpc/'.length));
      json(res, 200, await server.call(channel, arg));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    serveStatic(url.pathname, res);
  }

  function serveStatic(pathname: string, res: ServerResponse): void {
    const dir = opts.assetsDir;
    const security = {
      'content-security-policy': "default-src 'self'; connect-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    };
    if (!dir || !existsSync(join(dir, 'index.html'))) {
      res.writeHead(503, { 'content-type': 'text/html; charset=utf-8', ...security });
      res.end('<!doctype html><title>Frontier</title><p>The workbench is not built. Run <code>npm run build:renderer</code>, then reload.</p>');
      return;
    }
    let rel = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
    if (rel === '' || rel.endsWith(sep)) rel = 'index.html';
    let file = join(dir, rel);
    if (!file.startsWith(normalize(dir + sep)) || !existsSync(file) || !statSync(file).isFile()) file = join(dir, 'index.html');
    const type = MIME[extname(file)] ?? 'application/octet-stream';
    const cache = file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache';
    res.writeHead(200, { 'content-type': type, 'cache-control': cache, ...security });
    res.end(readFileSync(file));
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY });
  http.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const origin = header(req, 'origin');
    const originOk = !origin || !loopbackOnly || LOOPBACK.has(new URL(origin).hostname.replace(/^\[|\]$/g, '')) || LOOPBACK.has(new URL(origin).hostname);
    if (url.pathname !== '/events' || !hostOk(req) || !originOk || !tokenOk(url.searchParams.get('token'))) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      const port: MessagePortLike<ClientMessage, ServerMessage> = {
        send: (m) => {
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
        },
        onMessage: (l) => {
          const h = (data: unknown) => {
            try {
              l(JSON.parse(String(data)) as ClientMessage);
            } catch {
              /* not JSON: ignored */
            }
          };
          ws.on('message', h);
          return () => ws.off('message', h);
        },
        close: () => ws.close(),
      };
      const served = serveMessages(server, port);
      ws.on('close', () => {
        served.dispose();
        sockets.delete(ws);
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, hostname, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const port = (http.address() as AddressInfo).port;
  const shownHost = hostname === '0.0.0.0' || hostname === '::' ? 'localhost' : hostname.includes(':') ? `[${hostname}]` : hostname;
  return {
    url: `http://${shownHost}:${port}/?token=${token}`,
    port,
    token,
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
