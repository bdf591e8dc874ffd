import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { brokenSymlink, mkfifo, utf16le, withFifoUnblocked } from '../../test/fixtures/user-files.js';
import { loadCsv } from './evaluators.js';

const dir = mkdtempSync(join(tmpdir(), 'frontier-tables-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadCsv reads user tables safely', () => {
  it('a folder as --table is named (it was a bare EISDIR)', () => {
    const sub = join(dir, 'folder.csv');
    mkdirSync(sub);
    expect(() => loadCsv(sub)).toThrow(`cannot read table ${sub}: is a folder, not a file`);
  });

  it('a named pipe is refused, not read (it hung forever)', () => {
    const fifo = mkfifo(join(dir, 'pipe.csv'));
    withFifoUnblocked(fifo, () => expect(() => loadCsv(fifo)).toThrow(`cannot read table ${fifo}: is a named pipe (FIFO), not a regular file`));
  });

  it('a broken symbolic link says so', () => {
    const link = brokenSymlink(join(dir, 'gone.csv'));
    expect(() => loadCsv(link)).toThrow(`cannot read table ${link}: broken symbolic link (it points to ${link}.does-not-exist, which does not exist)`);
  });

  it('UTF-16 with a byte-order mark is decoded; without one it is named, not dumped as NUL bytes', () => {
    const ok = join(dir, 'utf16.csv');
    writeFileSync(ok, utf16le('arch,acc\nA,0.5\n'));
    expect(loadCsv(ok).columns).toEqual(['arch', 'acc']);
    const bad = join(dir, 'utf16-nobom.csv');
    writeFileSync(bad, utf16le('arch,acc\nA,0.5\n', false));
    expect(() => loadCsv(bad)).toThrow(`cannot read table ${bad}: is not UTF-8 text: it looks like UTF-16 without a byte-order mark; save it as UTF-8`);
  });
});
