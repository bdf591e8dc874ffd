import { describe, expect, it } from 'vitest';
import type { StudyProgressEvent } from '../../shared/ipc/contract.js';
import { nb201Spec } from '../../test/fixtures/nb201-spec.js';
import { InMemoryStore } from '../core/in-memory-store.js';
import { acceleratorOf, StudyRunner } from './study-runner.js';

describe('StudyRunner ETA', () => {
  it('after a Resume, is this run\'s pace over the budget left (not the time since resume over the whole fraction)', async () => {
    const store = new InMemoryStore();
    // A clock that moves 10 ms per reading: the run's elapsed time grows with the work done.
    let t = 0;
    const clock = { now: () => (t += 10) };
    const events: StudyProgressEvent[] = [];
    let stopAt = 50;
    const runner: StudyRunner = new StudyRunner(store, {
      onTrial: () => undefined,
      onProgress: (e) => {
        events.push(e);
        if (e.progress.evals >= stopAt) {
          stopAt = Infinity;
          void runner.stop(e.id);
        }
      },
      onStatus: () => undefined,
    }, clock, 0);
    const { id } = store.createStudy(nb201Spec({ budget: { evals: 100 } }), 0);
    runner.start(id);
    await runner.whenIdle(id);
    expect(store.getStudy(id)!.status).toBe('stopped');
    const before = store.getStudy(id)!.progress.evals;
    expect(before).toBeGreaterThanOrEqual(50);
    events.length = 0;
    runner.start(id);
    await runner.whenIdle(id);
    // Halfway through what was left: about as much time remains as this run has taken.
    const mid = events.find((e) => e.progress.evals >= before + (100 - before) / 2 && e.fraction < 1)!;
    expect(mid).toBeDefined();
    const left = 100 - mid.progress.evals;
    // etaMs / (wall ms per evaluation in this run) ≈ evaluations left.
    const perEval = 1000 / mid.throughput!;
    expect(mid.etaMs! / perEval).toBeGreaterThan(left * 0.8);
    expect(mid.etaMs! / perEval).toBeLessThan(left * 1.25);
    await runner.dispose();
  });
});

describe('StudyRunner resources', () => {
  it('samples the CPU of a run while it runs here, and none after', async () => {
    const store = new InMemoryStore();
    const seen: ReturnType<StudyRunner['cpu']>[] = [];
    const runner: StudyRunner = new StudyRunner(store, {
      onTrial: () => undefined,
      onProgress: (e) => seen.push(runner.cpu(e.id)),
      onStatus: () => undefined,
    }, undefined, 0);
    const { id } = store.createStudy(nb201Spec({ budget: { evals: 200 } }), 0);
    expect(runner.cpu(id)).toBeUndefined();
    runner.start(id);
    await runner.whenIdle(id);
    const during = seen.filter((c) => c !== undefined);
    expect(during.length).toBeGreaterThan(0);
    for (const c of during) {
      expect(c.utilisation).toBeGreaterThanOrEqual(0);
      expect(c.utilisation).toBeLessThanOrEqual(1);
      expect(c.cores).toBeGreaterThan(0);
      expect(c.accelerator).toBeNull(); // a table trains nothing
    }
    // The run is busy evaluating: some CPU time shows by its end.
    expect(during[during.length - 1]!.utilisation).toBeGreaterThan(0);
    expect(runner.cpu(id)).toBeUndefined();
    await runner.dispose();
  });

  it('keeps a finished run\'s CPU use with the study', async () => {
    const store = new InMemoryStore();
    const statuses: string[] = [];
    const runner = new StudyRunner(store, { onTrial: () => undefined, onProgress: () => undefined, onStatus: (_id, s) => statuses.push(s) }, undefined, 0);
    const { id } = store.createStudy(nb201Spec({ budget: { evals: 150 } }), 0);
    expect(store.getStudy(id)!.cpu).toBeUndefined();
    runner.start(id);
    await runner.whenIdle(id);
    const first = store.getStudy(id)!.cpu!;
    expect(first.runs).toBe(1);
    expect(first.wallSeconds).toBeGreaterThan(0);
    expect(first.cpuSeconds).toBeGreaterThan(0); // 150 evaluations cost some CPU time
    expect(first.cores).toBeGreaterThan(0);
    expect(first.accelerator).toBeNull();
    expect(statuses).toContain('complete');
    await runner.dispose();
  });

  it('names the accelerator of training evaluators from the torch engine, and none for tables', () => {
    const gpu = () => ({ info: () => ({ cuda: true }) });
    const cpuOnly = () => ({ info: () => ({ cuda: false }) });
    expect(acceleratorOf({ kind: 'table', tables: [], cost: 'x' } as never, gpu)).toBeNull();
    expect(acceleratorOf({ kind: 'train' }, gpu)).toBe('cuda');
    expect(acceleratorOf({ kind: 'supernet', backend: 'torch' }, gpu)).toBe('cuda');
    expect(acceleratorOf({ kind: 'train' }, cpuOnly)).toBe('cpu');
    expect(acceleratorOf({ kind: 'train' }, () => 'the libtorch engine is not built')).toBe('cpu');
    expect(acceleratorOf({ kind: 'train', backend: 'wasm' }, gpu)).toBe('cpu');
  });
});
