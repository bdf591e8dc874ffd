import type { DeviceInfo } from '../../shared/ipc/contract.js';
import type { CancellationToken } from './cancellation.js';
import type { Kernel } from './latency/kernels.js';

/** One kernel (op configuration) to measure on a device. */
export type OpSpec = Kernel;

export interface OpLatency {
  readonly deviceId: string;
  readonly op: string;
  readonly key: string;
  readonly medianMs: number;
  readonly spread: number;
  /** `ok`; `noisy` when repeated measuring never got the spread under the limit (the median is still given); `delegate-fallback`. */
  readonly status: 'ok' | 'noisy' | 'delegate-fallback' | 'too-hot';
  /** Id of the stored latency sample (not set for noisy or too-hot measurements). */
  readonly sampleId?: number;
}

/**
 * Measures op latencies on devices (NNI Profiler style).
 * - `listDevices` returns the devices known now, online or not.
 * - `measure` measures each op alone, in order, and returns one OpLatency per op in the same order.
 *   An unplug pauses it until the device is back (the interrupted run is redone, nothing is stored
 *   twice); it rejects with Cancelled when the token fires, also while it waits for the device.
 */
export interface DeviceProfiler {
  listDevices(): Promise<DeviceInfo[]>;
  measure(id: string, ops: readonly OpSpec[], token: CancellationToken, onProgress?: (done: number, total: number) => void): Promise<OpLatency[]>;
}
