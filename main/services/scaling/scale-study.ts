/**
 * `frontier scale`: compound scaling (EfficientNet) of a trial of a stored mobilenet search, as a new
 * stored study linked to its source. First the coefficients: a small grid of (α, β, γ) with
 * α·β²·γ² ≈ 2, each scaled model at φ = 1 trained briefly (fewer epochs and images) and the most
 * accurate kept; or coefficients the user gives. Then one model per target (a FLOPs, parameter or
 * local latency budget): the largest φ whose model fits it, trained with the source search's
 * settings. Every model is a trial with its measured metrics, its multipliers and its phase.
 * A phone's latency target (`latency:<serial>=MS`) is fitted on the phone itself: each candidate
 * is exported to TFLite and measured with benchmark_model (phone-latency.ts), and the chosen
 * model's measurement is its trial's `latency:<serial>` metric and stored latency sample.
 */
import { Cancelled, errorMessage, NasError } from '../../../shared/errors.js';
import type { CurvePoint, StudyProgress, StudySpec } from '../../../shared/types/index.js';
import { CancellationToken } from '../../core/cancellation.js';
import { coefficientGrid, fitPhi, floorPhi, flopsFactor, multipliersAt, type Coefficients, type GridOptions, type Multipliers, type ScaleTarget } from '../../core/scaling/compound.js';
import { ScaledSpace, type ScaledSpaceOptions } from '../../core/scaling/space.js';
import type { Store } from '../../core/store.js';
import { PHASE_METRIC } from '../../core/study.js';
import { DEFAULT_DATASET } from '../data/builtin.js';
import { latencyMetric } from '../../core/latency/lookup-table.js';
import type { BackendName } from '../train/backend.js';
import type { TrainEvaluatorSpec } from '../train/evaluator.js';
import { TRAIN_DEFAULTS, type TrainOptions } from '../train/trainer.js';
import { storePhoneSample, type PhoneLatency, type PhoneLatencyProbe } from './phone-latency.js';
import { probeLatency, scaledCost, scaledGraph, trainScaled, type ScaledSetting } from './train-scaled.js';

export interface ScaleOptions {
  readonly studyId: string;
  readonly trial: number;
  readonly targets: readonly ScaleTarget[];
  /** Skip the grid: scale with these coefficients. */
  readonly coefficients?: Coefficients;
  readonly grid?: GridOptions;
  /** Short training of the grid's models (default 1 epoch on 2,000 images). */
  readonly gridEpochs?: number;
  readonly gridTrain?: number;
  /** Training of the targets' models (default: the source search's epochs and images). */
  readonly epochs?: number;
  readonly maxTrain?: number;
  /** Channel rounding (default 8). */
  readonly divisor?: number;
  readonly backend?: BackendName;
  /** Measures on phones, for `latency:<serial>` targets (required when there are any). */
  readonly phones?: PhoneLatencyProbe;
  /** Folder relative data paths are resolved against, and where resized copies are cached. */
  readonly cwd: string;
  readonly cacheDir: string;
  readonly name?: string;
  readonly onProgress?: (e: ScaleProgress) => void;
  readonly token?: CancellationToken;
  readonly now?: () => number;
}

export type ScaleProgress =
  | { readonly kind: 'start'; readonly studyId: string; readonly models: number; readonly baseFlops: number }
  | { readonly kind: 'model'; readonly phase: 'grid' | 'target'; readonly index: number; readonly of: number; readonly label: string; readonly multipliers: Multipliers; readonly flops: number; readonly point?: CurvePoint; readonly done?: { readonly trial: number; readonly valAccuracy?: number; readonly latencyMs?: number; readonly phone?: { readonly serial: string; readonly ms: number }; readonly error?: string } }
  | { readonly kind: 'chosen'; readonly coefficients: Coefficients; readonly by: 'grid' | 'given'; readonly valAccuracy?: number }
  /** A candidate of a phone target measured (or found in the cache) while fitting φ. */
  | { readonly kind: 'probe'; readonly label: string; readonly serial: string; readonly phi: number; readonly multipliers: Multipliers; readonly ms: number; readonly cached: boolean };

export interface ScaledModel {
  readonly trial: number;
  readonly phase: 'grid' | 'target';
  readonly label: string;
  readonly key: string;
  readonly multipliers: Multipliers;
  readonly phi: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly state: 'complete' | 'failed';
  readonly error?: string;
}

export interface ScaleResult {
  readonly studyId: string;
  readonly coefficients: Coefficients;
  readonly models: readonly ScaledModel[];
}

/** Grid models whose FLOPs after rounding exceed the base's by more than this are left out. */
export const GRID_FLOPS_SLACK = 1.25;

function sourceOf(store: Store, o: ScaleOptions) {
  const rec = store.getStudy(o.studyId);
  if (!rec) throw new NasError('not-found', `no study with id '${o.studyId}'`);
  const t = store.getTrial(rec.id, o.trial);
  if (!t) throw new NasError('not-found', `study ${rec.id} has no trial ${o.trial}`);
  if (t.state !== 'complete') throw new NasError('invalid-input', `trial ${o.trial} of study ${rec.id} is ${t.state}, not complete: only a complete trial is scaled`);
  if (rec.spec.space !== 'mobilenet' && rec.spec.space !== 'custom') {
    throw new NasError('invalid-input', `compound scaling needs a trial of the mobilenet space or of a space document; study ${rec.id} searched ${rec.spec.space}`);
  }
  if (rec.spec.evaluator.kind !== 'train') throw new NasError('invalid-input', `study ${rec.id} did not train its candidates (evaluator ${rec.spec.evaluator.kind}): nothing to scale them on`);
  return { rec, trial: t, e: rec.spec.evaluator as unknown as TrainEvaluatorSpec };
}

/** Runs compound scaling; returns the new study and its models. Cancelled: the models finished so far are kept. */
export async function runScale(store: Store, o: ScaleOptions): Promise<ScaleResult> {
  if (o.targets.length === 0) throw new NasError('invalid-input', 'scale: give at least one target (e.g. --flops 20M,40M or --targets latency:local=2)');
  const given = o.coefficients;
  if (given && (Math.min(given.alpha, given.beta, given.gamma) < 1 || !(flopsFactor(given) > 1.01))) {
    throw new NasError('invalid-input', `scale: coefficients α ${given.alpha}, β ${given.beta}, γ ${given.gamma} must each be ≥ 1 with α·β²·γ² > 1 (the model must grow with φ; EfficientNet: 1.2, 1.1, 1.15)`);
  }
  const { rec: src, trial: srcTrial, e } = sourceOf(store, o);
  const phoneTargets = o.targets.filter(isPhoneTarget);
  if (phoneTargets.length > 0) {
    if (!o.phones) throw new NasError('invalid-input', `target '${phoneTargets[0]?.label}': a phone's latency is measured on the phone, and no phones were given`);
    // Every phone must be there before anything is trained.
    for (const t of phoneTargets) o.phones.ensureOnline(t.device as string);
  }
  // A space document's architecture scales in width and resolution only (α = 1).
  const deep = src.spec.space === 'mobilenet';
  if (!deep && given && given.alpha !== 1) throw new NasError('invalid-input', `scale: study ${src.id} searched a space document, whose architectures scale in width and resolution only: give α = 1 (e.g. --coefficients 1,1.2,1.2)`);
  const now = o.now ?? Date.now;
  const token = o.token ?? CancellationToken.None;
  const spaceOptions: ScaledSpaceOptions = { base: { space: deep ? 'mobilenet' : 'custom', spaceOptions: src.spec.spaceOptions ?? {}, key: srcTrial.key }, divisor: o.divisor ?? 8 };
  const space = new ScaledSpace(spaceOptions as unknown as Record<string, unknown>);
  const setting: ScaledSetting = {
    space,
    data: { ref: e.data ?? DEFAULT_DATASET, val: e.val ?? 1000, seed: src.spec.seed, cwd: e.cwd ?? o.cwd, ...(e.maxTrain !== undefined ? { maxTrain: e.maxTrain } : {}) },
    cacheDir: o.cacheDir,
    ...(e.mobilenet?.stemStride !== undefined ? { stemStride: e.mobilenet.stemStride } : {}),
    ...(o.backend ?? e.backend ? { backend: (o.backend ?? e.backend) as BackendName } : {}),
  };
  const train: TrainOptions = {
    ...TRAIN_DEFAULTS, epochs: o.epochs ?? e.epochs ?? TRAIN_DEFAULTS.epochs, batchSize: e.batchSize ?? TRAIN_DEFAULTS.batchSize, lr: e.lr ?? TRAIN_DEFAULTS.lr,
    patience: e.patience ?? TRAIN_DEFAULTS.patience, seed: src.spec.seed, ...(e.augment ? { augment: e.augment } : {}),
  };
  const gridTrain: TrainOptions = { ...train, epochs: o.gridEpochs ?? 1 };
  const ONE: Multipliers = { depth: 1, width: 1, resolution: 1 };
  const baseCost = scaledCost(setting, ONE);
  const baseFlops = baseCost.flops as number;
  // The grid at φ = 1, less the models whose rounding takes them far over α·β²·γ² times the base.
  const factor = o.grid?.factor ?? 2;
  const grid = o.coefficients ? [] : coefficientGrid({ ...o.grid, depth: deep }).filter((c) => (scaledCost(setting, multipliersAt(c, 1)).flops as number) <= GRID_FLOPS_SLACK * factor * baseFlops);
  if (!o.coefficients && grid.length === 0) throw new NasError('invalid-input', `no coefficients of the grid keep the FLOPs of trial ${o.trial} within ${GRID_FLOPS_SLACK * factor}× after channel rounding; give --coefficients or a smaller --divisor`);

  const spec: StudySpec = {
    name: o.name ?? `compound scaling of study ${src.id} trial ${o.trial}`,
    space: 'scaled',
    spaceOptions: spaceOptions as unknown as Record<string, unknown>,
    strategy: 'compound-scaling',
    strategyOptions: {
      source: { studyId: src.id, trial: o.trial, key: srcTrial.key },
      method: o.coefficients ? 'given coefficients' : `EfficientNet grid${deep ? '' : ' (α = 1: a space document scales in width and resolution)'}: α·β²·γ² within ${o.grid?.tolerance ?? 0.1} of ${factor}, α, β, γ ≥ ${o.grid?.min ?? 1.1}, FLOPs after rounding ≤ ${GRID_FLOPS_SLACK * factor}× the base; the most accurate after ${gridTrain.epochs} epoch(s) on ${o.gridTrain ?? 2000} images`,
      targets: o.targets.map((t) => t.label),
      ...(o.coefficients ? { coefficients: o.coefficients } : {}),
      // What `frontier scale` was given, for the command that runs it again (reproduce.ts).
      settings: {
        ...(o.grid?.limit !== undefined ? { grid: o.grid.limit } : {}), ...(o.grid?.tolerance !== undefined ? { tolerance: o.grid.tolerance } : {}), ...(o.grid?.min !== undefined ? { gridMin: o.grid.min } : {}),
        ...(o.gridEpochs !== undefined ? { gridEpochs: o.gridEpochs } : {}), ...(o.gridTrain !== undefined ? { gridTrain: o.gridTrain } : {}),
        ...(o.epochs !== undefined ? { epochs: o.epochs } : {}), ...(o.maxTrain !== undefined ? { maxTrain: o.maxTrain } : {}),
        ...(o.divisor !== undefined ? { divisor: o.divisor } : {}), ...(o.backend !== undefined ? { backend: o.backend } : {}),
        ...(phoneTargets.length > 0 ? o.phones?.settings : {}),
      },
    },
    objectives: [{ metric: 'val_accuracy', direction: 'max' }, { metric: 'flops', direction: 'min' }],
    constraints: [],
    report: ['test_accuracy', 'latency_ms', ...new Set(phoneTargets.map((t) => latencyMetric(t.device as string))), 'params', 'depth_mult', 'width_mult', 'resolution', 'phi', PHASE_METRIC, 'budget', 'within_budget'],
    budget: { evals: grid.length + o.targets.length },
    seed: src.spec.seed,
    evaluator: { ...e, kind: 'train' },
  };
  const study = store.createStudy(spec, now());
  store.updateStudyInfo(study.id, { notes: `Compound scaling of study ${src.id} (${src.spec.name}) trial ${o.trial}: ${srcTrial.key}`, tags: ['scaled'] });
  store.setStudyStatus(study.id, 'running', now());
  const started = now();
  let progress: StudyProgress = { evals: 0, failed: 0, rejected: 0, costSeconds: 0, wallMs: 0 };
  const models: ScaledModel[] = [];
  let chosen: Coefficients | undefined = o.coefficients;
  const total = grid.length + o.targets.length;
  o.onProgress?.({ kind: 'start', studyId: study.id, models: total, baseFlops });

  /** Trains, scores and records one model as a trial. */
  const record = async (phase: 'grid' | 'target', index: number, label: string, c: Coefficients, phi: number, m: Multipliers, extra: Record<string, number>, fidelity: Record<string, string>, phone?: PhoneLatency): Promise<ScaledModel> => {
    const arch = space.freeze(space.sampleOf(m));
    const n = store.createTrial(study.id, arch, now());
    // Measured on the phone while fitting φ: its trial's latency there, stored as a search stores it.
    if (phone) storePhoneSample(store, phone, study.id, n);
    const flops = scaledCost(setting, m).flops as number;
    const of = phase === 'grid' ? grid.length : o.targets.length;
    const tell = (rest: Partial<Extract<ScaleProgress, { kind: 'model' }>>) => o.onProgress?.({ kind: 'model', phase, index, of, label, multipliers: m, flops, ...rest });
    tell({});
    const scaling = { phi, alpha: c.alpha, beta: c.beta, gamma: c.gamma, [PHASE_METRIC]: phase === 'grid' ? 0 : 1, ...extra };
    const scalingFidelity = { ...Object.fromEntries(['phi', 'alpha', 'beta', 'gamma'].map((k) => [k, 'scaling'])), [PHASE_METRIC]: phase === 'grid' ? 'grid' : `target ${label}`, ...fidelity };
    let model: ScaledModel;
    try {
      const r = await trainScaled(setting, m, phase === 'grid' ? gridTrain : train, phase === 'grid' ? (o.gridTrain ?? 2000) : o.maxTrain ?? setting.data.maxTrain, (point) => {
        store.appendCurve(study.id, n, [point]);
        tell({ point });
      }, token);
      const metrics: Record<string, number> = { ...r.metrics, ...scaling };
      if (extra.budget !== undefined) metrics.within_budget = withinBudget(o.targets[index] as ScaleTarget, metrics) ? 1 : 0;
      progress = { ...progress, evals: progress.evals + 1, costSeconds: progress.costSeconds + r.seconds, wallMs: now() - started };
      store.finishTrial(study.id, n, { state: 'complete', metrics, fidelity: { ...r.fidelity, ...scalingFidelity, ...(metrics.within_budget !== undefined ? { within_budget: `target ${label}` } : {}) }, cost: r.seconds, finishedAt: now() }, { progress, strategyState: { chosen: chosen ?? null } });
      model = { trial: n, phase, label, key: arch.key, multipliers: m, phi, metrics, state: 'complete' };
    } catch (err) {
      if (err instanceof Cancelled || token.isCancellationRequested) throw err instanceof Cancelled ? err : new Cancelled();
      progress = { ...progress, evals: progress.evals + 1, failed: progress.failed + 1, wallMs: now() - started };
      store.finishTrial(study.id, n, { state: 'failed', metrics: scaling, fidelity: scalingFidelity, cost: 0, error: errorMessage(err), finishedAt: now() }, { progress, strategyState: { chosen: chosen ?? null } });
      model = { trial: n, phase, label, key: arch.key, multipliers: m, phi, metrics: scaling, state: 'failed', error: errorMessage(err) };
    }
    models.push(model);
    tell({ done: { trial: n, ...(model.metrics.val_accuracy !== undefined ? { valAccuracy: model.metrics.val_accuracy } : {}), ...(model.metrics.latency_ms !== undefined ? { latencyMs: model.metrics.latency_ms } : {}), ...(phone ? { phone: { serial: phone.serial, ms: phone.medianMs } } : {}), ...(model.error ? { error: model.error } : {}) } });
    return model;
  };

  try {
    for (const [i, c] of grid.entries()) {
      await record('grid', i, `α ${c.alpha} β ${c.beta} γ ${c.gamma} (α·β²·γ² ${flopsFactor(c).toFixed(2)})`, c, 1, multipliersAt(c, 1), {}, {});
    }
    if (!chosen) {
      const done = models.filter((x) => x.state === 'complete');
      if (done.length === 0) throw new NasError('internal', `every model of the coefficient grid failed (first: ${models[0]?.error ?? 'unknown'})`);
      const best = done.reduce((a, b) => ((b.metrics.val_accuracy as number) > (a.metrics.val_accuracy as number) || ((b.metrics.val_accuracy as number) === (a.metrics.val_accuracy as number) && (b.metrics.flops as number) < (a.metrics.flops as number)) ? b : a));
      chosen = grid[models.indexOf(best)] as Coefficients;
      o.onProgress?.({ kind: 'chosen', coefficients: chosen, by: 'grid', valAccuracy: best.metrics.val_accuracy as number });
    } else o.onProgress?.({ kind: 'chosen', coefficients: chosen, by: 'given' });
    const c = chosen;
    for (const [i, t] of o.targets.entries()) {
      const fit = await fitTarget(setting, c, t, token, o.phones, (probe) => o.onProgress?.({ kind: 'probe', label: t.label, ...probe }));
      if (!fit && isPhoneTarget(t)) {
        const m = multipliersAt(c, PHONE_PHI_MIN);
        const least = await (o.phones as PhoneLatencyProbe).latency(t.device as string, scaledGraph(setting, m), space.freeze(space.sampleOf(m)).key, token); // measured: a cache hit
        throw new NasError('invalid-input', `no scaling of trial ${o.trial} fits ${t.label}: the smallest tried (φ = ${PHONE_PHI_MIN}, d${m.depth} w${m.width} r${m.resolution}) takes ${least.medianMs} ms on ${t.device}`);
      }
      if (!fit) {
        const smallest = scaledCost(setting, multipliersAt(c, -8));
        throw new NasError('invalid-input', `no scaling of trial ${o.trial} fits ${t.label}: the smallest (multipliers 0.25) has ${smallest.flops} FLOPs and ${smallest.params} params`);
      }
      const phone = fit.phone;
      const phoneMetric = phone ? { [latencyMetric(phone.serial)]: phone.medianMs } : {};
      const phoneFidelity = phone ? { [latencyMetric(phone.serial)]: `phone ${phone.serial}: benchmark_model, median of ${phone.repeatsMs.length} repeat(s) of ${phone.runs / Math.max(1, phone.repeatsMs.length)} runs (${phone.status})` } : {};
      await record('target', i, t.label, c, fit.phi, fit.multipliers, { budget: t.value, ...phoneMetric }, { budget: `target ${t.label}`, ...phoneFidelity }, phone);
    }
    store.setStudyStatus(study.id, 'complete', now());
  } catch (err) {
    store.abandonRunning(study.id, 'interrupted: scaling stopped before this model finished', now());
    const stopped = err instanceof Cancelled;
    store.setStudyStatus(study.id, 'failed', now(), stopped ? `stopped after ${models.length} of ${total} models (kept); run frontier scale again for the rest` : errorMessage(err));
    throw err;
  }
  return { studyId: study.id, coefficients: chosen, models };
}

function isPhoneTarget(t: ScaleTarget): boolean {
  return t.kind === 'latency' && t.device !== undefined && t.device !== 'local';
}

function withinBudget(t: ScaleTarget, m: Readonly<Record<string, number>>): boolean {
  const v = t.kind === 'latency' ? (isPhoneTarget(t) ? m[latencyMetric(t.device as string)] : m.latency_ms) : m[t.kind];
  return v !== undefined && v <= t.value;
}

type ProbeEvent = { serial: string; phi: number; multipliers: Multipliers; ms: number; cached: boolean };

/**
 * The largest φ whose model fits the target: FLOPs and params analytic, latency timed here on the
 * untrained model, or measured on the phone (each model once: the probe caches them).
 */
async function fitTarget(s: ScaledSetting, c: Coefficients, t: ScaleTarget, token: CancellationToken, phones?: PhoneLatencyProbe, onProbe?: (e: ProbeEvent) => void): Promise<{ phi: number; multipliers: Multipliers; phone?: PhoneLatency } | undefined> {
  if (t.kind !== 'latency') return fitPhi(c, (m) => (scaledCost(s, m)[t.kind] as number) <= t.value);
  if (isPhoneTarget(t)) return fitPhone(s, c, t, t.device as string, phones as PhoneLatencyProbe, token, onProbe);
  // Timings are noisy and take a moment: bisect on a coarser range and fewer steps, timing each φ once.
  const timed = new Map<string, number>();
  const probe = async (phi: number) => {
    const m = multipliersAt(c, phi);
    const k = JSON.stringify(m);
    if (!timed.has(k)) timed.set(k, await probeLatency(scaledGraph(s, m), s.backend, token));
    return timed.get(k) as number;
  };
  let lo = -4;
  let hi = 4;
  if ((await probe(lo)) > t.value) return undefined;
  if ((await probe(hi)) <= t.value) return { phi: hi, multipliers: multipliersAt(c, hi) };
  for (let i = 0; i < 10; i++) {
    const mid = (lo + hi) / 2;
    if ((await probe(mid)) <= t.value) lo = mid;
    else hi = mid;
  }
  return { phi: floorPhi(lo), multipliers: multipliersAt(c, floorPhi(lo)) };
}

/** The smallest φ a phone target tries (the largest: its opposite). */
const PHONE_PHI_MIN = -4;

/** fitTarget on a phone: bisection on φ in [-4, 4] (8 steps), each candidate measured on the phone once. */
async function fitPhone(s: ScaledSetting, c: Coefficients, t: ScaleTarget, serial: string, phones: PhoneLatencyProbe, token: CancellationToken, onProbe?: (e: ProbeEvent) => void): Promise<{ phi: number; multipliers: Multipliers; phone: PhoneLatency } | undefined> {
  const probe = async (phi: number): Promise<PhoneLatency> => {
    const m = multipliersAt(c, phi);
    const before = phones.measurements;
    const r = await phones.latency(serial, scaledGraph(s, m), s.space.freeze(s.space.sampleOf(m)).key, token);
    onProbe?.({ serial, phi, multipliers: m, ms: r.medianMs, cached: phones.measurements === before });
    return r;
  };
  let lo = PHONE_PHI_MIN;
  let hi = -PHONE_PHI_MIN;
  if ((await probe(lo)).medianMs > t.value) return undefined;
  const top = await probe(hi);
  if (top.medianMs <= t.value) return { phi: hi, multipliers: multipliersAt(c, hi), phone: top };
  for (let i = 0; i < 8; i++) {
    const mid = (lo + hi) / 2;
    if ((await probe(mid)).medianMs <= t.value) lo = mid;
    else hi = mid;
  }
  const phi = floorPhi(lo);
  // φ rounded down: the same multipliers as lo's (a cache hit) or smaller ones, measured once more.
  return { phi, multipliers: multipliersAt(c, phi), phone: await probe(phi) };
}
