/**
 * Property: whatever one raw HTTP request holds (method, target, headers, framing, body; a JSON
 * argument for every contract method, with and without the token), `frontier serve` stays up,
 * never answers 5xx or a body with a stack trace / an error's String(), and then answers a valid call.
 * The real binary runs in a child process; requests go over a raw TCP socket to 127.0.0.1.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawExchange } from '../serve-helpers.js';
import { channelAndArg, FUZZ_SEED, FuzzServer, fuzzRuns, fuzzTimeout, LEAK } from './serve-fuzz.js';

const RUNS = fuzzRuns(250);

type TokenUse = 'header' | 'query' | 'wrong' | 'none';
interface HttpInput {
  method: string;
  target: { kind: 'rpc'; channel: string; raw: boolean } | { kind: 'path'; path: string };
  token: TokenUse;
  host: 'self' | 'localhost' | 'evil' | 'none' | 'v6';
  headers: [string, string][];
  body: { kind: 'json'; arg: unknown } | { kind: 'bytes'; bytes: Uint8Array } | { kind: 'nested'; depth: number } | { kind: 'none' };
  framing: 'length' | 'chunked' | 'short' | 'long' | 'bad-length' | 'two-lengths';
}

const tokenChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&\'*+-.^_`|~'.split(''));
const headerName = fc.string({ unit: tokenChar, minLength: 1, maxLength: 20 });
const headerValue = fc.oneof(
  fc.string({ unit: fc.constantFrom(...' !"#$%&\'()*+,-./0123456789:;<=>?@ABCXYZ[\\]^_`abcxyz{|}~'.split('')), maxLength: 60 }),
  fc.constantFrom('null', 'http://evil.example', 'http://127.0.0.1', '0', '-1', 'chunked', 'gzip', 'websocket', 'Upgrade', 'close', 'keep-alive', '100-continue', 'application/json'),
);
const pathChars = fc.constantFrom(...'abc/._-~%20%2e%2f%5c%00%E0%A4%A%zz%%/..\\?#&=:@!$\'()*+,;'.split(''));

const httpInput: fc.Arbitrary<HttpInput> = fc.record({
  method: fc.oneof(
    { weight: 12, arbitrary: fc.constant('POST') },
    { weight: 4, arbitrary: fc.constantFrom('GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'CONNECT', 'PROPFIND') },
    { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('')), minLength: 1, maxLength: 10 }) },
  ),
  target: fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('rpc' as const), channel: fc.constant(''), raw: fc.boolean() }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('path' as const),
        path: fc.oneof(
          fc.string({ unit: pathChars, maxLength: 30 }).map((p) => `/${p}`),
          fc.string({ unit: pathChars, maxLength: 30 }).map((p) => `/rpc/${p}`),
          fc.constantFrom('*', '//', '/events', '/rpc/', '/rpc', 'http://evil.example/rpc/nas:study.list', '//x:y@[', '/assets/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/index.html'),
        ),
      }),
    },
  ),
  token: fc.constantFrom<TokenUse>('header', 'header', 'header', 'query', 'wrong', 'none'),
  host: fc.constantFrom('self', 'self', 'self', 'localhost', 'evil', 'none', 'v6') as fc.Arbitrary<HttpInput['host']>,
  headers: fc.oneof(
    { weight: 3, arbitrary: fc.constant<[string, string][]>([]) },
    {
      weight: 1,
      arbitrary: fc.array(fc.tuple(fc.oneof(headerName, fc.constantFrom('origin', 'content-type', 'expect', 'upgrade', 'connection', 'transfer-encoding', 'content-encoding', 'x-frontier-token')), headerValue), { minLength: 1, maxLength: 3 }),
    },
  ),
  body: fc.oneof(
    { weight: 16, arbitrary: fc.record({ kind: fc.constant('json' as const), arg: fc.constant<unknown>(null) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ maxLength: 200 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('nested' as const), depth: fc.integer({ min: 1000, max: 200_000 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('none' as const) }) },
  ),
  framing: fc.oneof(
    { weight: 24, arbitrary: fc.constant('length' as const) },
    { weight: 3, arbitrary: fc.constant('chunked' as const) },
    { weight: 1, arbitrary: fc.constantFrom('short' as const, 'long' as const, 'bad-length' as const, 'two-lengths' as const) },
  ),
});

/** The input with a contract channel and argument drawn for rpc targets. */
const input = fc.tuple(httpInput, channelAndArg).map(([i, ca]): HttpInput => ({
  ...i,
  target: i.target.kind === 'rpc' ? { ...i.target, channel: ca.channel } : i.target,
  body: i.body.kind === 'json' ? { kind: 'json', arg: ca.arg } : i.body,
}));

function encode(i: HttpInput, port: number, token: string): { bytes: Buffer; complete: boolean } {
  let target = i.target.kind === 'rpc' ? `/rpc/${i.target.raw ? [...i.target.channel].filter((c) => c > ' ' && c !== '\x7f').join('') : encodeURIComponent(i.target.channel)}` : i.target.path;
  if (i.token === 'query') target += `${target.includes('?') ? '&' : '?'}token=${token}`;
  const body =
    i.body.kind === 'json' ? Buffer.from(JSON.stringify(i.body.arg) ?? 'null') :
    i.body.kind === 'bytes' ? Buffer.from(i.body.bytes) :
    i.body.kind === 'nested' ? Buffer.from('['.repeat(i.body.depth) + ']'.repeat(i.body.depth)) :
    Buffer.alloc(0);
  const lines = [`${i.method} ${target} HTTP/1.1`];
  const host = { self: `127.0.0.1:${port}`, localhost: `localhost:${port}`, evil: 'evil.example', v6: `[::1]:${port}`, none: undefined }[i.host];
  if (host) lines.push(`Host: ${host}`);
  if (i.token === 'header') lines.push(`X-Frontier-Token: ${token}`);
  if (i.token === 'wrong') lines.push(`X-Frontier-Token: ${token.slice(1)}x`);
  for (const [k, v] of i.headers) lines.push(`${k}: ${v}`);
  lines.push('Connection: close');
  let payload = body;
  let complete = true;
  switch (i.framing) {
    case 'length':
      lines.push(`Content-Length: ${body.length}`);
      break;
    case 'chunked':
      lines.push('Transfer-Encoding: chunked');
      payload = body.length ? Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]) : Buffer.from('0\r\n\r\n');
      break;
    case 'short': // announces more than it sends: the server waits for the rest
      lines.push(`Content-Length: ${body.length + 10}`);
      complete = false;
      break;
    case 'long':
      lines.push(`Content-Length: ${Math.max(0, body.length - 1)}`);
      break;
    case 'bad-length':
      lines.push('Content-Length: -1');
      break;
    case 'two-lengths':
      lines.push(`Content-Length: ${body.length}`, `Content-Length: ${body.length + 1}`);
      break;
  }
  // A header the input added may itself announce a body (content-length, transfer-encoding).
  if (i.headers.some(([k]) => /^(content-length|transfer-encoding|expect|upgrade)$/i.test(k))) complete = false;
  return { bytes: Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n'), payload]), complete };
}

describe('fuzz: frontier serve HTTP', () => {
  const server = new FuzzServer();
  const internal = new Set<string>();
  const statuses = new Map<string, number>();
  beforeAll(() => server.ensure());
  afterAll(async () => {
    await server.stop();
    const t = server.tally;
    console.log(`[fuzz] serve HTTP (seed ${FUZZ_SEED}): ${t.inputs} inputs, ${t.crashes} crashes, ${t.hangs} hangs, ${t.stackTraces} 5xx/stack traces`);
    console.log(`[fuzz] serve HTTP answers: ${[...statuses].sort().map(([k, n]) => `${k}×${n}`).join(' ')}`);
    if (internal.size) console.log(`[fuzz] serve HTTP: 'internal' errors answered:\n  ${[...internal].join('\n  ')}`);
  });

  it(
    `never dies, never answers 5xx or a stack trace, keeps answering (${RUNS} requests)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(input, async (i) => {
          await server.ensure();
          server.tally.inputs++;
          const { bytes, complete } = encode(i, server.port, server.token);
          const reply = await rawExchange(server.port, bytes, complete ? 10_000 : 300);
          const text = reply.data.toString('latin1');
          const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
          const kind = status === 200 ? (/^\{"ok":true/m.test(text.slice(text.indexOf('\r\n\r\n') + 4)) ? '200ok' : text.includes('{"ok":false') ? '200err' : '200') : String(status || 'none');
          statuses.set(kind, (statuses.get(kind) ?? 0) + 1);
          if (complete && !reply.closed) server.tally.hangs++;
          if (status >= 500 || LEAK.test(text)) {
            server.tally.stackTraces++;
            throw new Error(`answered ${text.slice(0, 600)}`);
          }
          const m = /"code":"internal","message":"([^"]*)"/.exec(text);
          if (m) internal.add(`${i.target.kind === 'rpc' ? i.target.channel : i.target.path}: ${m[1]}`);
          const problem = await server.check();
          if (problem) throw new Error(problem);
          expect(!complete || reply.closed, 'a complete request got no answer and no close within 10 s').toBe(true);
        }),
        { seed: FUZZ_SEED, numRuns: RUNS, interruptAfterTimeLimit: fuzzTimeout(RUNS) - 30_000 },
      );
      expect(server.tally.crashes).toBe(0);
    },
    fuzzTimeout(RUNS),
  );
});
