import type { CurvePoint, TrialRecord } from '../../../shared/types/index.js';

/** A DARTS or ENAS study's screen: its search trial's per-epoch curve and, once ended, the derived cell. */
export interface OneShotState {
  readonly oneShotId: string | null;
  /** The search trial's curve (trial 0): one group of points per epoch. */
  readonly oneShotCurve: readonly CurvePoint[];
  /** The derived cell's trial (trial 1), once the run has ended. */
  readonly oneShotDerived: TrialRecord | null;
  readonly oneShotError: string | null;
}

export const initialOneShotState: OneShotState = { oneShotId: null, oneShotCurve: [], oneShotDerived: null, oneShotError: null };
