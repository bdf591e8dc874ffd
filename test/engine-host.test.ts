import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClientMessage, MessagePortLike, ServerMessage } from '../shared/ipc/messages.js';
import type { StudySpec } from '../shared/types/index.js';
import { EngineClient } from '../main/electron/engine-client.js';
import { SqliteStore } from '../main/services/sqlite-store.js';
import { ROOT, tempDir } from './cli-helpers.js';

/** The engine off the UI thread, as the desktop app runs it: here in a worker thread with the real SQLite store. */
function startWorker(dbPath: string) {
  const worker = new Worker(join(ROOT, 'test', 'fixtures', 'engine-worker-boot.mjs'), { workerData: { dbPath } });
  const listeners = new Set<(m: ServerMessage) => void>();
  worker.on('message', (m: ServerMessage) => listeners.forEach((l) => l(m)));
  const port: MessagePortLike<ServerMessage, ClientMessage> = {
    send: (m) => worker.postMessage(m),
    onMessage: (l) => (listeners.add(l), () => listeners.delete(l)),
    close: () => undefined,
  };
  return { worker, client: new EngineClient(port) };
}

const spec = (evals: number, pace = 0): StudySpec => ({
  name: 'engine test',
  space: 'nb201',
  strategy: 'evolution',
  objectives: [{ metric: 'c10_valid_12ep', direction: 'max' }, { metric: 'hwnb_pixel3', direction: 'min' }],
  constraints: [],
  report: ['c10_test'],
  budget: { evals },
  seed: 1,
  evaluator: { kind: 'table', tables: ['builtin:nb201/accuracy.csv'], knownTables: ['builtin:nb201/cost.csv', 'builtin:nb201/latency.csv'], cost: 'train_time_200ep_c10valid*0.06', pace },
});

describe('engine host off the UI thread', () => {
  let stop: (() => Promise<unknown>) | undefined;
  afterEach(async () => {
    await stop?.();
    stop = undefined;
  });

  it('runs a search in another thread while this one stays responsive, and reports through events', async () => {
    const db = join(tempDir(), 'engine.db');
    const { worker, client } = startWorker(db);
    stop = () => worker.terminate();
    const statuses: string[] = [];
    client.onEvent((event, payload) => {
      if (event === 'onDidChangeStudyStatus') statuses.push((payload as { status: string }).status);
    });
    const created = await client.call('nas:study.create', { spec: spec(2000) });
    expect(created.ok).toBe(true);
    const id = (created as { value: string }).value;
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = Date.now();
    expect((await client.call('nas:study.start', { id })).ok).toBe(true);
    for (let i = 0; i < 600 && !statuses.includes('complete'); i++) await new Promise((r) => setTimeout(r, 50));
    clearInterval(timer);
    expect(statuses).toEqual(expect.arrayContaining(['created', 'running', 'complete']));
    expect(ticks).toBeGreaterThan((Date.now() - started) / 5 / 10);
    const list = await client.call('nas:study.list', undefined);
    expect(list.ok && (list.value as { progress: { evals: number } }[])[0]?.progress.evals).toBe(2000);
    const store = SqliteStore.open(db);
    expect(store.countTrials(id, ['complete'])).toBe(2000);
    store.close();
  });

  it('shutting the engine down stops running searches cleanly (resumable)', async () => {
    const db = join(tempDir(), 'engine.db');
    const { worker, client } = startWorker(db);
    stop = () => worker.terminate();
    const id = ((await client.call('nas:study.create', { spec: spec(500, 0.001) })) as { value: string }).value;
    await client.call('nas:study.start', { id });
    await new Promise((r) => setTimeout(r, 600));
    const shut = new Promise((r) => worker.on('message', (m: { type?: string }) => m.type === 'shut' && r(m)));
    worker.postMessage({ type: 'shutdown' });
    await shut;
    const store = SqliteStore.open(db);
    const rec = store.getStudy(id);
    expect(rec?.status).toBe('stopped');
    expect(store.countTrials(id, ['running'])).toBe(0);
    expect(rec?.progress.evals).toBeGreaterThan(0);
    expect(rec?.progress.evals).toBeLessThan(500);
    store.close();
  });
});
