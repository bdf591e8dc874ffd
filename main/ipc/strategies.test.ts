import { describe, expect, it } from 'vitest';
import type { StrategyCatalog } from '../../shared/strategy-info.js';
import { InMemoryStore } from '../core/in-memory-store.js';
import { STRATEGIES } from '../core/strategies.js';
import { createNasHost } from './index.js';

describe('strategy.list over the contract', () => {
  it('answers every registered strategy with its options as plain data, and refuses an argument', async () => {
    const host = createNasHost(new InMemoryStore());
    try {
      const r = await host.server.call('nas:strategy.list', undefined);
      expect(r.ok).toBe(true);
      const catalog = (r as { value: StrategyCatalog }).value;
      expect(catalog.strategies.map((s) => s.name)).toEqual(Object.keys(STRATEGIES));
      expect(catalog.strategies.find((s) => s.name === 'evolution')?.options.find((o) => o.name === 'population')).toMatchObject({ kind: 'integer', range: '≥ 2' });
      expect(catalog.common.find((o) => o.name === 'zcProxy')?.choices).toContain('synflow');
      expect(structuredClone(catalog)).toEqual(catalog);
      expect(await host.server.call('nas:strategy.list', { x: 1 })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    } finally {
      await host.shutdown();
    }
  });
});
