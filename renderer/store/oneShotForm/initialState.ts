import type { FieldIssue, OneShotRunInfo } from '../../api/index.js';

/** Which run New search starts: a search (strategy over a space), or a one-shot run on the NB201 cell. */
export type RunChoice = 'search' | OneShotRunInfo['kind'];

/** New search's one-shot run (DARTS/ENAS on the NB201 cell) as typed: settings stay text until main checks them. */
export interface OneShotDraft {
  readonly run: RunChoice;
  readonly name: string;
  /** '' : the default dataset. */
  readonly data: string;
  /** Settings by name (`epochs`, `seed`, `order`, `guard`, …); '' or absent: the CLI's default. */
  readonly settings: Readonly<Record<string, string>>;
}

export interface OneShotFormState {
  /** The one-shot runs main can start, with their settings (`oneShot.list`); null until loaded. */
  readonly oneShotRuns: readonly OneShotRunInfo[] | null;
  readonly oneShotDraft: OneShotDraft;
  readonly oneShotSubmitting: boolean;
  /** Main's refusal: `field` is the setting it names ('' when none). */
  readonly oneShotIssue: FieldIssue | null;
}

export const initialOneShotDraft: OneShotDraft = { run: 'search', name: '', data: '', settings: {} };

export const initialOneShotFormState: OneShotFormState = { oneShotRuns: null, oneShotDraft: initialOneShotDraft, oneShotSubmitting: false, oneShotIssue: null };
