import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { prepareData } from '../train/trial.js';
import { splitDataset } from './dataset.js';
import { readDataset } from './readers.js';
import { checkTextSettings, checkTokenizer, fitTokenizer, TokenEncoder, vocabSize } from './tokenizer.js';

const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex');

describe('byte tokenizer', () => {
  it('keeps the most frequent byte pairs (seen at least twice), ties by byte value, deterministically', () => {
    const t = fitTokenizer(['abab', 'ABc', 'zz'], 10);
    // ab ×3 (lower-cased), ba ×1, bc ×1, zz ×1: only ab is seen twice.
    expect(t).toEqual({ kind: 'bytes', merges: [hex('ab')] });
    const u = fitTokenizer(['xyxy', 'cdcd', 'xy cd'], 2);
    expect(u.merges).toEqual([hex('cd'), hex('xy')]);
    expect(fitTokenizer(['xyxy', 'cdcd', 'xy cd'], 2)).toEqual(u);
  });

  it('encodes: 0 padding, bytes at 2+b, merges at 258+k, left to right, cut or padded to L', () => {
    const enc = new TokenEncoder({ kind: 'bytes', merges: [hex('ab'), hex('bc')] }, 6);
    const b = (c: string) => 2 + c.charCodeAt(0);
    expect(Array.from(enc.encode('Abc'))).toEqual([258, b('c'), 0, 0, 0, 0]);
    expect(Array.from(enc.encode('xbc'))).toEqual([b('x'), 259, 0, 0, 0, 0]);
    expect(Array.from(enc.encode('abababab'))).toEqual([258, 258, 258, 258, 0, 0]);
    expect(Array.from(enc.encode('abababababab!'))).toEqual([258, 258, 258, 258, 258, 258]);
    // UTF-8: é is two bytes c3 a9.
    expect(Array.from(enc.encode('é'))).toEqual([2 + 0xc3, 2 + 0xa9, 0, 0, 0, 0]);
    expect(vocabSize({ length: 6, merges: 2 })).toBe(260);
  });

  it('checks settings and stored tokenizers from a spec', () => {
    expect(checkTextSettings({})).toEqual({ length: 64, merges: 254 });
    expect(() => checkTextSettings({ length: 0 })).toThrow(/text length must be an integer 1\.\.4096, got 0/);
    expect(() => checkTextSettings({ merges: 1.5 })).toThrow(/text merges must be an integer/);
    const s = { length: 8, merges: 2 };
    expect(() => checkTokenizer({ kind: 'words' }, s)).toThrow(/stored tokenizer/);
    expect(() => checkTokenizer({ kind: 'bytes', merges: ['6162', '6162'] }, s)).toThrow(/not a distinct pair/);
    expect(() => checkTokenizer({ kind: 'bytes', merges: ['61', '6263'] }, s)).toThrow(/not a distinct pair/);
    expect(() => checkTokenizer({ kind: 'bytes', merges: ['6162', '6263', '6364'] }, s)).toThrow(/3 merges, more than the settings' 2/);
  });
});

describe('text data path (prepareData)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'frontier-tok-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const train = ['kk one', 'kk two', 'kk three', 'kk four', 'mm five', 'mm six', 'mm seven', 'mm eight'].map((t, i) => `${t}\t${i < 4 ? 'a' : 'b'}`);
  writeFileSync(join(dir, 'train.tsv'), ['text\tlabel', ...train].join('\n'));
  writeFileSync(join(dir, 'test.tsv'), 'text\tlabel\nqq qq qq qq\ta\n');

  it('fits the tokenizer on the training split only, encodes ids [L, 1, 1] without normalising them', () => {
    const p = prepareData({ ref: join(dir), val: 2, seed: 3, cwd: dir, text: { length: 5, merges: 50 } });
    expect(p.train.shape).toEqual([5, 1, 1]);
    expect(p.train.y.length).toBe(6);
    expect(p.text?.vocab).toBe(258 + 50);
    const merges = p.text?.tokenizer.merges ?? [];
    // "qq" is only in the test file: never a merge. "kk"/"mm" are in the training split.
    expect(merges).not.toContain(hex('qq'));
    expect(merges).toContain(hex('kk'));
    expect(merges).toContain(hex('mm'));
    // Exactly the fit on the training split's texts, which differs from a fit on the whole training file.
    const { data } = readDataset(dir);
    const split = splitDataset(data, { val: 2, seed: 3 });
    const textsOf = (d: typeof data) => Array.from(d.x, (i) => data.texts?.[i] as string);
    expect(p.text?.tokenizer).toEqual(fitTokenizer(textsOf(split.train), 50));
    expect(fitTokenizer(textsOf(data), 50)).not.toEqual(p.text?.tokenizer);
    // Not normalised: integer ids straight from the tokenizer.
    expect(p.train.x.every((v) => Number.isInteger(v) && v >= 0 && v < 308)).toBe(true);
    expect(Array.from(p.test?.x ?? [])).toEqual([2 + 0x71, 2 + 0x71, 2 + 0x20, 2 + 0x71, 2 + 0x71]);
  });

  it('uses the stored tokenizer when the spec has one (resume, retrain, export)', () => {
    const stored = { kind: 'bytes' as const, merges: [hex('qq')] };
    const p = prepareData({ ref: join(dir), val: 2, seed: 3, cwd: dir, text: { length: 5, merges: 50, tokenizer: stored } });
    expect(p.text?.tokenizer).toEqual(stored);
    expect(Array.from(p.test?.x ?? [])).toEqual([258, 2 + 0x20, 258, 2 + 0x20, 258]);
  });
});
