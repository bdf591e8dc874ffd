import type { TrialDetail, TrialLatency } from '../../api/index.js';
import type { CurvePoint } from '../../../shared/types/index.js';

export interface TrialState {
  readonly trialDetail: TrialDetail | null;
  readonly trialCurve: readonly CurvePoint[];
  readonly trialError: string | null;
  /** Per-op latency on each device with a lookup table for the trial's space. */
  readonly trialLatency: readonly TrialLatency[];
  readonly artifactError: string | null;
}

export const initialTrialState: TrialState = { trialDetail: null, trialCurve: [], trialError: null, trialLatency: [], artifactError: null };
