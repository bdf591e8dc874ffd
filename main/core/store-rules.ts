import { NasError, StoreConflict, StudyBusy } from '../../shared/errors.js';
import { TRIAL_STATES, type StudyCpu, type StudyProgress, type StudyStatus } from '../../shared/types/index.js';
import type { LeasePolicy, StudyLease, TrialQuery, TrialResult } from './store.js';

/** Rules every Store implementation enforces the same way (see the invariants on `Store`). */

export const EMPTY_PROGRESS: StudyProgress = { evals: 0, failed: 0, rejected: 0, costSeconds: 0, wallMs: 0 };

const TRANSITIONS: Readonly<Record<StudyStatus, readonly StudyStatus[]>> = {
  created: ['running'],
  running: ['running', 'stopped', 'complete', 'failed'],
  stopped: ['running', 'failed'],
  complete: [],
  failed: [],
};

export function canTransition(from: StudyStatus, to: StudyStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function checkTransition(studyId: string, from: StudyStatus, to: StudyStatus): void {
  if (!(to in TRANSITIONS)) throw new NasError('invalid-input', `unknown study status '${to}'`);
  if (!canTransition(from, to)) throw new StoreConflict(`study ${studyId} cannot go from ${from} to ${to}`);
}

/**
 * A result must name a finished state, and every fidelity entry must belong to a reported metric
 * (fidelity is stored per metric).
 */
export function checkResult(studyId: string, number: number, result: TrialResult): void {
  if (result.state === ('running' as string) || !TRIAL_STATES.includes(result.state)) {
    throw new NasError('invalid-input', `trial ${studyId}/${number}: '${result.state}' is not a finished state`);
  }
  for (const name of Object.keys(result.fidelity)) {
    if (!Object.hasOwn(result.metrics, name)) {
      throw new NasError('invalid-input', `trial ${studyId}/${number}: fidelity given for metric '${name}' that has no value`);
    }
  }
}

export function studyNotFound(studyId: string): NasError {
  return new NasError('not-found', `no study ${studyId}`);
}

export function trialNotFound(studyId: string, number: number): NasError {
  return new NasError('not-found', `no trial ${number} in study ${studyId}`);
}

export function finishConflict(studyId: string, number: number, state: string | undefined): StoreConflict {
  return state === undefined
    ? new StoreConflict(`cannot finish trial ${number} of study ${studyId}: no such trial`)
    : new StoreConflict(`cannot finish trial ${number} of study ${studyId}: it is already ${state}`);
}

/** Offset and limit clamped to non-negative integers; `limit` undefined means no limit. */
export function pageOf(query: TrialQuery | undefined): { offset: number; limit: number | undefined } {
  const offset = Math.max(0, Math.floor(query?.offset ?? 0));
  const limit = query?.limit === undefined ? undefined : Math.max(0, Math.floor(query.limit));
  return { offset, limit };
}

/** Whether `lease` may be taken over: its holder is known dead, or its heartbeat is too old. */
export function leaseIsStale(lease: StudyLease, now: number, policy: LeasePolicy): boolean {
  return now - lease.heartbeatAt > policy.staleAfterMs || policy.isDead?.(lease) === true;
}

/** Who holds the lease, for messages: "process 123 on host 'box' (last heartbeat 2 s ago)". */
export function describeHolder(lease: StudyLease, now: number): string {
  const ago = Math.max(0, Math.round((now - lease.heartbeatAt) / 1000));
  return `process ${lease.pid} on host '${lease.host}' (last heartbeat ${ago} s ago)`;
}

export function studyBusy(lease: StudyLease, now: number): StudyBusy {
  return new StudyBusy(`study ${lease.studyId} is being run by ${describeHolder(lease, now)}; stop it there, or wait for it to finish`);
}

export function leaseLost(studyId: string, current: StudyLease | undefined, now: number): StudyBusy {
  return current
    ? new StudyBusy(`study ${studyId} was taken over by ${describeHolder(current, now)}; this run stops without touching it`)
    : new StudyBusy(`study ${studyId}: this run no longer holds the study's lease; it stops without touching it`);
}

/** A write to a study through a handle that does not hold the study's existing lease. */
export function fencedOut(lease: StudyLease): StudyBusy {
  return new StudyBusy(`study ${lease.studyId} is being run by process ${lease.pid} on host '${lease.host}'; it cannot be changed from here meanwhile`);
}

/** A study's CPU use with one more run added (both stores). */
export function addCpu(total: StudyCpu | undefined, run: Omit<StudyCpu, 'runs'>): StudyCpu {
  return {
    cpuSeconds: (total?.cpuSeconds ?? 0) + run.cpuSeconds,
    wallSeconds: (total?.wallSeconds ?? 0) + run.wallSeconds,
    cores: run.cores,
    accelerator: run.accelerator,
    runs: (total?.runs ?? 0) + 1,
  };
}
