import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NasError } from '../../shared/errors.js';
import { brokenSymlink, gzipBomb, mkfifo, utf16be, utf16le, withFifoUnblocked } from '../../test/fixtures/user-files.js';
import { decodeUserText, firstInvalidUtf8, readUserFile, readUserFolder, readUserText, statUserPath } from './user-file.js';

const dir = mkdtempSync(join(tmpdir(), 'frontier-user-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, data: Buffer | string) => {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
};

describe('readUserFile', () => {
  it('reads a regular file whole, and through a symbolic link', () => {
    const p = file('a.bin', Buffer.from([1, 2, 3]));
    expect(Array.from(readUserFile(p))).toEqual([1, 2, 3]);
    expect(readUserFile(file('empty', '')).length).toBe(0);
  });

  it('refuses a named pipe before opening it (no hang)', () => {
    const fifo = mkfifo(join(dir, 'pipe.csv'));
    withFifoUnblocked(fifo, () => {
      expect(() => readUserFile(fifo, { what: 'table' })).toThrow(`cannot read table ${fifo}: is a named pipe (FIFO), not a regular file`);
      expect(() => readUserText(fifo)).toThrow(NasError);
    });
  });

  it('names a folder, a broken symbolic link and a missing file in words', () => {
    const sub = join(dir, 'folder');
    mkdirSync(sub);
    expect(() => readUserFile(sub, { what: 'table' })).toThrow(`cannot read table ${sub}: is a folder, not a file`);
    const link = brokenSymlink(join(dir, 'dangling.csv'));
    expect(() => readUserFile(link)).toThrow(`cannot read file ${link}: broken symbolic link (it points to ${link}.does-not-exist, which does not exist)`);
    expect(() => statUserPath(link, 'dataset')).toThrow(/^cannot read dataset .*dangling\.csv: broken symbolic link/);
    expect(() => readUserFile(join(dir, 'nope'))).toThrow(/nope: no such file or folder \(ENOENT\)$/);
    expect(() => readUserFolder(file('plain.txt', 'x'))).toThrow(/plain\.txt: is not a folder$/);
  });

  it('a file name with a newline or a bidi override stays on one readable line', () => {
    const odd = join(dir, 'evil\nname\u202e\u2028.csv');
    mkdirSync(odd);
    expect(() => readUserFile(odd)).toThrow(`cannot read file ${dir}/evil\\u000aname\\u202e\\u2028.csv: is a folder, not a file`);
  });

  it('refuses files over the size limit before reading them', () => {
    const p = file('big.bin', Buffer.alloc(2000));
    expect(() => readUserFile(p, { maxBytes: 1000, what: 'space file' })).toThrow(`cannot read space file ${p}: 2 KiB is more than the 1000 bytes limit for a space file`);
    expect(readUserFile(p, { maxBytes: 2000 }).length).toBe(2000);
  });

  it('inflates gzip within a limit and names a gzip bomb', () => {
    const bomb = file('bomb.gz', gzipBomb(4 * 1024 * 1024));
    expect(readUserFile(bomb, { gunzip: true }).length).toBe(4 * 1024 * 1024);
    expect(() => readUserFile(bomb, { gunzip: true, maxInflatedBytes: 1024 * 1024 })).toThrow(/bomb\.gz: is gzip-compressed and inflates to more than 1 MiB \(the limit; .* compressed\)/);
    const cut = file('cut.gz', gzipBomb(100_000).subarray(0, 40));
    expect(() => readUserFile(cut, { gunzip: true })).toThrow(/cut\.gz: is gzip-compressed but does not decompress .*probably truncated/);
    // Without gunzip the bytes come back as they are.
    expect(readUserFile(bomb).length).toBeLessThan(10_000);
  });
});

describe('text decoding', () => {
  it('reads UTF-8 (with or without a BOM) and UTF-16 with a BOM', () => {
    expect(readUserText(file('u8.csv', 'a,b\n1,é\n'))).toBe('a,b\n1,é\n');
    expect(readUserText(file('bom.csv', '\ufeffa,b\n'))).toBe('a,b\n');
    expect(readUserText(file('le.csv', utf16le('a,b\n1,é\n')))).toBe('a,b\n1,é\n');
    expect(readUserText(file('be.csv', utf16be('a,b\n1,€\n')))).toBe('a,b\n1,€\n');
  });

  it('refuses NUL bytes and invalid UTF-8 without echoing the bytes', () => {
    const noBom = file('nobom.csv', utf16le('a,b\n1,2\n', false));
    expect(() => readUserText(noBom, { what: 'table' })).toThrow(`cannot read table ${noBom}: is not UTF-8 text: it looks like UTF-16 without a byte-order mark; save it as UTF-8`);
    const bin = file('bin.csv', Buffer.from('abc\ndef\x00\x01\x02garbage'));
    expect(() => readUserText(bin)).toThrow(`cannot read file ${bin}: is not UTF-8 text: it contains NUL bytes (the first at line 2), so it is probably a binary file`);
    const latin1 = file('latin1.csv', Buffer.from('a,b\nx,caf\xe9\n', 'latin1'));
    expect(() => readUserText(latin1)).toThrow(`cannot read file ${latin1}: is not UTF-8 text: byte 0xe9 at line 2 is not valid UTF-8 (Latin-1 or another encoding?); save it as UTF-8`);
    const odd = file('odd.csv', Buffer.concat([utf16le('ab'), Buffer.from([0x41])]));
    expect(() => readUserText(odd)).toThrow(/odd\.csv: UTF-16 text \(by its byte-order mark\) with an odd number of bytes/);
    const nulInUtf16 = file('nul16.csv', utf16le('a\u0000b'));
    expect(() => readUserText(nulInUtf16)).toThrow(/nul16\.csv: is not text: it contains NUL characters/);
    for (const p of [noBom, bin, latin1, odd, nulInUtf16]) {
      try {
        readUserText(p);
      } catch (e) {
        expect([...(e as Error).message].filter((ch) => ch < ' ' || ch === '\ufffd')).toEqual([]);
      }
    }
  });

  it('firstInvalidUtf8 agrees with the platform validator', () => {
    const cases: number[][] = [[0x61], [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x98, 0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0x80], [0xf5]];
    for (const c of cases) {
      const b = Buffer.from([0x41, ...c, 0x42]);
      expect(firstInvalidUtf8(b) === -1).toBe(new TextDecoder().decode(b) === b.toString('utf8') && !b.toString('utf8').includes('\ufffd'));
    }
    expect(() => decodeUserText(Buffer.from([0xff, 0xfe, 0x00, 0xd8]), 'x')).toThrow(/x: UTF-16 text .* invalid surrogate pairs/);
  });
});
