import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder of shipped resources (NAS-Bench-201 tables, example spaces, datasets). */
export function resourcesDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FRONTIER_RESOURCES) return resolve(env.FRONTIER_RESOURCES);
  return fileURLToPath(new URL('../../resources/', import.meta.url));
}

export const BUILTIN_PREFIX = 'builtin:';

/** `builtin:nb201/accuracy.csv` → the shipped file; anything else is a path (relative to cwd). */
export function resolveResource(ref: string, cwd = process.cwd()): string {
  if (ref.startsWith(BUILTIN_PREFIX)) return join(resourcesDir(), ref.slice(BUILTIN_PREFIX.length));
  return isAbsolute(ref) ? ref : resolve(cwd, ref);
}

export function resourceExists(ref: string): boolean {
  return existsSync(resolveResource(ref));
}
