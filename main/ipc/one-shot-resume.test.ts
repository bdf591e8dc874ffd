import { describe, expect, it } from 'vitest';
import { InMemoryStore } from '../core/in-memory-store.js';
import { OneShotStudyRecorder } from '../services/train/one-shot-study.js';
import { createNasHost } from './index.js';

describe('study.resume of a DARTS run over the contract', () => {
  it('whose checkpoint is gone is refused with why, leaving the study stopped (one-shot.test.ts: resumed from its checkpoint)', async () => {
    const store = new InMemoryStore();
    const host = createNasHost(store);
    const rec = OneShotStudyRecorder.start(store, { kind: 'darts', seed: 0, data: 'builtin:fashion-mnist', epochs: 3, options: { order: 1 }, checkpoint: '/x.ckpt' });
    rec.stopped();
    expect(await host.server.call('nas:study.resume', { id: rec.id })).toMatchObject({ ok: false, error: { code: 'invalid-input', message: `the checkpoint of study ${rec.id}, /x.ckpt, is gone (deleted or moved): its darts run cannot be continued` } });
    expect(store.getStudy(rec.id)?.status).toBe('stopped');
    expect(store.getTrial(rec.id, 0)?.state).toBe('running');
    await host.shutdown();
  });
});
