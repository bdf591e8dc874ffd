import type { NasStore } from '../index.js';

export const oneShotFormSelectors = {
  /** The chosen one-shot run's description, or undefined for a search. */
  chosen: (s: NasStore) => s.oneShotRuns?.find((r) => r.kind === s.oneShotDraft.run),
};
