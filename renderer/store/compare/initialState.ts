import type { StudyDetail, StudyHistory, StudySummaryData, TrialPoints } from '../../api/index.js';

export interface CompareEntry {
  readonly detail: StudyDetail;
  readonly summary: StudySummaryData;
  readonly history: StudyHistory;
  /** Every trial in columns (dominated ones are drawn faded under the fronts). */
  readonly points?: TrialPoints;
  /** The hypervolume reference shared with the studies of the same objectives, or null (its own nadir). */
  readonly reference?: readonly number[] | null;
}

export interface CompareState {
  readonly compareIds: readonly string[];
  readonly compare: readonly CompareEntry[];
  readonly compareError: string | null;
  readonly compareLoading: boolean;
  /** The reference point every hypervolume curve is measured against, when the studies share one. */
  readonly compareReference: readonly number[] | null;
}

export const initialCompareState: CompareState = { compareIds: [], compare: [], compareError: null, compareLoading: false, compareReference: null };
