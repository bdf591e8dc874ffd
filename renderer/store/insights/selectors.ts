import type { InsightsState } from './initialState.js';
import { rankDecisions } from './reducer.js';

export const insightsSelectors = {
  ranked: (s: InsightsState) => (s.insights ? rankDecisions(s.insights) : []),
};
