import path from 'node:path';
import { errorMessage } from '../../shared/errors.js';
import type { Store } from '../core/store.js';
import { AdbDeviceService } from '../services/devices/device-service.js';
import { LiveDeviceSource, readLatencyReport, type DeviceSource } from './devices.js';
import { createNasHost, type NasHost } from './index.js';
import { listLatencyTables } from './latency.js';
import { AdbProfileBackend } from './profiling.js';

export interface ComposeOptions {
  /** Track phones over adb (starts the adb server if needed) and allow building their latency tables. */
  readonly phones: boolean;
  /** The benchmark_model binary to push to phones (default: the official build, downloaded once). */
  readonly benchmarkBinary?: string;
  /** Where non-fatal problems are reported (e.g. adb is missing: phones are left out). */
  readonly warn: (message: string) => void;
  /** The Redis whose workers the Workers screen lists (issue #13). */
  readonly redisUrl?: string;
}

export interface ComposedHost {
  readonly nas: NasHost;
  /** Stops running searches and profiling jobs (resumable), then releases adb. */
  shutdown(): Promise<void>;
}

/**
 * The main side as every front end uses it (`frontier serve`, the desktop app's engine process): the
 * contract's services over one store, with phones plugged in when asked and available.
 */
export async function composeHost(store: Store, dbPath: string, opts: ComposeOptions): Promise<ComposedHost> {
  let phones: AdbDeviceService | undefined;
  let devices: DeviceSource | undefined;
  if (opts.phones) {
    phones = new AdbDeviceService(store);
    try {
      await phones.start();
      devices = new LiveDeviceSource(store, phones);
    } catch (e) {
      opts.warn(`phones: ${errorMessage(e)} (the Devices screen shows this machine and stored devices only)`);
      phones.dispose();
      phones = undefined;
    }
  }
  const profiles = phones ? new AdbProfileBackend(phones, { dbPath, store, ...(opts.benchmarkBinary ? { benchmarkBinary: opts.benchmarkBinary } : {}) }) : undefined;
  const nas = createNasHost(store, {
    ...(devices ? { devices } : {}),
    ...(profiles ? { profiles } : {}),
    latencyReports: (id) => readLatencyReport(dbPath, id),
    latencyTables: () => listLatencyTables(dbPath),
    ...(opts.redisUrl ? { redisUrl: opts.redisUrl } : {}),
    deploy: { dataDir: path.dirname(path.resolve(dbPath)), source: dbPath },
    dataDir: path.dirname(path.resolve(dbPath)),
  });
  return {
    nas,
    async shutdown() {
      await nas.shutdown();
      phones?.dispose();
    },
  };
}
