import { describe, expect, it } from 'vitest';
import type { WorkerView } from '../../api/index.js';
import { initialWorkersState } from './initialState.js';
import { applyWorkers } from './reducer.js';
import { fmtThroughput, fmtHeartbeat, workersSelectors } from './selectors.js';

const w = (id: string, over: Partial<WorkerView> = {}): WorkerView => ({
  id, host: 'h', pid: 1, queue: 'q', concurrency: 2, running: 1, done: 10, failed: 0, refused: 0, platform: 'linux x64',
  cpu: { model: 'cpu', cores: 4 }, memoryGiB: 8, backends: [], phones: [], startedAt: 0, heartbeatAt: 10_000, throughput: 1, ...over,
});

describe('workers slice', () => {
  it('takes main\'s answer whole', () => {
    const next = { ...initialWorkersState, ...applyWorkers({ redis: 'redis://:***@h:1', error: null, workers: [w('a')] }, 5) };
    expect(next).toMatchObject({ workersRedis: 'redis://:***@h:1', workersError: null, workersLoaded: true, workersReadAt: 5 });
    expect(next.workers.map((x) => x.id)).toEqual(['a']);
  });
  it('adds up running jobs, slots, phones and throughput', () => {
    const s = { ...initialWorkersState, workers: [w('a', { phones: ['p1'] }), w('b', { running: 0, concurrency: 4, throughput: null, phones: ['p2', 'p3'] })] };
    expect(workersSelectors.totals(s)).toEqual({ running: 1, slots: 6, phones: 3, throughput: 1 });
  });
  it('formats throughput and heartbeat age', () => {
    expect(fmtThroughput(null)).toBe('—');
    expect(fmtThroughput(3.25)).toBe('3.3 jobs/s');
    expect(fmtThroughput(0.5)).toBe('30 jobs/min');
    expect(fmtThroughput(0.01)).toBe('0.6 jobs/min');
    expect(fmtHeartbeat(w('a'), 12_400)).toBe('2 s ago');
    expect(fmtHeartbeat(w('a'), 190_000)).toBe('3 min ago');
    expect(fmtHeartbeat(w('a'), 0)).toBe('0 s ago');
  });
});
