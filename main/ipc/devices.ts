import { cpus, platform, arch } from 'node:os';
import type { DeviceInfo, DeviceId } from '../../shared/ipc/contract.js';
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
