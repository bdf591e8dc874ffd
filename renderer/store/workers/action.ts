import type { StateCreator } from 'zustand';
import { nas } from '../../api/index.js';
import type { NasStore } from '../index.js';
import { initialWorkersState, type WorkersSliceState } from './initialState.js';
import { applyWorkers } from './reducer.js';

export interface WorkersActions {
  fetchWorkers(): Promise<void>;
  /** Watches another Redis (null: none); a refused URL leaves the current one watched and shows why. */
  connectWorkers(url: string | null): Promise<boolean>;
}

export const createWorkersSlice: StateCreator<NasStore, [], [], WorkersSliceState & WorkersActions> = (set) => ({
  ...initialWorkersState,
  async fetchWorkers() {
    try {
      set(applyWorkers(await nas().workers.list(), Date.now()));
    } catch (e) {
      set({ workersLoaded: true, workersError: (e as Error).message });
    }
  },
  async connectWorkers(url) {
    set({ workersConnecting: true });
    try {
      set({ ...applyWorkers(await nas().workers.connect({ url }), Date.now()), workersConnecting: false, workersConnectError: null });
      return true;
    } catch (e) {
      set({ workersConnecting: false, workersConnectError: (e as Error).message });
      return false;
    }
  },
});
