import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { createNasHost, type NasHost } from '../../main/ipc/index.js';
import { processLease } from '../../main/services/lease.js';
import { SqliteStore } from '../../main/services/sqlite-store.js';
import type { CallResult, NasEventName } from '../../shared/ipc/contract.js';
import type { StudyRecord } from '../../shared/types/index.js';

/**
 * The main process's NasHost over a real SQLite file in a fresh temporary folder, for the one-shot
 * contract tests (main/ipc/one-shot*.test.ts). Called in a `describe`, it registers there the
 * `beforeAll` that opens it and the `afterAll` that kills the processes a test started (`children`),
 * shuts the host down and removes the folder. `dir`, `store` and `host` are set once `beforeAll` ran.
 */
export function oneShotHost(prefix: string) {
  const events: { name: NasEventName; payload: unknown }[] = [];
  const children: ChildProcess[] = [];
  const h = {
    dir: '',
    store: undefined as unknown as SqliteStore,
    host: undefined as unknown as NasHost,
    events,
    children,
    call: (channel: string, arg?: unknown): Promise<CallResult> => h.host.server.call(channel, arg),
    /** The call's value; a refusal throws with its code and message. */
    ok: async <T>(channel: string, arg?: unknown): Promise<T> => {
      const r = await h.call(channel, arg);
      if (!r.ok) throw new Error(`${channel}: ${r.error.code}: ${r.error.message}`);
      return r.value as T;
    },
    study: (id: string): StudyRecord => h.store.getStudy(id)!,
    /** The study's statuses in the order onDidChangeStudyStatus told them. */
    statuses: (id: string): string[] => events.filter((e) => e.name === 'onDidChangeStudyStatus' && (e.payload as { id: string }).id === id).map((e) => (e.payload as { status: string }).status),
    /** Each of `cases`' settings for a `kind` run is refused as invalid input with a message matching its pattern. */
    async expectRefused(kind: string, cases: readonly (readonly [Record<string, unknown>, RegExp])[]): Promise<void> {
      for (const [settings, re] of cases) {
        const r = await h.call('nas:oneShot.start', { kind, settings });
        expect(r.ok, JSON.stringify(settings)).toBe(false);
        if (!r.ok) {
          expect(r.error.code).toBe('invalid-input');
          expect(r.error.message).toMatch(re);
        }
      }
    },
    /** While another live process on this machine holds the study's lease (as `frontier resume` would), its resume is refused naming that process; the lease is released after. */
    async expectResumeBusy(id: string): Promise<void> {
      const other = spawn('sleep', ['30']);
      children.push(other);
      const lease = h.store.acquireLease(id, { pid: other.pid!, host: hostname(), owner: 'other' }, Date.now(), processLease().policy);
      const busy = await h.call('nas:study.resume', { id });
      expect(busy).toMatchObject({ ok: false, error: { code: 'study-busy' } });
      expect(busy.ok ? '' : busy.error.message).toContain(String(other.pid));
      h.store.releaseLease(id, lease.lease.owner);
    },
  };
  beforeAll(() => {
    h.dir = mkdtempSync(join(tmpdir(), prefix));
    h.store = SqliteStore.open(join(h.dir, 'frontier.db'));
    h.host = createNasHost(h.store, { dataDir: h.dir });
    h.host.server.onEvent((name, payload) => void events.push({ name, payload }));
  });
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await h.host?.shutdown();
    h.store?.close();
    if (h.dir) rmSync(h.dir, { recursive: true, force: true });
  });
  return h;
}
