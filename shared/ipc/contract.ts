/**
 * The one typed API between the workbench UI (renderer) and the main process.
 *
 * PROTOCOL (every transport implements exactly this):
 * - `NasApi` groups methods by namespace. Every method takes ONE plain-data argument (or none) and
 *   returns a Promise of plain, structured-cloneable data (no class instances, no functions, no Maps).
 * - The channel of a method is `${CHANNEL_PREFIX}${namespace}.${method}`, e.g. `nas:study.list`;
 *   `NAS_METHODS` lists every channel at runtime (allow-list for a preload, routes for a server).
 * - Arguments are validated in main (the renderer is untrusted); a bad argument rejects with
 *   `{ code: 'invalid-input', message }`.
 * - Errors cross as `NasErrorData` (`{ code, message }`) and are rebuilt as `NasError` on the renderer side.
 * - Events (`NasEvents`) flow main → renderer only. The event channel is `${CHANNEL_PREFIX}${event}`,
 *   e.g. `nas:onDidUpdateTrial`; `NAS_EVENTS` lists them. A subscription returns an unsubscribe function.
 *
 * TRANSPORTS (all built from this file):
 * - Electron: the preload exposes `window.nas: NasBridge` through contextBridge; for each channel of
 *   `nasChannels()` it forwards `ipcRenderer.invoke(channel, arg)` (rejecting any other channel), and
 *   `on(event, cb)` listens on `eventChannel(event)`. On the main side `NasServer.call(channel, arg)`
 *   (main/ipc/server.ts) is what `ipcMain.handle(channel, (_e, arg) => server.call(channel, arg))`
 *   calls; it resolves to a `CallResult` (never rejects), which the preload unwraps (ok → value,
 *   else reject with the NasErrorData). Events: `server.onEvent((name, payload) =>
 *   webContents.send(eventChannel(name), payload))`.
 * - HTTP + WebSocket (`frontier serve`): `POST /rpc/<channel>` with the JSON argument, answered
 *   with a `CallResult`; `GET /events` upgrades to a WebSocket carrying `EventMessage`s. Both need
 *   the session token (header `x-frontier-token` or `?token=`).
 * - In memory (tests): `shared/ipc/messages.ts` message pairs.
 */
import type { NasErrorData } from '../errors.js';
import type { StrategyCatalog, StrategyOptionInfo } from '../strategy-info.js';
import type {
  BudgetSpec,
  CurvePoint,
  Dimension,
  ObjectiveSpec,
  StudyProgress,
  StudyRecord,
  StudySpec,
  StudyStatus,
  TrialRecord,
  TrialState,
} from '../types/index.js';

export const CHANNEL_PREFIX = 'nas:';

/** A study id (short decimal string assigned by the store). Branded so it is not confused with other strings. */
export type StudyId = string & { readonly __brand?: 'StudyId' };
export type DeviceId = string & { readonly __brand?: 'DeviceId' };
/** A latency lookup-table profiling job (assigned by main when `device.profile` starts one). */
export type ProfileJobId = string & { readonly __brand?: 'ProfileJobId' };

// ---------------------------------------------------------------------------------------------
// Data crossing the boundary

/** One row of the Searches screen. */
export interface StudyListItem {
  readonly id: StudyId;
  readonly name: string;
  readonly status: StudyStatus;
  readonly space: string;
  readonly strategy: string;
  readonly objectives: readonly ObjectiveSpec[];
  readonly progress: StudyProgress;
  readonly budget: BudgetSpec;
  /** Fraction of the budget used, 0..1. */
  readonly fraction: number;
  /** Best value per objective metric (null when no complete trial yet). */
  readonly best: Readonly<Record<string, number | null>>;
  /**
   * With 2+ objectives: the front's extreme trials, one per objective (the front trial best in it),
   * with every objective's value, so a best latency is read with the accuracy that goes with it.
   */
  readonly extremes?: readonly { readonly metric: string; readonly trial: number; readonly values: Readonly<Record<string, number>> }[];
  readonly frontSize: number;
  readonly hypervolume: number | null;
  readonly createdAt: number;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  readonly error?: string;
  /** Whether this process is running it right now (a `running` status without it or `runningElsewhere`: the process died). */
  readonly active: boolean;
  /** Another live process runs it (it holds the study's lease): it cannot be resumed or started here meanwhile. */
  readonly runningElsewhere?: { readonly pid: number; readonly host: string; readonly heartbeatAt: number };
  /** The stored record of this study is damaged: only `id` and `error` are meaningful. */
  readonly damaged?: boolean;
  /** The user's notes and tags (`study.update`). */
  readonly notes?: string;
  readonly tags?: readonly string[];
}

export interface StudyDetail extends StudyListItem {
  readonly record: StudyRecord;
  /** Estimated wall ms left (only while active and after some progress). */
  readonly etaMs: number | null;
  /** Evaluations per wall second in this run (null when not running). */
  readonly throughput: number | null;
  /** Compute spent and how varied the explored architectures are (from the stored trials). */
  readonly resources?: StudyResources;
  /** CPU use of the run in this process, sampled by the study runner (absent when not running here). */
  readonly cpu?: RunCpu;
}

/** Resource accounting of a study, derived from its stored trials (so it is kept with the search). */
export interface StudyResources {
  /** Finished trials (any final state). */
  readonly finished: number;
  /** Sum of the trials' wall time (start to finish), hours. */
  readonly computeHours: number;
  /** Sum of the trials' charged cost (training seconds of the evaluator, e.g. a table's), hours. */
  readonly simulatedHours: number;
  /** Finished trials per hour of wall time from the first start to the last finish (null under 1 ms). */
  readonly evalsPerHour: number | null;
  /** Wall seconds per trial (training time of an architecture): median and largest. */
  readonly trialSeconds: { readonly median: number; readonly max: number };
  /** Charged seconds per trial: median and largest. */
  readonly costSeconds: { readonly median: number; readonly max: number };
  /** Distinct architectures among the finished trials, over their number (0..1). */
  readonly uniqueFraction: number;
  /** Mean pairwise Hamming distance of the decisions over the last `window` trials, as a fraction of the decisions (0..1); null under 2. */
  readonly diversity: number | null;
  readonly window: number;
}

export interface RunCpu {
  /** This process's CPU time over the run's wall time, as a fraction of all cores (0..1). */
  readonly utilisation: number;
  /** Cores of the machine. */
  readonly cores: number;
  /** Load average over the last minute. */
  readonly load1: number;
  /** Where models train: `cuda` when the torch engine sees a GPU, `cpu`; null when not known (tables, wasm). */
  readonly accelerator: 'cuda' | 'cpu' | null;
}

export interface TrialQueryArg {
  readonly id: StudyId;
  readonly states?: readonly TrialState[];
  readonly offset?: number;
  readonly limit?: number;
}

/**
 * Every trial of a study in columns (compact for 50k trials): `numbers[i]`, `states[i]` (index into
 * TRIAL_STATES), `metrics[m][i]` (null when absent), `finishedAt[i]` (0 while running).
 */
export interface TrialPoints {
  readonly numbers: number[];
  readonly states: number[];
  readonly metrics: Record<string, (number | null)[]>;
  readonly finishedAt: number[];
  /** The space's decisions (columns of `decisions`), when the trials' samples fit the space. */
  readonly dims?: readonly { readonly name: string; readonly choices: readonly string[] }[];
  /** `decisions[d][i]`: choice index of decision d in trial i, -1 when inactive or unknown. */
  readonly decisions?: number[][];
  /** Numbers of the `failed` trials that did not fail: the search stopped (or died) while they ran. */
  readonly interrupted?: number[];
}

export interface StudySummaryData {
  /** Complete trials on the Pareto front, best first by the first objective. */
  readonly front: TrialRecord[];
  readonly best: Record<string, TrialRecord>;
  readonly hypervolume: number | null;
  readonly reference: readonly number[] | null;
  readonly complete: number;
}

/** Best-so-far per objective and hypervolume of the running front, sampled along the evaluations. */
export interface StudyHistory {
  /** Evaluation count (1-based, finished trials in number order) at each sample. */
  readonly evals: number[];
  readonly best: Record<string, (number | null)[]>;
  /** Hypervolume (2 or 3 objectives; null for one) against the reference point (the study's nadir unless one was given). */
  readonly hypervolume: (number | null)[];
  /** Simulated seconds (sum of the trials' costs) spent at each sample. */
  readonly cost?: number[];
  /** Wall ms from the first trial's start to the finish of the sample's last trial (running maximum). */
  readonly wallMs?: number[];
}

export interface ArchNode {
  readonly id: string;
  readonly label: string;
  readonly kind: 'input' | 'output' | 'node' | 'op' | 'block';
  /** Its output tensor shape (H×W×C, or C for a vector), inferred from the model graph; absent when the input size is unknown. */
  readonly shape?: string;
}
export interface ArchEdge {
  readonly from: string;
  readonly to: string;
  readonly label?: string;
}
/** An architecture drawn as a DAG; the renderer lays it out. */
export interface ArchGraph {
  readonly nodes: ArchNode[];
  readonly edges: ArchEdge[];
  /** What the shapes are based on (e.g. `input 28×28×1 (Fashion-MNIST)`), or why none are shown (`input size unknown`). */
  readonly shapes?: string;
}

export interface TrialDetail {
  readonly trial: TrialRecord;
  readonly study: { readonly id: StudyId; readonly name: string; readonly objectives: readonly ObjectiveSpec[] };
  readonly decisions: { readonly name: string; readonly value: string; readonly active: boolean }[];
  readonly graph: ArchGraph;
  /** Kinds of the artifacts recorded for this trial (e.g. `tflite` from the export service), downloadable with `study.artifact`. */
  readonly exports: string[];
  /** The trials before and after this one (by number), null at either end. */
  readonly previous?: number | null;
  readonly next?: number | null;
  /** Whether it is on the study's Pareto front (its architecture is, for a repeated one). */
  readonly onFront?: boolean;
  /**
   * The latest earlier trial whose architecture is one decision away from this one (what an
   * evolution step mutates), with that decision; null when there is none. Inferred, not recorded.
   */
  readonly parent?: { readonly number: number; readonly decision: string; readonly from: string; readonly to: string } | null;
  /**
   * While the trial runs in this process: the metrics its evaluator knows before evaluating
   * (table latencies, params and FLOPs, zero-cost proxies), which the trial records when it finishes.
   */
  readonly known?: Readonly<Record<string, number>>;
}

/** Which choices good architectures share. */
export interface StudyInsights {
  readonly metric: string;
  readonly direction: 'min' | 'max';
  readonly top: number;
  readonly total: number;
  readonly decisions: {
    readonly name: string;
    readonly choices: string[];
    /** Complete trials that use this decision (fewer than `total` for a conditional one: a block past the depth, a conv block's heads); its importance is over these. */
    readonly active?: number;
    /** Share of each choice among the top trials and among all complete trials. */
    readonly topShare: number[];
    readonly allShare: number[];
    /** Share of the metric's variance explained by this decision (η², 0..1). */
    readonly importance: number;
    /** 95% bootstrap interval of the importance (resampling the complete trials). */
    readonly importanceCi?: readonly [number, number];
    /** η² expected from a decision that does not matter at all: (choices − 1) / (trials using it − 1). */
    readonly chance?: number;
  }[];
  /** Why the importances should not be trusted (e.g. too few trials), or absent. */
  readonly warning?: string;
  /** Metrics that can be chosen (objectives, other recorded metrics, `pareto_rank`). */
  readonly metrics?: readonly string[];
  /** Whether `metric` is an objective (its direction is the objective's) or pareto_rank. */
  readonly fixedDirection?: boolean;
  /**
   * Quality of a model-based strategy's predictor (bananas, bo): Kendall τ and Spearman ρ between its
   * forecast for each proposed architecture, made before evaluation, and the measured result (null
   * until two such pairs exist); absent for strategies without a predictor.
   */
  readonly predictor?: { readonly heldOut: number; readonly kendallTau: number | null; readonly spearman: number | null };
}

export interface SpaceDescription {
  readonly id: string;
  readonly title: string;
  /** Exact size as a decimal string. */
  readonly count: string;
  readonly dims: readonly Dimension[];
}

export interface SpaceEntry {
  readonly id: string;
  readonly title: string;
  readonly count: string;
  /** Metrics a built-in evaluator offers (e.g. NB201 table columns), with whether known before evaluating. */
  readonly metrics: { readonly name: string; readonly known: boolean }[];
  /** A ready-to-run spec for this space (evaluator included), for forms to start from. */
  readonly defaults?: StudySpec;
}

export interface FieldIssue {
  /** Dotted path of the spec field (`name`, `budget.evals`, `objectives.0.metric`), or '' for the whole spec. */
  readonly field: string;
  readonly message: string;
}

export interface SpecValidation {
  readonly ok: boolean;
  readonly issues: FieldIssue[];
  /** Exact size of the spec's space when it could be built. */
  readonly spaceCount: string | null;
}

export interface DeviceInfo {
  readonly id: DeviceId;
  readonly kind: 'android' | 'local' | 'remote';
  readonly name: string;
  readonly info: Readonly<Record<string, unknown>>;
  readonly lastSeenAt: number;
  readonly online: boolean;
}

/** A trial's artifact file, for download. */
export interface ArtifactFile {
  readonly fileName: string;
  readonly mime: string;
  readonly bytes: number;
  readonly sha256: string;
  /** The file's content, base64-encoded. */
  readonly base64: string;
}

/** An architecture's predicted latency on one device, from its lookup table of measured kernels. */
export interface TrialLatency {
  readonly deviceId: DeviceId;
  /** The table's fitted end-to-end prediction (kernels plus the fitted overheads). */
  readonly totalMs: number;
  /** Kernels the table has no measurement for (their time is left out). */
  readonly missing: number;
  /** Measured kernel time per op, largest first. */
  readonly perOp: readonly { readonly op: string; readonly kernels: number; readonly ms: number; readonly missing: number }[];
}

/** How well a device's latency lookup table predicts measured latencies (from its profiling run). */
export interface DeviceLatencyReport {
  readonly deviceId: DeviceId;
  readonly space: string;
  readonly kernels: number;
  readonly createdAt: number;
  /** Architectures measured end to end to fit the overhead. */
  readonly calibration: readonly { readonly key: string; readonly predictedMs: number; readonly measuredMs: number }[];
  /** Other measured architectures, held out of the fit: the accuracy is computed on these. */
  readonly heldOut: readonly { readonly key: string; readonly predictedMs: number; readonly measuredMs: number }[];
  readonly accuracy: { readonly n: number; readonly rmseMs: number | null; readonly within10: number | null; readonly meanAbsPctError: number | null };
}

/** Measurement settings of a profiling job (defaults as `frontier device profile`). */
export interface ProfileSettings {
  /** Measured and warm-up inferences per benchmark_model repeat (default 50, 10). */
  readonly runs?: number;
  readonly warmup?: number;
  /** benchmark_model invocations per measurement (default 3). */
  readonly repeats?: number;
  /** Interpreter threads (default 1). */
  readonly threads?: number;
  /** Largest accepted (max-min)/median of the repeats (default 0.1). */
  readonly maxSpread?: number;
  /** Architectures measured to fit the overhead (default 4) and to report accuracy (default 6). */
  readonly calibration?: number;
  readonly heldOut?: number;
  /** Classes of the measured models (default 10). */
  readonly classes?: number;
}

/** Build a phone's latency lookup table for a space (what `frontier device profile` does). */
export interface ProfileRequest {
  /** The phone's adb serial. */
  readonly device: DeviceId;
  readonly space: string;
  readonly spaceOptions?: Record<string, unknown>;
  readonly settings?: ProfileSettings;
}

export type ProfilePhase = 'starting' | 'kernels' | 'calibration' | 'held-out' | 'writing' | 'done';
export type ProfileJobState = 'running' | 'finished' | 'failed' | 'cancelled';

/**
 * Progress of a profiling job. Every job sends one event with state `running` when it starts, more
 * while it measures (`done` never decreases), and exactly one final event (`finished`, `failed` or
 * `cancelled`). `total` counts every measurement planned (op configurations, then calibration and
 * held-out architectures); it is 0 until the configurations are known.
 */
export interface ProfileProgress {
  readonly id: ProfileJobId;
  readonly device: DeviceId;
  readonly space: string;
  readonly state: ProfileJobState;
  readonly phase: ProfilePhase;
  readonly done: number;
  readonly total: number;
  /** One readable line (e.g. `op configurations 5/21`). */
  readonly message: string;
  /** Why it failed (state `failed`). */
  readonly error?: string;
  /** The table's accuracy report (state `finished`). */
  readonly report?: DeviceLatencyReport;
}

/** A `frontier worker` as it announced itself in Redis (issue #13), for the Workers screen. */
export interface WorkerView {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly queue: string;
  readonly concurrency: number;
  /** Jobs running now. */
  readonly running: number;
  readonly done: number;
  readonly failed: number;
  readonly refused: number;
  readonly platform: string;
  readonly cpu: { readonly model: string; readonly cores: number };
  readonly memoryGiB: number;
  /** Training backends that initialise there ([] with training off). */
  readonly backends: readonly string[];
  /** Phones over adb on that worker (serials). */
  readonly phones: readonly string[];
  readonly startedAt: number;
  readonly heartbeatAt: number;
  /** Jobs finished per second since the worker started (null before its first second). */
  readonly throughput: number | null;
}

/** The workers announced in the Redis the workbench watches (none set: `redis` null). */
export interface WorkersState {
  /** The Redis URL watched, its password shown as `***`; null when none is set. */
  readonly redis: string | null;
  /** Why the workers cannot be listed now (Redis down, password refused), or null. */
  readonly error: string | null;
  readonly workers: readonly WorkerView[];
}

/** A trial's model exported for deployment (`frontier export --trial N`, or the Trial screen), as recorded in the store. */
export interface ModelExport {
  readonly trial: number;
  readonly format: 'onnx' | 'tfjs' | 'tflite';
  /** The file (onnx, tflite) or folder (tfjs) written, on the machine running main. */
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly createdAt: number;
  /** The export's settings (opset, layout, softmax, the weights it came from …). */
  readonly settings: Readonly<Record<string, unknown>>;
  /** Where the snippet runs, e.g. `Android (Kotlin, TensorFlow Lite Interpreter)`. */
  readonly runtime: string;
  /** Code that loads the export and runs one input through it. */
  readonly snippet: string;
}

/** A study's report written by `deploy.report` (and recorded in the store). */
export interface StudyReportFile {
  readonly path: string;
  readonly fileName: string;
  readonly bytes: number;
  readonly sha256: string;
  /** The self-contained HTML itself, for the browser to save. */
  readonly html: string;
  /** The PDF printed by Chromium beside it, or why there is none. */
  readonly pdf: { readonly path: string; readonly bytes: number; readonly sha256: string; readonly base64: string } | { readonly missing: string };
}

/** A one-shot run the New search form can start: DARTS or ENAS on the NB201 cell (`frontier darts|enas`), ENAS on the mobilenet space (`frontier enas --space mobilenet`), a supernet's training on the mobilenet space (`frontier supernet train`). */
export interface OneShotRunInfo {
  readonly kind: 'darts' | 'enas' | 'enas-mobilenet' | 'supernet';
  readonly title: string;
  readonly summary: string;
  /** Its settings (the CLI's options, same names, ranges and defaults); the dataset is `data`. */
  readonly settings: readonly StrategyOptionInfo[];
  /** The dataset when none is given. */
  readonly data: string;
  /** Values the form starts with where the CLI's default is long for a first run on the built-in data (e.g. a supernet's steps). */
  readonly suggested: Readonly<Record<string, string>>;
}

export interface OneShotStartRequest {
  readonly kind: 'darts' | 'enas' | 'enas-mobilenet' | 'supernet';
  /** The study's name (default: what the CLI names it). */
  readonly name?: string;
  /** Settings as typed, by the CLI's option names (`epochs`, `seed`, `order`, `guard`, `steps`, `data`, …); absent or '' takes the default. */
  readonly settings: Readonly<Record<string, string | number | boolean>>;
}

// ---------------------------------------------------------------------------------------------
// The API

export interface NasApi {
  readonly study: {
    /** Every study, newest first. */
    list(): Promise<StudyListItem[]>;
    get(arg: { id: StudyId }): Promise<StudyDetail>;
    /** Checks a spec field by field without storing anything. */
    validate(arg: { spec: StudySpec }): Promise<SpecValidation>;
    /** Validates and stores a study (status `created`); does not start it. */
    create(arg: { spec: StudySpec }): Promise<StudyId>;
    /** Starts a created study in the background; resolves once it is running. */
    start(arg: { id: StudyId }): Promise<void>;
    /** Stops a running study after the trials in flight; resolves once it is stopped. */
    stop(arg: { id: StudyId }): Promise<void>;
    /** Continues a stopped (or killed) study in the background. */
    resume(arg: { id: StudyId }): Promise<void>;
    /** Renames a study or sets its notes / tags (fields left out are kept; '' or [] clears them). */
    update(arg: { id: StudyId; name?: string; notes?: string; tags?: readonly string[] }): Promise<StudyListItem>;
    /**
     * Deletes a study and everything recorded for it (artifact files stay on disk). Refused with
     * `store-conflict` while this process runs it and `study-busy` while another one does.
     */
    delete(arg: { id: StudyId }): Promise<void>;
    /** A page of trials, by trial number. */
    trials(arg: TrialQueryArg): Promise<TrialRecord[]>;
    /** Every trial in columns, for plots and the virtualised table. */
    points(arg: { id: StudyId }): Promise<TrialPoints>;
    trial(arg: { id: StudyId; number: number }): Promise<TrialDetail>;
    summary(arg: { id: StudyId }): Promise<StudySummaryData>;
    front(arg: { id: StudyId }): Promise<TrialRecord[]>;
    /** Learning curve (intermediate values) of one trial. */
    curve(arg: { id: StudyId; number: number }): Promise<CurvePoint[]>;
    /** `reference`: a hypervolume reference point (minimisation space, one value per objective) shared by several studies; default: this study's nadir. */
    history(arg: { id: StudyId; maxPoints?: number; reference?: readonly number[] }): Promise<StudyHistory>;
    /** `metric`: an objective (default: the first), any other recorded metric, or `pareto_rank` (0 = on the front); `direction` for a non-objective (default min). */
    insights(arg: { id: StudyId; top?: number; metric?: string; direction?: 'min' | 'max' }): Promise<StudyInsights>;
    /** The newest artifact of `kind` recorded for a trial (e.g. its exported `tflite` model). */
    artifact(arg: { id: StudyId; number: number; kind: string }): Promise<ArtifactFile>;
    /** Per-op latency of a trial's architecture on every device with a lookup table for its space. */
    latency(arg: { id: StudyId; number: number }): Promise<TrialLatency[]>;
  };
  readonly deploy: {
    /** The study's model exports (of one trial with `number`), newest first, each with its loading snippet. */
    exports(arg: { id: StudyId; number?: number }): Promise<ModelExport[]>;
    /**
     * Exports a trial's retrained model (its newest weights) into the app's data folder and records
     * it; rejects with `not-found` naming `frontier retrain` when the trial has no weights yet.
     */
    exportModel(arg: { id: StudyId; number: number; format: 'onnx' | 'tfjs' | 'tflite' }): Promise<ModelExport>;
    /** Writes the study's self-contained HTML report into the app's data folder (and a PDF where Chromium is found). */
    report(arg: { id: StudyId }): Promise<StudyReportFile>;
  };
  readonly space: {
    list(): Promise<SpaceEntry[]>;
    describe(arg: { space: string; options?: Record<string, unknown> }): Promise<SpaceDescription>;
    count(arg: { space: string; options?: Record<string, unknown> }): Promise<string>;
    /** Checks a space (e.g. a custom document); resolves to the problem, or null when it is fine. */
    validate(arg: { space: string; options?: Record<string, unknown> }): Promise<FieldIssue | null>;
  };
  readonly strategy: {
    /** Every registered search strategy with its options, and the options every strategy takes. */
    list(): Promise<StrategyCatalog>;
  };
  readonly oneShot: {
    /** The one-shot runs this process can start, with their settings. */
    list(): Promise<OneShotRunInfo[]>;
    /**
     * Checks the settings (a bad one rejects with `invalid-input` naming it; nothing is stored), then
     * starts the run in this process as a study (status `running`), resolving to its id. Its epochs
     * are stored as they end; `study.stop` stops it (checkpoint kept), `study.resume` continues it.
     */
    start(req: OneShotStartRequest): Promise<StudyId>;
  };
  readonly device: {
    /** Phones and local backends known now (phones come from the devices service when plugged in). */
    list(): Promise<DeviceInfo[]>;
    /** The device's latency lookup table report (predicted vs measured), or null when it has none. */
    latency(arg: { id: DeviceId }): Promise<DeviceLatencyReport | null>;
    /**
     * Starts building a phone's latency lookup table for a space in the background; resolves to the
     * job id once it runs (progress: `onDidProfileProgress`). One job per device at a time. Rejects
     * with `device-unavailable` when the phone is not connected or no phones service is running.
     */
    profile(req: ProfileRequest): Promise<ProfileJobId>;
    /** Cancels a running job (its final event says `cancelled`); a finished or unknown job is left alone. */
    cancel(arg: { id: ProfileJobId }): Promise<void>;
  };
  readonly workers: {
    /** The live workers announced in the watched Redis (`frontier serve --redis URL`, or `connect`). */
    list(): Promise<WorkersState>;
    /** Watches another Redis (checked first: a refused password or an unreachable host rejects); null stops watching. */
    connect(arg: { url: string | null }): Promise<WorkersState>;
  };
}

export interface StudyProgressEvent {
  readonly id: StudyId;
  readonly progress: StudyProgress;
  readonly fraction: number;
  readonly etaMs: number | null;
  readonly throughput: number | null;
}

export interface NasEvents {
  /** A trial finished (any final state). */
  onDidUpdateTrial: { readonly id: StudyId; readonly trial: TrialRecord };
  /** A study was created, started, stopped, completed or failed. */
  onDidChangeStudyStatus: { readonly id: StudyId; readonly status: StudyStatus; readonly error?: string };
  /** Budget progress of a running study (throttled). */
  onDidStudyProgress: StudyProgressEvent;
  /** The device list changed (plug/unplug). */
  onDidChangeDevices: { readonly devices: DeviceInfo[] };
  /** A latency lookup-table profiling job moved on (see ProfileProgress). */
  onDidProfileProgress: ProfileProgress;
}

// ---------------------------------------------------------------------------------------------
// Runtime descriptors (a compile error here means the tables and the interfaces disagree)

type MethodTable = { readonly [N in keyof NasApi]: { readonly [M in keyof NasApi[N]]: true } };

export const NAS_METHODS = {
  study: {
    list: true, get: true, validate: true, create: true, start: true, stop: true, resume: true, update: true, delete: true,
    trials: true, points: true, trial: true, summary: true, front: true, curve: true, history: true, insights: true, latency: true, artifact: true,
  },
  deploy: { exports: true, exportModel: true, report: true },
  space: { list: true, describe: true, count: true, validate: true },
  strategy: { list: true },
  oneShot: { list: true, start: true },
  device: { list: true, latency: true, profile: true, cancel: true },
  workers: { list: true, connect: true },
} as const satisfies MethodTable;

export const NAS_EVENTS = {
  onDidUpdateTrial: true,
  onDidChangeStudyStatus: true,
  onDidStudyProgress: true,
  onDidChangeDevices: true,
  onDidProfileProgress: true,
} as const satisfies { readonly [E in keyof NasEvents]: true };

export type NasNamespace = keyof NasApi;
export type NasMethod<N extends NasNamespace> = keyof NasApi[N] & string;
export type NasEventName = keyof NasEvents;

export function methodChannel(ns: string, method: string): string {
  return `${CHANNEL_PREFIX}${ns}.${method}`;
}

export function eventChannel(event: NasEventName): string {
  return `${CHANNEL_PREFIX}${event}`;
}

/** Every method channel (`nas:study.list` …): the allow-list a preload checks. */
export function nasChannels(): string[] {
  const out: string[] = [];
  for (const [ns, methods] of Object.entries(NAS_METHODS)) for (const m of Object.keys(methods)) out.push(methodChannel(ns, m));
  return out;
}

/** `nas:study.list` → ['study', 'list'], or undefined for anything not in the contract. */
export function parseChannel(channel: string): [NasNamespace, string] | undefined {
  if (!channel.startsWith(CHANNEL_PREFIX)) return undefined;
  const [ns, method, ...rest] = channel.slice(CHANNEL_PREFIX.length).split('.');
  if (!ns || !method || rest.length > 0) return undefined;
  const table = (NAS_METHODS as Record<string, Record<string, true>>)[ns];
  if (!table || !Object.hasOwn(table, method)) return undefined;
  return [ns as NasNamespace, method];
}

export function isNasEvent(name: string): name is NasEventName {
  return Object.hasOwn(NAS_EVENTS, name);
}

/** What a transport carries back for one call: never a thrown error. */
export type CallResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: NasErrorData };

export type NasListener<E extends NasEventName> = (payload: NasEvents[E]) => void;

/** What the renderer sees as `window.nas`: the API plus event subscription. */
export type NasBridge = NasApi & {
  on<E extends NasEventName>(event: E, listener: NasListener<E>): () => void;
};
