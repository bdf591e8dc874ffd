import type { StateCreator } from 'zustand';
import { nas, type StudyId } from '../../api/index.js';
import type { NasStore } from '../index.js';
import { initialInsightsState, type InsightsState } from './initialState.js';

export interface InsightsActions {
  openInsights(id: StudyId, opts?: { top?: number; metric?: string; direction?: 'min' | 'max' }): Promise<void>;
}

export const createInsightsSlice: StateCreator<NasStore, [], [], InsightsState & InsightsActions> = (set, get) => {
  let shownId: StudyId | null = null;
  let seq = 0;
  return {
    ...initialInsightsState,
    async openInsights(id, opts = {}) {
      const mine = ++seq;
      const top = opts.top ?? get().insightsTop;
      const metric = opts.metric ?? undefined;
      const direction = opts.direction ?? get().insightsDirection;
      // Another study's insights are not shown while this one's load.
      set({ insightsTop: top, insightsMetric: metric ?? null, insightsDirection: direction, insightsError: null, ...(shownId !== id ? { insights: null } : {}) });
      shownId = id;
      try {
        const insights = await nas().study.insights({ id, top, ...(metric ? { metric, direction } : {}) });
        if (mine === seq) set({ insights });
      } catch (e) {
        if (mine === seq) set({ insights: null, insightsError: (e as Error).message });
      }
    },
  };
};
