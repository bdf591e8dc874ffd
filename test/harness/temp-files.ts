import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/**
 * A temporary folder `<prefix>…`, removed after the test file's tests, and `file(name, data)`, which
 * writes `data` at `name` under it (making its folders) and returns the file's path.
 */
export function tempFiles(prefix: string): { dir: string; file: (name: string, data: Buffer | string) => string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, data: Buffer | string) => {
    const p = join(dir, name);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, data);
    return p;
  };
  return { dir, file };
}
