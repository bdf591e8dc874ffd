import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StudySpec } from '../../../shared/types/index.js';
import { CancellationTokenSource } from '../../core/cancellation.js';
import { InMemoryStore } from '../../core/in-memory-store.js';
import { TextSpace } from '../../core/spaces/text.js';
import { readDataset } from '../data/readers.js';
import { splitDataset } from '../data/dataset.js';
import { fitTokenizer } from '../data/tokenizer.js';
import { createStudy } from '../studies.js';
import { TrainEvaluator, type TrainEvaluatorSpec } from './evaluator.js';

const dir = mkdtempSync(join(tmpdir(), 'frontier-text-study-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const rows = (seed: string) => Array.from({ length: 40 }, (_, i) => `${i % 2 ? 'alpha' : 'omega'} ${seed} item ${i}\t${i % 2 ? 'a' : 'b'}`);
const write = (seed: string) => writeFileSync(join(dir, 'train.tsv'), ['text\tlabel', ...rows(seed)].join('\n'));

const evaluator = { kind: 'train', data: dir, val: 10, epochs: 1, batchSize: 8, backend: 'cpu', text: { length: 12, merges: 20 } } satisfies TrainEvaluatorSpec;
const spec: StudySpec = {
  name: 'text', space: 'text', strategy: 'random', objectives: [{ metric: 'val_accuracy', direction: 'max' }],
  constraints: [], report: [], budget: { evals: 1 }, seed: 4, evaluator,
};

describe('a text study stores its tokenizer', () => {
  it('createStudy stores the tokenizer fitted on the training split; an evaluator of the stored spec uses it even after the data changed', async () => {
    write('xq');
    const store = new InMemoryStore();
    const rec = createStudy(store, spec);
    const stored = (rec.spec.evaluator as TrainEvaluatorSpec).text;
    const { data } = readDataset(dir);
    const train = splitDataset(data, { val: 10, seed: 4 }).train;
    expect(stored?.tokenizer).toEqual(fitTokenizer(Array.from(train.x, (i) => data.texts?.[i] as string), 20));
    expect(stored).toMatchObject({ length: 12, merges: 20 });
    expect(store.getStudy(rec.id)?.spec).toEqual(rec.spec);

    // The data file changes: the stored spec still encodes with the stored tokenizer (a fresh fit would differ).
    write('zzzzzzzz');
    const again = readDataset(dir).data;
    expect(fitTokenizer(again.texts ?? [], 20)).not.toEqual(stored?.tokenizer);
    const ev = new TrainEvaluator(rec.spec, rec.spec.evaluator as TrainEvaluatorSpec);
    try {
      expect(ev.storedSpec(rec.spec)).toBe(rec.spec);
      const space = new TextSpace();
      const a = space.freeze(space.parse('w32/max/c3-t2x64'));
      // Embedding rows: 258 bytes and specials + 20 merges, whatever the fit found.
      expect(ev.known(a).params).toBe(278 * 32 + (3 * 32 * 32 + 128) + 2 * 64 + 4 * (1024 + 32) + (2048 + 64) + (2048 + 32) + 33 * 2);
      const r = await ev.evaluate(a, () => undefined, new CancellationTokenSource().token);
      expect(r.metrics.val_accuracy).toBeGreaterThanOrEqual(0);
      expect(r.metrics.latency_ms).toBeGreaterThan(0);
    } finally {
      ev.dispose();
    }
  });

  it('the text space refuses image data with a clear error before a study exists', () => {
    const store = new InMemoryStore();
    expect(() => createStudy(store, { ...spec, evaluator: { kind: 'train', backend: 'cpu', val: 100, maxTrain: 100 } })).toThrow(/the text space needs token ids \[L, 1, 1\], the data has \[28, 28, 1\]/);
    expect(store.listStudies().length).toBe(0);
  });
});
