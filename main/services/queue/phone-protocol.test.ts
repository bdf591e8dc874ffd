import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/rng.js';
import { TrainEvaluator, type TrainEvaluatorSpec } from '../train/evaluator.js';
import type { StudySpec } from '../../../shared/types/index.js';
import { createSpace } from '../../core/spaces.js';
import { nb201EvaluatorSpec } from '../evaluators.js';
import { checkPhoneSpec, phoneGraphOptions, phoneJobModel, phoneQueueName, phoneSerials, type PhoneJobData } from './phone-protocol.js';
import { JOB_FORMAT } from './protocol.js';

const spec = (metrics: string[], evaluator: StudySpec['evaluator'] = nb201EvaluatorSpec()): StudySpec => ({
  name: 'p', space: 'nb201', strategy: 'random', objectives: metrics.map((metric) => ({ metric, direction: 'min' as const })), constraints: [], report: [], budget: { evals: 1 }, seed: 0, evaluator,
});

function job(over: Partial<PhoneJobData> = {}): PhoneJobData {
  const space = createSpace('nb201', {});
  const sample = [0, 1, 2, 3, 4, 0];
  return {
    v: JOB_FORMAT, study: { id: '1', uid: 's1.x' }, trial: 3, serial: '10.0.0.2:5555', space: 'nb201',
    arch: { key: space.freeze(sample).key, sample }, graph: { input: [32, 32, 3], classes: 10, nb201: { cellsPerStage: 1 } }, ...over,
  };
}

describe('phone jobs', () => {
  it("a phone's queue name holds no ':' and differs for every serial", () => {
    const names = ['10.0.0.2:5555', '10.0.0.2_5555', 'R58M12ABCDE', 'emulator-5554'].map((s) => phoneQueueName('frontier-evals', s));
    for (const n of names) expect(n).not.toContain(':');
    expect(new Set(names).size).toBe(4);
    expect(names[2]).toMatch(/^frontier-evals\.phone\.R58M12ABCDE\.[0-9a-f]{10}$/);
  });

  it("phones are the study's latency:<serial> metrics, not a local backend's, and none for a lookup-table search", () => {
    expect(phoneSerials(spec(['c10_valid', 'latency:R58M', 'latency:local:torch']))).toEqual(['R58M']);
    expect(phoneSerials({ ...spec(['latency:R58M']), report: ['latency:10.0.0.2:5555'] })).toEqual(['R58M', '10.0.0.2:5555']);
    expect(phoneSerials(spec(['latency:R58M'], { kind: 'lut', tables: {} } as unknown as StudySpec['evaluator']))).toEqual([]);
  });

  it('a table search measures phones only where the input is known (nb201), naming why otherwise', () => {
    expect(checkPhoneSpec(spec(['latency:R58M']))).toMatchObject({ input: [32, 32, 3], classes: 10 });
    expect(() => checkPhoneSpec({ ...spec(['latency:R58M']), evaluator: { kind: 'table', tables: ['x.csv'] }, space: 'mobilenet' })).toThrow(/latency on phones \(R58M\) needs the models' input size, .*a table search records no input/);
  });

  it('a valid job gives its model; every bad one is refused with the reason', () => {
    const ok = phoneJobModel(job(), '10.0.0.2:5555');
    expect(ok.graph.input).toEqual([32, 32, 3]);
    expect(ok.graph.classes).toBe(10);
    expect(ok.subject).toBe(`arch:nb201:${job().arch.key}`);
    const refused = (data: unknown) => () => phoneJobModel(data, '10.0.0.2:5555');
    expect(refused(job({ serial: 'other' }))).toThrow(/^phone job refused: it is for phone other, this queue is 10\.0\.0\.2:5555's$/);
    expect(refused(job({ v: 99 }))).toThrow(/job format 99, this worker reads format/);
    expect(refused(job({ arch: { key: 'nope', sample: [0, 1, 2, 3, 4, 0] } }))).toThrow(/is .* in space nb201, not nope/);
    expect(refused(job({ arch: { key: 'x', sample: [9, 9, 9, 9, 9, 9] } }))).toThrow(/^phone job refused: /);
    expect(refused(job({ graph: { input: [32, 32] as unknown as [number, number, number], classes: 10 } }))).toThrow(/no graph options/);
    expect(refused(job({ graph: { input: [32, 32, 3], classes: 0 } }))).toThrow(/no graph options/);
    expect(refused(job({ graph: { input: [32, 32, 3], classes: 10, vocab: -1 } }))).toThrow(/vocabulary -1 is not a positive integer/);
    expect(refused(job({ space: 'no-such-space' }))).toThrow(/^phone job refused: /);
    expect(refused('text')).toThrow(/its data is not an object/);
  });

  it("a training search sends its data's input, classes and (text) vocabulary: the worker rebuilds the very model trained", () => {
    const dir = mkdtempSync(join(tmpdir(), 'frontier-phone-text-'));
    try {
      writeFileSync(join(dir, 'train.tsv'), ['text\tlabel', ...Array.from({ length: 40 }, (_, i) => `${i % 2 ? 'alpha' : 'omega'} item ${i}\t${i % 2 ? 'a' : 'b'}`)].join('\n'));
      const evaluator = { kind: 'train', data: dir, val: 10, epochs: 1, batchSize: 8, backend: 'cpu', text: { length: 12, merges: 20 } } satisfies TrainEvaluatorSpec;
      const s: StudySpec = { ...spec(['latency:R58M'], evaluator), space: 'text' };
      const ev = new TrainEvaluator(s, evaluator);
      try {
        const space = createSpace('text', {});
        const a = space.freeze(space.sample(new Rng(1)));
        const options = phoneGraphOptions(s, ev)(a);
        expect(options.vocab).toBeGreaterThan(2);
        const rebuilt = phoneJobModel({ ...job(), serial: 'R58M', space: 'text', arch: { key: a.key, sample: [...a.sample] }, graph: options }, 'R58M').graph;
        expect(rebuilt).toEqual(ev.graphOf(a));
      } finally {
        ev.dispose();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
