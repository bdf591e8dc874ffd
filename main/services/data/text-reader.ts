/**
 * Text classification files: CSV, TSV or JSON Lines with a text field and a label field per example.
 * The reader keeps the raw strings (tokenising needs the training split, see text-encode.ts); every
 * problem is one NasError('invalid-input') naming the file and the line.
 */
import { extname } from 'node:path';
import { printable, readUserText, userFileLimits, type UserFileLimits } from '../user-file.js';
import { checkDataset, dataError, type Dataset } from './dataset.js';

export const TEXT_EXTENSIONS = ['.csv', '.tsv', '.jsonl'] as const;

export interface TextFileOptions {
  /** The text column or JSON key; default `text`. */
  readonly textField?: string;
  /** The label column or JSON key; default `label`. */
  readonly labelField?: string;
  readonly limits?: Partial<UserFileLimits>;
}

/** The examples of one file, in file order, with the line each starts on. */
export interface TextRows {
  readonly file: string;
  readonly texts: string[];
  readonly labels: string[];
  readonly lines: number[];
}

function show(text: string, max = 40): string {
  const clean = printable(text);
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/**
 * Records of a delimited file. CSV (`,`) follows RFC 4180: a field in double quotes may hold commas,
 * newlines and `""` for a quote. TSV (tab) follows IANA text/tab-separated-values: no quoting, a
 * field holds no tab or newline (so a text may start with a quote). Returns each record's fields
 * and the line it starts on; blank lines are skipped.
 */
export function parseDelimited(text: string, delim: ',' | '\t', file: string): { fields: string[]; line: number }[] {
  const out: { fields: string[]; line: number }[] = [];
  let line = 1;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let field = '';
    let quoted = false;
    let wasQuoted = false;
    for (; i < n; i++) {
      const ch = text[i] as string;
      if (quoted) {
        if (ch === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i++;
          } else quoted = false;
        } else {
          if (ch === '\n') line++;
          field += ch;
        }
        continue;
      }
      if (ch === '"' && delim === ',' && field.trim() === '' && !wasQuoted) {
        quoted = true;
        wasQuoted = true;
        field = '';
      } else if (ch === delim) {
        fields.push(wasQuoted ? field : field.trim());
        field = '';
        wasQuoted = false;
      } else if (ch === '\n' || ch === '\r') {
        if (ch === '\r' && text[i + 1] === '\n') i++;
        i++;
        line++;
        break;
      } else if (wasQuoted) {
        if (ch.trim() !== '') throw dataError(file, `line ${line}: text after the closing quote of a field ('${show(ch)}'); a quote inside a quoted field is written ""`);
      } else field += ch;
    }
    if (quoted) throw dataError(file, `line ${start}: a quoted field is never closed (missing ")`);
    fields.push(wasQuoted ? field : field.trim());
    if (!(fields.length === 1 && fields[0] === '' && !wasQuoted)) out.push({ fields, line: start });
  }
  return out;
}

function columnsList(header: readonly string[]): string {
  return header.slice(0, 20).map((h) => `'${show(h)}'`).join(', ') + (header.length > 20 ? `, … (${header.length} columns)` : '');
}

function readTable(file: string, text: string, delim: ',' | '\t', tf: string, lf: string): TextRows {
  const records = parseDelimited(text, delim, file);
  const head = records[0];
  if (!head) throw dataError(file, `empty file: expected a header row with '${tf}' and '${lf}' columns`);
  const header = head.fields;
  const ti = header.indexOf(tf);
  const li = header.indexOf(lf);
  if (ti < 0) throw dataError(file, `no text column '${show(tf)}' in the header (columns: ${columnsList(header)})`);
  if (li < 0) throw dataError(file, `no label column '${show(lf)}' in the header (columns: ${columnsList(header)})`);
  const rows: TextRows = { file, texts: [], labels: [], lines: [] };
  for (let r = 1; r < records.length; r++) {
    const { fields, line } = records[r] as { fields: string[]; line: number };
    if (fields.length !== header.length) throw dataError(file, `line ${line} has ${fields.length} field(s), the header has ${header.length}${delim === ',' ? ' (a text with commas must be in double quotes)' : ''}`);
    rows.texts.push(fields[ti] as string);
    rows.labels.push(fields[li] as string);
    rows.lines.push(line);
  }
  return rows;
}

function readJsonLines(file: string, text: string, tf: string, lf: string): TextRows {
  const rows: TextRows = { file, texts: [], labels: [], lines: [] };
  text.split('\n').forEach((raw, k) => {
    const line = k + 1;
    if (raw.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (e) {
      throw dataError(file, `line ${line} is not valid JSON (${show(e instanceof Error ? e.message : String(e), 80)})`);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw dataError(file, `line ${line}: expected a JSON object with '${tf}' and '${lf}', got ${Array.isArray(v) ? 'an array' : JSON.stringify(v)?.slice(0, 40)}`);
    const o = v as Record<string, unknown>;
    const t = Object.hasOwn(o, tf) ? o[tf] : undefined;
    const l = Object.hasOwn(o, lf) ? o[lf] : undefined;
    if (t === undefined) throw dataError(file, `line ${line}: no text field '${show(tf)}' (keys: ${columnsList(Object.keys(o))})`);
    if (l === undefined) throw dataError(file, `line ${line}: no label field '${show(lf)}' (keys: ${columnsList(Object.keys(o))})`);
    if (typeof t !== 'string') throw dataError(file, `line ${line}: '${show(tf)}' must be a string, got ${typeof t}`);
    if (typeof l !== 'string' && !(typeof l === 'number' && Number.isFinite(l))) throw dataError(file, `line ${line}: '${show(lf)}' must be a string or a number, got ${l === null ? 'null' : typeof l}`);
    rows.texts.push(t);
    rows.labels.push(String(l).trim());
    rows.lines.push(line);
  });
  if (rows.texts.length === 0) throw dataError(file, 'empty file: expected one JSON object per line');
  return rows;
}

/** Reads a .csv, .tsv or .jsonl file of examples; empty texts and labels are refused. */
export function readTextRows(file: string, o: TextFileOptions = {}): TextRows {
  const lim = userFileLimits(o.limits);
  const tf = o.textField ?? 'text';
  const lf = o.labelField ?? 'label';
  const text = readUserText(file, { what: 'dataset', maxBytes: lim.textBytes });
  const ext = extname(file).toLowerCase();
  const rows = ext === '.jsonl' ? readJsonLines(file, text, tf, lf) : readTable(file, text, ext === '.tsv' ? '\t' : ',', tf, lf);
  if (rows.texts.length === 0) throw dataError(file, 'no examples after the header');
  rows.texts.forEach((t, i) => {
    if (t.trim() === '') throw dataError(file, `line ${rows.lines[i]}: empty text`);
    if ((rows.labels[i] as string) === '') throw dataError(file, `line ${rows.lines[i]}: empty label`);
  });
  return rows;
}

/** Whether a .csv file is a text table (its header has the text column) rather than numeric features. */
export function isTextCsv(file: string, o: TextFileOptions = {}): boolean {
  const lim = userFileLimits(o.limits);
  const text = readUserText(file, { what: 'dataset', maxBytes: lim.textBytes });
  const first = parseDelimited(text.slice(0, Math.max(0, text.indexOf('\n')) || text.length), ',', file)[0];
  return first?.fields.includes(o.textField ?? 'text') ?? false;
}

/**
 * A raw text dataset: `texts` holds the strings, `x` each example's index into them (shape
 * [1, 1, 1]) until text-encode.ts tokenises it into ids of shape [L, 1, 1].
 */
function rawDataset(rows: TextRows, classNames: readonly string[], index: ReadonlyMap<string, number>, what: string): Dataset {
  const y = new Int32Array(rows.labels.length);
  rows.labels.forEach((l, i) => {
    const k = index.get(l);
    if (k === undefined) throw dataError(rows.file, `line ${rows.lines[i]}: label '${show(l)}' ${what} (classes: ${columnsList(classNames)})`);
    y[i] = k;
  });
  const x = Float32Array.from(rows.texts, (_, i) => i);
  return checkDataset({ source: rows.file, shape: [1, 1, 1], classes: classNames.length, classNames, x, y, modality: 'text', texts: rows.texts });
}

/**
 * A training file and optionally a test file. Classes are the training labels in sorted order; a
 * test label the training file does not have is an error naming its line.
 */
export function readTextDataset(trainFile: string, testFile?: string, o: TextFileOptions = {}): { data: Dataset; test?: Dataset } {
  const lim = userFileLimits(o.limits);
  const train = readTextRows(trainFile, o);
  const names = [...new Set(train.labels)].sort();
  if (names.length < 2) throw dataError(trainFile, `the label column has a single class ('${show(names[0] ?? '')}'); a classifier needs at least 2`);
  if (names.length > lim.classes) throw dataError(trainFile, `${names.length} classes: at most ${lim.classes}`);
  const index = new Map(names.map((n, k) => [n, k]));
  const data = rawDataset(train, names, index, 'is not a class');
  if (testFile === undefined) return { data };
  return { data, test: rawDataset(readTextRows(testFile, o), names, index, `is unknown to the training data ${printable(trainFile)}`) };
}
