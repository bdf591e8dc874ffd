import type { StateCreator } from 'zustand';
import { nas, NasError, type StudyId } from '../../api/index.js';
import type { NasStore } from '../index.js';
import { initialDraft, initialFormState, type FormDraft, type FormState } from './initialState.js';
import { draftFromDefaults, isTraining, localIssues, switchSpace, toSpec, withStrategy } from './reducer.js';

export interface FormActions {
  loadSpaces(): Promise<void>;
  /** Every strategy with its options, from main (kept once loaded). */
  loadStrategies(): Promise<void>;
  editDraft(patch: Partial<FormDraft>): void;
  resetDraft(): void;
  /** Creates and starts the search; resolves to its id, or null when the form has issues. */
  submitDraft(): Promise<StudyId | null>;
}

const CHECK_DELAY_MS = 250;

export const createFormSlice: StateCreator<NasStore, [], [], FormState & FormActions> = (set, get) => {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let checkSeq = 0;
  // The draft as filled in for the current space: what differs from it was typed by the user, and stays on a change of space.
  let spaceBase: FormDraft = initialDraft;
  const check = async () => {
    const { draft, spaces, strategies } = get();
    if (localIssues(draft, strategies, isTraining(draft, spaces)).length > 0) return;
    const seq = ++checkSeq;
    try {
      const serverCheck = await nas().study.validate({ spec: toSpec(draft, spaces) });
      if (seq === checkSeq && get().draft === draft) set({ serverCheck });
    } catch (e) {
      if (seq === checkSeq) set({ serverCheck: { ok: false, issues: [{ field: '', message: (e as Error).message }], spaceCount: null } });
    }
  };
  const scheduleCheck = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void check(), CHECK_DELAY_MS);
  };
  return {
    ...initialFormState,
    async loadSpaces() {
      const spaces = await nas().space.list();
      set({ spaces });
      scheduleCheck();
    },
    async loadStrategies() {
      if (get().strategies) return;
      const strategies = await nas().strategy.list();
      set({ strategies });
      scheduleCheck();
    },
    editDraft(patch) {
      const cur = get().draft;
      // Another space: its ready spec, except for what the user changed (objectives, budget… differ between spaces).
      const to = patch.space !== undefined && patch.space !== cur.space ? get().spaces.find((x) => x.id === patch.space) : undefined;
      let base = cur;
      if (to) {
        base = switchSpace(cur, spaceBase, to);
        spaceBase = draftFromDefaults(cur, to);
      }
      // Another strategy: its options start from their defaults.
      if (patch.strategy !== undefined && patch.strategy !== base.strategy && patch.options === undefined) base = withStrategy(base, patch.strategy, get().strategies);
      set({ draft: { ...base, ...patch }, submitError: null, serverCheck: null });
      scheduleCheck();
    },
    resetDraft() {
      spaceBase = initialDraft;
      set({ draft: initialDraft, serverCheck: null, submitError: null, attempted: false });
      scheduleCheck();
    },
    async submitDraft() {
      set({ attempted: true });
      const { draft, spaces, strategies } = get();
      if (localIssues(draft, strategies, isTraining(draft, spaces)).length > 0) return null;
      set({ submitting: true, submitError: null });
      try {
        const spec = toSpec(draft, spaces);
        const verdict = await nas().study.validate({ spec });
        if (!verdict.ok) {
          set({ serverCheck: verdict, submitting: false });
          return null;
        }
        const id = await nas().study.create({ spec });
        await nas().study.start({ id });
        set({ submitting: false, attempted: false });
        void get().fetchStudies();
        return id;
      } catch (e) {
        set({ submitting: false, submitError: { field: '', message: e instanceof NasError ? e.message : String(e) } });
        return null;
      }
    },
  };
};
