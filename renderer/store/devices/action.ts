import type { StateCreator } from 'zustand';
import { nas, type DeviceInfo } from '../../api/index.js';
import type { NasStore } from '../index.js';
import { initialDevicesState, type DevicesState } from './initialState.js';
import { sortDevices } from './reducer.js';

export interface DevicesActions {
  fetchDevices(): Promise<void>;
  onDevicesEvent(devices: readonly DeviceInfo[]): void;
}

export const createDevicesSlice: StateCreator<NasStore, [], [], DevicesState & DevicesActions> = (set) => ({
  ...initialDevicesState,
  async fetchDevices() {
    try {
      const devices = sortDevices(await nas().device.list());
      set({ devices, devicesLoaded: true, devicesError: null });
      const reports = await Promise.all(devices.map(async (d) => [d.id, await nas().device.latency({ id: d.id }).catch(() => null)] as const));
      set({ latency: Object.fromEntries(reports) });
    } catch (e) {
      set({ devicesLoaded: true, devicesError: (e as Error).message });
    }
  },
  onDevicesEvent(devices) {
    set({ devices: sortDevices(devices), devicesLoaded: true });
  },
});
