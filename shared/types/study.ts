export type Direction = 'min' | 'max';

export interface ObjectiveSpec {
  readonly metric: string;
  readonly direction: Direction;
}

export type ConstraintOp = '<=' | '<' | '>=' | '>' | '==';

export interface ConstraintSpec {
  readonly metric: string;
  readonly op: ConstraintOp;
  readonly value: number;
}

export interface BudgetSpec {
  /** Number of evaluations (finished trials of any state except rejected). */
  readonly evals?: number;
  /** Simulated seconds: the sum of the evaluator's reported cost. */
  readonly seconds?: number;
  /** Wall-clock milliseconds of running (paused time excluded). */
  readonly wallMs?: number;
}

export type TrialState = 'running' | 'complete' | 'pruned' | 'failed' | 'invalid';
export const TRIAL_STATES: readonly TrialState[] = ['running', 'complete', 'pruned', 'failed', 'invalid'];
export function isFinished(s: TrialState): boolean {
  return s !== 'running';
}

export type StudyStatus = 'created' | 'running' | 'stopped' | 'complete' | 'failed';
export function isTerminal(s: StudyStatus): boolean {
  return s === 'complete' || s === 'failed';
}

/** Everything needed to (re)create a study; stored verbatim, so plain data only. */
export interface StudySpec {
  readonly name: string;
  readonly space: string;
  /** Options of the space (e.g. a user-defined space document, mobilenet stage settings). */
  readonly spaceOptions?: Record<string, unknown>;
  readonly strategy: string;
  readonly strategyOptions?: Record<string, unknown>;
  readonly objectives: readonly ObjectiveSpec[];
  readonly constraints: readonly ConstraintSpec[];
  /** Extra metrics to record and show with each trial. */
  readonly report: readonly string[];
  readonly budget: BudgetSpec;
  readonly seed: number;
  /** How the architectures are evaluated; interpreted by the services layer. */
  readonly evaluator: EvaluatorSpec;
  /** Number of trials evaluated at once. */
  readonly concurrency?: number;
}

export type EvaluatorSpec =
  | {
      readonly kind: 'table';
      /** Result tables (their columns are known only after an evaluation). */
      readonly tables: readonly string[];
      /** Tables whose columns are known before evaluating (latency, params); constraints use them up front. */
      readonly knownTables: readonly string[];
      /** Simulated cost of one evaluation, `COLUMN*FACTOR`, `COLUMN` or a number of seconds. */
      readonly cost?: string;
      /** Wall seconds waited per simulated second (replay a table search in real time); default 0. */
      readonly pace?: number;
      /**
       * `nb201`: the tables' 12- and 200-epoch columns are two fidelities (metric M at 12 epochs is
       * column M_12ep), each charged its own training time, for multi-fidelity strategies.
       */
      readonly fidelities?: 'nb201';
    }
  | { readonly kind: string; readonly [k: string]: unknown };

export type Metrics = Readonly<Record<string, number>>;

export interface TrialRecord {
  readonly studyId: string;
  readonly number: number;
  readonly key: string;
  readonly sample: readonly number[];
  readonly state: TrialState;
  readonly metrics: Metrics;
  /** Fidelity each metric was measured at (e.g. `table`, `epochs:12`). */
  readonly fidelity: Readonly<Record<string, string>>;
  readonly cost: number;
  readonly error?: string;
  readonly startedAt: number;
  readonly finishedAt?: number;
}

export interface StudyProgress {
  readonly evals: number;
  readonly failed: number;
  /** Architectures rejected by constraints before evaluation. */
  readonly rejected: number;
  readonly costSeconds: number;
  readonly wallMs: number;
}

export interface StudyRecord {
  readonly id: string;
  readonly spec: StudySpec;
  readonly status: StudyStatus;
  readonly progress: StudyProgress;
  readonly createdAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly error?: string;
  /** The user's notes and tags on the study (the workbench's Searches list). */
  readonly notes?: string;
  readonly tags?: readonly string[];
  /** CPU use of its runs in a workbench process, summed over the runs (kept after they end). */
  readonly cpu?: StudyCpu;
}

/** A study's CPU use over its runs in a workbench process (the study runner samples process.cpuUsage). */
export interface StudyCpu {
  /** CPU seconds (user + system) of the process while the study ran. */
  readonly cpuSeconds: number;
  /** Wall seconds of those runs. */
  readonly wallSeconds: number;
  /** Cores of the machine of the latest run. */
  readonly cores: number;
  /** Where models trained in the latest run (`cuda`, `cpu`; null for tables). */
  readonly accelerator: 'cuda' | 'cpu' | null;
  /** Runs measured. */
  readonly runs: number;
}

export interface CurvePoint {
  readonly step: number;
  readonly metric: string;
  readonly value: number;
}
