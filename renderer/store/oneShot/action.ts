import type { StateCreator } from 'zustand';
import { nas, type StudyId } from '../../api/index.js';
import { POLL_MS } from '../live/action.js';
import type { NasStore } from '../index.js';
import { initialOneShotState, type OneShotState } from './initialState.js';

export interface OneShotActions {
  /** Reads a DARTS/ENAS study's epochs (a supernet training's steps), and again every POLL_MS while it runs (here or in another process). */
  openOneShot(id: StudyId): Promise<void>;
  closeOneShot(): void;
  /** Reads the open study again every POLL_MS once more (it was resumed after its reading had stopped). */
  followOneShot(id: StudyId): void;
}

export const createOneShotSlice: StateCreator<NasStore, [], [], OneShotState & OneShotActions> = (set, get) => {
  let generation = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  const read = async (id: StudyId, gen: number) => {
    const [curve, trials] = await Promise.all([nas().study.curve({ id, number: 0 }), nas().study.trials({ id, offset: 1, limit: 1000 })]);
    if (gen === generation) set({ oneShotCurve: curve, oneShotTrials: trials, oneShotError: null });
  };
  // Read on each tick; another follows while the study was running when the tick began (or its
  // detail is not loaded yet), so the epochs written just before the run ended are read too.
  const tick = (id: StudyId, gen: number) => {
    stop();
    timer = setTimeout(() => {
      timer = undefined;
      const d = get().detail;
      const running = !d || d.status === 'running';
      void read(id, gen)
        .catch((e: unknown) => gen === generation && set({ oneShotError: (e as Error).message }))
        .finally(() => {
          if (gen === generation && running) tick(id, gen);
        });
    }, POLL_MS);
  };
  return {
    ...initialOneShotState,
    async openOneShot(id) {
      const gen = ++generation;
      stop();
      set({ ...initialOneShotState, oneShotId: id });
      try {
        await read(id, gen);
      } catch (e) {
        if (gen === generation) set({ oneShotError: (e as Error).message });
      }
      if (gen === generation) tick(id, gen);
    },
    followOneShot(id) {
      if (get().oneShotId !== id || timer) return;
      tick(id, generation);
    },
    closeOneShot() {
      generation++;
      stop();
      set({ ...initialOneShotState });
    },
  };
};
