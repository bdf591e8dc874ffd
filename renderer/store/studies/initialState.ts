import type { StudyId, StudyListItem } from '../../api/index.js';
import type { StudyStatus } from '../../../shared/types/index.js';

export type StudySortKey = 'id' | 'name' | 'status' | 'evals' | 'frontSize' | 'hypervolume' | 'createdAt' | 'duration';

export interface StudiesState {
  readonly studies: readonly StudyListItem[];
  readonly studiesLoaded: boolean;
  readonly studiesError: string | null;
  readonly query: string;
  readonly statusFilter: StudyStatus | 'all';
  readonly sort: { readonly key: StudySortKey; readonly dir: 'asc' | 'desc' };
  /** Studies ticked for comparison, in the order they were ticked. */
  readonly selected: readonly StudyId[];
}

export const initialStudiesState: StudiesState = {
  studies: [],
  studiesLoaded: false,
  studiesError: null,
  query: '',
  statusFilter: 'all',
  sort: { key: 'id', dir: 'desc' },
  selected: [],
};
