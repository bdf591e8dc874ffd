import type { StateCreator } from 'zustand';
import { nas, NasError, type StudyId } from '../../api/index.js';
import type { NasStore } from '../index.js';
import { initialOneShotFormState, type OneShotDraft, type OneShotFormState } from './initialState.js';
import { issueOf, toStartRequest } from './reducer.js';

export interface OneShotFormActions {
  /** The one-shot runs main can start (kept once loaded; a failure is the form's issue). */
  loadOneShotRuns(): Promise<void>;
  editOneShot(patch: Partial<OneShotDraft>): void;
  /** Starts the chosen run in main; resolves to its study's id, or null when main refused the settings (oneShotIssue says why). */
  submitOneShot(): Promise<StudyId | null>;
}

export const createOneShotFormSlice: StateCreator<NasStore, [], [], OneShotFormState & OneShotFormActions> = (set, get) => ({
  ...initialOneShotFormState,
  async loadOneShotRuns() {
    if (get().oneShotRuns) return;
    try {
      set({ oneShotRuns: await nas().oneShot.list() });
    } catch (e) {
      set({ oneShotIssue: { field: '', message: `cannot list the one-shot runs: ${e instanceof Error ? e.message : String(e)}` } });
    }
  },
  editOneShot(patch) {
    const cur = get().oneShotDraft;
    const next = { ...cur, ...patch };
    // Another kind of run: its own settings, starting from main's suggestions.
    if (patch.run !== undefined && patch.run !== cur.run && patch.settings === undefined) next.settings = { ...(get().oneShotRuns?.find((r) => r.kind === patch.run)?.suggested ?? {}) };
    set({ oneShotDraft: next, oneShotIssue: null });
  },
  async submitOneShot() {
    const { oneShotDraft: d, oneShotRuns } = get();
    const info = oneShotRuns?.find((r) => r.kind === d.run);
    if (!info) return null;
    set({ oneShotSubmitting: true, oneShotIssue: null });
    try {
      const id = await nas().oneShot.start(toStartRequest(d, info));
      set({ oneShotSubmitting: false });
      void get().fetchStudies();
      return id;
    } catch (e) {
      const message = e instanceof NasError ? e.message : String(e);
      set({ oneShotSubmitting: false, oneShotIssue: issueOf(message, info, d.data) });
      return null;
    }
  },
});
