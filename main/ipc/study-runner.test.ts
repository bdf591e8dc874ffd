import { describe, expect, it } from 'vitest';
import type { StudyProgressEvent } from '../../shared/ipc/contract.js';
import { nb201Spec } from '../../test/fixtures/nb201-spec.js';
import { InMemoryStore } from '../core/in-memory-store.js';
import { StudyRunner } from './study-runner.js';

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
