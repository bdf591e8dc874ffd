import type { DeviceLatencyReport, StudyId } from '../../shared/ipc/contract.js';
import { DisposableStore, type Disposable } from '../core/lifecycle.js';
import type { Store } from '../core/store.js';
import type { Clock } from '../core/study.js';
import type { LutFile } from '../services/devices/profiler.js';
import { StoreDeviceSource, type DeviceSource } from './devices.js';
import { DEVICE_SCHEMAS, SPACE_SCHEMAS, STUDY_SCHEMAS, WORKERS_SCHEMAS } from './schemas.js';
import { ProfileJobs, type ProfileBackend } from './profiling.js';
import { NasServer } from './server.js';
import { DEPLOY_SCHEMAS, DeployService, type DeployOptions } from './deploy.js';
import { DeviceService, SpaceService, StudyService } from './services.js';
import { StrategyService, STRATEGY_SCHEMAS } from './strategies.js';
import { ONE_SHOT_SCHEMAS, OneShotRuns, OneShotService } from './one-shot.js';
import { StudyRunner } from './study-runner.js';
import { WorkersService } from './workers.js';

export interface NasHost extends Disposable {
  readonly server: NasServer;
  readonly runner: StudyRunner;
  /** Stops every running study (each ends `stopped`, resumable) and cancels profiling jobs, then detaches everything. */
  shutdown(): Promise<void>;
}

/**
 * Composition of the main side: one line per service. Every transport (Electron IPC, HTTP + WS,
 * in-memory) sits on `host.server`.
 */
export interface NasHostOptions {
  readonly devices?: DeviceSource;
  /** A device's latency lookup-table report (see `readLatencyReport`); none by default. */
  readonly latencyReports?: (deviceId: string) => DeviceLatencyReport | null;
  /** The devices' latency lookup tables (see `listLatencyTables`), for per-op latency of trials. */
  readonly latencyTables?: () => readonly LutFile[];
  /** Builds phones' latency tables for `device.profile` (the phones service plugs it in); without it `profile` rejects. */
  readonly profiles?: ProfileBackend;
  readonly clock?: Clock;
  readonly progressEveryMs?: number;
  /** The Redis whose workers the Workers screen lists from the start (issue #13); the screen can set another. */
  readonly redisUrl?: string;
  /** Where the Trial screen's exports and the Report button's files go (issue #15); without it they are refused. */
  readonly deploy?: DeployOptions;
  /** Where DARTS/ENAS runs started from the workbench keep their checkpoints (the database's folder); without it they are refused. */
  readonly dataDir?: string;
}

export function createNasHost(store: Store, opts: NasHostOptions = {}): NasHost {
  const server = new NasServer();
  const runner = new StudyRunner(
    store,
    {
      onTrial: (id, trial) => server.emit('onDidUpdateTrial', { id, trial }),
      onProgress: (e) => server.emit('onDidStudyProgress', e),
      onStatus: (id, status, error) => server.emit('onDidChangeStudyStatus', { id, status, ...(error !== undefined ? { error } : {}) }),
    },
    opts.clock,
    opts.progressEveryMs,
  );
  const devices: DeviceSource = opts.devices ?? new StoreDeviceSource(store);
  const oneShot = new OneShotRuns(store, {
    onProgress: (e) => server.emit('onDidStudyProgress', e),
    onStatus: (id, status, error) => server.emit('onDidChangeStudyStatus', { id, status, ...(error !== undefined ? { error } : {}) }),
  }, opts.dataDir);
  const studies = new StudyService(store, runner, opts.latencyTables, oneShot);
  const disposables = new DisposableStore();
  server.registerService('study', wrapCreate(studies, server), STUDY_SCHEMAS);
  server.registerService('deploy', new DeployService(store, opts.deploy ?? {}), DEPLOY_SCHEMAS);
  server.registerService('space', new SpaceService(), SPACE_SCHEMAS);
  server.registerService('strategy', new StrategyService(), STRATEGY_SCHEMAS);
  server.registerService('oneShot', new OneShotService(oneShot), ONE_SHOT_SCHEMAS);
  const profiles = new ProfileJobs(opts.profiles, (p) => server.emit('onDidProfileProgress', p));
  server.registerService('device', new DeviceService(devices, opts.latencyReports, profiles), DEVICE_SCHEMAS);
  const workers = new WorkersService(opts.redisUrl);
  disposables.add(workers);
  server.registerService('workers', workers, WORKERS_SCHEMAS);
  const sub = devices.onDidChange?.(() => void devices.list().then((list) => server.emit('onDidChangeDevices', { devices: list })));
  if (sub) disposables.add(sub);
  return {
    server,
    runner,
    async shutdown() {
      await Promise.all([runner.dispose(), profiles.dispose(), oneShot.dispose()]);
      disposables.dispose();
    },
    dispose() {
      void this.shutdown();
    },
  };
}

/** Announces created studies (status `created`) to every window. */
function wrapCreate(studies: StudyService, server: NasServer): StudyService {
  const create = studies.create.bind(studies);
  studies.create = async (arg) => {
    const id: StudyId = await create(arg);
    server.emit('onDidChangeStudyStatus', { id, status: 'created' });
    return id;
  };
  return studies;
}
