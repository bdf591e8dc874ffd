import type { StateCreator } from 'zustand';
import { nas, type StudyId } from '../../api/index.js';
import type { NasStore } from '../index.js';
import { initialInsightsState, type InsightsState } from './initialState.js';

export interface InsightsActions {
  openInsights(id: StudyId, opts?: { top?: number; metric?: string }): Promise<void>;
}

export const createInsightsSlice: StateCreator<NasStore, [], [], InsightsState & InsightsActions> = (set, get) => ({
  ...initialInsightsState,
  async openInsights(id, opts = {}) {
    const top = opts.top ?? get().insightsTop;
    const metric = opts.metric ?? undefined;
    set({ insightsTop: top, insightsMetric: metric ?? null, insightsError: null });
    try {
      set({ insights: await nas().study.insights({ id, top, ...(metric ? { metric } : {}) }) });
    } catch (e) {
      set({ insights: null, insightsError: (e as Error).message });
    }
  },
});
