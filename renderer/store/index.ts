/**
 * The renderer's one store (zustand), composed of slices as in lobe-chat: each slice has its
 * initialState, pure reducer functions, selectors and actions (the only code that calls the API).
 */
import { create } from 'zustand';
import { nas } from '../api/index.js';
import { createCompareSlice, type CompareActions } from './compare/action.js';
import type { CompareState } from './compare/initialState.js';
import { createDeploySlice, type DeployActions } from './deploy/action.js';
import type { DeployState } from './deploy/initialState.js';
import { createDevicesSlice, type DevicesActions } from './devices/action.js';
import type { DevicesState } from './devices/initialState.js';
import { createFormSlice, type FormActions } from './form/action.js';
import type { FormState } from './form/initialState.js';
import { createInsightsSlice, type InsightsActions } from './insights/action.js';
import type { InsightsState } from './insights/initialState.js';
import { createLiveSlice, type LiveActions } from './live/action.js';
import type { LiveState } from './live/initialState.js';
import { createOneShotSlice, type OneShotActions } from './oneShot/action.js';
import type { OneShotState } from './oneShot/initialState.js';
import { createOneShotFormSlice, type OneShotFormActions } from './oneShotForm/action.js';
import type { OneShotFormState } from './oneShotForm/initialState.js';
import { createStudiesSlice, type StudiesActions } from './studies/action.js';
import type { StudiesState } from './studies/initialState.js';
import { applyProgress, applyStatus } from './studies/reducer.js';
import { createTrialSlice, type TrialActions } from './trial/action.js';
import type { TrialState } from './trial/initialState.js';
import { createUiSlice, type UiActions } from './ui/action.js';
import type { UiState } from './ui/initialState.js';
import { createWorkersSlice, type WorkersActions } from './workers/action.js';
import type { WorkersSliceState } from './workers/initialState.js';

export type NasStore = UiState & UiActions & StudiesState & StudiesActions & LiveState & LiveActions & FormState & FormActions &
  TrialState & TrialActions & CompareState & CompareActions & DevicesState & DevicesActions & InsightsState & InsightsActions &
  WorkersSliceState & WorkersActions & DeployState & DeployActions & OneShotState & OneShotActions & OneShotFormState & OneShotFormActions;

export const useNas = create<NasStore>()((...a) => ({
  ...createUiSlice(...a),
  ...createStudiesSlice(...a),
  ...createLiveSlice(...a),
  ...createFormSlice(...a),
  ...createTrialSlice(...a),
  ...createCompareSlice(...a),
  ...createDevicesSlice(...a),
  ...createInsightsSlice(...a),
  ...createWorkersSlice(...a),
  ...createDeploySlice(...a),
  ...createOneShotSlice(...a),
  ...createOneShotFormSlice(...a),
}));

/** Routes main's events into the store; returns the unsubscribe function. */
export function connectEvents(): () => void {
  const api = nas();
  const s = () => useNas.getState();
  const offs = [
    api.on('onDidUpdateTrial', (e) => s().onTrialEvent(e)),
    api.on('onDidStudyProgress', (e) => {
      useNas.setState({ studies: applyProgress(s().studies, e) });
      s().onProgressEvent(e);
    }),
    api.on('onDidChangeStudyStatus', (e) => {
      const next = applyStatus(s().studies, e);
      if (next === s().studies || e.status !== 'running') void s().fetchStudies();
      else useNas.setState({ studies: next });
      s().onLiveStatusEvent(e);
    }),
    api.on('onDidChangeDevices', (e) => s().onDevicesEvent(e.devices)),
    api.on('onDidProfileProgress', (e) => s().onProfileProgress(e)),
  ];
  return () => offs.forEach((off) => off());
}
