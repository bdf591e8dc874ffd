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
  /** Renames / annotates a study; resolves to an error message, or null when saved. */
  updateStudy(id: StudyId, info: { name?: string; notes?: string; tags?: readonly string[] }): Promise<string | null>;
  /** Deletes a study; resolves to an error message, or null when deleted. */
  deleteStudy(id: StudyId): Promise<string | null>;
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
  async updateStudy(id, info) {
    try {
      const item = await nas().study.update({ id, ...info });
      set({ studies: get().studies.map((s) => (s.id === id ? item : s)) });
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  },
  async deleteStudy(id) {
    try {
      await nas().study.delete({ id });
      set({ studies: get().studies.filter((s) => s.id !== id), selected: get().selected.filter((x) => x !== id) });
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  },
});
