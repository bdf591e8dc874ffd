import type { StudyDetail, StudyHistory, StudyId, StudySummaryData, TrialPoints } from '../../api/index.js';

export interface LiveState {
  readonly liveId: StudyId | null;
  readonly detail: StudyDetail | null;
  readonly points: TrialPoints | null;
  readonly history: StudyHistory | null;
  readonly summary: StudySummaryData | null;
  readonly liveError: string | null;
  /** Metrics on the scatter's axes. */
  readonly axes: { readonly x: string; readonly y: string };
  readonly tableSort: { readonly key: string; readonly dir: 'asc' | 'desc' };
  /** Trial number under the pointer on the scatter (highlighted in the table too). */
  readonly hovered: number | null;
  /** Conditions every shown trial meets (table, scatter, parallel coordinates, export). */
  readonly filters: readonly TrialFilter[];
  /** Ranges brushed on the parallel coordinates, per column key (decisions: choice indices). */
  readonly brushes: Readonly<Record<string, readonly [number, number]>>;
}

export type FilterOp = '<' | '<=' | '>' | '>=' | '=' | '!=';

/**
 * One condition on a column: `number`, `state`, a metric name, or `d:<decision>`. Metrics compare
 * numerically; `state` and decisions compare their label (`=`, `!=`).
 */
export interface TrialFilter {
  readonly column: string;
  readonly op: FilterOp;
  readonly value: string;
}

export const initialLiveState: LiveState = {
  liveId: null,
  detail: null,
  points: null,
  history: null,
  summary: null,
  liveError: null,
  axes: { x: '', y: '' },
  tableSort: { key: 'number', dir: 'desc' },
  hovered: null,
  filters: [],
  brushes: {},
};
