/**
 * Speech datasets in the Speech Commands layout: `<root>/<label>/*.wav` (16 kHz mono 16-bit PCM,
 * clips up to 1 s, shorter ones zero-padded), optional `_background_noise_/*.wav` mixed into the clips
 * outside the test list (training and validation: the split comes later), optional `testing_list.txt`
 * (one `<label>/<file>.wav` per line) naming the test clips.
 * Each clip becomes features (see audio-features.ts): one example `[T, F, 1]` float32.
 */
import { extname, join } from 'node:path';
import { Rng } from '../../core/rng.js';
import { formatBytes, readUserFile, readUserFolder, readUserText, statUserPath, userFileLimits, type UserFileLimits } from '../user-file.js';
import { audioOptions, FeatureExtractor, type AudioFeatureOptions } from './audio-features.js';
import { checkDataset, dataError, type Dataset } from './dataset.js';
import { decodeWav } from './wav.js';

export const BACKGROUND_NOISE = '_background_noise_';
export const TESTING_LIST = 'testing_list.txt';

export interface SpeechFolderOptions {
  readonly audio?: Partial<AudioFeatureOptions>;
  /** Seed of the background-noise mixing (the study seed): same seed, same features. */
  readonly seed?: number;
  readonly limits?: Partial<UserFileLimits>;
}

const isWav = (f: string) => extname(f).toLowerCase() === '.wav';

/** Whether a folder looks like a speech dataset: a background-noise folder, or .wav clips in its first class folder. */
export function isSpeechFolder(dir: string, entries: readonly string[]): boolean {
  if (entries.includes(BACKGROUND_NOISE)) return true;
  const first = entries.find((e) => !e.startsWith('_') && !e.startsWith('.') && statUserPath(join(dir, e), 'dataset folder entry').isDirectory());
  return first !== undefined && readUserFolder(join(dir, first), 'class folder').some(isWav);
}

function readClip(file: string, a: AudioFeatureOptions, samples: number, lim: UserFileLimits): Float32Array {
  const raw = decodeWav(file, readUserFile(file, { what: 'WAV clip', maxBytes: lim.dataBytes }), a.sampleRate);
  if (raw.length === samples) return raw;
  const out = new Float32Array(samples); // zero-padded, or cut to the clip length
  out.set(raw.subarray(0, samples));
  return out;
}

/** The clips of `_background_noise_/`, each at least one clip long. */
function readNoise(dir: string, a: AudioFeatureOptions, samples: number, lim: UserFileLimits): Float32Array[] {
  return readUserFolder(dir, 'background noise folder').filter(isWav).map((f) => {
    const x = decodeWav(join(dir, f), readUserFile(join(dir, f), { what: 'background noise', maxBytes: lim.dataBytes }), a.sampleRate);
    if (x.length < samples) throw dataError(join(dir, f), `background noise of ${x.length} samples is shorter than one ${a.clipMs} ms clip (${samples} samples)`);
    return x;
  });
}

/**
 * Reads a speech folder into features. Classes are the sub-folders not starting with '_' (sorted);
 * clips listed in testing_list.txt form the test split and never get noise. Every other clip, in
 * sorted order, gets background noise with probability noiseProbability: a random noise file, a random
 * offset, gain uniform(0, noiseVolume), the sum clipped to ±1. Deterministic under `seed`.
 */
export function readSpeechFolder(dir: string, o: SpeechFolderOptions = {}): { data: Dataset; test?: Dataset } {
  const a = audioOptions(o.audio);
  const lim = userFileLimits(o.limits);
  const entries = readUserFolder(dir, 'dataset folder');
  const classNames = entries.filter((e) => !e.startsWith('_') && !e.startsWith('.') && statUserPath(join(dir, e), 'dataset folder entry').isDirectory());
  if (classNames.length === 0) throw dataError(dir, 'no classes: a speech dataset needs one sub-folder of .wav clips per class');
  if (classNames.length > lim.classes) throw dataError(dir, `${classNames.length} class sub-folders: at most ${lim.classes} classes`);
  const testing = new Set<string>();
  if (entries.includes(TESTING_LIST)) {
    for (const line of readUserText(join(dir, TESTING_LIST), { what: 'testing list', maxBytes: lim.textBytes }).split(/\r?\n/)) if (line.trim()) testing.add(line.trim());
  }
  const clips: { file: string; label: number; test: boolean }[] = [];
  classNames.forEach((c, label) => {
    const wavs = readUserFolder(join(dir, c), 'class folder').filter(isWav);
    if (wavs.length === 0) throw dataError(join(dir, c), 'empty class folder: no .wav clips');
    for (const f of wavs) clips.push({ file: join(dir, c, f), label, test: testing.has(`${c}/${f}`) });
  });
  const fx = new FeatureExtractor(a);
  const samples = fx.geometry.clip;
  const [t, f] = fx.shape;
  if (clips.length * t * f * 4 > lim.datasetBytes) throw dataError(dir, `${clips.length} clips of ${t}×${f} features take ${formatBytes(clips.length * t * f * 4)}, more than the ${formatBytes(lim.datasetBytes)} limit`);
  const noise = entries.includes(BACKGROUND_NOISE) ? readNoise(join(dir, BACKGROUND_NOISE), a, samples, lim) : [];
  const rng = new Rng(o.seed ?? 0);
  const build = (part: typeof clips, source: string): Dataset => {
    const x = new Float32Array(part.length * t * f);
    const y = classNames.length <= 256 ? new Uint8Array(part.length) : new Int32Array(part.length);
    part.forEach((clip, i) => {
      const s = readClip(clip.file, a, samples, lim);
      if (!clip.test && noise.length > 0 && rng.next() < a.noiseProbability) {
        const bg = noise[rng.int(noise.length)] as Float32Array;
        const at = rng.int(bg.length - samples + 1);
        const gain = rng.next() * a.noiseVolume;
        for (let k = 0; k < samples; k++) s[k] = Math.max(-1, Math.min(1, (s[k] as number) + gain * (bg[at + k] as number)));
      }
      fx.compute(s, x, i * t * f);
      y[i] = clip.label;
    });
    return checkDataset({ source, shape: [t, f, 1], classes: classNames.length, classNames, x, y });
  };
  const train = clips.filter((c) => !c.test);
  const test = clips.filter((c) => c.test);
  if (train.length === 0) throw dataError(join(dir, TESTING_LIST), 'lists every clip: nothing is left to train on');
  return { data: build(train, dir), ...(test.length > 0 ? { test: build(test, `${dir} (test)`) } : {}) };
}
