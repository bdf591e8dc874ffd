import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NasError } from '../../../shared/errors.js';
import { DEBIAN_SECTIONS, loadDataset } from './builtin.js';
import { readDataset } from './readers.js';
import { parseDelimited, readTextDataset } from './text-reader.js';
import { tempFiles } from '../../../test/harness/temp-files.js';

const { dir, file } = tempFiles('frontier-text-');
const texts = (d: { texts?: readonly string[]; x: ArrayLike<number> }) => Array.from(d.x, (i) => d.texts?.[i]);

/** The NasError a call throws (fails the test when it throws none or another kind). */
function errorOf(f: () => unknown): NasError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(NasError);
    expect((e as NasError).code).toBe('invalid-input');
    return e as NasError;
  }
  throw new Error('expected an error');
}

describe('text reader', () => {
  it('reads CSV with quoted fields (commas, quotes, newlines), TSV and JSONL the same way', () => {
    const csv = file('a.csv', 'id,text,label\r\n1,"hello, world",pos\n2,"say ""hi""",neg\n\n3,"two\nlines",pos\n');
    const tsv = file('a.tsv', 'text\tlabel\n"hello, world\tpos\nsay "hi"\tneg\ntwo lines\tpos\n');
    const jsonl = file('a.jsonl', '{"text":"héllo ✓","label":"pos"}\n\n{"text":"x","label":3}\n');
    const c = readTextDataset(csv).data;
    expect(texts(c)).toEqual(['hello, world', 'say "hi"', 'two\nlines']);
    expect(c.classNames).toEqual(['neg', 'pos']);
    expect(Array.from(c.y)).toEqual([1, 0, 1]);
    expect(c.modality).toBe('text');
    expect(texts(readTextDataset(tsv).data)).toEqual(['"hello, world', 'say "hi"', 'two lines']);
    const j = readTextDataset(jsonl).data;
    expect(texts(j)).toEqual(['héllo ✓', 'x']);
    expect(j.classNames).toEqual(['3', 'pos']);
  });

  it('gives the line of a record that starts after a quoted newline', () => {
    const rows = parseDelimited('a,b\n"x\ny",1\nz,2\n', ',', 'f.csv');
    expect(rows.map((r) => r.line)).toEqual([1, 2, 4]);
  });

  it('names the file and line: empty text, empty label, wrong field count, open quote, bad JSON, missing keys', () => {
    const cases: [string, string, RegExp][] = [
      ['e1.csv', 'text,label\nok,a\n  ,b\n', /e1\.csv: line 3: empty text/],
      ['e2.tsv', 'text\tlabel\nok\ta\nfine\t\n', /e2\.tsv: line 3: empty label/],
      ['e3.csv', 'text,label\nok,a\nnot, quoted,b\n', /e3\.csv: line 3 has 3 field\(s\), the header has 2 \(a text with commas must be in double quotes\)/],
      ['e4.csv', 'text,label\nok,a\n"never closed,b\n', /e4\.csv: line 3: a quoted field is never closed/],
      ['e5.jsonl', '{"text":"a","label":"x"}\n{"text": "b", "label": }\n', /e5\.jsonl: line 2 is not valid JSON/],
      ['e6.jsonl', '{"text":"a","label":"x"}\n{"txt":"b","label":"y"}\n', /e6\.jsonl: line 2: no text field 'text' \(keys: 'txt', 'label'\)/],
      ['e7.jsonl', '{"text":"a","label":"x"}\n[1,2]\n', /e7\.jsonl: line 2: expected a JSON object/],
      ['e8.jsonl', '{"text":"a","label":null}\n', /e8\.jsonl: line 1: 'label' must be a string or a number, got null/],
    ];
    for (const [name, body, want] of cases) expect(errorOf(() => readTextDataset(file(name, body))).message).toMatch(want);
  });

  it('refuses an empty file, a header without examples, a missing or unknown label column, a single class', () => {
    expect(errorOf(() => readTextDataset(file('empty.csv', ''))).message).toMatch(/empty\.csv: empty file/);
    expect(errorOf(() => readTextDataset(file('empty.jsonl', '\n\n'))).message).toMatch(/empty\.jsonl: empty file/);
    expect(errorOf(() => readTextDataset(file('head.tsv', 'text\tlabel\n'))).message).toMatch(/head\.tsv: no examples after the header/);
    expect(errorOf(() => readTextDataset(file('nolab.csv', 'text,class\na,b\n'))).message).toMatch(/nolab\.csv: no label column 'label' in the header \(columns: 'text', 'class'\)/);
    expect(errorOf(() => readTextDataset(file('nolab.csv'.replace('no', 'x'), 'text,class\na,b\nc,d\n'), undefined, { labelField: 'kind' })).message).toMatch(/no label column 'kind'/);
    expect(errorOf(() => readTextDataset(file('one.csv', 'text,label\na,x\nb,x\n'))).message).toMatch(/one\.csv: the label column has a single class/);
    expect(errorOf(() => readTextDataset(file('latin1.csv', Buffer.from('text,label\ncaf\xe9,a\nb,c\n', 'latin1')))).message).toMatch(/latin1\.csv.*not UTF-8/i);
  });

  it('refuses a test label the training data does not have, naming the test file and line', () => {
    const train = file('tt/train.csv', 'text,label\na,x\nb,y\n');
    const test = file('tt/test.csv', 'text,label\nc,x\nd,z\n');
    const e = errorOf(() => readTextDataset(train, test));
    expect(e.message).toMatch(/test\.csv: line 3: label 'z' is unknown to the training data .*train\.csv \(classes: 'x', 'y'\)/);
  });

  it('is found by readDataset: a .tsv/.jsonl file, a .csv with a text column, a folder with train and test files', () => {
    expect(readDataset(file('r/a.jsonl', '{"text":"a","label":"x"}\n{"text":"b","label":"y"}\n')).data.modality).toBe('text');
    expect(readDataset(file('r/b.csv', 'text,label\na,x\nb,y\n')).data.modality).toBe('text');
    expect(readDataset(file('r/num.csv', 'f1,label\n1,x\n2,y\n')).data.modality).toBeUndefined();
    file('rf/train.tsv', 'text\tlabel\na\tx\nb\ty\n');
    file('rf/test.tsv', 'text\tlabel\nc\ty\n');
    const both = readDataset(join(dir, 'rf'));
    expect(texts(both.data)).toEqual(['a', 'b']);
    expect(texts(both.test as NonNullable<typeof both.test>)).toEqual(['c']);
    expect(Array.from(both.test?.y ?? [])).toEqual([1]);
  });

  it('loads the built-in Debian descriptions: 8 balanced sections, 4,800 train and 1,200 test texts, disjoint', () => {
    const { data, test } = loadDataset('builtin:debian-descriptions');
    expect(data.classNames).toEqual(DEBIAN_SECTIONS);
    expect(data.y.length).toBe(4800);
    expect(test?.y.length).toBe(1200);
    const count = new Array(8).fill(0);
    for (const l of data.y) count[l]++;
    expect(count).toEqual(new Array(8).fill(600));
    const train = new Set(texts(data).map((t) => t?.toLowerCase()));
    expect(texts(test as NonNullable<typeof test>).filter((t) => train.has(t?.toLowerCase()))).toEqual([]);
  });
});
