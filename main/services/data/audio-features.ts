/**
 * Speech features computed in the app: log-mel spectrogram and MFCC of a clip, one frame per row.
 *
 * Frames: `window` samples every `hop` samples, no padding (T = 1 + ⌊(clip − window) / hop⌋), each
 * multiplied by a periodic Hann window and zero-padded to `fftSize` (the next power of two ≥ window).
 * Power spectrum |X_k|², k = 0..fftSize/2. Mel filterbank: HTK mel scale (2595·log10(1 + f/700)),
 * `nMels` triangles between fmin and fmax with unit peaks (no area normalisation). log-mel =
 * ln(mel energy + 1e-6). MFCC = the first `nMfcc` coefficients of the orthonormal DCT-II of the log-mel
 * frame. Computed in float64, stored as float32.
 */
import { NasError } from '../../../shared/errors.js';

export type AudioFeatureKind = 'mfcc' | 'logmel';

/** How clips become features. Stored in the study spec (evaluator.audio), so a resumed study reproduces them. */
export interface AudioFeatureOptions {
  readonly kind: AudioFeatureKind;
  /** Sample rate the clips must have (Hz). */
  readonly sampleRate: number;
  /** Clip length in ms: shorter clips are zero-padded at the end, longer ones cut. */
  readonly clipMs: number;
  readonly windowMs: number;
  readonly hopMs: number;
  readonly nMels: number;
  /** Coefficients kept (MFCC only). */
  readonly nMfcc: number;
  readonly fmin: number;
  readonly fmax: number;
  /** Chance that a training clip gets background noise (from `_background_noise_/`). */
  readonly noiseProbability: number;
  /** Largest noise gain: each noisy clip adds noise × uniform(0, noiseVolume). */
  readonly noiseVolume: number;
}

/** DS-CNN-style defaults: 30 ms windows every 20 ms over 1 s at 16 kHz (49 frames), 40 mel bands, 10 MFCCs. */
export const AUDIO_DEFAULTS: AudioFeatureOptions = {
  kind: 'mfcc',
  sampleRate: 16000,
  clipMs: 1000,
  windowMs: 30,
  hopMs: 20,
  nMels: 40,
  nMfcc: 10,
  fmin: 20,
  fmax: 7600,
  noiseProbability: 0.8,
  noiseVolume: 0.1,
};

const LOG_FLOOR = 1e-6;

/** The defaults with `o` over them, checked; errors name the setting. */
export function audioOptions(o: Partial<AudioFeatureOptions> = {}): AudioFeatureOptions {
  const a = { ...AUDIO_DEFAULTS, ...o };
  const bad = (what: string) => new NasError('invalid-input', `audio features: ${what}`);
  if (a.kind !== 'mfcc' && a.kind !== 'logmel') throw bad(`kind must be mfcc or logmel, got ${String(a.kind)}`);
  for (const k of ['sampleRate', 'clipMs', 'windowMs', 'hopMs', 'nMels', 'nMfcc'] as const) {
    if (typeof a[k] !== 'number' || !(a[k] > 0) || !Number.isFinite(a[k])) throw bad(`${k} must be a positive number, got ${String(a[k])}`);
  }
  for (const k of ['nMels', 'nMfcc'] as const) if (!Number.isInteger(a[k]) || a[k] > 512) throw bad(`${k} must be a whole number 1..512, got ${a[k]}`);
  if (!(a.fmin >= 0 && a.fmin < a.fmax && a.fmax <= a.sampleRate / 2)) throw bad(`need 0 ≤ fmin < fmax ≤ ${a.sampleRate / 2} Hz (half the sample rate), got fmin ${a.fmin}, fmax ${a.fmax}`);
  if (a.kind === 'mfcc' && a.nMfcc > a.nMels) throw bad(`nMfcc ${a.nMfcc} is more than nMels ${a.nMels}`);
  if (!(a.noiseProbability >= 0 && a.noiseProbability <= 1)) throw bad(`noiseProbability must be 0..1, got ${a.noiseProbability}`);
  if (!(a.noiseVolume >= 0 && a.noiseVolume <= 1)) throw bad(`noiseVolume must be 0..1, got ${a.noiseVolume}`);
  const g = frameGeometry(a);
  if (g.window > g.clip) throw bad(`a ${a.windowMs} ms window is longer than the ${a.clipMs} ms clip`);
  if (g.window > 65536) throw bad(`a window of ${g.window} samples is too long (at most 65536)`);
  return a;
}

/** Samples per clip, window and hop; FFT size; frames per clip. */
export function frameGeometry(a: AudioFeatureOptions): { clip: number; window: number; hop: number; fftSize: number; frames: number } {
  const clip = Math.round((a.clipMs * a.sampleRate) / 1000);
  const window = Math.max(1, Math.round((a.windowMs * a.sampleRate) / 1000));
  const hop = Math.max(1, Math.round((a.hopMs * a.sampleRate) / 1000));
  let fftSize = 1;
  while (fftSize < window) fftSize *= 2;
  return { clip, window, hop, fftSize, frames: window > clip ? 0 : 1 + Math.floor((clip - window) / hop) };
}

/** [T, F] of one clip's features (F = nMfcc or nMels). */
export function featureShape(a: AudioFeatureOptions): [number, number] {
  return [frameGeometry(a).frames, a.kind === 'mfcc' ? a.nMfcc : a.nMels];
}

const hzToMel = (f: number) => 2595 * Math.log10(1 + f / 700);
const melToHz = (m: number) => 700 * (10 ** (m / 2595) - 1);

/** Triangular HTK mel filters over the FFT bins: nMels rows of fftSize/2 + 1 weights. */
export function melFilterbank(a: AudioFeatureOptions, fftSize: number): Float64Array[] {
  const bins = fftSize / 2 + 1;
  const lo = hzToMel(a.fmin);
  const hi = hzToMel(a.fmax);
  const hz = Array.from({ length: a.nMels + 2 }, (_, i) => melToHz(lo + ((hi - lo) * i) / (a.nMels + 1)));
  return Array.from({ length: a.nMels }, (_, m) => {
    const [l, c, r] = [hz[m] as number, hz[m + 1] as number, hz[m + 2] as number];
    const row = new Float64Array(bins);
    for (let k = 0; k < bins; k++) {
      const f = (k * a.sampleRate) / fftSize;
      row[k] = Math.max(0, Math.min((f - l) / (c - l), (r - f) / (r - c)));
    }
    return row;
  });
}

/** cos and sin of −2πk/n, k = 0..n/2−1: the twiddle factors of an n-point FFT. */
function twiddles(n: number): { cos: Float64Array; sin: Float64Array } {
  const cos = new Float64Array(n / 2);
  const sin = new Float64Array(n / 2);
  for (let k = 0; k < n / 2; k++) {
    cos[k] = Math.cos((-2 * Math.PI * k) / n);
    sin[k] = Math.sin((-2 * Math.PI * k) / n);
  }
  return { cos, sin };
}

/** In-place iterative radix-2 FFT of (re, im); n a power of two, `tw` = twiddles(n). */
function fft(re: Float64Array, im: Float64Array, tw: { cos: Float64Array; sin: Float64Array }): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j] as number, re[i] as number];
      [im[i], im[j]] = [im[j] as number, im[i] as number];
    }
  }
  for (let len = 2; len <= n; len *= 2) {
    const step = n / len;
    for (let i = 0; i < n; i += len) {
      for (let k = 0; k < len / 2; k++) {
        const wr = tw.cos[k * step] as number;
        const wi = tw.sin[k * step] as number;
        const a = i + k;
        const b = a + len / 2;
        const xr = (re[b] as number) * wr - (im[b] as number) * wi;
        const xi = (re[b] as number) * wi + (im[b] as number) * wr;
        re[b] = (re[a] as number) - xr;
        im[b] = (im[a] as number) - xi;
        re[a] = (re[a] as number) + xr;
        im[a] = (im[a] as number) + xi;
      }
    }
  }
}

/**
 * Computes clip features, reusing the window, filterbank and DCT tables across clips. `compute`
 * takes a clip of exactly `clip` samples and writes T×F float32 values (frame-major) at `offset`.
 */
export class FeatureExtractor {
  readonly shape: [number, number];
  readonly geometry: ReturnType<typeof frameGeometry>;
  private readonly hann: Float64Array;
  private readonly mel: Float64Array[];
  /** Per mel filter, the FFT bins [from, to) where its weight is not zero. */
  private readonly melRange: [number, number][];
  private readonly tw: { cos: Float64Array; sin: Float64Array };
  private readonly dct?: Float64Array[];
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly logmel: Float64Array;

  constructor(readonly options: AudioFeatureOptions) {
    this.geometry = frameGeometry(options);
    this.shape = featureShape(options);
    const { window, fftSize } = this.geometry;
    this.hann = Float64Array.from({ length: window }, (_, n) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / window));
    this.mel = melFilterbank(options, fftSize);
    this.melRange = this.mel.map((row) => {
      let from = 0;
      while (from < row.length && row[from] === 0) from++;
      let to = row.length;
      while (to > from && row[to - 1] === 0) to--;
      return [from, to];
    });
    this.tw = twiddles(fftSize);
    const m = options.nMels;
    if (options.kind === 'mfcc') {
      this.dct = Array.from({ length: options.nMfcc }, (_, j) => Float64Array.from({ length: m }, (_, i) => Math.sqrt((j === 0 ? 1 : 2) / m) * Math.cos((Math.PI * j * (i + 0.5)) / m)));
    }
    this.re = new Float64Array(fftSize);
    this.im = new Float64Array(fftSize);
    this.logmel = new Float64Array(m);
  }

  compute(clip: Float32Array, out: Float32Array, offset = 0): void {
    const { window, hop, fftSize, frames, clip: n } = this.geometry;
    if (clip.length !== n) throw new NasError('internal', `a clip of ${clip.length} samples, expected ${n}`);
    const f = this.shape[1];
    const bins = fftSize / 2 + 1;
    for (let t = 0; t < frames; t++) {
      this.re.fill(0);
      this.im.fill(0);
      for (let i = 0; i < window; i++) this.re[i] = (clip[t * hop + i] as number) * (this.hann[i] as number);
      fft(this.re, this.im, this.tw);
      for (let k = 0; k < bins; k++) this.re[k] = (this.re[k] as number) ** 2 + (this.im[k] as number) ** 2;
      this.mel.forEach((row, m) => {
        let e = 0;
        const [from, to] = this.melRange[m] as [number, number];
        for (let k = from; k < to; k++) e += (row[k] as number) * (this.re[k] as number);
        this.logmel[m] = Math.log(e + LOG_FLOOR);
      });
      const at = offset + t * f;
      if (!this.dct) {
        out.set(this.logmel, at);
        continue;
      }
      this.dct.forEach((row, j) => {
        let s = 0;
        for (let i = 0; i < row.length; i++) s += (row[i] as number) * (this.logmel[i] as number);
        out[at + j] = s;
      });
    }
  }
}

/**
 * `KEY=VALUE` settings (the CLI's --audio), e.g. `kind=logmel`, `nMels=64`, over the defaults and
 * checked: the full settings a study stores.
 */
export function parseAudioSettings(pairs: readonly string[]): AudioFeatureOptions {
  const out: Record<string, string | number> = {};
  for (const kv of pairs) {
    const at = kv.indexOf('=');
    const key = at > 0 ? kv.slice(0, at).trim() : '';
    if (!Object.hasOwn(AUDIO_DEFAULTS, key)) throw new NasError('invalid-input', `audio features: '${kv}' must be KEY=VALUE with KEY one of ${Object.keys(AUDIO_DEFAULTS).join(', ')}`);
    const value = kv.slice(at + 1).trim();
    out[key] = key === 'kind' ? value : value === '' ? NaN : Number(value);
  }
  return audioOptions(out as Partial<AudioFeatureOptions>);
}
