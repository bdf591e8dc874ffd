import type { TrialDetail } from '../../api/index.js';
import type { CurvePoint } from '../../../shared/types/index.js';

export interface TrialState {
  readonly trialDetail: TrialDetail | null;
  readonly trialCurve: readonly CurvePoint[];
  readonly trialError: string | null;
}

export const initialTrialState: TrialState = { trialDetail: null, trialCurve: [], trialError: null };
