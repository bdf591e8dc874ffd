import type { StudyDetail, StudyHistory, StudySummaryData } from '../../api/index.js';

export interface CompareEntry {
  readonly detail: StudyDetail;
  readonly summary: StudySummaryData;
  readonly history: StudyHistory;
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
