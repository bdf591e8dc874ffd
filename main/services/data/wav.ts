/**
 * WAV (RIFF/WAVE) parsing for speech datasets: 16-bit PCM, mono, at the expected sample rate. Anything
 * else is one NasError('invalid-input') naming the file and what is wrong (never a silent resample).
 */
import { dataError } from './dataset.js';

export interface WavInfo {
  readonly sampleRate: number;
  readonly channels: number;
  readonly bitsPerSample: number;
  /** WAVE format tag (1 = PCM, 3 = IEEE float, 0xFFFE = extensible). */
  readonly format: number;
}

const FORMATS: Record<number, string> = { 1: 'PCM', 3: 'IEEE float', 6: 'A-law', 7: 'µ-law', 0xfffe: 'extensible' };

/** The chunks of a RIFF/WAVE file: `fmt ` parsed, `data` located. Checks the structure only. */
export function parseWavHeader(file: string, b: Uint8Array): { info: WavInfo; data: Uint8Array } {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') {
    throw dataError(file, `not a WAV file: it must start with 'RIFF....WAVE'${buf.length === 0 ? ' (the file is empty)' : ''}`);
  }
  let info: WavInfo | undefined;
  let at = 12;
  while (at + 8 <= buf.length) {
    const id = buf.toString('latin1', at, at + 4);
    const size = buf.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) throw dataError(file, `corrupt WAV: a 'fmt ' chunk of ${size} bytes (at least 16 expected)`);
      let format = buf.readUInt16LE(body);
      const bitsPerSample = buf.readUInt16LE(body + 14);
      // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID.
      if (format === 0xfffe && size >= 40 && body + 26 <= buf.length) format = buf.readUInt16LE(body + 24);
      info = { format, channels: buf.readUInt16LE(body + 2), sampleRate: buf.readUInt32LE(body + 4), bitsPerSample };
    } else if (id === 'data') {
      if (!info) throw dataError(file, "corrupt WAV: the 'data' chunk comes before the 'fmt ' chunk");
      // A streamed WAV (size 0 or 0xFFFFFFFF) runs to the end of the file.
      const streamed = size === 0 || size === 0xffffffff;
      if (!streamed && body + size > buf.length) throw dataError(file, `truncated WAV: the 'data' chunk promises ${size} bytes, the file has ${buf.length - body}`);
      return { info, data: b.subarray(body, streamed ? buf.length : body + size) };
    }
    at = body + size + (size % 2); // chunks are padded to an even size
  }
  throw dataError(file, info ? "corrupt WAV: no 'data' chunk (truncated file?)" : "corrupt WAV: no 'fmt ' chunk");
}

/**
 * The samples of a mono 16-bit PCM WAV at `sampleRate`, scaled to −1..1 (int16 / 32768).
 * Stereo, other sample rates and other sample formats are refused with the reason.
 */
export function decodeWav(file: string, b: Uint8Array, sampleRate: number): Float32Array {
  const { info, data } = parseWavHeader(file, b);
  if (info.format !== 1 || info.bitsPerSample !== 16) {
    const what = `${FORMATS[info.format] ?? `format 0x${info.format.toString(16)}`} with ${info.bitsPerSample}-bit samples`;
    throw dataError(file, `unsupported WAV sample format: ${what} (16-bit PCM expected)`);
  }
  if (info.channels !== 1) throw dataError(file, `${info.channels} channels (${info.channels === 2 ? 'stereo' : 'multichannel'}): speech clips must be mono`);
  if (info.sampleRate !== sampleRate) throw dataError(file, `sample rate ${info.sampleRate} Hz: expected ${sampleRate} Hz (resample the clips first)`);
  if (data.length % 2 !== 0) throw dataError(file, `corrupt WAV: ${data.length} bytes of 16-bit samples is not a whole number of samples`);
  const n = data.length / 2;
  if (n === 0) throw dataError(file, 'empty WAV: no samples');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = view.getInt16(2 * i, true) / 32768;
  return out;
}

/** A mono 16-bit PCM WAV file's bytes (tests and tools write clips with it). */
export function encodeWav(samples: ArrayLike<number>, sampleRate: number): Buffer {
  const n = samples.length;
  const b = Buffer.alloc(44 + 2 * n);
  b.write('RIFF', 0, 'latin1');
  b.writeUInt32LE(36 + 2 * n, 4);
  b.write('WAVEfmt ', 8, 'latin1');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(sampleRate, 24);
  b.writeUInt32LE(sampleRate * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'latin1');
  b.writeUInt32LE(2 * n, 40);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round((samples[i] as number) * 32768))), 44 + 2 * i);
  return b;
}
