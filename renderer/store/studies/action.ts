import type { StateCreator } from 'zustand';
import { nas, type StudyId } from '../../api/index.js';
import type { NasStore } from '../index.js';
import { initialStudiesState, type StudiesState, type StudySortKey } from './initialState.js';
import { nextSort, toggleSelected } from './reducer.js';

export interface StudiesActions {
  fetchStudies(): Promise<void>;
  setQuery(q: string): void;
  setStatusFilter(f: StudiesState['statusFilter']): void;
  sortBy(key: StudySortKey): void;
  toggleSelected(id: StudyId): void;
  clearSelected(): void;
}

export const createStudiesSlice: StateCreator<NasStore, [], [], StudiesState & StudiesActions> = (set, get) => ({
  ...initialStudiesState,
  async fetchStudies() {
    try {
      const studies = await nas().study.list();
      set({ studies, studiesLoaded: true, studiesError: null, selected: get().selected.filter((id) => studies.some((s) => s.id === id)) });
    } catch (e) {
      set({ studiesLoaded: true, studiesError: (e as Error).message });
    }
  },
  setQuery: (query) => set({ query }),
  setStatusFilter: (statusFilter) => set({ statusFilter }),
  sortBy: (key) => set({ sort: nextSort(get().sort, key) }),
  toggleSelected: (id) => set({ selected: toggleSelected(get().selected, id) }),
  clearSelected: () => set({ selected: [] }),
});
