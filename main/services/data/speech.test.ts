import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingPeer } from '../../../test/harness/peer.js';
import { resolveResource } from '../resources.js';
import { AUDIO_DEFAULTS, audioOptions, FeatureExtractor, type AudioFeatureOptions } from './audio-features.js';
import { loadDataset } from './builtin.js';
import { readDataset } from './readers.js';
import { readSpeechFolder } from './speech.js';
import { decodeWav, encodeWav } from './wav.js';
import { tempFiles } from '../../../test/harness/temp-files.js';

const { dir, file } = tempFiles('frontier-speech-');
const tone = (n: number, hz = 440, rate = 16000) => Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin((2 * Math.PI * hz * i) / rate));
/** A WAV header with other fields (for the refusals). */
const wavWith = (o: { rate?: number; channels?: number; bits?: number; format?: number }, dataBytes = 64) => {
  const b = encodeWav(new Float32Array(dataBytes / 2), o.rate ?? 16000);
  b.writeUInt16LE(o.format ?? 1, 20);
  b.writeUInt16LE(o.channels ?? 1, 22);
  b.writeUInt32LE(o.rate ?? 16000, 24);
  b.writeUInt16LE(o.bits ?? 16, 34);
  return b;
};

const noPython = missingPeer('python3 with numpy', (() => {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import numpy'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return '/usr/bin/python3 -c "import numpy" failed';
  }
})());

/** Features of one WAV computed by test/fixtures/audio_features_ref.py (numpy, float64). */
function reference(wav: string, a: AudioFeatureOptions): number[][] {
  const out = execFileSync('/usr/bin/python3', [join(__dirname, '../../../test/fixtures/audio_features_ref.py'), wav, JSON.stringify(a)], { encoding: 'utf8' });
  return JSON.parse(out) as number[][];
}

function ours(wav: string, a: AudioFeatureOptions): { shape: [number, number]; x: Float32Array } {
  const fx = new FeatureExtractor(a);
  const raw = decodeWav(wav, readFileSync(wav), a.sampleRate);
  const clip = new Float32Array(fx.geometry.clip);
  clip.set(raw.subarray(0, clip.length));
  const x = new Float32Array(fx.shape[0] * fx.shape[1]);
  fx.compute(clip, x);
  return { shape: fx.shape, x };
}

describe('speech features against numpy', () => {
  // Tolerance: |ours − numpy| ≤ 1e-4 · max(1, |numpy|). Ours runs in float64 and stores float32
  // (relative error ~6e-8); log-mel values span about −14..+10, MFCC c0 up to ~±60.
  const close = (wav: string, a: AudioFeatureOptions) => {
    const ref = reference(wav, a);
    const { shape, x } = ours(wav, a);
    expect([ref.length, ref[0]?.length]).toEqual(shape);
    let worst = 0;
    ref.forEach((row, t) => row.forEach((v, f) => (worst = Math.max(worst, Math.abs((x[t * shape[1] + f] as number) - v) / Math.max(1, Math.abs(v))))));
    expect(worst).toBeLessThan(1e-4);
    return x;
  };

  it.skipIf(noPython)('MFCC (defaults: 49 frames × 10) of a built-in clip, zero-padded to 1 s', () => {
    const x = close(resolveResource('builtin:speech-keywords/yes/en-us_m1.wav'), AUDIO_DEFAULTS);
    expect(new Set(x).size).toBeGreaterThan(100);
  });

  it.skipIf(noPython)('log-mel with other settings (25 ms / 10 ms, 64 bands, 60–8000 Hz) of a chirp with silence', () => {
    const chirp = Float32Array.from({ length: 12000 }, (_, i) => (i < 2000 ? 0 : 0.5 * Math.sin(2 * Math.PI * (100 * i + (3000 * i * i) / 24000) / 16000)));
    const wav = file('chirp.wav', encodeWav(chirp, 16000));
    close(wav, audioOptions({ kind: 'logmel', windowMs: 25, hopMs: 10, nMels: 64, fmin: 60, fmax: 8000 }));
    close(wav, audioOptions({ kind: 'mfcc', windowMs: 64, hopMs: 32, nMels: 32, nMfcc: 13, clipMs: 800 }));
  });
});

describe('speech folder reader', () => {
  it('reads classes, pads short clips, keeps the test list apart and mixes noise deterministically under the seed', () => {
    for (const [c, hz] of [['go', 300], ['stop', 900]] as const) {
      for (let i = 0; i < 3; i++) file(`ok/${c}/${i}.wav`, encodeWav(tone(4000 + 3000 * i, hz + 50 * i), 16000));
    }
    file('ok/_background_noise_/n.wav', encodeWav(Float32Array.from({ length: 20000 }, (_, i) => Math.sin(i * 12.9898) % 1), 16000));
    file('ok/testing_list.txt', 'go/2.wav\nstop/2.wav\n');
    const a = (seed: number, noiseProbability = 1) => readSpeechFolder(join(dir, 'ok'), { seed, audio: { noiseProbability } });
    const d = a(1);
    expect(d.data.shape).toEqual([49, 10, 1]);
    expect(d.data.classNames).toEqual(['go', 'stop']);
    expect(Array.from(d.data.y)).toEqual([0, 0, 1, 1]);
    expect(Array.from(d.test?.y ?? [])).toEqual([0, 1]);
    expect(a(1).data.x).toEqual(d.data.x);
    expect(a(2).data.x).not.toEqual(d.data.x);
    expect(a(2).test?.x).toEqual(d.test?.x); // test clips never get noise
    expect(a(1, 0).data.x).not.toEqual(d.data.x);
    // Through the dataset dispatch, with the features' settings.
    expect(readDataset(join(dir, 'ok'), { audio: { kind: 'logmel', nMels: 20 } }).data.shape).toEqual([49, 20, 1]);
  });

  it('names the file and the problem: corrupt, wrong rate, stereo, other sample formats, empty class, no classes', () => {
    const bad = (name: string, data: Buffer | string, want: RegExp) => {
      const root = join(dir, `bad-${name}`);
      file(`bad-${name}/yes/a.wav`, encodeWav(tone(100), 16000));
      const p = file(`bad-${name}/no/${name}.wav`, data);
      expect(() => readSpeechFolder(root)).toThrow(want);
      try {
        readSpeechFolder(root);
      } catch (e) {
        expect((e as { code?: string }).code).toBe('invalid-input');
        expect((e as Error).message).toContain(p);
      }
    };
    bad('garbage', 'this is not audio', /not a WAV file: it must start with 'RIFF\.\.\.\.WAVE'/);
    bad('empty', '', /the file is empty/);
    bad('truncated', encodeWav(tone(1000), 16000).subarray(0, 500), /truncated WAV: the 'data' chunk promises 2000 bytes, the file has 456/);
    bad('nofmt', Buffer.concat([Buffer.from('RIFF\x00\x00\x00\x00WAVE', 'latin1'), Buffer.from('LIST\x02\x00\x00\x00ab', 'latin1')]), /corrupt WAV: no 'fmt ' chunk/);
    bad('rate', wavWith({ rate: 8000 }), /sample rate 8000 Hz: expected 16000 Hz/);
    bad('stereo', wavWith({ channels: 2 }), /2 channels \(stereo\): speech clips must be mono/);
    bad('u8', wavWith({ bits: 8 }), /unsupported WAV sample format: PCM with 8-bit samples \(16-bit PCM expected\)/);
    bad('float', wavWith({ format: 3, bits: 32 }), /unsupported WAV sample format: IEEE float with 32-bit samples/);
    bad('nosamples', encodeWav(new Float32Array(0), 16000), /empty WAV: no samples/);

    file('emptyclass/yes/a.wav', encodeWav(tone(100), 16000));
    mkdirSync(join(dir, 'emptyclass/no'), { recursive: true });
    file('emptyclass/no/readme.txt', 'x');
    expect(() => readSpeechFolder(join(dir, 'emptyclass'))).toThrow(`${join(dir, 'emptyclass/no')}: empty class folder: no .wav clips`);
    file('noclasses/_background_noise_/n.wav', encodeWav(tone(16000), 16000));
    expect(() => readSpeechFolder(join(dir, 'noclasses'))).toThrow(`${join(dir, 'noclasses')}: no classes: a speech dataset needs one sub-folder of .wav clips per class`);
    expect(() => readDataset(join(dir, 'noclasses'))).toThrow(/no classes/);
    file('shortnoise/yes/a.wav', encodeWav(tone(100), 16000));
    const n = file('shortnoise/_background_noise_/n.wav', encodeWav(tone(8000), 16000));
    expect(() => readSpeechFolder(join(dir, 'shortnoise'))).toThrow(`${n}: background noise of 8000 samples is shorter than one 1000 ms clip (16000 samples)`);
    expect(() => audioOptions({ fmax: 9000 })).toThrow(/fmax ≤ 8000 Hz/);
    expect(() => audioOptions({ nMfcc: 50 })).toThrow(/nMfcc 50 is more than nMels 40/);
  });

  it('the built-in keyword set: 10 keywords, 350 training and 70 test clips (the held-out en-029 accent)', () => {
    const d = loadDataset('builtin:speech-keywords', process.cwd(), { seed: 0 });
    expect(d.data.classNames).toEqual(['down', 'go', 'left', 'no', 'off', 'on', 'right', 'stop', 'up', 'yes']);
    expect(d.data.shape).toEqual([49, 10, 1]);
    expect(d.data.y.length).toBe(350);
    expect(d.test?.y.length).toBe(70);
    expect(d.data.source).toBe('builtin:speech-keywords');
    expect(d.data.x.every((v) => Number.isFinite(v))).toBe(true);
  });
});
