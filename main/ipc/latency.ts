import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TrialLatency } from '../../shared/ipc/contract.js';
import type { Architecture } from '../../shared/types/index.js';
import { buildGraph, canBuildGraph } from '../core/graph/index.js';
import { latencyKernels } from '../core/latency/kernels.js';
import { predictGraph } from '../core/latency/lookup-table.js';
import type { SearchSpace } from '../core/search-space.js';
import { readLutFile } from '../services/devices/lut-evaluator.js';
import type { LutFile } from '../services/devices/profiler.js';

/** Every readable latency lookup table next to the database (`<db dir>/latency/*.json`). */
export function listLatencyTables(dbPath: string): LutFile[] {
  const dir = join(dirname(dbPath), 'latency');
  if (!existsSync(dir)) return [];
  const out: LutFile[] = [];
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
    try {
      out.push(readLutFile(join(dir, f)));
    } catch {
      /* not a lookup table: skipped */
    }
  }
  return out;
}

/**
 * Where an architecture's predicted latency goes, per op, on every device whose lookup table was
 * built for its space: the measured kernel latencies grouped by op, and the fitted total.
 */
export function latencyBreakdown(space: SearchSpace, arch: Architecture, tables: readonly LutFile[]): TrialLatency[] {
  if (!canBuildGraph(space)) return [];
  const out: TrialLatency[] = [];
  for (const lut of tables) {
    if (lut.space !== space.id) continue;
    let graph;
    try {
      graph = buildGraph(space, arch, lut.graph);
    } catch {
      continue; // a table whose graph settings do not fit this space: nothing to say for it
    }
    const perOp = new Map<string, { op: string; kernels: number; ms: number; missing: number }>();
    for (const k of latencyKernels(graph)) {
      const e = perOp.get(k.op) ?? { op: k.op, kernels: 0, ms: 0, missing: 0 };
      const v = lut.table.entries[k.op]?.[k.key];
      e.kernels++;
      if (v === undefined) e.missing++;
      else e.ms += v;
      perOp.set(k.op, e);
    }
    const estimate = predictGraph(lut.table, graph);
    out.push({
      deviceId: lut.table.deviceId,
      totalMs: estimate.ms,
      missing: estimate.missing.length,
      perOp: [...perOp.values()].sort((a, b) => b.ms - a.ms || a.op.localeCompare(b.op)),
    });
  }
  return out;
}
