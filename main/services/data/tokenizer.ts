/**
 * A byte-level tokenizer with frequent-bigram merges, fitted on the training split and stored with
 * the study (plain JSON), so that resuming, retraining, exporting and inference encode texts the same.
 *
 * A text is NFC-normalised, lower-cased and taken as UTF-8 bytes; read left to right, a pair of
 * bytes that is one of the merges becomes that merge's id, any other byte its own id. Ids: 0 padding,
 * 1 unknown (reserved: every byte has an id), 2..257 the bytes 0..255, 258.. the merges in order.
 * Sequences are cut or padded (with 0 at the end) to the fixed length L.
 */
import { NasError } from '../../../shared/errors.js';

export const PAD_ID = 0;
export const UNKNOWN_ID = 1;
const BYTE_BASE = 2;
const MERGE_BASE = BYTE_BASE + 256;

/** The tokenizer settings a study stores (evaluator `text`). */
export interface TextSettings {
  /** Tokens per example (L): longer texts are cut, shorter ones padded. */
  readonly length: number;
  /** At most this many byte pairs merged into one token. */
  readonly merges: number;
}

export const TEXT_DEFAULTS: TextSettings = { length: 64, merges: 254 };

/** A fitted tokenizer: the merged byte pairs, most frequent first, each as 4 hex digits. */
export interface ByteTokenizer {
  readonly kind: 'bytes';
  readonly merges: readonly string[];
}

/** The embedding's vocabulary size for these settings (fixed by the settings, not by the fit). */
export function vocabSize(s: TextSettings): number {
  return MERGE_BASE + s.merges;
}

const encoder = new TextEncoder();

function bytesOf(text: string): Uint8Array {
  return encoder.encode(text.normalize('NFC').toLowerCase());
}

/** The settings, checked (they may come from a stored spec or a web form). */
export function checkTextSettings(v: unknown): TextSettings {
  const o = (v ?? {}) as Partial<Record<keyof TextSettings, unknown>>;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new NasError('invalid-input', 'text settings must be an object { length, merges }');
  const int = (k: keyof TextSettings, min: number, max: number): number => {
    const x = o[k] ?? TEXT_DEFAULTS[k];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) throw new NasError('invalid-input', `text ${k} must be an integer ${min}..${max}, got ${String(x)}`);
    return x;
  };
  return { length: int('length', 1, 4096), merges: int('merges', 0, 65_536) };
}

/**
 * Counts adjacent byte pairs over the texts and keeps the `merges` most frequent (seen at least
 * twice; ties by the pair's value), so the same texts always give the same tokenizer.
 */
export function fitTokenizer(texts: Iterable<string>, merges: number): ByteTokenizer {
  const counts = new Uint32Array(65_536);
  for (const t of texts) {
    const b = bytesOf(t);
    for (let i = 0; i + 1 < b.length; i++) {
      const p = ((b[i] as number) << 8) | (b[i + 1] as number);
      counts[p] = (counts[p] as number) + 1;
    }
  }
  const pairs: number[] = [];
  counts.forEach((c, p) => {
    if (c >= 2) pairs.push(p);
  });
  pairs.sort((a, b) => (counts[b] as number) - (counts[a] as number) || a - b);
  return { kind: 'bytes', merges: pairs.slice(0, merges).map((p) => p.toString(16).padStart(4, '0')) };
}

/** A stored tokenizer, checked against the settings (it comes from a stored spec). */
export function checkTokenizer(v: unknown, s: TextSettings): ByteTokenizer {
  const t = v as Partial<ByteTokenizer> | null;
  const bad = (why: string) => new NasError('invalid-input', `stored tokenizer: ${why}`);
  if (typeof t !== 'object' || t === null || t.kind !== 'bytes' || !Array.isArray(t.merges)) throw bad("expected { kind: 'bytes', merges: [...] }");
  if (t.merges.length > s.merges) throw bad(`${t.merges.length} merges, more than the settings' ${s.merges}`);
  const seen = new Set<string>();
  for (const m of t.merges) {
    if (typeof m !== 'string' || !/^[0-9a-f]{4}$/.test(m) || seen.has(m)) throw bad(`merge ${JSON.stringify(m)} is not a distinct pair of bytes as 4 hex digits`);
    seen.add(m);
  }
  return { kind: 'bytes', merges: t.merges };
}

/** Encodes texts to ids: a compiled tokenizer for one fixed length. */
export class TokenEncoder {
  private readonly ids = new Int32Array(65_536).fill(-1);

  constructor(
    readonly tokenizer: ByteTokenizer,
    readonly length: number,
  ) {
    tokenizer.merges.forEach((m, k) => {
      this.ids[parseInt(m, 16)] = MERGE_BASE + k;
    });
  }

  /** Writes the ids of `text` into `out` at `at` (exactly `length` values: cut or padded with 0). */
  encodeInto(text: string, out: Float32Array | Int32Array, at = 0): void {
    const b = bytesOf(text);
    let n = 0;
    let i = 0;
    while (i < b.length && n < this.length) {
      const m = i + 1 < b.length ? (this.ids[((b[i] as number) << 8) | (b[i + 1] as number)] as number) : -1;
      if (m >= 0) {
        out[at + n++] = m;
        i += 2;
      } else out[at + n++] = BYTE_BASE + (b[i++] as number);
    }
    out.fill(PAD_ID, at + n, at + this.length);
  }

  encode(text: string): Int32Array {
    const out = new Int32Array(this.length);
    this.encodeInto(text, out);
    return out;
  }
}

/** `KEY=VALUE` pairs (the CLI's `--text`) to checked settings; keys `length` and `merges`. */
export function parseTextSettings(pairs: readonly string[]): TextSettings {
  const out: Record<string, number> = {};
  for (const kv of pairs) {
    const at = kv.indexOf('=');
    const key = at > 0 ? kv.slice(0, at).trim() : '';
    if (!Object.hasOwn(TEXT_DEFAULTS, key)) throw new NasError('invalid-input', `text settings: '${kv}' must be KEY=VALUE with KEY one of ${Object.keys(TEXT_DEFAULTS).join(', ')}`);
    const value = kv.slice(at + 1).trim();
    out[key] = value === '' ? NaN : Number(value);
  }
  return checkTextSettings(out);
}
