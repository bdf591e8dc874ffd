/** `frontier serve` as a user runs it: the real binary, a real SQLite file, HTTP + WebSocket. */
import { once } from 'node:events';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { CallResult } from '../shared/ipc/contract.js';
import { SqliteStore } from '../main/services/sqlite-store.js';
import { tempDir } from './cli-helpers.js';
import { nb201Spec } from './fixtures/nb201-spec.js';
import { startServe, stopServe } from './serve-helpers.js';
import type { ChildProcess } from 'node:child_process';

describe('frontier serve', () => {
  let child: ChildProcess;
  let url: URL;
  let token: string;
  const rpc = async (channel: string, arg?: unknown, tok = token): Promise<{ status: number; body: CallResult }> => {
    const res = await fetch(new URL(`/rpc/${channel}`, url), { method: 'POST', headers: { 'x-frontier-token': tok, 'content-type': 'application/json' }, body: JSON.stringify(arg ?? null) });
    return { status: res.status, body: (await res.json()) as CallResult };
  };

  beforeAll(async () => {
    ({ child, url } = await startServe(join(tempDir(), 'serve.db')));
    token = url.searchParams.get('token')!;
  });
  afterAll(async () => {
    expect(await stopServe(child)).toBe(0);
  });

  it('binds to 127.0.0.1 with a random token in the printed URL', () => {
    expect(url.hostname).toBe('127.0.0.1');
    expect(Number(url.port)).toBeGreaterThan(0);
    expect(token).toMatch(/^[\w-]{20,}$/);
  });

  it('refuses calls without the token, and requests naming another host', async () => {
    expect((await rpc('nas:study.list', null, 'wrong')).status).toBe(401);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: url.port, path: '/rpc/nas:study.list', method: 'POST', headers: { host: 'evil.example:80', 'x-frontier-token': token } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('null');
    });
    expect(status).toBe(421);
  });

  it('answers the contract over HTTP and pushes events over the WebSocket', async () => {
    expect(await rpc('nas:study.list')).toEqual({ status: 200, body: { ok: true, value: [] } });
    expect((await rpc('nas:study.get', { id: 'x' })).body).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    const ws = new WebSocket(`ws://127.0.0.1:${url.port}/events?token=${token}`);
    await once(ws, 'open');
    const events: { event: string; payload: { status?: string } }[] = [];
    ws.on('message', (d) => events.push(JSON.parse(String(d)) as (typeof events)[number]));
    const created = await rpc('nas:study.create', { spec: nb201Spec({ budget: { evals: 30 } }) });
    expect(created.body.ok).toBe(true);
    const id = (created.body as { value: string }).value;
    expect((await rpc('nas:study.start', { id })).body).toEqual({ ok: true, value: null });
    const deadline = Date.now() + 20_000;
    while (!events.some((e) => e.event === 'onDidChangeStudyStatus' && e.payload.status === 'complete') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    ws.close();
    expect(events.filter((e) => e.event === 'onDidUpdateTrial')).toHaveLength(30);
    expect(events.map((e) => e.event)).toContain('onDidStudyProgress');
    const list = (await rpc('nas:study.list')).body as { value: { status: string }[] };
    expect(list.value[0]).toMatchObject({ status: 'complete' });
  });

  it('refuses a WebSocket without the token', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${url.port}/events?token=nope`);
    const [err] = (await once(ws, 'error')) as [Error];
    expect(err.message).toMatch(/401/);
  });

  it('serves the page with a same-origin-only content security policy', async () => {
    const res = await fetch(new URL('/', url));
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(await res.text()).toMatch(/<title>Frontier/);
  });
});

describe('frontier serve shutdown', () => {
  it('stops running searches cleanly on Ctrl-C, so they can be resumed', async () => {
    const db = join(tempDir(), 'serve-stop.db');
    const { child, url } = await startServe(db);
    const token = url.searchParams.get('token')!;
    const rpc = async (channel: string, arg?: unknown) =>
      (await (await fetch(new URL(`/rpc/${channel}`, url), { method: 'POST', headers: { 'x-frontier-token': token }, body: JSON.stringify(arg ?? null) })).json()) as CallResult;
    const created = (await rpc('nas:study.create', { spec: nb201Spec({ budget: { evals: 500 }, evaluator: { ...nb201Spec().evaluator, pace: 0.001 } }) })) as { ok: true; value: string };
    await rpc('nas:study.start', { id: created.value });
    await new Promise((r) => setTimeout(r, 600));
    expect(await stopServe(child)).toBe(0);
    const store = SqliteStore.open(db);
    try {
      const rec = store.getStudy(created.value)!;
      expect(rec.status).toBe('stopped');
      expect(rec.progress.evals).toBeLessThan(500);
      expect(store.countTrials(created.value, ['running'])).toBe(0);
    } finally {
      store.close();
    }
  });
});
