/**
 * One error base for the whole product. Every error that crosses a layer (store, IPC, CLI) is a
 * NasError with a stable `code`; messages are one readable line meant for the user.
 */
export type NasErrorCode =
  | 'invalid-input'
  | 'invalid-space'
  | 'invalid-sample'
  | 'not-found'
  | 'store-conflict'
  | 'study-busy'
  | 'store-io'
  | 'trial-pruned'
  | 'device-unavailable'
  | 'cancelled'
  | 'internal';

export interface NasErrorData {
  readonly code: NasErrorCode;
  readonly message: string;
}

export class NasError extends Error {
  readonly code: NasErrorCode;
  constructor(code: NasErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NasError';
    this.code = code;
  }
  toData(): NasErrorData {
    return { code: this.code, message: this.message };
  }
  static fromData(d: NasErrorData): NasError {
    return new NasError(d.code, d.message);
  }
}

/** Thrown by an evaluator (or a pruner) to end a trial early as `pruned`, not `failed`. */
export class TrialPruned extends NasError {
  constructor(message = 'trial pruned') {
    super('trial-pruned', message);
    this.name = 'TrialPruned';
  }
}

export class DeviceUnavailable extends NasError {
  constructor(message: string) {
    super('device-unavailable', message);
    this.name = 'DeviceUnavailable';
  }
}

export class StoreConflict extends NasError {
  constructor(message: string) {
    super('store-conflict', message);
    this.name = 'StoreConflict';
  }
}

/** Another process (or run) holds the study's lease: it is running the study now. */
export class StudyBusy extends NasError {
  constructor(message: string) {
    super('study-busy', message);
    this.name = 'StudyBusy';
  }
}

export class Cancelled extends NasError {
  constructor(message = 'cancelled') {
    super('cancelled', message);
    this.name = 'Cancelled';
  }
}

export function invalidInput(message: string): NasError {
  return new NasError('invalid-input', message);
}

/** The message of anything thrown, for logs and trial records. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
