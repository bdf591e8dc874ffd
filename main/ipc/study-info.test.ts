import { describe, expect, it } from 'vitest';
import { nb201Spec } from '../../test/fixtures/nb201-spec.js';
import { InMemoryStore } from '../core/in-memory-store.js';
import { createNasHost } from './index.js';

describe('study.update and study.delete over the contract', () => {
  it('validates at the boundary, refuses to delete a study another live process runs, deletes otherwise', async () => {
    const store = new InMemoryStore();
    const host = createNasHost(store);
    const call = (m: string, arg: unknown) => host.server.call(`nas:study.${m}`, arg);
    const { id } = store.createStudy(nb201Spec({ name: 'a' }), 0);
    expect(await call('update', { id, tags: ['a,b'] })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(await call('update', { id, name: '   ' })).toMatchObject({ ok: false, error: { code: 'invalid-input', message: 'name must not be blank' } });
    expect(await call('update', { id, notes: 'x'.repeat(10_001) })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(await call('update', { id, name: ' b ', tags: [' t ', 't', 'u'] })).toMatchObject({ ok: true, value: { name: 'b', tags: ['t', 'u'] } });
    expect(await call('update', { id: '99', name: 'x' })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    // Another host's process holds the lease and beats: it runs the study.
    store.setStudyStatus(id, 'running', 1);
    store.acquireLease(id, { pid: 4242, host: 'elsewhere', owner: 'other-run' }, Date.now(), { staleAfterMs: 30_000 });
    expect(await call('delete', { id })).toMatchObject({ ok: false, error: { code: 'study-busy', message: expect.stringMatching(/4242/) } });
    expect(store.getStudy(id)).toBeDefined();
    store.releaseLease(id, 'other-run');
    expect(await call('delete', { id })).toMatchObject({ ok: true });
    expect(await call('list', undefined)).toEqual({ ok: true, value: [] });
    await host.shutdown();
  });
});
