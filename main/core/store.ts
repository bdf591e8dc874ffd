import type { NasError } from '../../shared/errors.js';
import type {
  ArtifactRecord,
  CurvePoint,
  DeviceRecord,
  LatencySample,
  Metrics,
  StudyCpu,
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

/** The process that runs a study. */
export interface LeaseHolder {
  readonly pid: number;
  readonly host: string;
}

/**
 * The right to run one study. At most one lease per study; the holder refreshes `heartbeatAt`
 * while it runs and releases the lease when the run ends.
 */
export interface StudyLease extends LeaseHolder {
  readonly studyId: string;
  /** Random token naming one run: it, not the pid, is what `renewLease` and `releaseLease` check. */
  readonly owner: string;
  readonly acquiredAt: number;
  readonly heartbeatAt: number;
}

/** When another holder's lease may be taken over. */
export interface LeasePolicy {
  /** A lease whose last heartbeat is older than this is stale. */
  readonly staleAfterMs: number;
  /** True when the holder is known to be gone (e.g. no such process on this host). */
  readonly isDead?: (lease: StudyLease) => boolean;
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
 * - Leases: `acquireLease` is atomic (one transaction): it grants the lease when there is none or the
 *   existing one is stale under the policy (taking it over), and otherwise throws StudyBusy naming the
 *   holder. While a lease exists, the study's run writes (status, progress, trials, curves) through any
 *   other handle (another process, or this store opened again) throw StudyBusy: a run that lost its
 *   lease cannot touch the study any more. `renewLease` throws StudyBusy once the lease is lost;
 *   `releaseLease` by a non-holder does nothing.
 * - All methods are synchronous; returned records are plain data (structured-cloneable).
 */
export interface Store {
  createStudy(spec: StudySpec, now: number): StudyRecord;
  getStudy(id: string): StudyRecord | undefined;
  /**
   * Newest first. A study whose stored record cannot be read (damaged) is left out of the list and
   * passed to `onDamaged` with an error naming it, so one bad row does not hide the others.
   */
  listStudies(onDamaged?: (id: string, error: NasError) => void): StudyRecord[];
  setStudyStatus(id: string, status: StudyStatus, now: number, error?: string): void;
  /** Progress outside of a finished trial (e.g. wall time when stopping). */
  updateProgress(id: string, progress: StudyProgress): void;
  /**
   * The user's name, notes and tags of a study (fields left out are kept); not a run write, so it
   * is allowed while another process runs the study. Returns the updated record.
   */
  updateStudyInfo(id: string, info: { readonly name?: string; readonly notes?: string; readonly tags?: readonly string[] }): StudyRecord;
  /** Adds one run's CPU use to the study's (`StudyRecord.cpu`; cores and accelerator are the run's). */
  addStudyCpu(id: string, run: Omit<StudyCpu, 'runs'>): void;
  /**
   * Removes a study and everything recorded for it (trials, metrics, curves, latency samples,
   * artifact records: not the artifact files, and its lease) in one transaction. Callers make sure
   * no run is using it (the study's lease, when there is one, is refused with StudyBusy).
   */
  deleteStudy(id: string, now: number, policy: LeasePolicy): void;

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

  /** Takes the study's lease for one run (`holder.owner` is its token); returns it and the stale lease it replaced, if any. */
  acquireLease(
    studyId: string,
    holder: LeaseHolder & { readonly owner: string },
    now: number,
    policy: LeasePolicy,
  ): { lease: StudyLease; replaced?: StudyLease };
  /** Refreshes the heartbeat of the lease held by `owner`; StudyBusy when it is no longer held. */
  renewLease(studyId: string, owner: string, now: number): void;
  /** Drops the lease if `owner` holds it; returns whether it did. */
  releaseLease(studyId: string, owner: string): boolean;
  getLease(studyId: string): StudyLease | undefined;

  upsertDevice(device: DeviceRecord): void;
  listDevices(): DeviceRecord[];
  addLatencySample(sample: LatencySample): number;
  getLatencySamples(query?: LatencyQuery): LatencySample[];
  addArtifact(artifact: ArtifactRecord): number;
  listArtifacts(studyId: string, trialNumber?: number): ArtifactRecord[];

  close(): void;
}
