// BatchNorm recalibration measured the same way on either supernet engine (native or tfjs): for each
// sub-network, from the statistics training left (the checkpoint: a mixture over sub-networks), its
// accuracy without recalibration, then with it, and how far one of its BatchNorm means moved.
import { expect } from 'vitest';
import type { Architecture } from '../../shared/types/index.js';
import type { SupernetEngine } from '../../main/services/train/supernet-api.js';

export interface RecalibrationEffect {
  readonly key: string;
  readonly without: number;
  readonly with: number;
  /** Largest change of `s2.b1.project.bn/movingMean` made by the recalibration. */
  readonly moved: number;
}

export async function recalibrationEffect(e: SupernetEngine, checkpoint: string, archs: readonly Architecture[], calibrationBatches: number): Promise<RecalibrationEffect[]> {
  const out: RecalibrationEffect[] = [];
  const stats = (a: Architecture) => e.subnetWeights(a).map.get('s2.b1.project.bn/movingMean') as Float32Array;
  for (const a of archs) {
    e.loadCheckpoint(checkpoint);
    const without = (await e.evaluate(a, { calibrationBatches: 0 })).accuracy;
    const before = stats(a);
    const withCal = (await e.evaluate(a, { calibrationBatches, calibrationBatchSize: 32 })).accuracy;
    const after = stats(a);
    let moved = 0;
    for (let i = 0; i < before.length; i++) moved = Math.max(moved, Math.abs((before[i] as number) - (after[i] as number)));
    out.push({ key: a.key, without, with: withCal, moved });
  }
  return out;
}

const mean = (v: readonly number[]): number => v.reduce((x, y) => x + y, 0) / v.length;

/** Recalibration moved every sub-network's statistics and raised their mean accuracy. */
export function expectRecalibrationHelps(r: readonly RecalibrationEffect[]): void {
  for (const x of r) expect(x.moved, `${x.key}: recalibration moved its statistics`).toBeGreaterThan(1e-4);
  const without = r.map((x) => x.without);
  const withCal = r.map((x) => x.with);
  expect(mean(withCal), `accuracy with recalibration ${withCal.join(', ')} vs without ${without.join(', ')}`).toBeGreaterThan(mean(without));
}
