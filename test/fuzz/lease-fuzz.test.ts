import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NasError } from '../../shared/errors.js';
import { InMemoryStore } from '../../main/core/in-memory-store.js';
import type { LeasePolicy, Store } from '../../main/core/store.js';
import { SqliteStore } from '../../main/services/sqlite-store.js';
import { SPEC } from '../store-contract.js';

/**
 * Random interleavings of lease operations and run writes by three handles on one database (three
 * processes), checked step by step against a model of the `Store` lease rules: one holder at a time,
 * takeover only when stale (old heartbeat or dead holder), renew/release only by the owner, and
 * run writes only by the holder (or by anyone while there is no lease).
 *
 * FRONTIER_FUZZ_RUNS sets the number of sequences (default 150), FRONTIER_FUZZ_SEED the seed.
 */

const RUNS = Number(process.env.FRONTIER_FUZZ_RUNS ?? 150);
const SEED = Number(process.env.FRONTIER_FUZZ_SEED ?? 4242);
const STALE = 1_000;

type Op =
  | { kind: 'acquire'; h: number; dt: number; dead: boolean }
  | { kind: 'renew'; h: number; dt: number }
  | { kind: 'release'; h: number }
  | { kind: 'write'; h: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('acquire' as const), h: fc.nat(2), dt: fc.integer({ min: 0, max: 1_500 }), dead: fc.boolean() }),
  fc.record({ kind: fc.constant('renew' as const), h: fc.nat(2), dt: fc.integer({ min: 0, max: 800 }) }),
  fc.record({ kind: fc.constant('release' as const), h: fc.nat(2) }),
  fc.record({ kind: fc.constant('write' as const), h: fc.nat(2) }),
);

interface Model {
  lease: { owner: string; pid: number; heartbeatAt: number } | undefined;
  /** The token each handle last acquired with (its run), until it releases. */
  run: (string | undefined)[];
  held: (string | undefined)[];
}

function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof NasError) return e.code;
    throw e;
  }
}

function check(open: () => { handles: Store[]; close: () => void }, ops: readonly Op[]): void {
  const { handles, close } = open();
  try {
    const id = handles[0]!.createStudy(SPEC, 0).id;
    handles[0]!.setStudyStatus(id, 'running', 0);
    const m: Model = { lease: undefined, run: [undefined, undefined, undefined], held: [undefined, undefined, undefined] };
    let now = 10_000;
    let token = 0;
    for (const o of ops) {
      const store = handles[o.h]!;
      if (o.kind === 'acquire') {
        now += o.dt;
        const owner = `t${token++}`;
        const policy: LeasePolicy = { staleAfterMs: STALE, isDead: () => o.dead };
        const free = !m.lease || now - m.lease.heartbeatAt > STALE || o.dead;
        expect(outcome(() => store.acquireLease(id, { pid: o.h + 1, host: 'h', owner }, now, policy))).toBe(free ? 'ok' : 'study-busy');
        if (free) {
          m.lease = { owner, pid: o.h + 1, heartbeatAt: now };
          m.run[o.h] = owner;
          m.held[o.h] = owner;
        }
      } else if (o.kind === 'renew') {
        now += o.dt;
        const mine = m.run[o.h];
        const ok = mine !== undefined && m.lease?.owner === mine;
        expect(outcome(() => store.renewLease(id, mine ?? 'none', now))).toBe(ok ? 'ok' : 'study-busy');
        if (ok) m.lease!.heartbeatAt = now;
      } else if (o.kind === 'release') {
        const mine = m.run[o.h];
        const ok = mine !== undefined && m.lease?.owner === mine;
        expect(store.releaseLease(id, mine ?? 'none')).toBe(ok);
        if (ok) m.lease = undefined;
        if (mine !== undefined && m.held[o.h] === mine) m.held[o.h] = undefined;
        m.run[o.h] = undefined;
      } else {
        const ok = !m.lease || m.held[o.h] === m.lease.owner;
        expect(outcome(() => store.updateProgress(id, { evals: 0, failed: 0, rejected: 0, costSeconds: 0, wallMs: now }))).toBe(ok ? 'ok' : 'study-busy');
      }
      // Every handle reads the same lease: the model's.
      for (const h of handles) expect(h.getLease(id)?.owner).toBe(m.lease?.owner);
    }
  } finally {
    close();
  }
}

describe('lease rules under random interleavings of three handles', () => {
  it(`InMemoryStore: ${RUNS} sequences agree with the model`, () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) =>
        check(() => {
          const a = new InMemoryStore();
          return { handles: [a, a.connect(), a.connect()], close: () => a.close() };
        }, ops),
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it(`SqliteStore (one file, three connections): ${Math.ceil(RUNS / 3)} sequences agree with the model`, { timeout: 30_000 + RUNS * 100 }, () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontier-lease-fuzz-'));
    let n = 0;
    try {
      fc.assert(
        fc.property(fc.array(op, { minLength: 1, maxLength: 40 }), (ops) =>
          check(() => {
            const file = path.join(dir, `f${n++}.db`);
            const handles = [SqliteStore.open(file), SqliteStore.open(file), SqliteStore.open(file)];
            return { handles, close: () => handles.forEach((h) => h.close()) };
          }, ops),
        ),
        { seed: SEED, numRuns: Math.ceil(RUNS / 3) },
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
