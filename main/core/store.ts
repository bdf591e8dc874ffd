import type {
  ArtifactRecord,
  CurvePoint,
  DeviceRecord,
  LatencySample,
  Metrics,
  StudyProgress,
  StudyRecord,
  StudySpec,
  StudyStatus,
  TrialRecord,
  TrialState,
} from '../../shared/types/index.js';

export interface TrialResult {
  readonly state: Exclude<TrialState, 'running'>;
  readonly metrics: Metrics;
  readonly fidelity: Readonly<Record<string, string>>;
  readonly cost: number;
  readonly error?: string;
  readonly finishedAt: number;
}

/** What a study needs to resume exactly where it stopped: written atomically with each finished trial. */
export interface Checkpoint {
  readonly progress: StudyProgress;
  readonly strategyState: unknown;
}

export interface TrialQuery {
  readonly states?: readonly TrialState[];
  readonly offset?: number;
  readonly limit?: number;
}

export interface LatencyQuery {
  readonly deviceId?: string;
  readonly subject?: string;
  readonly studyId?: string;
}

/**
 * Durable record of studies, trials, curves, devices, latency samples and artifacts.
 *
 * Invariants (checked by `describeStoreContract`):
 * - Study ids are short decimal strings, assigned in creation order; trial numbers run 0,1,2… per study.
 * - A finished trial is immutable: finishing it again, or finishing an unknown trial, throws StoreConflict.
 * - `finishTrial` writes the trial, the study progress and the strategy checkpoint in one transaction:
 *   after a crash either all three are there or none.
 * - Status transitions: created→running, running→stopped|complete|failed, stopped→running|failed.
 *   Any other transition throws StoreConflict. `running` may also be re-entered from `running` when a
 *   killed process is resumed (the old run is dead; `abandonRunning` cleans its trials).
 * - All methods are synchronous; returned records are plain data (structured-cloneable).
 */
export interface Store {
  createStudy(spec: StudySpec, now: number): StudyRecord;
  getStudy(id: string): StudyRecord | undefined;
  /** Newest first. */
  listStudies(): StudyRecord[];
  setStudyStatus(id: string, status: StudyStatus, now: number, error?: string): void;
  /** Progress outside of a finished trial (e.g. wall time when stopping). */
  updateProgress(id: string, progress: StudyProgress): void;

  /** Records a running trial and returns its number. */
  createTrial(studyId: string, arch: { key: string; sample: readonly number[] }, now: number): number;
  finishTrial(studyId: string, number: number, result: TrialResult, checkpoint: Checkpoint): void;
  /** Marks the study's `running` trials as `failed` with `reason`; returns how many. */
  abandonRunning(studyId: string, reason: string, now: number): number;
  getTrial(studyId: string, number: number): TrialRecord | undefined;
  /** Ordered by trial number. */
  getTrials(studyId: string, query?: TrialQuery): TrialRecord[];
  countTrials(studyId: string, states?: readonly TrialState[]): number;
  getCheckpoint(studyId: string): Checkpoint | undefined;

  /** Intermediate values (learning curves), appended while a trial runs. */
  appendCurve(studyId: string, number: number, points: readonly CurvePoint[]): void;
  getCurve(studyId: string, number: number): CurvePoint[];

  upsertDevice(device: DeviceRecord): void;
  listDevices(): DeviceRecord[];
  addLatencySample(sample: LatencySample): number;
  getLatencySamples(query?: LatencyQuery): LatencySample[];
  addArtifact(artifact: ArtifactRecord): number;
  listArtifacts(studyId: string, trialNumber?: number): ArtifactRecord[];

  close(): void;
}
