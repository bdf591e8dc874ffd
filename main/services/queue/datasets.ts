import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import type { Redis } from 'ioredis';
import { NasError } from '../../../shared/errors.js';
import { KEY_PREFIX } from './connection.js';
import type { DatasetRef } from './protocol.js';

/** Files up to this size are sent through Redis (once, by hash); larger ones and folders must be shared. */
export const MAX_SHIPPED_BYTES = 64 * 1024 * 1024;

/** How long a sent dataset stays in Redis after its last use. */
const BLOB_TTL_S = 7 * 24 * 3600;

export const blobKey = (hash: string) => `${KEY_PREFIX}:blob:${hash}`;

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

const memo = new Map<string, { stamp: string; hash: string; bytes: number }>();

/**
 * The content hash of a file (sha256 of its bytes) or folder (sha256 of its sorted listing of
 * relative path, size and sha256 per file), memoised per path while sizes and times are unchanged.
 */
export function contentHash(path: string): { hash: string; kind: 'file' | 'dir'; bytes: number } {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new NasError('not-found', `dataset ${path} is not there`);
  }
  const kind = st.isDirectory() ? 'dir' : 'file';
  const files = kind === 'dir' ? walk(path) : [path];
  const stats = files.map((f) => statSync(f));
  const stamp = files.map((f, i) => `${f}\0${stats[i]!.size}\0${stats[i]!.mtimeMs}`).join('\n');
  const hit = memo.get(path);
  if (hit && hit.stamp === stamp) return { hash: hit.hash, kind, bytes: hit.bytes };
  const bytes = stats.reduce((a, s) => a + s.size, 0);
  const hash = kind === 'file' ? sha256(readFileSync(path)) : sha256(files.map((f, i) => `${relative(path, f)}\0${stats[i]!.size}\0${sha256(readFileSync(f))}\n`).join(''));
  memo.set(path, { stamp, hash, bytes });
  return { hash, kind, bytes };
}

/**
 * Coordinator side: identifies each dataset by content and sends each file small enough through
 * Redis once (SET NX under its hash); folders and large files are read by workers from a shared path.
 */
export async function publishDatasets(redis: Redis, paths: readonly string[]): Promise<DatasetRef[]> {
  const refs: DatasetRef[] = [];
  for (const ref of paths) {
    const { hash, kind, bytes } = contentHash(ref);
    const shipped = kind === 'file' && bytes <= MAX_SHIPPED_BYTES;
    if (shipped) {
      const key = blobKey(hash);
      if ((await redis.expire(key, BLOB_TTL_S)) === 0) await redis.set(key, readFileSync(ref), 'EX', BLOB_TTL_S, 'NX');
    }
    refs.push({ ref, hash, kind, bytes, shipped });
  }
  return refs;
}

/**
 * Worker side: where this machine has each dataset. The path named in the spec when it is here with
 * the same content (a shared path), else the file sent through Redis, fetched once into `cacheDir`
 * and checked against its hash. Throws NasError naming what is missing, so the job goes elsewhere.
 */
export async function materializeDatasets(redis: Redis, refs: readonly DatasetRef[], cacheDir: string): Promise<Map<string, string>> {
  const local = new Map<string, string>();
  for (const d of refs) {
    const cached = join(cacheDir, d.hash, basename(d.ref));
    if (existsSync(cached)) {
      local.set(d.ref, cached);
      continue;
    }
    let sameHere: boolean | string = false;
    if (existsSync(d.ref)) {
      const here = contentHash(d.ref);
      sameHere = here.hash === d.hash ? true : `differs here (content ${here.hash.slice(0, 12)}…, the coordinator's ${d.hash.slice(0, 12)}…)`;
    }
    if (sameHere === true) {
      local.set(d.ref, d.ref);
      continue;
    }
    if (!d.shipped) {
      throw new NasError('not-found', `dataset ${d.kind === 'dir' ? 'folder ' : ''}${d.ref} ${typeof sameHere === 'string' ? sameHere : 'is not on this worker'}; folders and files over ${MAX_SHIPPED_BYTES >> 20} MiB are read from a shared path (same path, same content)`);
    }
    const bytes = await redis.getBuffer(blobKey(d.hash));
    if (!bytes) throw new NasError('not-found', `dataset ${d.ref} (content ${d.hash.slice(0, 12)}…) is no longer in Redis; run the search again to send it`);
    if (sha256(bytes) !== d.hash) throw new NasError('invalid-input', `dataset ${d.ref} arrived damaged (its content hash differs)`);
    mkdirSync(join(cacheDir, d.hash), { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, cached);
    local.set(d.ref, cached);
  }
  return local;
}
