import { describe, expect, it } from 'vitest';
import type { DeviceInfo, DeviceLatencyReport, ProfileProgress } from '../../api/index.js';
import { devicesSelectors, profileFraction } from './selectors.js';
import { initialDevicesState } from './initialState.js';
import { applyProfileProgress, latencyAfterProfile, sortDevices, startedProfile, without } from './reducer.js';

const d = (id: string, kind: DeviceInfo['kind'], online: boolean): DeviceInfo => ({ id, kind, name: id, info: {}, lastSeenAt: 0, online });

describe('devices', () => {
  it('lists online devices first, phones before local backends', () => {
    expect(sortDevices([d('local:cpu', 'local', true), d('b', 'android', false), d('a', 'android', true)]).map((x) => x.id)).toEqual(['a', 'local:cpu', 'b']);
  });
  it('selects online devices and phones', () => {
    const s = { ...initialDevicesState, devices: [d('local:cpu', 'local', true), d('p', 'android', false)] };
    expect(devicesSelectors.online(s).map((x) => x.id)).toEqual(['local:cpu']);
    expect(devicesSelectors.phones(s).map((x) => x.id)).toEqual(['p']);
  });
});

const report: DeviceLatencyReport = {
  deviceId: 'R58M', space: 'nb201', kernels: 21, createdAt: 1, calibration: [], heldOut: [],
  accuracy: { n: 2, rmseMs: 0.1, within10: 1, meanAbsPctError: 0.02 },
};
const ev = (over: Partial<ProfileProgress>): ProfileProgress => ({
  id: 'p1', device: 'R58M', space: 'nb201', state: 'running', phase: 'kernels', done: 1, total: 10, message: '', ...over,
});

describe('latency table profiling', () => {
  it('keeps the latest event per device, never moving done backwards, and a job\'s final event once it has ended', () => {
    let p = applyProfileProgress({}, ev({ done: 2 }));
    expect(p['R58M']?.done).toBe(2);
    expect(applyProfileProgress(p, ev({ done: 1 }))).toBe(p);
    p = applyProfileProgress(p, ev({ done: 3 }));
    p = applyProfileProgress(p, ev({ state: 'cancelled', done: 3 }));
    expect(p['R58M']?.state).toBe('cancelled');
    expect(applyProfileProgress(p, ev({ done: 4 }))).toBe(p);
    // A new job on the device replaces the ended one; other devices are left alone.
    p = applyProfileProgress(p, ev({ id: 'p2', done: 0, phase: 'starting', total: 0 }));
    p = applyProfileProgress(p, ev({ id: 'p3', device: 'pixel', done: 5 }));
    expect(Object.fromEntries(Object.entries(p).map(([k, v]) => [k, [v.id, v.state, v.done]]))).toEqual({ R58M: ['p2', 'running', 0], pixel: ['p3', 'running', 5] });
  });

  it('records a started job unless its own events came first', () => {
    const started = startedProfile({}, 'p1', 'R58M', 'nb201');
    expect(started['R58M']).toMatchObject({ id: 'p1', state: 'running', phase: 'starting', done: 0, total: 0 });
    const early = applyProfileProgress({}, ev({ done: 4 }));
    expect(startedProfile(early, 'p1', 'R58M', 'nb201')).toBe(early);
    expect(startedProfile(early, 'p2', 'R58M', 'nb201')['R58M']?.id).toBe('p2');
  });

  it('takes the finished job\'s accuracy report as the device\'s report', () => {
    const latency = { R58M: null, other: null };
    expect(latencyAfterProfile(latency, ev({ state: 'running' }))).toBe(latency);
    expect(latencyAfterProfile(latency, ev({ state: 'failed', error: 'x' }))).toBe(latency);
    expect(latencyAfterProfile(latency, ev({ state: 'finished', phase: 'done', report }))).toEqual({ R58M: report, other: null });
  });

  it('selects the job, whether a phone can be profiled, and the fraction done', () => {
    const s = {
      ...initialDevicesState,
      devices: [d('local:cpu', 'local', true), d('R58M', 'android', true), d('off', 'android', false), d('idle', 'android', true)],
      profiles: { R58M: ev({ done: 5, total: 20 }), idle: ev({ id: 'p0', device: 'idle', state: 'failed', error: 'gone' }) },
    };
    expect(devicesSelectors.isProfiling(s, 'R58M')).toBe(true);
    expect(devicesSelectors.profile(s, 'idle')?.state).toBe('failed');
    expect(['local:cpu', 'R58M', 'off', 'idle', 'absent'].filter((id) => devicesSelectors.canProfile(s, id))).toEqual(['idle']);
    expect(profileFraction(ev({ done: 5, total: 20 }))).toBe(0.25);
    expect(profileFraction(ev({ done: 0, total: 0 }))).toBe(0);
    expect(profileFraction(ev({ state: 'finished', done: 3, total: 3 }))).toBe(1);
    expect(without({ a: 1, b: 2 }, 'a')).toEqual({ b: 2 });
  });
});
