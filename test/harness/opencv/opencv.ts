import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The system Python that sees Debian's python3-opencv. */
const SYSTEM_PYTHON = '/usr/bin/python3';
const RUN_ONNX = join(import.meta.dirname, 'run_onnx.py');

/** Why OpenCV's dnn module cannot be used here, or undefined when it can. */
export function opencvUnavailable(): string | undefined {
  try {
    execFileSync(SYSTEM_PYTHON, ['-c', 'import cv2, numpy; cv2.dnn.readNetFromONNX'], { stdio: 'pipe' });
    return undefined;
  } catch (e) {
    return `OpenCV is not available (${SYSTEM_PYTHON} cannot import cv2 and numpy; Debian packages python3-opencv, python3-numpy): ${String((e as { stderr?: Buffer }).stderr ?? e).trim().split('\n').pop()}`;
  }
}

/** Runs an ONNX model in OpenCV's dnn module (CPU) on one input of `shape`; returns its first output. */
export async function runOnnxInOpencv(model: Uint8Array, input: Float32Array, shape: readonly number[]): Promise<{ output: Float32Array; shape: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'frontier-opencv-'));
  try {
    writeFileSync(join(dir, 'model.onnx'), model);
    writeFileSync(join(dir, 'in.f32'), Buffer.from(input.buffer, input.byteOffset, input.byteLength));
    const { stdout } = await run(SYSTEM_PYTHON, [RUN_ONNX, join(dir, 'model.onnx'), join(dir, 'in.f32'), shape.join(','), join(dir, 'out.f32')], { timeout: 120_000 });
    const info = JSON.parse(stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop() as string) as { output: number[] };
    const b = readFileSync(join(dir, 'out.f32'));
    return { output: new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)), shape: info.output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
