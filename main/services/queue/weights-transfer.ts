import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { NasError } from '../../../shared/errors.js';
import type { ArtifactRecord } from '../../../shared/types/index.js';
import type { Store } from '../../core/store.js';
import { KEY_PREFIX } from './connection.js';

/** How long trained weights wait in Redis for their coordinator (it deletes them once stored). */
const WEIGHTS_TTL_MS = 24 * 3600_000;

/** Trained weights a worker left in Redis for the coordinator: a `.fweights` file (export/weights-file.ts). */
export interface WeightsRef {
  readonly key: string;
  readonly sha256: string;
  readonly bytes: number;
  /** How they were trained (data, epochs, backend, accuracy, worker), kept in the artifact's settings. */
  readonly settings: Readonly<Record<string, unknown>>;
}

export const weightsKey = (jobId: string) => `${KEY_PREFIX}:weights:${jobId}`;

/** Worker side: puts a trial's weights file in Redis under its job id (replacing an earlier try's). */
export async function sendWeights(redis: Redis, jobId: string, file: Uint8Array, settings: Readonly<Record<string, unknown>>): Promise<WeightsRef> {
  const key = weightsKey(jobId);
  await redis.set(key, Buffer.from(file.buffer, file.byteOffset, file.byteLength), 'PX', WEIGHTS_TTL_MS);
  return { key, sha256: createHash('sha256').update(file).digest('hex'), bytes: file.byteLength, settings };
}

/**
 * Coordinator side: stores a trial's weights as its `weights` artifact, as a retraining does (a
 * `.fweights` file in `dir/study<id>/`, its SHA-256 checked), so that `frontier export --trial N`
 * reads them. Idempotent by trial: weights of that trial with the same checksum already stored are
 * not stored again. Throws (internal) when Redis no longer has them or they arrive damaged.
 */
export async function receiveWeights(redis: Redis, store: Store, ref: WeightsRef, o: { studyId: string; trial: number; dir: string }): Promise<ArtifactRecord> {
  const have = store.listArtifacts(o.studyId, o.trial).find((a) => a.kind === 'weights' && a.sha256 === ref.sha256 && existsSync(a.path));
  if (have) {
    await redis.del(ref.key).catch(() => undefined);
    return have;
  }
  const bytes = await redis.getBuffer(ref.key);
  if (!bytes) throw new NasError('internal', `the trained weights of trial ${o.trial} are no longer in Redis (${ref.key})`);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== ref.sha256) throw new NasError('internal', `the trained weights of trial ${o.trial} arrived damaged (SHA-256 ${sha.slice(0, 12)}…, sent ${ref.sha256.slice(0, 12)}…)`);
  const dir = path.join(o.dir, `study${o.studyId}`);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `trial${o.trial}-${sha.slice(0, 12)}.fweights`);
  // Written whole under another name first: a coordinator killed mid-write leaves no torn file behind.
  writeFileSync(`${file}.part`, bytes);
  renameSync(`${file}.part`, file);
  const artifact: ArtifactRecord = { studyId: o.studyId, trialNumber: o.trial, kind: 'weights', path: file, bytes: bytes.length, sha256: sha, createdAt: Date.now(), settings: ref.settings };
  store.addArtifact(artifact);
  await redis.del(ref.key).catch(() => undefined);
  return artifact;
}
