import { describe, expect, it } from 'vitest';
import { InMemoryStore } from '../core/in-memory-store.js';
import { nb201Spec } from '../../test/fixtures/nb201-spec.js';
import { StudyService } from './services.js';
import { StudyRunner } from './study-runner.js';

describe('StudyService trial cache', () => {
  it('stays equal to the store while trials are added, finished and abandoned', () => {
    const store = new InMemoryStore();
    const runner = new StudyRunner(store, { onTrial: () => undefined, onProgress: () => undefined, onStatus: () => undefined });
    const service = new StudyService(store, runner);
    const { id } = store.createStudy(nb201Spec(), 0);
    store.setStudyStatus(id, 'running', 0);
    const progress = { evals: 0, failed: 0, rejected: 0, costSeconds: 0, wallMs: 0 };
    const finish = (n: number) => store.finishTrial(id, n, { state: 'complete', metrics: { acc: n }, fidelity: {}, cost: 1, finishedAt: n }, { progress, strategyState: null });
    const same = () => expect(service.allTrials(id)).toEqual(store.getTrials(id));
    same();
    for (let n = 0; n < 5; n++) store.createTrial(id, { key: `k${n}`, sample: [] }, n);
    finish(0);
    finish(1);
    same();
    finish(3);
    store.createTrial(id, { key: 'k5', sample: [] }, 5);
    same();
    finish(2);
    store.abandonRunning(id, 'stopped', 9);
    same();
    expect(service.allTrials(id).map((t) => t.state)).toEqual(['complete', 'complete', 'complete', 'complete', 'failed', 'failed']);
  });
});
