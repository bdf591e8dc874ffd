/**
 * DARTS and ENAS on the NAS-Bench-201 cell, trained on the user's data with the libtorch engine's
 * shared-weight network (one-shot-engine.ts); the derived cell's CIFAR-10/100 accuracies are looked
 * up in the shipped NAS-Bench-201 table, an independent score of a search run on other data.
 */
import { existsSync } from 'node:fs';
import { Cancelled, errorMessage, NasError } from '../../../shared/errors.js';
import type { Sample } from '../../../shared/types/index.js';
import type { CancellationToken } from '../../core/cancellation.js';
import {
  alphaFrom, collapseReport, discretise, EnasController, guardedCell, parameterFreeTrend,
  type Alpha, type CollapseReport, type EnasControllerState, type GuardDecision,
} from '../../core/one-shot/nb201-alpha.js';
import { nb201ArchStr } from '../../core/spaces/nb201.js';
import { channelStats, normalise, splitDataset, type Dataset } from '../data/dataset.js';
import { loadDataset } from '../data/builtin.js';
import { loadCsv, NB201_TABLES } from '../evaluators.js';
import { Nb201OneShotNet, type DartsEngineOptions, type OneShotExamples, type OneShotNetOptions } from './one-shot-engine.js';

/** The NAS-Bench-201 results of one cell (200-epoch means over the benchmark's seeds, %). */
export interface Nb201Lookup {
  readonly index: number;
  readonly c10_valid: number;
  readonly c10_test: number;
  readonly c100_valid: number;
  readonly c100_test: number;
}

let table: Map<string, Nb201Lookup> | undefined;

/** The shipped table's row of a cell (every one of the 15,625 cells has one). */
export function nb201Lookup(cell: Sample): Nb201Lookup {
  if (!table) {
    const t = loadCsv(NB201_TABLES.tables[0]);
    const col = (name: string) => {
      const i = t.columns.indexOf(name);
      if (i < 0) throw new NasError('internal', `${t.source} has no column ${name}`);
      return i;
    };
    const [ki, ii, a, b, c, d] = ['arch_str', 'index', 'c10_valid', 'c10_test', 'c100_valid', 'c100_test'].map(col) as number[];
    table = new Map(t.rows.map((r) => [r[ki as number] as string, {
      index: Number(r[ii as number]), c10_valid: Number(r[a as number]), c10_test: Number(r[b as number]), c100_valid: Number(r[c as number]), c100_test: Number(r[d as number]),
    }]));
  }
  const key = nb201ArchStr(cell);
  const row = table.get(key);
  if (!row) throw new NasError('not-found', `${key} is not in the NAS-Bench-201 table`);
  return row;
}

export interface ImageSplits {
  readonly train: OneShotExamples;
  readonly val: OneShotExamples;
  readonly input: readonly [number, number, number];
  readonly classes: number;
  readonly source: string;
}

const asExamples = (d: Dataset, stats: ReturnType<typeof channelStats>): OneShotExamples => ({ x: normalise(d, stats), y: Int32Array.from(d.y) });

/** Average-pools every image by an integer factor (a 28×28 image with 2 becomes 14×14; the remainder is cropped). */
export function downsample(d: Dataset, factor: number): Dataset {
  if (!(Number.isInteger(factor) && factor >= 1)) throw new NasError('invalid-input', `the downsampling factor must be a whole number ≥ 1, got ${factor}`);
  if (factor === 1) return d;
  const [h, w, c] = d.shape;
  const oh = Math.floor(h / factor);
  const ow = Math.floor(w / factor);
  if (oh < 1 || ow < 1) throw new NasError('invalid-input', `${d.source}: ${h}×${w} images are too small to downsample by ${factor}`);
  const n = d.y.length;
  const x = new Float32Array(n * oh * ow * c);
  const area = factor * factor;
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < oh; r++) {
      for (let q = 0; q < ow; q++) {
        for (let k = 0; k < c; k++) {
          let sum = 0;
          for (let dr = 0; dr < factor; dr++) for (let dq = 0; dq < factor; dq++) sum += d.x[((i * h + r * factor + dr) * w + q * factor + dq) * c + k] as number;
          x[((i * oh + r) * ow + q) * c + k] = sum / area;
        }
      }
    }
  }
  return { ...d, shape: [oh, ow, c], x };
}

/**
 * A dataset (`builtin:fashion-mnist` or a path) split for a weight-sharing search: `train` trains the
 * weights, `val` the architecture (DARTS) or the controller (ENAS), optionally downsampled,
 * normalised with the train split's statistics. Stratified and deterministic under the seed.
 */
export function oneShotSplits(ref: string, o: { train: number; val: number; seed: number; downsample?: number; cwd?: string }): ImageSplits {
  const { data } = loadDataset(ref, o.cwd);
  const s = splitDataset(data, { val: o.val, maxTrain: o.train, seed: o.seed });
  const f = o.downsample ?? 1;
  const train = downsample(s.train, f);
  const val = downsample(s.val, f);
  const stats = channelStats(train);
  return { train: asExamples(train, stats), val: asExamples(val, stats), input: train.shape, classes: data.classes, source: data.source };
}

export type NetworkOptions = Omit<OneShotNetOptions, 'input' | 'classes' | 'seed'>;

export interface DartsRunOptions extends Omit<DartsEngineOptions, 'seed'> {
  readonly seed: number;
  /** The collapse guard (guardedCell): stop when collapsed, keep the epoch before, limit parameter-free edges. */
  readonly guard?: boolean;
  readonly collapseThreshold?: number;
  readonly maxParameterFree?: number;
  readonly network?: NetworkOptions;
}

export interface DartsEpoch {
  /** Read back from the checkpoint the run resumed from. */
  readonly resumed?: boolean;
  readonly epoch: number;
  readonly trainLoss: number;
  readonly valLoss: number;
  readonly valAccuracy: number;
  readonly seconds: number;
  readonly alpha: Alpha;
  readonly collapse: CollapseReport;
}

export interface DartsRunResult {
  readonly order: 1 | 2;
  readonly epochs: DartsEpoch[];
  /** Alpha discretised (the final epoch's, or the guard's choice). */
  readonly alpha: Alpha;
  readonly cell: Sample;
  readonly archStr: string;
  /** The final alpha's collapse indicator, and the parameter-free weight's slope per epoch. */
  readonly collapse: CollapseReport;
  readonly parameterFreeTrend: number;
  /** Set with guard: what it decided. */
  readonly guard?: GuardDecision;
  /** The cell the final alpha gives without the guard (equal to `cell` without it). */
  readonly unguardedCell: Sample;
  readonly nb201: Nb201Lookup;
  /** Seconds of this call (a resumed run: since it resumed). */
  readonly seconds: number;
  readonly paramCount: number;
  /** The checkpoint's epoch when the run resumed from one. */
  readonly resumedFrom?: number;
}

/** DARTS on the NB201 cell. Cancelled when the token fires; NasError when the loss diverges. */
export async function runDarts(data: ImageSplits, o: DartsRunOptions, onEpoch: (e: DartsEpoch) => void = () => undefined, token?: CancellationToken): Promise<DartsRunResult> {
  const net = new Nb201OneShotNet({ ...o.network, input: data.input, classes: data.classes, seed: o.seed });
  try {
    net.setData(data.train, data.val);
    const epochs: DartsEpoch[] = [];
    const { guard, collapseThreshold, maxParameterFree, network: _n, ...engine } = o;
    const r = await net.darts(engine, (e) => {
      const alpha = alphaFrom(e.alpha);
      const collapse = collapseReport(alpha, collapseThreshold);
      const ep = { ...(e.resumed ? { resumed: true } : {}), epoch: e.epoch, trainLoss: e.trainLoss, valLoss: e.valLoss, valAccuracy: e.valAccuracy, seconds: e.seconds, alpha, collapse };
      epochs.push(ep);
      if (guard && collapse.collapsed) net.stop();
      onEpoch(ep);
    }, token);
    if (r.divergedAt !== undefined) throw new NasError('internal', `DARTS diverged at step ${r.divergedAt} (loss ${r.divergedLoss}); try a smaller --lr or --arch-lr`);
    const history = Array.from({ length: r.history.length / 30 }, (_, i) => alphaFrom(r.history.subarray(i * 30, i * 30 + 30)));
    if (history.length === 0) throw new Cancelled('DARTS stopped before its first epoch ended');
    const last = history[history.length - 1] as Alpha;
    const unguardedCell = discretise(last);
    const g = guard ? guardedCell(history, { ...(collapseThreshold !== undefined ? { threshold: collapseThreshold } : {}), ...(maxParameterFree !== undefined ? { maxParameterFree } : {}) }) : undefined;
    const cell = g ? g.cell : unguardedCell;
    return {
      order: o.order,
      epochs,
      alpha: g ? (history[g.keptEpoch - 1] as Alpha) : last,
      cell,
      archStr: nb201ArchStr(cell),
      collapse: collapseReport(last, collapseThreshold),
      parameterFreeTrend: parameterFreeTrend(history),
      ...(g ? { guard: g } : {}),
      unguardedCell,
      nb201: nb201Lookup(cell),
      seconds: r.seconds,
      paramCount: net.paramCount(),
      ...(r.resumedFrom !== undefined ? { resumedFrom: r.resumedFrom } : {}),
    };
  } finally {
    net.dispose();
  }
}

export interface EnasRunOptions {
  readonly epochs: number;
  readonly seed: number;
  /** Shared-weight steps per epoch, one sampled cell each (default: one pass over the training split). */
  readonly stepsPerEpoch?: number;
  /** Controller updates per epoch (default 20), each over `controllerBatch` cells (default 8) scored on one validation batch each. */
  readonly controllerSteps?: number;
  readonly controllerBatch?: number;
  readonly batchSize?: number;
  /** Shared weights: SGD (Nesterov, momentum 0.9), cosine from lr (0.05) to lrMin (0.001). */
  readonly lr?: number;
  readonly lrMin?: number;
  /** Controller: REINFORCE learning rate (0.2), baseline decay (0.9), entropy bonus (1e-3). */
  readonly controllerLr?: number;
  readonly entropy?: number;
  /** Cells sampled at the end and scored on the whole validation split, with the policy's most probable one (default 10). */
  readonly finalSamples?: number;
  readonly network?: NetworkOptions;
  /**
   * A checkpoint file, written after every epoch (the network's state with the controller's and the
   * epochs' records, atomically); when it exists the run resumes from it and continues exactly.
   */
  readonly checkpoint?: string;
}

/** What an ENAS checkpoint holds besides the network's state. */
interface EnasCheckpointMeta {
  readonly version: 1;
  readonly settings: string;
  readonly epochs: EnasEpoch[];
  readonly controller: EnasControllerState;
}

export interface EnasEpoch {
  /** Read back from the checkpoint the run resumed from. */
  readonly resumed?: boolean;
  readonly epoch: number;
  readonly trainLoss: number;
  /** Mean reward (validation-batch accuracy) of the epoch's controller samples. */
  readonly meanReward: number;
  /** The controller's probabilities, 6 edges × 5 operations. */
  readonly probabilities: number[][];
  readonly seconds: number;
}

export interface EnasRunResult {
  readonly epochs: EnasEpoch[];
  readonly cell: Sample;
  readonly archStr: string;
  /** The derived cell's accuracy with the shared weights on the whole validation split. */
  readonly sharedAccuracy: number;
  readonly probabilities: number[][];
  readonly nb201: Nb201Lookup;
  readonly seconds: number;
  /** The checkpoint's epoch when the run resumed from one. */
  readonly resumedFrom?: number;
}

/** ENAS on the NB201 cell: controller and shared-weight updates in alternation. */
export async function runEnas(data: ImageSplits, o: EnasRunOptions, onEpoch: (e: EnasEpoch) => void = () => undefined, token?: CancellationToken): Promise<EnasRunResult> {
  const check = (v: number | undefined, name: string, min: number) => {
    if (v !== undefined && !(Number.isInteger(v) && v >= min)) throw new NasError('invalid-input', `ENAS: ${name} must be an integer ≥ ${min}, got ${v}`);
  };
  check(o.epochs, 'epochs', 1);
  check(o.stepsPerEpoch, 'stepsPerEpoch', 1);
  check(o.controllerSteps, 'controllerSteps', 0);
  check(o.controllerBatch, 'controllerBatch', 1);
  check(o.finalSamples, 'finalSamples', 0);
  const t0 = Date.now();
  const net = new Nb201OneShotNet({ ...o.network, input: data.input, classes: data.classes, seed: o.seed });
  const ctl = new EnasController({ seed: o.seed, ...(o.controllerLr !== undefined ? { lr: o.controllerLr } : {}), ...(o.entropy !== undefined ? { entropy: o.entropy } : {}) });
  try {
    net.setData(data.train, data.val);
    const bs = o.batchSize ?? 64;
    const steps = o.stepsPerEpoch ?? Math.max(1, Math.floor(data.train.y.length / bs));
    const lr = o.lr ?? 0.05;
    const lrMin = Math.min(o.lrMin ?? 0.001, lr);
    const epochs: EnasEpoch[] = [];
    // Everything that shapes the run: a checkpoint of other settings is refused.
    const { checkpoint, network: _n, ...rest } = o;
    const settings = JSON.stringify({ ...rest, network: o.network ?? {}, train: data.train.y.length, val: data.val.y.length, input: data.input, classes: data.classes });
    let resumedFrom: number | undefined;
    if (checkpoint !== undefined && existsSync(checkpoint)) {
      let meta: EnasCheckpointMeta;
      try {
        meta = JSON.parse(net.loadState(checkpoint)) as EnasCheckpointMeta;
      } catch (e) {
        if (e instanceof NasError) throw e;
        throw new NasError('invalid-input', `${checkpoint} is damaged: ${errorMessage(e)}`);
      }
      if (meta.version !== 1 || !Array.isArray(meta.epochs)) throw new NasError('invalid-input', `${checkpoint} is not an ENAS checkpoint`);
      if (meta.settings !== settings) throw new NasError('invalid-input', `the checkpoint ${checkpoint} is of another ENAS run (${meta.settings}), not of this one (${settings})`);
      if (meta.epochs.length > o.epochs) throw new NasError('invalid-input', `the checkpoint ${checkpoint} is past this run's last epoch`);
      ctl.restore(meta.controller);
      resumedFrom = meta.epochs.length;
      for (const e of meta.epochs) {
        const r = { ...e, resumed: true };
        epochs.push(r);
        onEpoch(r);
      }
    }
    for (let ep = epochs.length + 1; ep <= o.epochs; ep++) {
      if (token?.isCancellationRequested) throw new Cancelled();
      const te = Date.now();
      const epLr = lrMin + ((lr - lrMin) * (1 + Math.cos((Math.PI * (ep - 1)) / o.epochs))) / 2;
      const t = await net.trainSampled(ctl.sample(steps), { lr: epLr, batchSize: bs }, token);
      if (!Number.isFinite(t.loss)) throw new NasError('internal', `ENAS diverged in epoch ${ep} (shared-weight loss ${t.loss}); try a smaller --lr`);
      let rewardSum = 0;
      let rewardN = 0;
      for (let k = 0; k < (o.controllerSteps ?? 20); k++) {
        const cells = ctl.sample(o.controllerBatch ?? 8);
        const rewards = await net.evalSampled(cells, { batchSize: bs }, token);
        ctl.update(cells, [...rewards]);
        for (const r of rewards) rewardSum += r;
        rewardN += rewards.length;
      }
      const e = { epoch: ep, trainLoss: t.loss, meanReward: rewardN ? rewardSum / rewardN : NaN, probabilities: ctl.probabilities(), seconds: (Date.now() - te) / 1000 };
      epochs.push(e);
      if (checkpoint !== undefined) {
        const meta: EnasCheckpointMeta = { version: 1, settings, epochs: epochs.map(({ resumed: _r, ...x }) => x), controller: ctl.state() };
        net.saveState(checkpoint, JSON.stringify(meta));
      }
      onEpoch(e);
    }
    // The derived cell: the policy's most probable cell and a few samples, scored on the whole validation split.
    const candidates = [ctl.best(), ...ctl.sample(o.finalSamples ?? 10)];
    const acc = await net.evalSampled(candidates, { batchSize: 256, full: true }, token);
    let best = 0;
    for (let i = 1; i < candidates.length; i++) if ((acc[i] as number) > (acc[best] as number)) best = i;
    const cell = candidates[best] as Sample;
    return {
      epochs, cell, archStr: nb201ArchStr(cell), sharedAccuracy: acc[best] as number, probabilities: ctl.probabilities(), nb201: nb201Lookup(cell), seconds: (Date.now() - t0) / 1000,
      ...(resumedFrom !== undefined ? { resumedFrom } : {}),
    };
  } finally {
    net.dispose();
  }
}
