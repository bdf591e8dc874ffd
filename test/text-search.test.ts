// End to end (#16): `frontier search --space text` through the real binary on the built-in Debian
// package descriptions (TSV → byte tokenizer fitted on the training split → text encoders trained).
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from './cli-helpers.js';
import { shortSearch } from './harness/short-search.js';

const dir = tempDir('frontier-text-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('frontier search --space text (the real binary, built-in Debian descriptions)', () => {
  it('trains a short search of text encoders and prints a Pareto front; the study keeps its tokenizer', () => {
    const db = join(dir, 'text.db');
    const { stdout, exported } = shortSearch<{
      spec: { evaluator: { text?: { length: number; merges: number; tokenizer?: { kind: string; merges: string[] } } } & Record<string, unknown> };
      trials: { state: string; key: string; metrics: Record<string, number> }[];
    }>(db, 'text', 'builtin:debian-descriptions', 3, ['--max-train', '800', '--val', '300', '--epochs', '2', '--budget-evals', '3', '--workers', '2', '--seed', '3']);
    expect(stdout.split('\n').filter((l) => /^\d+\s+w\d+\/(mean|max)\//.test(l)).length).toBeGreaterThanOrEqual(1);

    expect(exported.spec.evaluator).toMatchObject({ kind: 'train', data: 'builtin:debian-descriptions', val: 300, epochs: 2, text: { length: 48, merges: 254 } });
    // The tokenizer fitted on the training split is stored with the study: 254 distinct byte pairs.
    expect(exported.spec.evaluator.text?.tokenizer?.kind).toBe('bytes');
    expect(new Set(exported.spec.evaluator.text?.tokenizer?.merges).size).toBe(254);
    const done = exported.trials.filter((t) => t.state === 'complete');
    expect(done).toHaveLength(3);
    for (const t of done) {
      expect(t.key).toMatch(/^w\d+\/(mean|max)\/[ct]/);
      expect(t.metrics.test_accuracy).toBeGreaterThanOrEqual(0);
      expect(t.metrics.params).toBeGreaterThan(0);
      expect(t.metrics.latency_ms).toBeGreaterThan(0);
    }
    // 8 balanced sections: chance is 0.125; the best of three short trainings is well above it.
    expect(Math.max(...done.map((t) => t.metrics.val_accuracy as number))).toBeGreaterThan(0.3);
  }, 300_000);

  it('bad text data and settings are one line naming the problem, and leave no study', () => {
    const db = join(dir, 'bad.db');
    const unknown = cli(['search', '--space', 'text', '--text', 'size=10', '--budget-evals', '1'], { db });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--text: text settings: 'size=10' must be KEY=VALUE with KEY one of length, merges/);
    writeFileSync(join(dir, 'bad.tsv'), 'text\tlabel\nfine\ta\n\tb\n');
    const empty = cli(['search', '--space', 'text', '--data', join(dir, 'bad.tsv'), '--budget-evals', '1'], { db });
    expect(empty.code).not.toBe(0);
    expect(empty.stderr).toMatch(/bad\.tsv: line 3: empty text/);
    const images = cli(['search', '--space', 'text', '--data', 'builtin:fashion-mnist', '--budget-evals', '1'], { db });
    expect(images.code).not.toBe(0);
    expect(images.stderr).toMatch(/the text space needs token ids \[L, 1, 1\], the data has \[28, 28, 1\]/);
    expect(cli(['runs', '--json'], { db }).stdout).not.toMatch(/"id"/);
  }, 120_000);
});
