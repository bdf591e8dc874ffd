/**
 * A supernet training's settings (supernet-train-run.ts): a new training samples one random
 * sub-network per step by default; running the same command again on a checkpoint continues it as
 * it was trained (its sampling and its steps), including a checkpoint from before the sampling was
 * recorded (the sandwich rule, N = 2, was the default then).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { settingsReader } from './one-shot-run.js';
import { writeSupernetMeta, type SupernetMeta } from './supernet-study.js';
import { TFJS_CHECKPOINT_MAGIC } from './supernet-tfjs.js';
import { readSupernetTrainRun, studyReader, SUPERNET_SETTINGS, supernetStudyOptions } from './supernet-train-run.js';

const dir = mkdtempSync(join(tmpdir(), 'frontier-supernet-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Checkpoints here are tfjs ones (their first bytes; nothing else is read): no libtorch needed. */
const read = (checkpoint: string, settings: Record<string, string> = {}) =>
  readSupernetTrainRun(settingsReader('supernet', SUPERNET_SETTINGS, { backend: 'tfjs', ...settings }), { cwd: dir, checkpoint: () => checkpoint, warn: () => undefined });

const meta = (extra: Partial<SupernetMeta>): SupernetMeta => ({
  version: 1, space: 'mobilenet', spaceOptions: {}, data: 'builtin:fashion-mnist', cwd: dir, val: 1000, maxTrain: 10_000, seed: 0, stemStride: 2,
  input: [28, 28, 1], classes: 10, steps: 900, trainedSteps: 300, trainSeconds: 12, ...extra,
});

describe('supernet training settings', () => {
  it('a new training: uniform sampling and 6,000 steps unless told otherwise', () => {
    expect(read(join(dir, 'new.ckpt'))).toMatchObject({ sandwich: 'uniform', steps: 6000 });
    expect(read(join(dir, 'new.ckpt'), { sandwich: '2', steps: '40' })).toMatchObject({ sandwich: '2', steps: 40 });
    expect(() => read(join(dir, 'new.ckpt'), { sandwich: 'many' })).toThrow("sandwich must be a number of random sub-networks or 'uniform', got 'many'");
  });

  it('the same command on a checkpoint continues it with its own sampling and steps', () => {
    const recorded = join(dir, 'recorded.ckpt');
    writeFileSync(recorded, TFJS_CHECKPOINT_MAGIC);
    writeSupernetMeta(recorded, meta({ sandwich: '3' }));
    expect(read(recorded)).toMatchObject({ sandwich: '3', steps: 900 });
    expect(read(recorded, { steps: '1200' })).toMatchObject({ sandwich: '3', steps: 1200 });
    const older = join(dir, 'older.ckpt');
    writeFileSync(older, TFJS_CHECKPOINT_MAGIC);
    writeSupernetMeta(older, meta({}));
    expect(read(older)).toMatchObject({ sandwich: '2', steps: 900 });
  });

  it("a tfjs training's stored settings read back for its resume (libtorch's thread count is not one of them)", () => {
    const ckpt = join(dir, 'tfjs.ckpt');
    const first = read(ckpt, { steps: '30', 'max-train': '200' });
    const stored = { ...supernetStudyOptions(first), data: first.data };
    const again = readSupernetTrainRun(studyReader(stored, 30, 0), { cwd: dir, checkpoint: () => ckpt, warn: () => undefined });
    expect(again).toMatchObject({ backend: 'tfjs', steps: 30, maxTrain: 200, sandwich: 'uniform' });
    // A study stored before this carried the thread count for tfjs too.
    expect(() => readSupernetTrainRun(studyReader({ ...stored, threads: 4 }, 30, 0), { cwd: dir, checkpoint: () => ckpt, warn: () => undefined })).not.toThrow();
  });
});
