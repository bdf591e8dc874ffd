import type { TrialState } from './initialState.js';
import { curveSeries, metricRows } from './reducer.js';

export const trialSelectors = {
  metricRows: (s: TrialState) => (s.trialDetail ? metricRows(s.trialDetail.trial.metrics, s.trialDetail.trial.fidelity, s.trialDetail.study.objectives) : []),
  curve: (s: TrialState) => curveSeries(s.trialCurve),
};
