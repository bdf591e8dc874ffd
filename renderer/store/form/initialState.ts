import type { FieldIssue, SpaceEntry, SpecValidation } from '../../api/index.js';
import type { StrategyCatalog } from '../../../shared/strategy-info.js';
import type { ConstraintOp, Direction } from '../../../shared/types/index.js';

/** The New search form as typed (numbers stay text until checked). */
export interface FormDraft {
  readonly name: string;
  readonly space: string;
  readonly strategy: string;
  /** Strategy options as typed, by option name (the strategy's own and zcFilter/zcProxy); '' or absent: its default. */
  readonly options: Readonly<Record<string, string>>;
  readonly objectives: readonly { readonly metric: string; readonly direction: Direction }[];
  readonly constraints: readonly { readonly metric: string; readonly op: ConstraintOp; readonly value: string }[];
  readonly report: string;
  readonly budgetEvals: string;
  readonly budgetSeconds: string;
  readonly budgetMinutes: string;
  readonly seed: string;
  /** Real-time replay factor (wall s per simulated s), so a table search can be watched. */
  readonly pace: string;
  /** Table searches: simulated cost of one evaluation (COLUMN*FACTOR, COLUMN or seconds); '' keeps the space's. */
  readonly cost: string;
  /** Training searches: the dataset (`builtin:<name>` or a path on the machine running main). */
  readonly data: string;
  /** Training searches: epochs per candidate. */
  readonly epochs: string;
  /** Training searches: candidates trained in parallel (worker threads); also the trials in flight. */
  readonly workers: string;
}

export interface FormState {
  readonly draft: FormDraft;
  readonly spaces: readonly SpaceEntry[];
  /** Every strategy main offers with its options (`strategy.list`); null until loaded. */
  readonly strategies: StrategyCatalog | null;
  readonly serverCheck: SpecValidation | null;
  readonly submitting: boolean;
  readonly submitError: FieldIssue | null;
  /** Set once the user tried to submit: every issue is then shown, not only those of touched fields. */
  readonly attempted: boolean;
}

export const initialDraft: FormDraft = {
  name: 'nb201 evolution',
  space: 'nb201',
  strategy: 'evolution',
  options: {},
  objectives: [
    { metric: 'c10_valid_12ep', direction: 'max' },
    { metric: 'hwnb_pixel3', direction: 'min' },
  ],
  constraints: [],
  report: 'c10_test',
  budgetEvals: '500',
  budgetSeconds: '',
  budgetMinutes: '',
  seed: '0',
  pace: '',
  cost: '',
  data: '',
  epochs: '',
  workers: '',
};

export const initialFormState: FormState = { draft: initialDraft, spaces: [], strategies: null, serverCheck: null, submitting: false, submitError: null, attempted: false };
