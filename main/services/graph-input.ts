import type { GraphInput } from '../core/arch-shapes.js';
import type { StudySpec } from '../../shared/types/index.js';
import { audioOptions, featureShape, type AudioFeatureOptions } from './data/audio-features.js';
import { DEBIAN_SECTIONS, DEFAULT_DATASET, DEFAULT_TEXT_DATASET, SPEECH_DATASET } from './data/builtin.js';
import { checkTextSettings, vocabSize } from './data/tokenizer.js';

/** A built-in dataset's input, classes and (text) vocabulary. */
interface KnownInput {
  readonly input: [number, number, number];
  readonly classes: number;
  readonly vocab?: number;
  readonly title: string;
}

/** Input size and classes of the built-in datasets, by reference. */
const BUILTIN_INPUTS: Readonly<Record<string, KnownInput>> = {
  [DEFAULT_DATASET]: { input: [28, 28, 1], classes: 10, title: 'Fashion-MNIST' },
};

/**
 * The input a study's models are built for, from its spec alone: a NAS-Bench-201 table search the
 * benchmark's CIFAR input (32×32×3, 10 classes); a training search the built-in dataset's size
 * (with the evaluator's macro settings). User data is not read here: its size is reported unknown.
 */
export function studyGraphInput(spec: StudySpec): GraphInput {
  const e = spec.evaluator as { kind: string; data?: unknown; nb201?: object; mobilenet?: object; audio?: Partial<AudioFeatureOptions>; text?: unknown };
  if (e.kind === 'table') {
    if (spec.space === 'nb201') return { options: { input: [32, 32, 3], classes: 10, nb201: { cellsPerStage: 5 } }, source: 'input 32×32×3 (NAS-Bench-201 CIFAR)' };
    return { unknown: 'input size unknown (a table search records no input)' };
  }
  if (e.kind === 'train') {
    const ref = typeof e.data === 'string' ? e.data : DEFAULT_DATASET;
    const known: KnownInput | undefined = ref === SPEECH_DATASET ? speechInput(e.audio) : ref === DEFAULT_TEXT_DATASET ? textInput(e.text) : BUILTIN_INPUTS[ref];
    if (!known) return { unknown: 'input size unknown (user data)' };
    return {
      options: { input: known.input, classes: known.classes, ...(known.vocab !== undefined ? { vocab: known.vocab } : {}), ...(e.nb201 ? { nb201: e.nb201 } : {}), ...(e.mobilenet ? { mobilenet: e.mobilenet } : {}) },
      source: `input ${known.input.join('×')} (${known.title})`,
    };
  }
  return { unknown: 'input size unknown' };
}

/** The built-in keyword set's features [T, F, 1] under the study's audio settings (undefined when they are unusable). */
function speechInput(audio: Partial<AudioFeatureOptions> | undefined): { input: [number, number, number]; classes: number; title: string } | undefined {
  try {
    const a = audioOptions(audio ?? {});
    return { input: [...featureShape(a), 1], classes: 10, title: `spoken keywords, ${a.kind === 'mfcc' ? 'MFCC' : 'log-mel'} frames × features` };
  } catch {
    return undefined;
  }
}

/** The built-in text set's token ids [L, 1, 1] and vocabulary under the study's text settings (undefined when unusable). */
function textInput(text: unknown): KnownInput | undefined {
  try {
    const t = checkTextSettings(text ?? {});
    return { input: [t.length, 1, 1], classes: DEBIAN_SECTIONS.length, vocab: vocabSize(t), title: `Debian descriptions, ${t.length} tokens` };
  } catch {
    return undefined;
  }
}
