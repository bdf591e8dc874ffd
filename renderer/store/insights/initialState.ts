import type { StudyInsights } from '../../api/index.js';

export interface InsightsState {
  readonly insights: StudyInsights | null;
  readonly insightsError: string | null;
  readonly insightsTop: number;
  readonly insightsMetric: string | null;
  /** Direction chosen for a metric that is not an objective. */
  readonly insightsDirection: 'min' | 'max';
}

export const initialInsightsState: InsightsState = { insights: null, insightsError: null, insightsTop: 0.1, insightsMetric: null, insightsDirection: 'min' };
