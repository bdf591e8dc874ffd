/**
 * The live slice's actions against a mock host (Netron mock.Host style): what it asks main for,
 * how trial events are batched into the columns, and the refresh when the study ends.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { setNas, type NasBridge, type StudyDetail, type TrialPoints } from '../../api/index.js';
import type { TrialRecord } from '../../../shared/types/index.js';
import { useNas } from '../index.js';
import { item } from '../test-fixtures.js';
import { initialLiveState } from './initialState.js';
import { POLL_MS } from './action.js';

const trial = (number: number, acc: number): TrialRecord => ({ studyId: '7', number, key: `k${number}`, sample: [], state: 'complete', metrics: { acc, lat: 1 }, fidelity: {}, cost: 0, startedAt: 0, finishedAt: 1 });

function mockHost() {
  const calls: string[] = [];
  let points: TrialPoints = { numbers: [0], states: [1], finishedAt: [1], metrics: { acc: [50], lat: [1] } };
  const detail: StudyDetail = { ...item('7', { status: 'running', active: true, objectives: [{ metric: 'acc', direction: 'max' }, { metric: 'lat', direction: 'min' }] }), record: {} as never, etaMs: 1000, throughput: 2 };
  const bridge = {
    study: {
      get: async () => (calls.push('get'), detail),
      points: async () => (calls.push('points'), points),
      history: async () => (calls.push('history'), { evals: [1], best: { acc: [50] }, hypervolume: [null] }),
      summary: async () => (calls.push('summary'), { front: [], best: {}, hypervolume: null, reference: null, complete: 1 }),
    },
    on: () => () => undefined,
  } as unknown as NasBridge;
  return { bridge, calls, setPoints: (p: TrialPoints) => (points = p) };
}

describe('live slice actions', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    useNas.setState({ ...initialLiveState });
  });
  afterEach(() => {
    useNas.getState().closeLive();
    vi.useRealTimers();
  });

  it('opens a study with its detail, columns, history and summary, axes from its objectives', async () => {
    const host = mockHost();
    setNas(host.bridge);
    await useNas.getState().openLive('7');
    expect(host.calls.sort()).toEqual(['get', 'history', 'points', 'summary']);
    expect(useNas.getState()).toMatchObject({ liveId: '7', axes: { x: 'lat', y: 'acc' } });
    expect(useNas.getState().points?.numbers).toEqual([0]);
  });

  it('batches trial events into one update per flush and ignores other studies', async () => {
    const host = mockHost();
    setNas(host.bridge);
    await useNas.getState().openLive('7');
    const before = useNas.getState().points;
    const s = useNas.getState();
    s.onTrialEvent({ id: '7', trial: trial(1, 60) });
    s.onTrialEvent({ id: '7', trial: trial(2, 70) });
    s.onTrialEvent({ id: '8', trial: trial(3, 99) });
    expect(useNas.getState().points).toBe(before);
    await vi.advanceTimersByTimeAsync(300);
    expect(useNas.getState().points?.numbers).toEqual([0, 1, 2]);
    expect(useNas.getState().points?.metrics.acc).toEqual([50, 60, 70]);
    host.calls.length = 0;
    await vi.advanceTimersByTimeAsync(1000);
    // A throttled refresh of the derived views (detail, history, summary), not of the columns.
    expect(host.calls.sort()).toEqual(['get', 'history', 'summary']);
  });

  it('applies progress to the open study only, and re-reads everything when it ends', async () => {
    const host = mockHost();
    setNas(host.bridge);
    await useNas.getState().openLive('7');
    const p = { evals: 9, failed: 0, rejected: 0, costSeconds: 1, wallMs: 5 };
    useNas.getState().onProgressEvent({ id: '8', progress: p, fraction: 0.5, etaMs: 1, throughput: 1 });
    expect(useNas.getState().detail?.progress.evals).toBe(70);
    useNas.getState().onProgressEvent({ id: '7', progress: p, fraction: 0.09, etaMs: 500, throughput: 3 });
    expect(useNas.getState().detail).toMatchObject({ progress: p, fraction: 0.09, etaMs: 500, throughput: 3 });
    host.calls.length = 0;
    host.setPoints({ numbers: [0, 1], states: [1, 1], finishedAt: [1, 1], metrics: { acc: [50, 80], lat: [1, 2] } });
    useNas.getState().onLiveStatusEvent({ id: '7', status: 'complete' });
    await vi.advanceTimersByTimeAsync(10);
    expect(host.calls.sort()).toEqual(['get', 'history', 'points', 'summary']);
    expect(useNas.getState().points?.metrics.acc).toEqual([50, 80]);
  });
  it('reads the store every POLL_MS while another process runs the study, until it ends', async () => {
    const calls: string[] = [];
    let detail: StudyDetail = { ...item('7', { status: 'running', active: false, fraction: 0.3, runningElsewhere: { pid: 42, host: 'h', heartbeatAt: 1 } }), record: {} as never, etaMs: null, throughput: null };
    let stored: TrialRecord[] = [trial(0, 50), { ...trial(1, 0), state: 'running', metrics: {} }];
    const bridge = {
      study: {
        get: async () => (calls.push('get'), detail),
        points: async () => ({ numbers: [0, 1], states: [1, 0], finishedAt: [1, 0], metrics: { acc: [50, null], lat: [1, null] } }),
        trials: async ({ offset }: { offset: number }) => (calls.push(`trials@${offset}`), stored.slice(offset)),
        history: async () => (calls.push('history'), { evals: [1], best: { acc: [50] }, hypervolume: [null] }),
        summary: async () => (calls.push('summary'), { front: [], best: {}, hypervolume: null, reference: null, complete: 1 }),
      },
      on: () => () => undefined,
    } as unknown as NasBridge;
    setNas(bridge);
    await useNas.getState().openLive('7');
    calls.length = 0;
    stored = [trial(0, 50), trial(1, 60), trial(2, 70)];
    await vi.advanceTimersByTimeAsync(POLL_MS + 10);
    // Only from the first trial still running (1) onwards.
    expect(calls.sort()).toEqual(['get', 'history', 'summary', 'trials@1']);
    expect(useNas.getState().points?.metrics.acc).toEqual([50, 60, 70]);
    // Its pace, measured between polls: 20 evaluations and 20% of the budget in POLL_MS.
    detail = { ...detail, progress: { ...detail.progress, evals: detail.progress.evals + 20 }, fraction: detail.fraction + 0.2 };
    await vi.advanceTimersByTimeAsync(POLL_MS + 10);
    expect(useNas.getState().detail!.throughput).toBeCloseTo((20 * 1000) / POLL_MS, 6);
    // Half of the budget left at 20% per poll: 2.5 polls.
    expect(useNas.getState().detail!.etaMs).toBeCloseTo(2.5 * POLL_MS, 0);
    detail = { ...detail, status: 'complete' };
    await vi.advanceTimersByTimeAsync(POLL_MS + 10);
    calls.length = 0;
    await vi.advanceTimersByTimeAsync(3 * POLL_MS);
    expect(calls).toEqual([]);
  });
});
