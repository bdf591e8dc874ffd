#!/usr/bin/python3
"""Builds resources/speech-keywords: ten spoken keywords synthesised with espeak-ng.

Usage: /usr/bin/python3 scripts/make-speech-keywords.py [OUT_DIR]   (default resources/speech-keywords)

Needs espeak-ng (Debian package espeak-ng) and numpy. Deterministic: the same espeak-ng version gives
the same files. Every keyword is spoken once by each accent x voice-variant pair (6 x 7 = 42 clips), at
a speaking rate and pitch drawn per clip from a seeded generator; espeak-ng's 22,050 Hz output is
resampled to 16 kHz (band-limited, by FFT), leading and trailing silence is trimmed (the reader pads
clips to 1 s), and white or pink noise is mixed in at 20-40 dB SNR. The clips of one accent
(en-029, Caribbean) form the test split, listed in testing_list.txt as in Speech Commands.
_background_noise_/ holds three 3-second synthesised noises (white, pink, brown).
"""
import os
import subprocess
import sys
import tempfile
import wave

import numpy as np

WORDS = ['yes', 'no', 'up', 'down', 'left', 'right', 'on', 'off', 'stop', 'go']
ACCENTS = ['en-us', 'en-gb', 'en-gb-scotland', 'en-gb-x-rp', 'en-gb-x-gbclan', 'en-029']
VARIANTS = ['m1', 'm3', 'm7', 'f1', 'f2', 'f4', 'klatt']
TEST_ACCENT = 'en-029'
RATE = 16000


def synth(word, voice, speed, pitch):
    with tempfile.NamedTemporaryFile(suffix='.wav') as f:
        subprocess.run(['espeak-ng', '-v', voice, '-s', str(speed), '-p', str(pitch), '-w', f.name, word], check=True)
        with wave.open(f.name) as w:
            assert w.getnchannels() == 1 and w.getsampwidth() == 2
            rate = w.getframerate()
            x = np.frombuffer(w.readframes(w.getnframes()), dtype='<i2').astype(np.float64) / 32768
    return resample(x, rate, RATE)


def resample(x, src, dst):
    n = int(round(len(x) * dst / src))
    spec = np.fft.rfft(x)
    keep = n // 2 + 1
    out = np.zeros(keep, dtype=complex)
    out[: min(keep, len(spec))] = spec[: min(keep, len(spec))]
    return np.fft.irfft(out, n) * (n / len(x))


def trim(x, margin=0.03):
    """Drops leading/trailing samples quieter than 2% of the peak, keeping a 30 ms margin."""
    loud = np.nonzero(np.abs(x) > 0.02 * np.max(np.abs(x)))[0]
    m = int(margin * RATE)
    return x[max(0, loud[0] - m): min(len(x), loud[-1] + m)][:RATE]


def noise(kind, n, rng):
    white = rng.standard_normal(n)
    if kind == 'white':
        return white
    f = np.fft.rfft(white)
    k = np.arange(len(f))
    k[0] = 1
    f = f / (np.sqrt(k) if kind == 'pink' else k)
    out = np.fft.irfft(f, n)
    return out / np.std(out)


def write(path, x):
    pcm = np.clip(np.round(x * 32767), -32768, 32767).astype('<i2')
    with wave.open(path, 'wb') as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', 'resources', 'speech-keywords')
    rng = np.random.default_rng(16)
    testing = []
    for word in WORDS:
        os.makedirs(os.path.join(out, word), exist_ok=True)
        for ai, accent in enumerate(ACCENTS):
            for vi, variant in enumerate(VARIANTS):
                speed = int(rng.integers(120, 211))
                pitch = int(rng.integers(20, 81))
                x = trim(synth(word, f'{accent}+{variant}', speed, pitch))
                x = 0.7 * x / np.max(np.abs(x)) * rng.uniform(0.5, 1.0)
                snr_db = rng.uniform(20, 40)
                nz = noise('white' if rng.random() < 0.5 else 'pink', len(x), rng)
                x = x + nz * np.sqrt(np.mean(x ** 2) / 10 ** (snr_db / 10))
                name = f'{word}/{accent}_{variant}.wav'
                write(os.path.join(out, name), x)
                if accent == TEST_ACCENT:
                    testing.append(name)
    with open(os.path.join(out, 'testing_list.txt'), 'w') as f:
        f.write(''.join(f'{t}\n' for t in testing))
    bg = os.path.join(out, '_background_noise_')
    os.makedirs(bg, exist_ok=True)
    for kind in ['white', 'pink', 'brown']:
        x = noise(kind, 3 * RATE, rng)
        write(os.path.join(bg, f'{kind}_noise.wav'), 0.25 * x / np.max(np.abs(x)))


if __name__ == '__main__':
    main()
