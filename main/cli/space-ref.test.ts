import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { brokenSymlink, mkfifo, utf16le, withFifoUnblocked } from '../../test/fixtures/user-files.js';
import { UsageError, type CliIO } from './io.js';
import { spaceRef } from './space-ref.js';

const dir = mkdtempSync(join(tmpdir(), 'frontier-space-ref-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const io = { cwd: dir } as CliIO;

describe('spaceRef reads space files safely', () => {
  it('keeps the text of a space file; UTF-16 with a byte-order mark is decoded', () => {
    writeFileSync(join(dir, 'a.yaml'), 'name: x\n');
    expect(spaceRef('a.yaml', io)).toEqual({ space: 'custom', spaceOptions: { document: 'name: x\n', source: 'a.yaml' } });
    writeFileSync(join(dir, 'b.yaml'), utf16le('name: y\n'));
    expect(spaceRef('b.yaml', io).spaceOptions).toEqual({ document: 'name: y\n', source: 'b.yaml' });
    expect(spaceRef('nb201', io)).toEqual({ space: 'nb201' });
  });

  it('a named pipe is refused, not read (it hung forever)', () => {
    const fifo = mkfifo(join(dir, 'pipe.yaml'));
    withFifoUnblocked(fifo, () => {
      expect(() => spaceRef('pipe.yaml', io)).toThrow(UsageError);
      expect(() => spaceRef('pipe.yaml', io)).toThrow(`cannot read space file ${fifo}: is a named pipe (FIFO), not a regular file`);
    });
  });

  it('folders, broken links, huge files and non-UTF-8 text are named in words', () => {
    mkdirSync(join(dir, 'd.json'));
    expect(() => spaceRef('d.json', io)).toThrow(`cannot read space file ${join(dir, 'd.json')}: is a folder, not a file`);
    const link = brokenSymlink(join(dir, 'gone.yaml'));
    expect(() => spaceRef('gone.yaml', io)).toThrow(`cannot read space file ${link}: broken symbolic link`);
    writeFileSync(join(dir, 'big.json'), Buffer.alloc(17 * 1024 * 1024, 0x20));
    expect(() => spaceRef('big.json', io)).toThrow(`cannot read space file ${join(dir, 'big.json')}: 17 MiB is more than the 16 MiB limit for a space file`);
    writeFileSync(join(dir, 'nobom.yaml'), utf16le('name: z\n', false));
    expect(() => spaceRef('nobom.yaml', io)).toThrow(/nobom\.yaml: is not UTF-8 text: it looks like UTF-16 without a byte-order mark/);
  });
});
