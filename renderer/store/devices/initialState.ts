import type { DeviceInfo } from '../../api/index.js';

export interface DevicesState {
  readonly devices: readonly DeviceInfo[];
  readonly devicesLoaded: boolean;
  readonly devicesError: string | null;
}

export const initialDevicesState: DevicesState = { devices: [], devicesLoaded: false, devicesError: null };
