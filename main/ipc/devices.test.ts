import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lutPath } from '../services/devices/profiler.js';
import type { DeviceInfo, NasEvents } from '../../shared/ipc/contract.js';
import { InMemoryStore } from '../core/in-memory-store.js';
import { toDisposable } from '../core/lifecycle.js';
import { LiveDeviceSource, readLatencyReport, type PhoneTracker } from './devices.js';
import { createNasHost } from './index.js';

function fakeTracker(): PhoneTracker & { set(list: DeviceInfo[]): void } {
  let list: DeviceInfo[] = [];
  const listeners = new Set<() => void>();
  return {
    infos: () => list,
    onDidChange(l) {
      listeners.add(l);
      return toDisposable(() => listeners.delete(l));
    },
    set(next) {
      list = next;
      for (const l of listeners) l();
    },
  };
}

const phone = (online: boolean): DeviceInfo => ({ id: 'R58M', kind: 'android', name: 'Samsung SM-G973F', info: { soc: 'exynos9820' }, lastSeenAt: 2, online });

describe('devices in the contract', () => {
  it('lists the local backend, tracked phones over their stored records, then other stored devices', async () => {
    const store = new InMemoryStore();
    store.upsertDevice({ id: 'R58M', kind: 'android', name: 'old name', info: {}, lastSeenAt: 1 });
    store.upsertDevice({ id: 'pixel', kind: 'android', name: 'Pixel 3', info: {}, lastSeenAt: 1 });
    const tracker = fakeTracker();
    const source = new LiveDeviceSource(store, tracker);
    expect((await source.list()).map((d) => [d.id, d.online])).toEqual([['local:cpu', true], ['R58M', false], ['pixel', false]]);
    tracker.set([phone(true)]);
    const list = await source.list();
    expect(list.map((d) => [d.id, d.name, d.online])).toEqual([['local:cpu', 'This machine' + list[0]!.name.slice(12), true], ['R58M', 'Samsung SM-G973F', true], ['pixel', 'Pixel 3', false]]);
  });

  it('announces plug and unplug as onDidChangeDevices with the new list', async () => {
    const tracker = fakeTracker();
    const store = new InMemoryStore();
    const host = createNasHost(store, { devices: new LiveDeviceSource(store, tracker) });
    const seen: NasEvents['onDidChangeDevices'][] = [];
    const sub = host.server.onEvent((event, payload) => event === 'onDidChangeDevices' && seen.push(payload as NasEvents['onDidChangeDevices']));
    tracker.set([phone(true)]);
    tracker.set([]);
    await new Promise((r) => setTimeout(r, 10));
    expect(seen.map((e) => e.devices.map((d) => d.id))).toEqual([['local:cpu', 'R58M'], ['local:cpu']]);
    await host.shutdown();
    // After shutdown the host no longer listens to the tracker.
    tracker.set([phone(true)]);
    await new Promise((r) => setTimeout(r, 10));
    expect(seen).toHaveLength(2);
    sub.dispose();
  });
});

describe('latency lookup-table reports', () => {
  const db = join(mkdtempSync(join(tmpdir(), 'frontier-lut-')), 'frontier.db');
  const write = (id: string, text: string) => {
    const f = lutPath(db, id);
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, text);
  };
  it('reads the report the profiler wrote next to the database', async () => {
    write('R58M', JSON.stringify({
      version: 1, createdAt: 5, table: {}, space: 'nb201', graph: {},
      report: {
        deviceId: 'R58M', space: 'nb201', kernels: 42, fit: {},
        calibration: [{ key: 'a', predictedMs: 2, measuredMs: 2.1 }],
        heldOut: [{ key: 'b', predictedMs: 3, measuredMs: 3.3 }, { key: 'c', predictedMs: 4, measuredMs: 'x' }],
        accuracy: { n: 1, rmseMs: 0.3, within10: 1, meanAbsPctError: 0.09 },
      },
    }));
    expect(readLatencyReport(db, 'R58M')).toEqual({
      deviceId: 'R58M', space: 'nb201', kernels: 42, createdAt: 5,
      calibration: [{ key: 'a', predictedMs: 2, measuredMs: 2.1 }],
      heldOut: [{ key: 'b', predictedMs: 3, measuredMs: 3.3 }],
      accuracy: { n: 1, rmseMs: 0.3, within10: 1, meanAbsPctError: 0.09 },
    });
    const host = createNasHost(new InMemoryStore(), { latencyReports: (id) => readLatencyReport(db, id) });
    expect(await host.server.call('nas:device.latency', { id: 'R58M' })).toMatchObject({ ok: true, value: { kernels: 42 } });
    expect(await host.server.call('nas:device.latency', { id: 'none' })).toEqual({ ok: true, value: null });
    await host.shutdown();
  });
  it('treats a missing or unreadable file as no report', () => {
    write('broken', '{ not json');
    expect(readLatencyReport(db, 'broken')).toBeNull();
    expect(readLatencyReport(db, 'absent')).toBeNull();
  });
});
