import type { DeviceInfo, DeviceLatencyReport } from '../../api/index.js';

export interface DevicesState {
  readonly devices: readonly DeviceInfo[];
  /** Latency lookup-table report per device id (null: the device has none). */
  readonly latency: Readonly<Record<string, DeviceLatencyReport | null>>;
  readonly devicesLoaded: boolean;
  readonly devicesError: string | null;
}

export const initialDevicesState: DevicesState = { devices: [], latency: {}, devicesLoaded: false, devicesError: null };
