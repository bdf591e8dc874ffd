import { existsSync, readFileSync } from 'node:fs';
import { cpus, platform, arch } from 'node:os';
import type { DeviceInfo, DeviceId, DeviceLatencyReport } from '../../shared/ipc/contract.js';
import { lutPath } from '../services/devices/profiler.js';
import type { Disposable } from '../core/lifecycle.js';
import type { Store } from '../core/store.js';

/**
 * Where the device list comes from. The phones service (issue #4) plugs in here with its own
 * source (adb tracking); `onDidChange` feeds the `onDidChangeDevices` event.
 */
export interface DeviceSource {
  list(): Promise<DeviceInfo[]>;
  onDidChange?(listener: () => void): Disposable;
}

/**
 * What exists without the phones service: this machine's CPU backend (online), plus every device
 * recorded in the store (offline until a live source reports it).
 */
export class StoreDeviceSource implements DeviceSource {
  constructor(private readonly store: Store) {}

  async list(): Promise<DeviceInfo[]> {
    const c = cpus();
    const local: DeviceInfo = {
      id: 'local:cpu' as DeviceId,
      kind: 'local',
      name: `This machine (CPU, ${c.length} cores)`,
      info: { platform: platform(), arch: arch(), cpu: c[0]?.model ?? 'unknown', cores: c.length, node: process.versions.node },
      lastSeenAt: Date.now(),
      online: true,
    };
    const stored = this.store.listDevices().filter((d) => d.id !== local.id).map((d): DeviceInfo => ({ ...d, id: d.id as DeviceId, online: false }));
    return [local, ...stored];
  }
}

/** A live source of phones (structurally what AdbDeviceService of main/services/devices offers). */
export interface PhoneTracker {
  infos(): DeviceInfo[];
  onDidChange(listener: () => void): Disposable;
}

/**
 * The local backends and stored devices, with the phones a tracker sees now on top: a tracked phone
 * replaces its stored record (online or not, as adb says); plug and unplug fire `onDidChange`.
 */
export class LiveDeviceSource implements DeviceSource {
  private readonly base: StoreDeviceSource;

  constructor(store: Store, private readonly phones: PhoneTracker) {
    this.base = new StoreDeviceSource(store);
  }

  async list(): Promise<DeviceInfo[]> {
    const live = this.phones.infos();
    const ids = new Set(live.map((d) => d.id));
    const [local, ...stored] = await this.base.list();
    return [...(local ? [local] : []), ...live, ...stored.filter((d) => !ids.has(d.id))];
  }

  onDidChange(listener: () => void): Disposable {
    return this.phones.onDidChange(listener);
  }
}

const finiteOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * The report of a device's latency lookup table, as the profiler wrote it next to the database
 * (`<db dir>/latency/<device>.json`, see main/services/devices/profiler.ts), or null when there is none.
 * A file that cannot be read or parsed is reported as none, not as an error: the Devices screen
 * shows the device without it.
 */
export function readLatencyReport(dbPath: string, deviceId: string): DeviceLatencyReport | null {
  const file = lutPath(dbPath, deviceId);
  if (!existsSync(file)) return null;
  try {
    const lut = JSON.parse(readFileSync(file, 'utf8')) as { createdAt?: number; report?: Record<string, unknown> };
    const r = lut.report;
    if (!r || typeof r !== 'object') return null;
    const pairs = (v: unknown) =>
      (Array.isArray(v) ? v : [])
        .filter((p): p is { key: string; predictedMs: number; measuredMs: number } => typeof p?.key === 'string' && Number.isFinite(p?.predictedMs) && Number.isFinite(p?.measuredMs))
        .map((p) => ({ key: p.key, predictedMs: p.predictedMs, measuredMs: p.measuredMs }));
    const acc = (r.accuracy ?? {}) as Record<string, unknown>;
    return {
      deviceId: deviceId as DeviceId,
      space: String(r.space ?? ''),
      kernels: Number(r.kernels ?? 0),
      createdAt: Number(lut.createdAt ?? 0),
      calibration: pairs(r.calibration),
      heldOut: pairs(r.heldOut),
      accuracy: { n: Number(acc.n ?? 0), rmseMs: finiteOrNull(acc.rmseMs), within10: finiteOrNull(acc.within10), meanAbsPctError: finiteOrNull(acc.meanAbsPctError) },
    };
  } catch {
    return null;
  }
}
