import type { StateCreator } from 'zustand';
import { nas } from '../../api/index.js';
import type { NasStore } from '../index.js';
import { initialCompareState, type CompareState } from './initialState.js';
import { commonReference } from './reducer.js';

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
        const parts = await Promise.all(ids.map(async (id) => Promise.all([nas().study.get({ id }), nas().study.summary({ id })])));
        const reference = commonReference(parts.map(([d]) => d.objectives), parts.map(([, s]) => s.reference));
        const compare = await Promise.all(
          parts.map(async ([detail, summary]) => ({
            detail,
            summary,
            history: await nas().study.history({ id: detail.id, maxPoints: 300, ...(reference ? { reference } : {}) }),
          })),
        );
        if (mine === seq) set({ compare, compareLoading: false, compareReference: reference });
      } catch (e) {
        if (mine === seq) set({ compareError: (e as Error).message, compareLoading: false });
      }
    },
  };
};
