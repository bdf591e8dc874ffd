import { NasError, StoreConflict } from '../../shared/errors.js';
import type {
  ArtifactRecord,
  CurvePoint,
  DeviceRecord,
  LatencySample,
  StudyCpu,
  StudyProgress,
  StudyRecord,
  StudySpec,
  StudyStatus,
  TrialRecord,
  TrialState,
} from '../../shared/types/index.js';
import type { Checkpoint, LatencyQuery, LeaseHolder, LeasePolicy, Store, StudyLease, TrialQuery, TrialResult } from './store.js';
import {
  EMPTY_PROGRESS,
  addCpu,
  checkResult,
  checkTransition,
  fencedOut,
  finishConflict,
  leaseIsStale,
  leaseLost,
  pageOf,
  studyBusy,
  studyNotFound,
  trialNotFound,
} from './store-rules.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface StudyEntry {
  record: Mutable<StudyRecord>;
  trials: Mutable<TrialRecord>[];
  curves: Map<number, CurvePoint[]>;
  checkpoint: Checkpoint | undefined;
}

const copy = <T>(v: T): T => structuredClone(v);

/** The data every handle on one in-memory database shares (what the file is to SqliteStore). */
interface Data {
  readonly studies: Map<string, StudyEntry>;
  nextStudyId: number;
  readonly devices: Map<string, DeviceRecord>;
  readonly latency: LatencySample[];
  readonly artifacts: { id: number; record: ArtifactRecord }[];
  readonly leases: Map<string, StudyLease>;
}

/** A Store that lives in memory: for tests and throwaway studies. Records are deep-copied in and out. */
export class InMemoryStore implements Store {
  private readonly data: Data;
  /** Leases this handle holds: study id → owner token (write fencing, see `Store`). */
  private readonly held = new Map<string, string>();
  private closed = false;

  constructor() {
    this.data = { studies: new Map(), nextStudyId: 1, devices: new Map(), latency: [], artifacts: [], leases: new Map() };
  }

  /** Another handle on the same data, as a second process opening the same database file would have. */
  connect(): InMemoryStore {
    const other = new InMemoryStore();
    (other as unknown as { data: Data }).data = this.data;
    return other;
  }

  private get studies(): Map<string, StudyEntry> {
    return this.data.studies;
  }
  private get devices(): Map<string, DeviceRecord> {
    return this.data.devices;
  }
  private get latency(): LatencySample[] {
    return this.data.latency;
  }
  private get artifacts(): { id: number; record: ArtifactRecord }[] {
    return this.data.artifacts;
  }

  createStudy(spec: StudySpec, now: number): StudyRecord {
    this.open();
    const id = String(this.data.nextStudyId++);
    const record: Mutable<StudyRecord> = { id, spec: copy(spec), status: 'created', progress: { ...EMPTY_PROGRESS }, createdAt: now };
    this.studies.set(id, { record, trials: [], curves: new Map(), checkpoint: undefined });
    return copy(record);
  }

  getStudy(id: string): StudyRecord | undefined {
    this.open();
    const s = this.studies.get(id);
    return s && copy(s.record);
  }

  listStudies(): StudyRecord[] {
    this.open();
    return [...this.studies.values()].reverse().map((s) => copy(s.record));
  }

  setStudyStatus(id: string, status: StudyStatus, now: number, error?: string): void {
    const r = this.writable(id).record;
    checkTransition(id, r.status, status);
    r.status = status;
    if (status === 'running' && r.startedAt === undefined) r.startedAt = now;
    if (status === 'complete' || status === 'failed') r.finishedAt = now;
    if (error !== undefined) r.error = error;
  }

  updateStudyInfo(id: string, info: { readonly name?: string; readonly notes?: string; readonly tags?: readonly string[] }): StudyRecord {
    const r = this.study(id).record;
    if (info.name !== undefined) r.spec = { ...r.spec, name: info.name };
    if (info.notes !== undefined) {
      if (info.notes === '') delete r.notes;
      else r.notes = info.notes;
    }
    if (info.tags !== undefined) {
      if (info.tags.length === 0) delete r.tags;
      else r.tags = [...info.tags];
    }
    return copy(r);
  }

  addStudyCpu(id: string, run: Omit<StudyCpu, 'runs'>): void {
    const r = this.study(id).record;
    r.cpu = addCpu(r.cpu, run);
  }

  deleteStudy(id: string, now: number, policy: LeasePolicy): void {
    this.study(id);
    const lease = this.data.leases.get(id);
    if (lease && !leaseIsStale(lease, now, policy)) throw studyBusy(copy(lease), now);
    this.studies.delete(id);
    this.data.leases.delete(id);
    const latency = this.data.latency.filter((l) => l.studyId !== id);
    this.data.latency.splice(0, this.data.latency.length, ...latency);
    const artifacts = this.data.artifacts.filter((a) => a.record.studyId !== id);
    this.data.artifacts.splice(0, this.data.artifacts.length, ...artifacts);
  }

  updateProgress(id: string, progress: StudyProgress): void {
    this.writable(id).record.progress = copy(progress);
  }

  createTrial(studyId: string, arch: { key: string; sample: readonly number[] }, now: number): number {
    const s = this.writable(studyId);
    const number = s.trials.length;
    s.trials.push({
      studyId, number, key: arch.key, sample: [...arch.sample], state: 'running', metrics: {}, fidelity: {}, cost: 0, startedAt: now,
    });
    return number;
  }

  finishTrial(studyId: string, number: number, result: TrialResult, checkpoint: Checkpoint): void {
    this.open();
    const s = this.studies.get(studyId);
    const t = s?.trials[number];
    if (s) this.fence(studyId);
    if (!s || !t || t.state !== 'running') throw finishConflict(studyId, number, t?.state);
    checkResult(studyId, number, result);
    // Copy everything before mutating so a failing clone leaves the store untouched (all or nothing).
    const metrics = copy(result.metrics);
    const fidelity = copy(result.fidelity);
    const saved = copy(checkpoint);
    Object.assign(t, { state: result.state, metrics, fidelity, cost: result.cost, finishedAt: result.finishedAt });
    if (result.error !== undefined) t.error = result.error;
    s.record.progress = copy(saved.progress);
    s.checkpoint = saved;
  }

  abandonRunning(studyId: string, reason: string, now: number): number {
    let n = 0;
    for (const t of this.writable(studyId).trials) {
      if (t.state !== 'running') continue;
      Object.assign(t, { state: 'failed', error: reason, finishedAt: now });
      n++;
    }
    return n;
  }

  getTrial(studyId: string, number: number): TrialRecord | undefined {
    this.open();
    const t = this.studies.get(studyId)?.trials[number];
    return t && copy(t);
  }

  getTrials(studyId: string, query?: TrialQuery): TrialRecord[] {
    const { offset, limit } = pageOf(query);
    const picked = this.filtered(studyId, query?.states);
    return picked.slice(offset, limit === undefined ? undefined : offset + limit).map(copy);
  }

  countTrials(studyId: string, states?: readonly TrialState[]): number {
    return this.filtered(studyId, states).length;
  }

  getCheckpoint(studyId: string): Checkpoint | undefined {
    this.open();
    const c = this.studies.get(studyId)?.checkpoint;
    return c && copy(c);
  }

  appendCurve(studyId: string, number: number, points: readonly CurvePoint[]): void {
    const s = this.writable(studyId);
    const t = s.trials[number];
    if (!t) throw trialNotFound(studyId, number);
    if (t.state !== 'running') throw new StoreConflict(`trial ${number} of study ${studyId} is ${t.state}: its curve is closed`);
    const curve = s.curves.get(number) ?? [];
    curve.push(...copy(points));
    s.curves.set(number, curve);
  }

  getCurve(studyId: string, number: number): CurvePoint[] {
    this.open();
    return copy(this.studies.get(studyId)?.curves.get(number) ?? []);
  }

  acquireLease(
    studyId: string,
    holder: LeaseHolder & { readonly owner: string },
    now: number,
    policy: LeasePolicy,
  ): { lease: StudyLease; replaced?: StudyLease } {
    this.study(studyId);
    const current = this.data.leases.get(studyId);
    if (current && !leaseIsStale(current, now, policy)) throw studyBusy(copy(current), now);
    const lease: StudyLease = { studyId, owner: holder.owner, pid: holder.pid, host: holder.host, acquiredAt: now, heartbeatAt: now };
    this.data.leases.set(studyId, lease);
    this.held.set(studyId, holder.owner);
    return { lease: copy(lease), ...(current ? { replaced: copy(current) } : {}) };
  }

  renewLease(studyId: string, owner: string, now: number): void {
    this.open();
    const current = this.data.leases.get(studyId);
    if (!current || current.owner !== owner) throw leaseLost(studyId, current && copy(current), now);
    this.data.leases.set(studyId, { ...current, heartbeatAt: now });
  }

  releaseLease(studyId: string, owner: string): boolean {
    this.open();
    if (this.held.get(studyId) === owner) this.held.delete(studyId);
    if (this.data.leases.get(studyId)?.owner !== owner) return false;
    this.data.leases.delete(studyId);
    return true;
  }

  getLease(studyId: string): StudyLease | undefined {
    this.open();
    const l = this.data.leases.get(studyId);
    return l && copy(l);
  }

  upsertDevice(device: DeviceRecord): void {
    this.open();
    this.devices.set(device.id, copy(device));
  }

  listDevices(): DeviceRecord[] {
    this.open();
    return [...this.devices.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map(copy);
  }

  addLatencySample(sample: LatencySample): number {
    this.checkRef(sample.studyId, sample.trialNumber);
    this.latency.push(copy(sample));
    return this.latency.length;
  }

  getLatencySamples(query?: LatencyQuery): LatencySample[] {
    this.open();
    return this.latency
      .filter(
        (s) =>
          (query?.deviceId === undefined || s.deviceId === query.deviceId) &&
          (query?.subject === undefined || s.subject === query.subject) &&
          (query?.studyId === undefined || s.studyId === query.studyId),
      )
      .map(copy);
  }

  addArtifact(artifact: ArtifactRecord): number {
    this.checkRef(artifact.studyId, artifact.trialNumber);
    const id = this.artifacts.length + 1;
    this.artifacts.push({ id, record: copy(artifact) });
    return id;
  }

  listArtifacts(studyId: string, trialNumber?: number): ArtifactRecord[] {
    this.open();
    return this.artifacts
      .filter((a) => a.record.studyId === studyId && (trialNumber === undefined || a.record.trialNumber === trialNumber))
      .map((a) => copy(a.record));
  }

  close(): void {
    this.closed = true;
  }

  private open(): void {
    if (this.closed) throw new NasError('store-io', 'the store is closed');
  }

  private study(id: string): StudyEntry {
    this.open();
    const s = this.studies.get(id);
    if (!s) throw studyNotFound(id);
    return s;
  }

  /** A study about to be changed by its run: refused while another handle holds its lease. */
  private writable(id: string): StudyEntry {
    const s = this.study(id);
    this.fence(id);
    return s;
  }

  private fence(id: string): void {
    const lease = this.data.leases.get(id);
    if (lease && this.held.get(id) !== lease.owner) throw fencedOut(copy(lease));
  }

  private filtered(studyId: string, states: readonly TrialState[] | undefined): TrialRecord[] {
    this.open();
    const trials = this.studies.get(studyId)?.trials ?? [];
    return states === undefined ? trials : trials.filter((t) => states.includes(t.state));
  }

  /** Same referential integrity as the SQLite foreign keys: a referenced study (and trial) must exist. */
  private checkRef(studyId: string | undefined, trialNumber: number | undefined): void {
    this.open();
    if (studyId === undefined) return;
    const s = this.study(studyId);
    if (trialNumber !== undefined && !s.trials[trialNumber]) throw trialNotFound(studyId, trialNumber);
  }
}
