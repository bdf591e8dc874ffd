import type { StateCreator } from 'zustand';
import { nas, type ArtifactFile, type StudyId } from '../../api/index.js';
import type { NasStore } from '../index.js';
import { initialTrialState, type TrialState } from './initialState.js';

export interface TrialActions {
  openTrial(id: StudyId, number: number): Promise<void>;
  /** A recorded artifact of the open trial (e.g. its TFLite model), or null with `artifactError` set. */
  fetchArtifact(id: StudyId, number: number, kind: string): Promise<ArtifactFile | null>;
}

export const createTrialSlice: StateCreator<NasStore, [], [], TrialState & TrialActions> = (set) => {
  let seq = 0;
  return {
    ...initialTrialState,
    async openTrial(id, number) {
      const mine = ++seq;
      set({ ...initialTrialState });
      try {
        const [trialDetail, trialCurve, trialLatency] = await Promise.all([
          nas().study.trial({ id, number }),
          nas().study.curve({ id, number }),
          nas().study.latency({ id, number }).catch(() => []),
        ]);
        if (mine === seq) set({ trialDetail, trialCurve, trialLatency });
      } catch (e) {
        if (mine === seq) set({ trialError: (e as Error).message });
      }
    },
    async fetchArtifact(id, number, kind) {
      set({ artifactError: null });
      try {
        return await nas().study.artifact({ id, number, kind });
      } catch (e) {
        set({ artifactError: (e as Error).message });
        return null;
      }
    },
  };
};
