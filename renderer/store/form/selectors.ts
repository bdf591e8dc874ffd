import type { FieldIssue } from '../../api/index.js';
import type { FormState } from './initialState.js';
import { isTraining, localIssues } from './reducer.js';

const NO_METRICS: readonly { name: string; known: boolean }[] = [];
let memo: { draft: FormState['draft']; server: FormState['serverCheck']; catalog: FormState['strategies']; spaces: FormState['spaces']; out: FieldIssue[] } | undefined;

export const formSelectors = {
  /** Local issues first; server issues only when the draft is locally fine (they need a valid spec). */
  issues(s: FormState): FieldIssue[] {
    if (memo && memo.draft === s.draft && memo.server === s.serverCheck && memo.catalog === s.strategies && memo.spaces === s.spaces) return memo.out;
    const local = localIssues(s.draft, s.strategies, isTraining(s.draft, s.spaces));
    const out = local.length > 0 ? local : (s.serverCheck?.issues ?? []);
    memo = { draft: s.draft, server: s.serverCheck, catalog: s.strategies, spaces: s.spaces, out };
    return out;
  },
  canSubmit: (s: FormState): boolean => !s.submitting && formSelectors.runnable(s) && formSelectors.issues(s).length === 0 && s.serverCheck?.ok === true,
  spaceCount: (s: FormState): string | null => s.serverCheck?.spaceCount ?? s.spaces.find((x) => x.id === s.draft.space)?.count ?? null,
  /** Whether the workbench knows how to evaluate the chosen space (its entry comes with a ready spec). */
  runnable: (s: FormState): boolean => s.spaces.length === 0 || Boolean(s.spaces.find((x) => x.id === s.draft.space)?.defaults),
  metricsOfSpace: (s: FormState): readonly { name: string; known: boolean }[] => s.spaces.find((x) => x.id === s.draft.space)?.metrics ?? NO_METRICS,
};
