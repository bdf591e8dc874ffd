import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../core/graph/index.js';
import { InMemoryStore } from '../core/in-memory-store.js';
import { latencyKernels } from '../core/latency/kernels.js';
import { Nb201Space } from '../core/spaces/nb201.js';
import { lutPath, type LutFile } from '../services/devices/profiler.js';
import { nb201Spec } from '../../test/fixtures/nb201-spec.js';
import { createNasHost } from './index.js';
import { latencyBreakdown, listLatencyTables } from './latency.js';

const GRAPH = { input: [32, 32, 3] as const, classes: 10 };

/** A table holding every kernel of `arch` but one, each at 0.5 ms, with a fitted overhead. */
function tableFor(deviceId: string, arch: ReturnType<Nb201Space['freeze']>): LutFile {
  const space = new Nb201Space();
  const kernels = latencyKernels(buildGraph(space, arch, GRAPH));
  const entries: Record<string, Record<string, number>> = {};
  kernels.slice(1).forEach((k) => ((entries[k.op] ??= {})[k.key] = 0.5));
  return {
    version: 1,
    table: { deviceId, entries, fit: { scale: 1, perKernel: 0, overhead: 2 } },
    space: 'nb201',
    graph: GRAPH,
    report: {} as LutFile['report'],
    createdAt: 0,
  };
}

describe('per-op latency of a trial', () => {
  const space = new Nb201Space();
  const arch = space.freeze(space.parse('|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|'));

  it('groups the measured kernels by op and adds the fitted overhead to the total', () => {
    const lut = tableFor('R58M', arch);
    const kernels = latencyKernels(buildGraph(space, arch, GRAPH));
    const [b] = latencyBreakdown(space, arch, [lut, { ...lut, space: 'mobilenet' }]);
    expect(b!.deviceId).toBe('R58M');
    expect(b!.missing).toBe(1);
    expect(b!.perOp.reduce((a, o) => a + o.kernels, 0)).toBe(kernels.length);
    expect(b!.perOp.reduce((a, o) => a + o.ms, 0)).toBeCloseTo(0.5 * (kernels.length - 1), 9);
    expect(b!.totalMs).toBeCloseTo(0.5 * (kernels.length - 1) + 2, 9);
    for (let i = 1; i < b!.perOp.length; i++) expect(b!.perOp[i - 1]!.ms).toBeGreaterThanOrEqual(b!.perOp[i]!.ms);
    expect(latencyBreakdown(space, arch, [{ ...lut, space: 'mobilenet' }])).toEqual([]);
  });

  it('serves it through the contract from the tables next to the database', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'frontier-lat-')), 'frontier.db');
    const file = lutPath(db, 'R58M');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(tableFor('R58M', arch)));
    writeFileSync(join(dirname(file), 'junk.json'), '{');
    expect(listLatencyTables(db).map((l) => l.table.deviceId)).toEqual(['R58M']);
    const store = new InMemoryStore();
    const { id } = store.createStudy(nb201Spec(), 0);
    const number = store.createTrial(id, arch, 0);
    const host = createNasHost(store, { latencyTables: () => listLatencyTables(db) });
    const r = await host.server.call('nas:study.latency', { id, number });
    expect(r).toMatchObject({ ok: true, value: [{ deviceId: 'R58M', missing: 1 }] });
    await host.shutdown();
  });
});
