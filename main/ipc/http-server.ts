import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
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
  /** Where unexpected errors go (a stack trace never goes to the client); default: dropped. */
  readonly log?: (message: string) => void;
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
/** Largest request body or WebSocket message: contract arguments are small plain data. */
export const MAX_BODY = 1024 * 1024;
/** Body bytes held at once over all requests; past it a request is refused with 503 (memory stays bounded). */
export const BODY_BUDGET = 32 * 1024 * 1024;
/** How long a refused upload is drained (discarded) before the socket is dropped. */
const LINGER_MS = 2000;
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

  let bodyBytes = 0;
  const fail = (where: string, e: unknown) => opts.log?.(`frontier serve: ${where}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);

  const http = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      fail(`${req.method ?? '?'} request`, e);
      if (res.headersSent) res.destroy();
      else json(res, 500, { ok: false, error: { code: 'internal', message: 'internal server error' } }, true);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostOk(req)) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('misdirected request');
      return;
    }
    const url = parseUrl(req.url);
    if (!url) {
      badRequest(res, 'bad request target');
      return;
    }
    if (url.pathname.startsWith('/rpc/')) {
      if (req.method !== 'POST') {
        res.writeHead(405, { allow: 'POST' }).end();
        return;
      }
      if (!tokenOk(header(req, 'x-frontier-token') ?? url.searchParams.get('token'))) {
        json(res, 401, { ok: false, error: { code: 'invalid-input', message: 'missing or wrong session token: open the URL that frontier serve printed' } }, true);
        return;
      }
      const channel = decode(url.pathname.slice('/rpc/'.length));
      if (channel === undefined) {
        badRequest(res, 'bad percent-escape in the channel');
        return;
      }
      const body = await readBody(req, res);
      if (body === undefined) return; // already answered (413/503/400) or the client went away
      let arg: unknown;
      try {
        const text = new TextDecoder('utf-8', { fatal: true }).decode(body);
        arg = text.length ? JSON.parse(text) : undefined;
      } catch (e) {
        badRequest(res, `bad request body: ${(e as Error).message}`);
        return;
      }
      json(res, 200, await server.call(channel, arg));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    serveStatic(url.pathname, res);
  }

  /**
   * The request body, at most MAX_BODY bytes. Refused early on its Content-Length, else by counting
   * while it streams: the answer (413, or 503 when all requests together hold BODY_BUDGET) is sent at
   * once with `connection: close`, the rest of the upload is drained and discarded for a moment (so the
   * client reads the answer instead of a reset), then the socket is dropped. Undefined when answered.
   */
  function readBody(req: IncomingMessage, res: ServerResponse): Promise<Buffer | undefined> {
    const refuse = (status: 413 | 503) => {
      const message = status === 413 ? `request body over ${MAX_BODY} bytes` : 'server busy: too many request bodies at once, retry';
      lingeringClose(req);
      json(res, status, { ok: false, error: { code: status === 413 ? 'invalid-input' : 'internal', message } }, true);
    };
    const declared = Number(header(req, 'content-length') ?? 0);
    if (declared > MAX_BODY) {
      refuse(413);
      return Promise.resolve(undefined);
    }
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let done = false;
      const finish = (value: Buffer | undefined) => {
        if (done) return;
        done = true;
        bodyBytes -= size;
        req.off('data', onData);
        resolve(value);
      };
      const onData = (c: Buffer) => {
        if (size + c.length > MAX_BODY || bodyBytes + c.length > BODY_BUDGET) {
          const status = size + c.length > MAX_BODY ? 413 : 503;
          chunks.length = 0;
          finish(undefined);
          refuse(status);
          return;
        }
        size += c.length;
        bodyBytes += c.length;
        chunks.push(c);
      };
      req.on('data', onData);
      req.on('end', () => finish(Buffer.concat(chunks)));
      req.on('error', () => finish(undefined));
      req.on('close', () => finish(undefined));
    });
  }

  function badRequest(res: ServerResponse, message: string): void {
    json(res, 400, { ok: false, error: { code: 'invalid-input', message } });
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
    const decoded = decode(pathname);
    if (decoded === undefined || decoded.includes('\0')) {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', ...security }).end('bad request path');
      return;
    }
    let rel = normalize(decoded).replace(/^([/\\])+/, '');
    if (rel === '' || rel.endsWith(sep)) rel = 'index.html';
    let file = join(dir, rel);
    if (!file.startsWith(normalize(dir + sep)) || !existsSync(file) || !statSync(file).isFile()) file = join(dir, 'index.html');
    const type = MIME[extname(file)] ?? 'application/octet-stream';
    const cache = file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache';
    res.writeHead(200, { 'content-type': type, 'cache-control': cache, ...security });
    res.end(readFileSync(file));
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY });
  wss.on('error', (e) => fail('websocket server', e));
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Node leaves an upgraded socket without an 'error' listener: a reset would otherwise be uncaught.
    socket.on('error', () => socket.destroy());
    try {
      upgrade(req, socket, head);
    } catch (e) {
      fail('websocket upgrade', e);
      socket.destroy();
    }
  });

  /** Only a loopback page may open the event socket of a loopback server (an opaque `null` origin may not). */
  const originOk = (origin: string | undefined) => {
    if (origin === undefined || !loopbackOnly) return true;
    const host = parseUrl(origin, '')?.hostname;
    return host !== undefined && (LOOPBACK.has(host) || LOOPBACK.has(host.replace(/^\[|\]$/g, '')));
  };

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = parseUrl(req.url);
    const refuse = (status: string) => {
      if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
      socket.destroy();
    };
    if (!url || url.pathname !== '/events' || !hostOk(req) || !tokenOk(url.searchParams.get('token'))) {
      refuse('401 Unauthorized');
      return;
    }
    if (!originOk(header(req, 'origin'))) {
      refuse('403 Forbidden');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      // A malformed frame (bad opcode, RSV bits, unmasked, bad UTF-8, bad close code, too large)
      // makes ws emit 'error' and close that connection with the matching close code (1002, 1007,
      // 1009): without this listener the 'error' event would be thrown and end the process.
      ws.on('error', () => {});
      const port: MessagePortLike<ClientMessage, ServerMessage> = {
        send: (m) => {
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
        },
        onMessage: (l) => {
          const h = (data: unknown, isBinary: boolean) => {
            if (isBinary) return;
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
  }

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

function json(res: ServerResponse, status: number, body: unknown, close = false): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...(close ? { connection: 'close' } : {}) });
  res.end(text);
}

/** A request target or origin as a URL; undefined when it does not parse. */
function parseUrl(target: string | undefined, base: string | undefined = 'http://localhost'): URL | undefined {
  try {
    return base ? new URL(target ?? '/', base) : new URL(target ?? '');
  } catch {
    return undefined;
  }
}

function decode(component: string): string | undefined {
  try {
    return decodeURIComponent(component);
  } catch {
    return undefined;
  }
}

/**
 * After a refusal sent with `connection: close`: half-close (Node's own end-of-response), keep
 * reading and discarding what the client still sends for LINGER_MS, then drop the socket. Closing
 * at once with unread data would send a TCP reset, which can destroy the answer before it is read.
 */
function lingeringClose(req: IncomingMessage): void {
  const socket = req.socket;
  const destroy = socket.destroy.bind(socket);
  const timer = setTimeout(destroy, LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.destroySoon = () => {
    socket.end();
    socket.resume();
  };
  req.resume();
}
