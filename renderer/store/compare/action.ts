import type { StateCreator } from 'zustand';
import { nas } from '../../api/index.js';
import type { NasStore } from '../index.js';
import { initialCompareState, type CompareState } from './initialState.js';

export interface CompareActions {
  openCompare(ids: readonly string[]): Promise<void>;
}

export const createCompareSlice: StateCreator<NasStore, [], [], CompareState & CompareActions> = (set) => {
  let seq = 0;
  return {
    ...initialCompareState,
    async openCompare(ids) {
      const mine = ++seq;
      set({ compareIds: ids, compare: [], compareError: null, compareLoading: true });
      try {
        const compare = await Promise.all(
          ids.map(async (id) => {
            const [detail, summary, history] = await Promise.all([nas().study.get({ id }), nas().study.summary({ id }), nas().study.history({ id, maxPoints: 300 })]);
            return { detail, summary, history };
          }),
        );
        if (mine === seq) set({ compare, compareLoading: false });
      } catch (e) {
        if (mine === seq) set({ compareError: (e as Error).message, compareLoading: false });
      }
    },
  };
};
