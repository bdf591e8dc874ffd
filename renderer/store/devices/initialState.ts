import type { DeviceInfo, DeviceLatencyReport, ProfileProgress } from '../../api/index.js';

export interface DevicesState {
  readonly devices: readonly DeviceInfo[];
  /** Latency lookup-table report per device id (null: the device has none). */
  readonly latency: Readonly<Record<string, DeviceLatencyReport | null>>;
  readonly devicesLoaded: boolean;
  readonly devicesError: string | null;
  /** The latest profiling job per device id (running, or how the last one ended). */
  readonly profiles: Readonly<Record<string, ProfileProgress>>;
  /** Why starting or cancelling a profiling job was refused, per device id. */
  readonly profileErrors: Readonly<Record<string, string>>;
  /** Spaces a latency table can be built for (the picker of each phone). */
  readonly profileSpaces: readonly { readonly id: string; readonly title: string }[];
}

export const initialDevicesState: DevicesState = { devices: [], latency: {}, devicesLoaded: false, devicesError: null, profiles: {}, profileErrors: {}, profileSpaces: [] };
