import type { StateCreator } from 'zustand';
import { nas, type DeviceId, type DeviceInfo, type ProfileProgress } from '../../api/index.js';
import type { NasStore } from '../index.js';
import { initialDevicesState, type DevicesState } from './initialState.js';
import { applyProfileProgress, latencyAfterProfile, sortDevices, startedProfile, without } from './reducer.js';

export interface DevicesActions {
  fetchDevices(): Promise<void>;
  onDevicesEvent(devices: readonly DeviceInfo[]): void;
  /** Starts building the phone's latency lookup table for a space (progress arrives as events). */
  startProfile(device: DeviceId, space: string): Promise<void>;
  cancelProfile(device: DeviceId): Promise<void>;
  onProfileProgress(p: ProfileProgress): void;
}

export const createDevicesSlice: StateCreator<NasStore, [], [], DevicesState & DevicesActions> = (set, get) => ({
  ...initialDevicesState,
  async fetchDevices() {
    try {
      const devices = sortDevices(await nas().device.list());
      set({ devices, devicesLoaded: true, devicesError: null });
      const reports = await Promise.all(devices.map(async (d) => [d.id, await nas().device.latency({ id: d.id }).catch(() => null)] as const));
      set({ latency: Object.fromEntries(reports) });
      if (get().profileSpaces.length === 0 && devices.some((d) => d.kind === 'android')) {
        const spaces = await nas().space.list().catch(() => []);
        set({ profileSpaces: spaces.map((x) => ({ id: x.id, title: x.title })) });
      }
    } catch (e) {
      set({ devicesLoaded: true, devicesError: (e as Error).message });
    }
  },
  onDevicesEvent(devices) {
    set({ devices: sortDevices(devices), devicesLoaded: true });
    if (get().profileSpaces.length === 0 && devices.some((d) => d.kind === 'android')) {
      void nas().space.list().then((spaces) => set({ profileSpaces: spaces.map((x) => ({ id: x.id, title: x.title })) }), () => undefined);
    }
  },
  async startProfile(device, space) {
    set({ profileErrors: without(get().profileErrors, device) });
    try {
      const id = await nas().device.profile({ device, space });
      set({ profiles: startedProfile(get().profiles, id, device, space) });
    } catch (e) {
      set({ profileErrors: { ...get().profileErrors, [device]: (e as Error).message } });
    }
  },
  async cancelProfile(device) {
    const job = get().profiles[device];
    if (!job || job.state !== 'running') return;
    try {
      await nas().device.cancel({ id: job.id });
    } catch (e) {
      set({ profileErrors: { ...get().profileErrors, [device]: (e as Error).message } });
    }
  },
  onProfileProgress(p) {
    set({ profiles: applyProfileProgress(get().profiles, p), latency: latencyAfterProfile(get().latency, p) });
  },
});
