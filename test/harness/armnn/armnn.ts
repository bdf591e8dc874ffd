import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The system Python that sees Debian's python3-pyarmnn (not a pyenv/venv one). */
export const SYSTEM_PYTHON = '/usr/bin/python3';
export const RUN_MODEL = join(import.meta.dirname, 'run_model.py');
export const BENCHMARK_MODEL = join(import.meta.dirname, 'benchmark_model.py');

/** Why Arm NN cannot be used here, or undefined when it can. */
export function armnnUnavailable(): string | undefined {
  try {
    execFileSync(SYSTEM_PYTHON, ['-c', 'import warnings; warnings.simplefilter("ignore"); import pyarmnn, numpy'], { stdio: 'pipe' });
    return undefined;
  } catch (e) {
    return `Arm NN is not available (${SYSTEM_PYTHON} cannot import pyarmnn and numpy; Debian packages python3-pyarmnn, python3-numpy): ${String((e as { stderr?: Buffer }).stderr ?? e).trim().split('\n').pop()}`;
  }
}

/** Runs a TFLite model in Arm NN (TFLite parser, CpuRef) on one input; returns its first output. */
export async function runTfliteInArmnn(model: Uint8Array, input: Float32Array): Promise<{ output: Float32Array; shape: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'frontier-armnn-'));
  try {
    writeFileSync(join(dir, 'model.tflite'), model);
    writeFileSync(join(dir, 'in.f32'), Buffer.from(input.buffer, input.byteOffset, input.byteLength));
    const { stdout } = await run(SYSTEM_PYTHON, [RUN_MODEL, join(dir, 'model.tflite'), join(dir, 'in.f32'), join(dir, 'out.f32')], { timeout: 120_000 });
    const info = JSON.parse(stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop() as string) as { output: number[] };
    const b = readFileSync(join(dir, 'out.f32'));
    return { output: new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)), shape: info.output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
