/**
 * The weights of a supernet search's trial, cut from the shared ones: a search over a trained
 * supernet's sub-networks (`frontier supernet search`) scores each with the supernet's weights and
 * keeps no per-trial weights; exporting one of its trials (CLI `export`, the UI's Exports panel) asks
 * for them here. The sub-network's BatchNorm statistics are recalibrated first (as its score was), the
 * cut-out weights are written as a `.fweights` file beside the checkpoint and recorded as the trial's
 * `weights` artifact, so the ordinary export path (and its provenance) applies unchanged.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { NasError } from '../../../shared/errors.js';
import type { ArtifactRecord } from '../../../shared/types/index.js';
import type { Store } from '../../core/store.js';
import { MobilenetSpace, type MobilenetOptions } from '../../core/spaces/mobilenet.js';
import { encodeWeightsFile } from '../export/weights-file.js';
import { openSupernet, type SupernetEvaluatorSpec } from './supernet-study.js';

/** Whether the study scores sub-networks of a supernet (its trials' weights are the supernet's). */
export function isSupernetStudy(store: Store, studyId: string): boolean {
  const kind = (store.getStudy(studyId)?.spec.evaluator as { kind?: unknown } | undefined)?.kind;
  return kind === 'supernet';
}

/**
 * Makes sure the trial of a supernet search has a `weights` artifact (the inherited weights after
 * BatchNorm recalibration); returns it, or undefined for a study that is not a supernet search or a
 * trial that already has weights (a fine-tune or a retraining keeps its own, which win).
 */
export async function ensureInheritedWeights(store: Store, studyId: string, trialNumber: number, o: { now?: () => number; onCut?: () => void } = {}): Promise<ArtifactRecord | undefined> {
  const rec = store.getStudy(studyId);
  if (!rec || !isSupernetStudy(store, studyId)) return undefined;
  if (store.listArtifacts(rec.id, trialNumber).some((x) => x.kind === 'weights' && existsSync(x.path))) return undefined;
  const t = store.getTrial(rec.id, trialNumber);
  if (!t) throw new NasError('not-found', `study ${rec.id} has no trial ${trialNumber}`);
  if (t.state !== 'complete') throw new NasError('invalid-input', `trial ${trialNumber} of study ${rec.id} is ${t.state}, not complete: only a scored sub-network can be exported`);
  const e = rec.spec.evaluator as unknown as SupernetEvaluatorSpec;
  if (!existsSync(e.checkpoint)) throw new NasError('not-found', `study ${rec.id} searched the supernet ${e.checkpoint}, which is gone: its sub-networks' weights were there`);
  o.onCut?.();
  const checkpointSha = createHash('sha256').update(readFileSync(e.checkpoint)).digest('hex');
  const { supernet, meta } = openSupernet(e.checkpoint);
  try {
    const space = new MobilenetSpace((rec.spec.spaceOptions ?? {}) as Partial<MobilenetOptions>);
    const a = space.freeze(t.sample);
    // Recalibrated as the search scored it; the cut-out statistics are then this sub-network's own.
    const scored = await supernet.evaluate(a, e.calibrationBatches !== undefined ? { calibrationBatches: e.calibrationBatches } : {});
    const settings = {
      source: 'supernet', checkpoint: e.checkpoint, checkpointSha256: checkpointSha, supernetSteps: meta.trainedSteps,
      data: meta.data, valAccuracy: scored.accuracy, architecture: t.key,
    };
    const bytes = encodeWeightsFile(supernet.graph(a), supernet.subnetWeights(a), settings);
    const dir = path.join(path.dirname(e.checkpoint), 'inherited', `study${rec.id}`);
    const file = path.join(dir, `trial${trialNumber}.fweights`);
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(`${file}.tmp`, bytes);
      renameSync(`${file}.tmp`, file);
    } catch (err) {
      throw new NasError('invalid-input', `cannot write the sub-network's weights to ${file}: ${(err as Error).message}`);
    }
    const artifact: ArtifactRecord = { studyId: rec.id, trialNumber, kind: 'weights', path: file, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), createdAt: (o.now ?? Date.now)(), settings };
    store.addArtifact(artifact);
    return artifact;
  } finally {
    supernet.dispose();
  }
}
