import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { COST_METRICS } from '../core/graph/cost.js';
import { TRAIN_METRICS } from '../services/train/evaluator.js';
import { DEFAULT_SPACE, defaultTrainingSpec, kwsTrainingSpec, textTrainingSpec } from '../services/search-defaults.js';
import { BUILTIN_DATASETS } from '../services/data/builtin.js';
import { ZERO_COST_PROXIES } from '../services/train/zero-cost.js';
import { errorMessage, NasError } from '../../shared/errors.js';
import type {
  ProfileJobId,
  ProfileRequest,
  ArtifactFile,
  DeviceId,
  DeviceLatencyReport,
  FieldIssue,
  NasApi,
  SpaceEntry,
  SpecValidation,
  StudyDetail,
  StudyId,
  StudyListItem,
  StudySummaryData,
  TrialLatency,
} from '../../shared/ipc/contract.js';
import type { StudyRecord, StudySpec, TrialRecord } from '../../shared/types/index.js';
import { withShapes } from '../core/arch-shapes.js';
import { studyGraphInput } from '../services/graph-input.js';
import { architectureGraph, PARETO_RANK, studyHistory, studyInsights, studyResources, trialPoints } from '../core/analysis.js';
import type { Store } from '../core/store.js';
import { readPredictorInsights } from '../core/predictors/insights.js';
import { createSpace } from '../core/spaces.js';
import { createStrategy } from '../core/strategies.js';
import { validateStudySpec } from '../core/study-spec.js';
import { summarize } from '../core/summary.js';
import { createEvaluator, loadCsv, NB201_OBJECTIVES, NB201_TABLES, nb201EvaluatorSpec, studyMetrics } from '../services/evaluators.js';
import { createStudy } from '../services/studies.js';
import { liveLease, processLease } from '../services/lease.js';
import { interruptOneShotRun, isOneShotStrategy } from '../services/train/one-shot-study.js';
import { SUPERNET_TRAIN } from '../services/train/supernet-train-study.js';
import { studyBusy } from '../core/store-rules.js';
import type { LutFile } from '../services/devices/profiler.js';
import { check } from '../../shared/ipc/schema.js';
import type { DeviceSource } from './devices.js';
import { ProfileJobs } from './profiling.js';
import { studySpecSchema } from './schemas.js';
import { latencyBreakdown } from './latency.js';
import { budgetFraction, type StudyRunner } from './study-runner.js';
import { OneShotRuns } from './one-shot.js';

/** The form field of a strategy option's error: `strategyOptions.<name>` when the message names one ("strategy option 'gamma' must…"). */
function optionField(message: string): string {
  const name = /option '([^']+)'/.exec(message)?.[1];
  return name ? `strategyOptions.${name}` : 'strategyOptions';
}

type StudyApi = NasApi['study'];
type SpaceApi = NasApi['space'];
type DeviceApi = NasApi['device'];

/** The list entry of a study whose stored record cannot be read. */
function damagedItem(id: string, error: string): StudyListItem {
  return {
    id: id as StudyId, name: `study ${id} (damaged)`, status: 'failed', space: '', strategy: '', objectives: [],
    progress: { evals: 0, failed: 0, rejected: 0, costSeconds: 0, wallMs: 0 }, budget: {}, fraction: 0, best: {},
    frontSize: 0, hypervolume: null, createdAt: 0, error, active: false, damaged: true,
  };
}

/** Metrics shown for a study: objectives, then constraints and report columns. */
export function shownMetrics(spec: StudySpec): string[] {
  return studyMetrics(spec);
}

const MAX_ARTIFACT_BYTES = 64 * 2 ** 20;
const MIME: Record<string, string> = { tflite: 'application/vnd.tflite', onnx: 'application/onnx', json: 'application/json' };

/** How many studies keep their trials cached (the screens open one or a few at a time). */
const TRIAL_CACHE_STUDIES = 6;

/**
 * The `study` namespace over the store and the runner. Reading 50k trials from the store takes
 * seconds, so each study's trials are cached and refreshed incrementally: trial numbers run 0,1,2…
 * and a finished trial never changes (Store invariants), so only the trials from the first one
 * still running onwards are read again. Summaries are cached per (study, evaluations, status).
 */
export class StudyService implements StudyApi {
  private readonly summaries = new Map<string, { stamp: string; data: StudySummaryData }>();
  private readonly trialCache = new Map<string, TrialRecord[]>();
  /** Derived views of one trials array (allTrials returns the same array while nothing changed). */
  private readonly derived = new WeakMap<readonly TrialRecord[], Map<string, unknown>>();

  private memo<T>(trials: readonly TrialRecord[], key: string, compute: () => T): T {
    let m = this.derived.get(trials);
    if (!m) this.derived.set(trials, (m = new Map()));
    if (m.has(key)) return m.get(key) as T;
    const v = compute();
    m.set(key, v);
    return v;
  }

  constructor(
    private readonly store: Store,
    private readonly runner: StudyRunner,
    private readonly latencyTables: () => readonly LutFile[] = () => [],
    /** DARTS/ENAS runs started in this process (New search), stopped and resumed here. */
    private readonly oneShot?: OneShotRuns,
  ) {}

  /** Whether this process runs the study (a search of the runner, or a DARTS/ENAS run). */
  private active(id: string): boolean {
    return this.runner.isActive(id) || (this.oneShot?.isActive(id) ?? false);
  }

  private rec(id: string): StudyRecord {
    const r = this.store.getStudy(id);
    if (!r) throw new NasError('not-found', `no study with id ${id}`);
    return r;
  }

  /** Every trial of a study, by number, read incrementally (see the class comment). */
  allTrials(id: string): TrialRecord[] {
    const cached = this.trialCache.get(id);
    let trials: TrialRecord[];
    if (!cached) {
      trials = this.store.getTrials(id);
    } else {
      const open = cached.findIndex((t) => t.state === 'running');
      const from = open < 0 ? cached.length : open;
      const fresh = this.store.getTrials(id, { offset: from });
      trials = fresh.length === 0 && from === cached.length ? cached : [...cached.slice(0, from), ...fresh];
    }
    // Trust the cache only while numbers and positions agree (0,1,2…); otherwise read it all again.
    if (trials.length > 0 && (trials[trials.length - 1] as TrialRecord).number !== trials.length - 1) trials = this.store.getTrials(id);
    this.trialCache.delete(id);
    this.trialCache.set(id, trials);
    while (this.trialCache.size > TRIAL_CACHE_STUDIES) this.trialCache.delete(this.trialCache.keys().next().value as string);
    return trials;
  }

  private summaryOf(rec: StudyRecord): StudySummaryData {
    const stamp = `${rec.progress.evals}/${rec.status}`;
    const hit = this.summaries.get(rec.id);
    if (hit && hit.stamp === stamp) return hit.data;
    const s = summarize(this.allTrials(rec.id).filter((t) => t.state === 'complete'), rec.spec.objectives);
    const data: StudySummaryData = { front: s.front, best: s.best, hypervolume: s.hypervolume ?? null, reference: s.reference ?? null, complete: s.complete };
    this.summaries.set(rec.id, { stamp, data });
    return data;
  }

  private item(rec: StudyRecord): StudyListItem {
    const sum = this.summaryOf(rec);
    const best: Record<string, number | null> = {};
    for (const o of rec.spec.objectives) best[o.metric] = sum.best[o.metric]?.metrics[o.metric] ?? null;
    const objectives = rec.spec.objectives;
    const extremes = objectives.length >= 2 && sum.front.length > 0
      ? objectives.map((o) => {
          const t = sum.front.reduce((a, b) => ((o.direction === 'max' ? (b.metrics[o.metric] as number) > (a.metrics[o.metric] as number) : (b.metrics[o.metric] as number) < (a.metrics[o.metric] as number)) ? b : a));
          return { metric: o.metric, trial: t.number, values: Object.fromEntries(objectives.map((x) => [x.metric, t.metrics[x.metric] as number])) };
        })
      : undefined;
    return {
      id: rec.id as StudyId,
      name: rec.spec.name,
      status: rec.status,
      space: rec.spec.space,
      strategy: rec.spec.strategy,
      objectives: rec.spec.objectives,
      progress: rec.progress,
      budget: rec.spec.budget,
      fraction: budgetFraction(rec),
      best,
      ...(extremes ? { extremes } : {}),
      frontSize: sum.front.length,
      // One definition everywhere (list, Live, Compare's own column): the front against the study's
      // nadir, for 2 or 3 objectives; one objective has best-so-far instead.
      hypervolume: rec.spec.objectives.length >= 2 ? sum.hypervolume : null,
      createdAt: rec.createdAt,
      ...(rec.startedAt !== undefined ? { startedAt: rec.startedAt } : {}),
      ...(rec.finishedAt !== undefined ? { finishedAt: rec.finishedAt } : {}),
      ...(rec.error !== undefined ? { error: rec.error } : {}),
      active: this.active(rec.id),
      ...this.elsewhere(rec),
      ...(rec.notes !== undefined ? { notes: rec.notes } : {}),
      ...(rec.tags !== undefined ? { tags: rec.tags } : {}),
    };
  }

  /** `runningElsewhere` when a live process other than this one holds the study's lease. */
  private elsewhere(rec: StudyRecord): { runningElsewhere?: StudyListItem['runningElsewhere'] } {
    if (rec.status !== 'running' || this.active(rec.id)) return {};
    const l = liveLease(this.store, rec.id);
    return l ? { runningElsewhere: { pid: l.pid, host: l.host, heartbeatAt: l.heartbeatAt } } : {};
  }

  /** Refuses to run a study that another live process runs (StudyBusy naming it). */
  private refuseIfElsewhere(id: StudyId): void {
    const l = liveLease(this.store, id);
    if (l) throw studyBusy(l, Date.now());
  }

  async list(): Promise<StudyListItem[]> {
    const damaged: StudyListItem[] = [];
    const items = this.store.listStudies((id, e) => damaged.push(damagedItem(id, e.message))).map((r) => {
      try {
        return this.item(r);
      } catch (e) {
        // A damaged trial row: the study stays in the list, named, with the reason.
        if (!(e instanceof NasError)) throw e;
        return { ...damagedItem(r.id, e.message), name: r.spec.name, status: r.status, createdAt: r.createdAt };
      }
    });
    return [...items, ...damaged].sort((a, b) => Number(b.id) - Number(a.id));
  }

  async get({ id }: { id: StudyId }): Promise<StudyDetail> {
    const rec = this.rec(id);
    const trials = this.allTrials(id);
    const cpu = this.runner.cpu(id);
    return { ...this.item(rec), record: rec, ...this.runner.rate(id), resources: this.memo(trials, 'resources', () => studyResources(trials)), ...(cpu ? { cpu } : {}) };
  }

  async validate({ spec }: { spec: StudySpec }): Promise<SpecValidation> {
    return validateSpec(spec);
  }

  async create({ spec }: { spec: StudySpec }): Promise<StudyId> {
    return createStudy(this.store, spec).id as StudyId;
  }

  async start({ id }: { id: StudyId }): Promise<void> {
    const rec = this.rec(id);
    if (this.active(id)) return;
    this.refuseIfElsewhere(id);
    if (rec.status !== 'created') throw new NasError('store-conflict', `study ${id} is ${rec.status}; only a new study can be started (resume a stopped one)`);
    this.runner.start(id);
  }

  async resume({ id }: { id: StudyId }): Promise<void> {
    const rec = this.rec(id);
    if (this.active(id)) return;
    this.refuseIfElsewhere(id);
    if (rec.status === 'complete' || rec.status === 'failed') throw new NasError('store-conflict', `study ${id} is ${rec.status} and cannot be resumed`);
    // A DARTS/ENAS run or a supernet's training continues here from its checkpoint (as `frontier resume` does).
    if (this.oneShot && OneShotRuns.handles(rec)) return this.oneShot.resume(rec);
    // Without the one-shot runs (no data folder), from its checkpoint in the CLI.
    if (isOneShotStrategy(rec.spec.strategy) || rec.spec.strategy === SUPERNET_TRAIN) throw new NasError('invalid-input', `study ${id} is a ${rec.spec.strategy} run: continue it with 'frontier resume ${id}'`);
    this.runner.start(id);
  }

  async update({ id, name, notes, tags }: { id: StudyId; name?: string; notes?: string; tags?: readonly string[] }): Promise<StudyListItem> {
    this.rec(id);
    if (name !== undefined && name.trim() === '') throw new NasError('invalid-input', 'name must not be blank');
    const cleanTags = tags === undefined ? undefined : [...new Set(tags.map((t) => t.trim()).filter((t) => t !== ''))];
    const rec = this.store.updateStudyInfo(id, {
      ...(name !== undefined ? { name: name.trim() } : {}),
      ...(notes !== undefined ? { notes } : {}),
      ...(cleanTags !== undefined ? { tags: cleanTags } : {}),
    });
    return this.item(rec);
  }

  async delete({ id }: { id: StudyId }): Promise<void> {
    this.rec(id);
    if (this.active(id)) throw new NasError('store-conflict', `study ${id} is running here: stop it before deleting it`);
    // StudyBusy (naming pid and host) while another live process runs it.
    this.store.deleteStudy(id, Date.now(), processLease().policy);
    this.summaries.delete(id);
    this.trialCache.delete(id);
  }

  async stop({ id }: { id: StudyId }): Promise<void> {
    const rec = this.rec(id);
    // A DARTS/ENAS run of this process: cancelled, it ends stopped with its checkpoint kept.
    if (this.oneShot?.isActive(id)) return this.oneShot.stop(id);
    // A DARTS/ENAS run or supernet training of the CLI on this machine: stopped as Ctrl-C stops it (checkpoint kept).
    if (!this.runner.isActive(id) && (isOneShotStrategy(rec.spec.strategy) || rec.spec.strategy === SUPERNET_TRAIN)) return interruptOneShotRun(this.store, id);
    await this.runner.stop(id);
  }

  async trials(q: { id: StudyId; states?: readonly TrialRecord['state'][]; offset?: number; limit?: number }): Promise<TrialRecord[]> {
    this.rec(q.id);
    return this.store.getTrials(q.id, {
      ...(q.states ? { states: q.states } : {}),
      ...(q.offset !== undefined ? { offset: q.offset } : {}),
      limit: q.limit ?? 1000,
    });
  }

  async points({ id }: { id: StudyId }) {
    const rec = this.rec(id);
    let space;
    try {
      space = createSpace(rec.spec.space, rec.spec.spaceOptions ?? {});
    } catch {
      space = undefined; // a custom space whose document is gone: the columns without decisions
    }
    const trials = this.allTrials(id);
    return this.memo(trials, 'points', () => trialPoints(trials, shownMetrics(rec.spec), space));
  }

  async trial({ id, number }: { id: StudyId; number: number }) {
    const rec = this.rec(id);
    const trial = this.store.getTrial(id, number);
    if (!trial) throw new NasError('not-found', `study ${id} has no trial ${number}`);
    const space = createSpace(rec.spec.space, rec.spec.spaceOptions ?? {});
    const valid = trial.sample.length === space.dims.length;
    const all = this.allTrials(id);
    const front = this.summaryOf(rec).front;
    const known = trial.state === 'running' && valid ? this.runner.known(id, space.freeze(trial.sample)) : undefined;
    return {
      trial,
      study: { id: rec.id as StudyId, name: rec.spec.name, objectives: rec.spec.objectives },
      decisions: valid ? space.dims.map((d, i) => ({ name: d.name, value: String(d.choices[trial.sample[i] as number]), active: space.isActive(trial.sample, i) })) : [],
      graph: valid ? withShapes(architectureGraph(space, trial.sample, trial.key), space, trial.sample, studyGraphInput(rec.spec)) : { nodes: [], edges: [] },
      exports: this.store.listArtifacts(id, number).map((a) => a.kind),
      previous: number > 0 ? number - 1 : null,
      next: number + 1 < all.length ? number + 1 : null,
      onFront: trial.state === 'complete' && front.some((t) => t.number === number || t.key === trial.key),
      parent: valid ? likelyParent(all, space, trial) : null,
      ...(known ? { known } : {}),
    };
  }

  async summary({ id }: { id: StudyId }): Promise<StudySummaryData> {
    return this.summaryOf(this.rec(id));
  }

  async front({ id }: { id: StudyId }): Promise<TrialRecord[]> {
    return this.summaryOf(this.rec(id)).front;
  }

  async curve({ id, number }: { id: StudyId; number: number }) {
    this.rec(id);
    return this.store.getCurve(id, number);
  }

  async history({ id, maxPoints, reference }: { id: StudyId; maxPoints?: number; reference?: readonly number[] }) {
    const rec = this.rec(id);
    if (reference && reference.length !== rec.spec.objectives.length) {
      throw new NasError('invalid-input', `reference has ${reference.length} values; study ${id} has ${rec.spec.objectives.length} objectives`);
    }
    const trials = this.allTrials(id);
    return this.memo(trials, `history:${maxPoints ?? 400}:${reference?.join(',') ?? ''}`, () => studyHistory(trials, rec.spec.objectives, maxPoints ?? 400, reference));
  }

  async artifact({ id, number, kind }: { id: StudyId; number: number; kind: string }): Promise<ArtifactFile> {
    this.rec(id);
    const a = this.store.listArtifacts(id, number).filter((x) => x.kind === kind).sort((x, y) => y.createdAt - x.createdAt)[0];
    if (!a) throw new NasError('not-found', `trial ${number} of study ${id} has no ${kind} artifact`);
    let bytes: Buffer;
    try {
      if (statSync(a.path).size > MAX_ARTIFACT_BYTES) throw new NasError('invalid-input', `${a.path} is larger than ${MAX_ARTIFACT_BYTES / 2 ** 20} MiB: open it from disk`);
      bytes = readFileSync(a.path);
    } catch (e) {
      if (e instanceof NasError) throw e;
      throw new NasError('not-found', `the ${kind} file of trial ${number} is gone (${a.path}): ${errorMessage(e)}`);
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== a.sha256) throw new NasError('store-io', `${a.path} changed since it was exported (SHA-256 differs)`);
    return { fileName: basename(a.path), mime: MIME[kind] ?? 'application/octet-stream', bytes: bytes.length, sha256, base64: bytes.toString('base64') };
  }

  async latency({ id, number }: { id: StudyId; number: number }): Promise<TrialLatency[]> {
    const rec = this.rec(id);
    const trial = this.store.getTrial(id, number);
    if (!trial) throw new NasError('not-found', `study ${id} has no trial ${number}`);
    const space = createSpace(rec.spec.space, rec.spec.spaceOptions ?? {});
    if (trial.sample.length !== space.dims.length) return [];
    return latencyBreakdown(space, space.freeze(trial.sample), this.latencyTables());
  }

  async insights({ id, top, metric, direction }: { id: StudyId; top?: number; metric?: string; direction?: 'min' | 'max' }) {
    const rec = this.rec(id);
    const name = metric ?? rec.spec.objectives[0]?.metric;
    const metrics = [...shownMetrics(rec.spec), ...(rec.spec.objectives.length >= 2 ? [PARETO_RANK] : [])];
    if (!name || !metrics.includes(name)) throw new NasError('invalid-input', `'${metric}' is not a metric of study ${id} (one of ${metrics.join(', ')})`);
    const objective = rec.spec.objectives.find((o) => o.metric === name) ?? { metric: name, direction: direction ?? 'min' };
    const space = createSpace(rec.spec.space, rec.spec.spaceOptions ?? {});
    const fixedDirection = name === PARETO_RANK || rec.spec.objectives.some((o) => o.metric === name);
    const predictor = readPredictorInsights(this.store.getCheckpoint(rec.id)?.strategyState);
    return { ...studyInsights(this.allTrials(id).filter((t) => t.state === 'complete'), space, objective, top ?? 0.1, rec.spec.objectives), metrics, fixedDirection, ...(predictor ? { predictor } : {}) };
  }
}

/** The latest earlier trial one active decision away from `trial` (an evolution step's parent), or null. */
function likelyParent(all: readonly TrialRecord[], space: ReturnType<typeof createSpace>, trial: TrialRecord) {
  for (let n = Math.min(trial.number, all.length) - 1; n >= 0; n--) {
    const t = all[n] as TrialRecord;
    if (t.sample.length !== trial.sample.length || t.state === 'running') continue;
    let diff = -1;
    let count = 0;
    for (let i = 0; i < t.sample.length && count < 2; i++) {
      const a = space.isActive(trial.sample, i) ? trial.sample[i] : -1;
      const b = space.isActive(t.sample, i) ? t.sample[i] : -1;
      if (a !== b) {
        diff = i;
        count++;
      }
    }
    if (count === 1) {
      const d = space.dims[diff] as (typeof space.dims)[number];
      return { number: t.number, decision: d.name, from: String(d.choices[t.sample[diff] as number]), to: String(d.choices[trial.sample[diff] as number]) };
    }
  }
  return null;
}

/** Field-by-field checks of a spec, building every part as `create` would; nothing is stored. */
export function validateSpec(spec: StudySpec): SpecValidation {
  // First the shape (validate accepts any object, unlike create): a malformed spec gets one issue.
  const malformed = check(studySpecSchema, spec);
  if (malformed) {
    const field = /^([\w.[\]]+) /.exec(malformed)?.[1]?.replace(/\[(\d+)\]/g, '.$1') ?? '';
    return { ok: false, issues: [{ field: field === 'argument' ? '' : field, message: malformed }], spaceCount: null };
  }
  const issues: FieldIssue[] = [];
  const add = (field: string, e: unknown) => issues.push({ field, message: errorMessage(e) });
  try {
    validateStudySpec(spec);
  } catch (e) {
    const m = errorMessage(e);
    const field = /^cost '/.test(m) ? 'evaluator.cost' : /strategy option/.test(m) ? optionField(m) : /name/.test(m) ? 'name' : /objective/.test(m) ? 'objectives' : /budget/.test(m) ? 'budget' : /seed/.test(m) ? 'seed' : /concurrency/.test(m) ? 'concurrency' : /constraint/.test(m) ? 'constraints' : '';
    add(field, e);
  }
  let spaceCount: string | null = null;
  let space;
  try {
    space = createSpace(spec.space, spec.spaceOptions ?? {});
    spaceCount = space.count().toString();
  } catch (e) {
    add('space', e);
  }
  if (space) {
    try {
      createStrategy(spec.strategy, { space, objectives: spec.objectives ?? [], seed: spec.seed, options: spec.strategyOptions ?? {} });
    } catch (e) {
      add(/option/.test(errorMessage(e)) ? optionField(errorMessage(e)) : 'strategy', e);
    }
  }
  const data = spec.evaluator.kind === 'train' ? (spec.evaluator as { data?: unknown; cwd?: unknown }) : undefined;
  if (data && typeof data.data === 'string') {
    const ref = data.data;
    if (ref.startsWith('builtin:') ? !(ref.slice('builtin:'.length) in BUILTIN_DATASETS) : !existsSync(resolve(typeof data.cwd === 'string' ? data.cwd : process.cwd(), ref))) {
      add('evaluator.data', ref.startsWith('builtin:') ? `no built-in dataset '${ref}' (built in: ${Object.keys(BUILTIN_DATASETS).map((n) => `builtin:${n}`).join(', ')})` : `no file or folder '${ref}' on the machine running the search`);
    }
  }
  if (issues.length === 0) {
    try {
      createEvaluator(spec).dispose?.();
    } catch (e) {
      const m = errorMessage(e);
      const col = /column '([^']+)'/.exec(m)?.[1];
      const oi = spec.objectives.findIndex((o) => o.metric === col);
      const ci = spec.constraints.findIndex((c) => c.metric === col);
      // The cost expression (COLUMN*FACTOR) is its own field: a bad form or an unknown column of it.
      const cost = (spec.evaluator as { cost?: unknown }).cost;
      const costColumn = typeof cost === 'string' ? /^\s*([^*\s]+)/.exec(cost)?.[1] : undefined;
      const isCost = /^cost /.test(m) || (col !== undefined && col === costColumn && oi < 0 && ci < 0);
      add(isCost ? 'evaluator.cost' : oi >= 0 ? `objectives.${oi}.metric` : ci >= 0 ? `constraints.${ci}.metric` : col ? 'report' : 'evaluator', e);
    }
  }
  return { ok: issues.length === 0, issues, spaceCount };
}

/** The `space` namespace: built-in spaces, exact sizes, checks of user documents. */
export class SpaceService implements SpaceApi {
  async list(): Promise<SpaceEntry[]> {
    const nb201 = createSpace('nb201');
    const known = new Set<string>();
    const metrics: { name: string; known: boolean }[] = [];
    for (const ref of NB201_TABLES.knownTables) for (const c of loadCsv(ref).columns) known.add(c);
    for (const ref of [...NB201_TABLES.tables, ...NB201_TABLES.knownTables]) {
      for (const c of loadCsv(ref).columns) {
        if (['index', 'arch_str', 'ops', 'iso_id', 'n_seeds_200'].includes(c) || metrics.some((m) => m.name === c)) continue;
        metrics.push({ name: c, known: known.has(c) });
      }
    }
    // The CLI's default space: mobilenet with 1–2 blocks per stage.
    const mobilenet = createSpace('mobilenet', DEFAULT_SPACE.spaceOptions ?? {});
    return [
      {
        id: 'nb201',
        title: nb201.title,
        count: nb201.count().toString(),
        metrics,
        defaults: {
          name: 'nb201 evolution',
          space: 'nb201',
          strategy: 'evolution',
          strategyOptions: {},
          objectives: [...NB201_OBJECTIVES],
          constraints: [],
          report: ['c10_test'],
          budget: { evals: 1000 },
          seed: 0,
          evaluator: nb201EvaluatorSpec(),
        },
      },
      {
        id: 'mobilenet',
        title: `${mobilenet.title} (1–2 blocks per stage) · trained`,
        count: mobilenet.count().toString(),
        metrics: [...TRAIN_METRICS.map((name) => ({ name, known: false })), ...COST_METRICS.map((name) => ({ name, known: true })), ...ZERO_COST_PROXIES.map((name) => ({ name, known: true }))],
        // What `frontier search` does with no options (main/services/search-defaults.ts): the compact
        // space, each candidate trained on the built-in Fashion-MNIST subset, one worker thread per core.
        defaults: defaultTrainingSpec(),
      },
      {
        id: 'kws',
        title: `${createSpace('kws').title} · speech · trained`,
        count: createSpace('kws').count().toString(),
        metrics: [...TRAIN_METRICS.map((name) => ({ name, known: false })), ...COST_METRICS.map((name) => ({ name, known: true })), ...ZERO_COST_PROXIES.map((name) => ({ name, known: true }))],
        // `frontier search --space kws`: the built-in spoken keywords, MFCC features stored with the study.
        defaults: kwsTrainingSpec(),
      },
      {
        id: 'text',
        title: `${createSpace('text').title} · text · trained`,
        count: createSpace('text').count().toString(),
        metrics: [...TRAIN_METRICS.map((name) => ({ name, known: false })), ...COST_METRICS.map((name) => ({ name, known: true })), ...ZERO_COST_PROXIES.map((name) => ({ name, known: true }))],
        // `frontier search --space text`: the built-in Debian descriptions, the byte tokenizer's settings stored with the study.
        defaults: textTrainingSpec(),
      },
    ];
  }

  async describe({ space, options }: { space: string; options?: Record<string, unknown> }) {
    const sp = createSpace(space, options ?? {});
    return { id: sp.id, title: sp.title, count: sp.count().toString(), dims: sp.dims };
  }

  async count({ space, options }: { space: string; options?: Record<string, unknown> }) {
    return createSpace(space, options ?? {}).count().toString();
  }

  async validate({ space, options }: { space: string; options?: Record<string, unknown> }): Promise<FieldIssue | null> {
    try {
      createSpace(space, options ?? {});
      return null;
    } catch (e) {
      return { field: 'space', message: errorMessage(e) };
    }
  }
}

export class DeviceService implements DeviceApi {
  constructor(
    private readonly source: DeviceSource,
    private readonly reports: (id: string) => DeviceLatencyReport | null = () => null,
    private readonly profiles: ProfileJobs = new ProfileJobs(undefined, () => undefined),
  ) {}
  list() {
    return this.source.list();
  }
  async latency({ id }: { id: DeviceId }): Promise<DeviceLatencyReport | null> {
    return this.reports(id);
  }
  profile(req: ProfileRequest): Promise<ProfileJobId> {
    return this.profiles.start(req);
  }
  cancel(arg: { id: ProfileJobId }): Promise<void> {
    return this.profiles.cancel(arg);
  }
}
