import type { StateCreator } from 'zustand';
import { nas } from '../../api/index.js';
import type { NasStore } from '../index.js';
import { initialCompareState, type CompareState } from './initialState.js';
import { commonReference, objectiveGroups, objectiveKey } from './reducer.js';

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
        // Studies with the same objectives share one reference point; other studies get their own
        // chart (they never share an axis), and one objective has no hypervolume at all.
        const refs = new Map<string, number[] | null>();
        for (const g of objectiveGroups(parts.map(([detail, summary]) => ({ detail, summary })))) {
          refs.set(g.key, g.objectives.length >= 2 && g.entries.length >= 2 ? commonReference(g.entries.map((e) => e.detail.objectives), g.entries.map((e) => e.summary.reference)) : null);
        }
        const compare = await Promise.all(
          parts.map(async ([detail, summary]) => {
            const reference = refs.get(objectiveKey(detail.objectives)) ?? null;
            const [history, points] = await Promise.all([
              nas().study.history({ id: detail.id, maxPoints: 300, ...(reference ? { reference } : {}) }),
              nas().study.points({ id: detail.id }),
            ]);
            return { detail, summary, history, points, reference };
          }),
        );
        const all = [...refs.values()];
        if (mine === seq) set({ compare, compareLoading: false, compareReference: all.length === 1 ? (all[0] ?? null) : null });
      } catch (e) {
        if (mine === seq) set({ compareError: (e as Error).message, compareLoading: false });
      }
    },
  };
};
