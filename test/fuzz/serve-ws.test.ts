/**
 * Property: after a valid WebSocket upgrade (and a few hostile upgrade variants), whatever frames
 * arrive over the raw TCP socket (random opcodes, RSV bits, FIN, masks or none, announced lengths
 * that lie, payloads of calls / random bytes / bad UTF-8, close frames with any code), the
 * `frontier serve` process stays up, what it sends back holds no stack trace, and it then answers
 * a valid call. The real binary runs in a child process on 127.0.0.1.
 */
import { once } from 'node:events';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { encodeFrame, rawExchange, upgradeRequest, type FrameSpec } from '../serve-helpers.js';
import { channelAndArg, FUZZ_SEED, FuzzServer, fuzzRuns, fuzzTimeout, LEAK } from './serve-fuzz.js';

const RUNS = fuzzRuns(250);

const callPayload = fc
  .tuple(channelAndArg, fc.oneof(fc.nat(), fc.constant<unknown>('x'), fc.constant<unknown>(null)), fc.constantFrom<unknown>('call', 'call', 'call', 'result', 'event', 1, null))
  .map(([{ channel, arg }, seq, type]) => Buffer.from(JSON.stringify({ type, seq, channel, arg })));

const payload = fc.oneof(
  { weight: 4, arbitrary: callPayload },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.constantFrom(Buffer.from([0xff, 0xfe]), Buffer.from([0xc3]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('null'), Buffer.from('[]'), Buffer.alloc(0)) },
  {
    weight: 2,
    // A close payload: any 16-bit code and a reason (sometimes bad UTF-8).
    arbitrary: fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.oneof(fc.string({ maxLength: 20 }).map((s) => Buffer.from(s)), fc.constant(Buffer.from([0xff])))).map(([code, reason]) => {
      const b = Buffer.alloc(2);
      b.writeUInt16BE(code);
      return Buffer.concat([b, reason]);
    }),
  },
);

const frame: fc.Arbitrary<FrameSpec> = fc
  .record({
    fin: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
    rsv: fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 7 }) }),
    opcode: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(1, 1, 1, 2, 8, 9, 10, 0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 15 }) }),
    mask: fc.oneof({ weight: 8, arbitrary: fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => Buffer.from(b)) }, { weight: 1, arbitrary: fc.constant(undefined) }),
    payload,
    lie: fc.oneof(
      { weight: 10, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.integer({ min: 0, max: 70_000 }) },
      { weight: 1, arbitrary: fc.constantFrom<number | bigint>(2 ** 20 + 1, 2 ** 31, 2 ** 53 - 1, 2n ** 63n, 2n ** 64n - 1n) },
    ),
  })
  .map(({ lie, ...f }) => (lie === undefined ? f : { ...f, length: lie }));

type Upgrade = 'valid' | 'valid' | 'no-token' | 'origin-null' | 'bad-version' | 'no-key' | 'deflate' | 'wrong-path';
const upgrade = fc.oneof(
  { weight: 12, arbitrary: fc.constant<Upgrade>('valid') },
  { weight: 1, arbitrary: fc.constantFrom<Upgrade>('no-token', 'origin-null', 'bad-version', 'no-key', 'deflate', 'wrong-path') },
);

function upgradeText(kind: Upgrade, token: string): string {
  switch (kind) {
    case 'no-token':
      return upgradeRequest(undefined);
    case 'origin-null':
      return upgradeRequest(token, ['Origin: null']);
    case 'bad-version':
      return upgradeRequest(token).replace('Sec-WebSocket-Version: 13', 'Sec-WebSocket-Version: 8');
    case 'no-key':
      return upgradeRequest(token).replace(/Sec-WebSocket-Key: [^\r]*\r\n/, '');
    case 'deflate':
      return upgradeRequest(token, ['Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits']);
    case 'wrong-path':
      return upgradeRequest(token, [], '/rpc/nas:study.list');
    default:
      return upgradeRequest(token);
  }
}

/** Text payloads of the unmasked frames the server sent after its 101 answer. */
function serverTexts(reply: Buffer): string[] {
  const end = reply.indexOf('\r\n\r\n');
  const out: string[] = [];
  if (end < 0) return [reply.toString('latin1')];
  out.push(reply.subarray(0, end).toString('latin1'));
  let i = end + 4;
  while (i + 2 <= reply.length) {
    let len = reply[i + 1]! & 0x7f;
    let off = i + 2;
    if (len === 126) {
      if (off + 2 > reply.length) break;
      len = reply.readUInt16BE(off);
      off += 2;
    } else if (len === 127) {
      if (off + 8 > reply.length) break;
      len = Number(reply.readBigUInt64BE(off));
      off += 8;
    }
    out.push(reply.subarray(off, off + len).toString('utf8'));
    i = off + len;
  }
  return out;
}

describe('fuzz: frontier serve WebSocket frames', () => {
  const server = new FuzzServer();
  const codes = new Map<string, number>();
  beforeAll(() => server.ensure());
  afterAll(async () => {
    await server.stop();
    const t = server.tally;
    console.log(`[fuzz] serve WebSocket (seed ${FUZZ_SEED}): ${t.inputs} inputs, ${t.crashes} crashes, ${t.hangs} hangs, ${t.stackTraces} stack traces`);
    console.log(`[fuzz] serve WebSocket outcomes: ${[...codes].sort().map(([k, n]) => `${k}×${n}`).join(' ')}`);
  });

  it(
    `never dies, never sends a stack trace, keeps answering (${RUNS} frame sequences)`,
    async () => {
      await fc.assert(
        fc.asyncProperty(upgrade, fc.array(frame, { minLength: 1, maxLength: 4 }), async (up, frames) => {
          await server.ensure();
          server.tally.inputs++;
          const reply = await rawExchange(server.port, [upgradeText(up, server.token), ...frames.map(encodeFrame)], 150);
          const texts = serverTexts(reply.data);
          const head = /^HTTP\/1\.1 (\d{3})/.exec(texts[0] ?? '')?.[1] ?? 'none';
          const outcome = head === '101' ? (reply.closed ? '101-closed' : '101-open') : head;
          codes.set(outcome, (codes.get(outcome) ?? 0) + 1);
          if (Number(head) >= 500 || texts.some((t) => LEAK.test(t))) {
            server.tally.stackTraces++;
            throw new Error(`sent ${texts.join(' | ').slice(0, 600)}`);
          }
          const problem = await server.check();
          if (problem) throw new Error(problem);
        }),
        { seed: FUZZ_SEED, numRuns: RUNS, interruptAfterTimeLimit: fuzzTimeout(RUNS) - 30_000 },
      );
      expect(server.tally.crashes).toBe(0);
      // A well-behaved client is still served after all that.
      await server.ensure();
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/events?token=${server.token}`);
      await once(ws, 'open');
      ws.send(JSON.stringify({ type: 'call', seq: 1, channel: 'nas:space.list', arg: null }));
      const [data] = (await once(ws, 'message')) as [Buffer];
      ws.close();
      expect(JSON.parse(String(data))).toMatchObject({ type: 'result', seq: 1, result: { ok: true } });
    },
    fuzzTimeout(RUNS),
  );
});
