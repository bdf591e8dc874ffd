import type { CurvePoint, TrialRecord } from '../../../shared/types/index.js';

/**
 * A DARTS/ENAS study's or a supernet training's screen: its search (training) trial's curve, and the
 * trials after it (the derived cell; the sub-networks scored with the shared weights).
 */
export interface OneShotState {
  readonly oneShotId: string | null;
  /** The search trial's curve (trial 0): one group of points per epoch. */
  readonly oneShotCurve: readonly CurvePoint[];
  /** The trials after it (1, 2, …): a DARTS/ENAS run's derived cell once it ended; a supernet's scored sub-networks. */
  readonly oneShotTrials: readonly TrialRecord[];
  readonly oneShotError: string | null;
}

export const initialOneShotState: OneShotState = { oneShotId: null, oneShotCurve: [], oneShotTrials: [], oneShotError: null };
