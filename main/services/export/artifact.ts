import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ArtifactRecord, ModelGraph } from '../../../shared/types/index.js';
import type { Store } from '../../core/store.js';
import { exportTflite, type TfliteExportOptions } from './tflite.js';
import type { GraphWeights } from './weights.js';

/**
 * Exports a trial's model as `<dir>/<study>-<trial>.tflite` and records it as an artifact
 * (kind `tflite`, with size and SHA-256) so the file can be found and checked later.
 */
export function exportTrialTflite(
  store: Store,
  o: { studyId: string; trialNumber: number; graph: ModelGraph; weights: GraphWeights; dir: string; now?: number } & TfliteExportOptions,
): ArtifactRecord {
  const { bytes } = exportTflite(o.graph, o.weights, o);
  mkdirSync(o.dir, { recursive: true });
  const file = path.join(o.dir, `study${o.studyId}-trial${o.trialNumber}.tflite`);
  writeFileSync(file, bytes);
  const rec: ArtifactRecord = {
    studyId: o.studyId,
    trialNumber: o.trialNumber,
    kind: 'tflite',
    path: file,
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    createdAt: o.now ?? Date.now(),
  };
  store.addArtifact(rec);
  return rec;
}
