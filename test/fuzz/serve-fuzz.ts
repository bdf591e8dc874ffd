/**
 * Shared by the `frontier serve` fuzz tests: the run settings, the real server in a child process
 * (restarted when an input killed it, so fast-check can shrink), the liveness probe and the tally
 * that the tests print for the README's Reliability table.
 *
 * CI runs a fixed seed and a few hundred inputs; a longer run:
 *   FRONTIER_FUZZ_RUNS=20000 npx vitest run test/fuzz/serve
 * (FRONTIER_FUZZ_SEED picks another seed; a failure prints the seed and path that replay it).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { nasChannels } from '../../shared/ipc/contract.js';
import { tempDir } from '../cli-helpers.js';
import { nb201Spec } from '../fixtures/nb201-spec.js';
import { postRpc, startServe, stopServe } from '../serve-helpers.js';

export const FUZZ_SEED = Number(process.env['FRONTIER_FUZZ_SEED'] ?? 20261130);
export function fuzzRuns(ciDefault: number): number {
  const n = Number(process.env['FRONTIER_FUZZ_RUNS'] ?? ciDefault);
  return Number.isInteger(n) && n > 0 ? n : ciDefault;
}
/** A test timeout that grows with the run count (each input costs a few ms, a restart seconds). */
export const fuzzTimeout = (runs: number) => 60_000 + runs * 200;

/** What a fuzz run saw; `stackTraces` counts 5xx answers and bodies that show a stack or an error's String(). */
export interface Tally {
  inputs: number;
  crashes: number;
  hangs: number;
  stackTraces: number;
}

/** A body that leaks internals: a stack frame or a JS error's String(). */
export const LEAK = /\n\s+at |\b(?:TypeError|RangeError|URIError|SyntaxError|ReferenceError|Error): |node:internal/;

export class FuzzServer {
  child: ChildProcess | undefined;
  port = 0;
  token = '';
  private stderr: () => string = () => '';
  private readonly dir = tempDir('frontier-fuzz-');
  private readonly assets = join(this.dir, 'assets');
  readonly tally: Tally = { inputs: 0, crashes: 0, hangs: 0, stackTraces: 0 };

  constructor() {
    mkdirSync(this.assets);
    writeFileSync(join(this.assets, 'index.html'), '<!doctype html><title>Frontier</title>');
  }

  get alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the server, or a fresh one when the last input killed it. */
  async ensure(): Promise<void> {
    if (this.alive) return;
    if (this.child) this.tally.crashes++;
    const s = await startServe(join(this.dir, 'fuzz.db'), ['--assets', this.assets]);
    this.child = s.child;
    this.stderr = s.stderr;
    this.port = Number(s.url.port);
    this.token = s.url.searchParams.get('token')!;
  }

  /**
   * After an input: the process still runs and answers a valid call within 10 s. Counts a crash or
   * a hang, and says what went wrong (undefined when all is well).
   */
  async check(): Promise<string | undefined> {
    await new Promise((r) => setImmediate(r));
    if (!this.alive) {
      this.tally.crashes++;
      const err = this.stderr();
      this.child = undefined;
      return `server died: ${err.slice(-2000)}`;
    }
    const probe = await Promise.race([
      postRpc(this.port, 'nas:study.list', 'null', { 'x-frontier-token': this.token }),
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000)),
    ]);
    if (!probe) {
      this.tally.hangs++;
      return 'server did not answer a valid call within 10 s';
    }
    if (probe.status !== 200 || !probe.body.startsWith('{"ok":true')) {
      if (!this.alive) {
        this.tally.crashes++;
        this.child = undefined;
        return `server died: ${this.stderr().slice(-2000)}`;
      }
      return `valid call answered ${probe.status} ${probe.body.slice(0, 200)} ${probe.error ?? ''}`;
    }
    return undefined;
  }

  async stop(): Promise<void> {
    if (this.child) await stopServe(this.child);
  }
}

// ---------------------------------------------------------------------------------------------
// Arguments: near-valid ones for every contract method, mutated at a random path.

const CHANNELS = nasChannels();

/** A valid-looking argument for each method (ids are small: the fuzz database has a few studies). */
function template(channel: string): unknown {
  const spec = nb201Spec({ budget: { evals: 5 } });
  switch (channel.slice('nas:'.length)) {
    case 'study.list':
    case 'space.list':
    case 'device.list':
      return null;
    case 'study.validate':
    case 'study.create':
      return { spec };
    case 'study.trials':
      return { id: '1', states: ['complete'], offset: 0, limit: 10 };
    case 'study.trial':
    case 'study.curve':
    case 'study.latency':
      return { id: '1', number: 0 };
    case 'study.history':
      return { id: '1', maxPoints: 10, reference: [0, 1] };
    case 'study.artifact':
      return { id: '1', number: 0, kind: 'model' };
    case 'study.insights':
      return { id: '1', top: 0.5, metric: 'c10_test' };
    case 'space.describe':
    case 'space.count':
    case 'space.validate':
      return { space: 'nb201', options: {} };
    case 'device.latency':
      return { id: 'pixel3' };
    case 'device.profile':
      return { device: 'emulator-5554', space: 'nb201', options: { runs: 1 } };
    case 'device.cancel':
      return { id: 'job-1' };
    default:
      return { id: '1' };
  }
}

/** Values that have broken JSON handlers elsewhere: prototype keys, toString that is not a function, huge numbers. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    { toString: 1 },
    { valueOf: 'x', toString: null },
    JSON.parse('{"__proto__":{"polluted":1}}'),
    { constructor: { prototype: { polluted: 1 } } },
    1e308,
    -0,
    '',
    '\u0000',
    '../../../../etc/passwd',
    'x'.repeat(5000),
    [],
    {},
    null,
  ),
  fc.jsonValue({ maxDepth: 3 }),
);

function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...paths(x, [...prefix, Array.isArray(v) ? Number(k) : k]));
  return out;
}

function mutate(v: unknown, path: readonly (string | number)[], value: unknown, drop: boolean): unknown {
  if (path.length === 0) return value;
  const copy = (Array.isArray(v) ? [...v] : { ...(v as object) }) as Record<string | number, unknown>;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (drop && rest.length === 0) delete copy[head];
  else copy[head] = mutate(copy[head], rest, value, drop);
  return copy;
}

/** A channel (mostly a real one) and an argument (a valid template with one path replaced or dropped, or any JSON). */
export const channelAndArg: fc.Arbitrary<{ channel: string; arg: unknown }> = fc.oneof(
  fc
    .tuple(fc.constantFrom(...CHANNELS), fc.nat(), hostileValue, fc.boolean(), fc.boolean())
    .map(([channel, pick, value, drop, keep]) => {
      const t = template(channel);
      if (keep) return { channel, arg: t };
      const all = paths(t);
      return { channel, arg: mutate(t, all[pick % all.length]!, value, drop) };
    }),
  fc.record({ channel: fc.constantFrom(...CHANNELS), arg: fc.jsonValue({ maxDepth: 4 }) }),
  fc.record({
    channel: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('nas:', 'nas:study', 'nas:study.', 'nas:__proto__.x', 'nas:study.constructor', 'nas:study.list.x', 'nas:toString.call')),
    arg: fc.jsonValue({ maxDepth: 2 }),
  }),
);
