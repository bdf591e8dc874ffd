/**
 * Turns raw text datasets (text-reader.ts) into token ids: the tokenizer is fitted on the training
 * split only (or a stored one is used), then every split is encoded to Float32 ids of shape [L, 1, 1].
 */
import { NasError } from '../../../shared/errors.js';
import type { Dataset } from './dataset.js';
import { checkTokenizer, fitTokenizer, TokenEncoder, vocabSize, type ByteTokenizer, type TextSettings } from './tokenizer.js';

/** The ids of a raw text dataset under an encoder. */
export function encodeTexts(d: Dataset, enc: TokenEncoder): Dataset {
  const texts = d.texts;
  if (d.modality !== 'text' || !texts) throw new NasError('internal', `${d.source}: not a raw text dataset`);
  const n = d.y.length;
  const L = enc.length;
  const x = new Float32Array(n * L);
  for (let i = 0; i < n; i++) enc.encodeInto(texts[d.x[i] as number] as string, x, i * L);
  const { texts: _raw, ...rest } = d;
  return { ...rest, shape: [L, 1, 1], x, modality: 'text' };
}

export interface EncodedText {
  readonly tokenizer: ByteTokenizer;
  readonly vocab: number;
  readonly encode: (d: Dataset) => Dataset;
}

/** The tokenizer for a training split: `stored` when given (checked), else fitted on `train`'s texts. */
export function textEncoding(train: Dataset, s: TextSettings, stored?: unknown): EncodedText {
  const texts = train.texts;
  if (!texts) throw new NasError('internal', `${train.source}: not a raw text dataset`);
  const tokenizer = stored !== undefined ? checkTokenizer(stored, s) : fitTokenizer(Array.from(train.x, (i) => texts[i] as string), s.merges);
  const enc = new TokenEncoder(tokenizer, s.length);
  return { tokenizer, vocab: vocabSize(s), encode: (d) => encodeTexts(d, enc) };
}
