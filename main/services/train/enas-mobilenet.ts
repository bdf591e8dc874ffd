/**
 * ENAS on the mobilenet space (Pham et al. 2018, with the once-for-all supernet of supernet-engine.ts
 * as the shared-weight model): each epoch, the shared weights take one SGD step on each sub-network
 * the controller (core/one-shot/space-controller.ts) samples, then the controller takes REINFORCE
 * steps whose reward is a sampled sub-network's validation accuracy with the shared weights (BatchNorm
 * statistics recalibrated on a few training batches first, then scored on a fixed validation subset),
 * optionally times MnasNet's latency term (lat/target)^w from a device's lookup table. The derived
 * architecture is the controller's argmax, scored on the whole validation split.
 */
import { Cancelled, errorMessage, NasError } from '../../../shared/errors.js';
import type { Architecture, CurvePoint } from '../../../shared/types/index.js';
import type { CancellationToken } from '../../core/cancellation.js';
import { costMetrics, graphCost } from '../../core/graph/cost.js';
import { latencyMetric, type LatencyModel } from '../../core/latency/lookup-table.js';
import { SpaceController } from '../../core/one-shot/space-controller.js';
import { MobilenetSpace } from '../../core/spaces/mobilenet.js';
import type { Store } from '../../core/store.js';
import type { ImageSplits } from './nb201-one-shot.js';
import { Supernet } from './supernet-engine.js';

/** A hardware-aware reward: accuracy · (latency / target)^weight, latency from a lookup table. */
export interface EnasLatencyReward {
  readonly model: LatencyModel;
  readonly targetMs: number;
  /** MnasNet's exponent (default -0.07). */
  readonly weight?: number;
}

export interface EnasMobilenetOptions {
  readonly epochs: number;
  readonly seed: number;
  /** Shared-weight steps per epoch, one sampled sub-network each (default: one pass over the training split). */
  readonly stepsPerEpoch?: number;
  /** Controller updates per epoch (default 10), each over `controllerBatch` sampled sub-networks (default 8). */
  readonly controllerSteps?: number;
  readonly controllerBatch?: number;
  readonly batchSize?: number;
  /** Shared weights: SGD (Nesterov, momentum 0.9), cosine from lr (0.05) to lrMin (0.001) over the epochs. */
  readonly lr?: number;
  readonly lrMin?: number;
  readonly controllerLr?: number;
  readonly entropy?: number;
  /** Validation examples a reward is scored on (default 256, the split's first), after BatchNorm recalibration on `rewardCalibration` batches of 64 (default 2). */
  readonly rewardVal?: number;
  readonly rewardCalibration?: number;
  readonly stemStride?: number;
  readonly threads?: number;
  readonly latency?: EnasLatencyReward;
  /** The space (default: the mobilenet space's defaults). */
  readonly space?: MobilenetSpace;
}

export interface EnasMobilenetEpoch {
  readonly epoch: number;
  readonly trainLoss: number;
  /** Mean reward of the epoch's controller samples, and the best reward any sample has had so far (with its architecture). */
  readonly meanReward: number;
  readonly bestReward: number;
  readonly bestKey: string;
  /** The policy's mean entropy per decision after the epoch (nats). */
  readonly entropy: number;
  readonly seconds: number;
}

export interface EnasMobilenetResult {
  readonly epochs: EnasMobilenetEpoch[];
  /** The controller's argmax. */
  readonly architecture: Architecture;
  /** Its accuracy and loss on the whole validation split with the shared weights (BatchNorm recalibrated on 8 batches). */
  readonly sharedAccuracy: number;
  readonly sharedLoss: number;
  readonly params: number;
  readonly flops: number;
  /** With a latency reward: the table's latency of the derived architecture and its reward. */
  readonly latencyMs?: number;
  readonly reward?: number;
  readonly probabilities: number[][];
  readonly seconds: number;
}

function checkInt(v: number | undefined, name: string, min: number): void {
  if (v !== undefined && !(Number.isInteger(v) && v >= min)) throw new NasError('invalid-input', `ENAS: ${name} must be an integer ≥ ${min}, got ${v}`);
}

/** ENAS over the mobilenet space's sub-networks: controller and shared-weight updates in alternation. */
export async function runEnasMobilenet(data: ImageSplits, o: EnasMobilenetOptions, onEpoch: (e: EnasMobilenetEpoch) => void = () => undefined, token?: CancellationToken): Promise<EnasMobilenetResult> {
  checkInt(o.epochs, 'epochs', 1);
  checkInt(o.stepsPerEpoch, 'stepsPerEpoch', 1);
  checkInt(o.controllerSteps, 'controllerSteps', 0);
  checkInt(o.controllerBatch, 'controllerBatch', 1);
  checkInt(o.rewardVal, 'rewardVal', 1);
  checkInt(o.rewardCalibration, 'rewardCalibration', 0);
  const lat = o.latency;
  if (lat && !(lat.targetMs > 0)) throw new NasError('invalid-input', `ENAS: the latency target must be > 0 ms, got ${lat.targetMs}`);
  const t0 = Date.now();
  const space = o.space ?? new MobilenetSpace();
  const ctl = new SpaceController(space, { seed: o.seed, ...(o.controllerLr !== undefined ? { lr: o.controllerLr } : {}), ...(o.entropy !== undefined ? { entropy: o.entropy } : {}) });
  const net = new Supernet(space, { input: data.input, classes: data.classes, stemStride: o.stemStride ?? 1, seed: o.seed, device: 'cpu', threads: o.threads ?? 1 });
  const latencyOf = (a: Architecture): number => {
    const p = (lat as EnasLatencyReward).model.predict(a);
    if (p.missing.length > 0) throw new NasError('invalid-input', `the latency table of ${(lat as EnasLatencyReward).model.deviceId} has no entry for ${p.missing.slice(0, 3).join(', ')}${p.missing.length > 3 ? ', …' : ''} (profile the device again with --space mobilenet)`);
    return p.ms;
  };
  const rewardOf = (acc: number, a: Architecture) => (lat ? acc * (latencyOf(a) / lat.targetMs) ** (lat.weight ?? -0.07) : acc);
  try {
    net.setData(data.train, data.val);
    const bs = o.batchSize ?? 64;
    const steps = o.stepsPerEpoch ?? Math.max(1, Math.floor(data.train.y.length / bs));
    const lr = o.lr ?? 0.05;
    const lrMin = Math.min(o.lrMin ?? 0.001, lr);
    const scoring = { calibrationBatches: o.rewardCalibration ?? 2, calibrationBatchSize: 64, valLimit: o.rewardVal ?? 256 };
    const epochs: EnasMobilenetEpoch[] = [];
    let bestReward = -Infinity;
    let bestKey = '';
    for (let ep = 1; ep <= o.epochs; ep++) {
      if (token?.isCancellationRequested) throw new Cancelled();
      const te = Date.now();
      const epLr = lrMin + ((lr - lrMin) * (1 + Math.cos((Math.PI * (ep - 1)) / o.epochs))) / 2;
      const t = await net.trainSubnets(ctl.sample(steps), { lr: epLr, batchSize: bs, seed: o.seed, firstStep: (ep - 1) * steps }, token);
      let sum = 0;
      let n = 0;
      for (let k = 0; k < (o.controllerSteps ?? 10); k++) {
        const archs = ctl.sample(o.controllerBatch ?? 8);
        const rewards: number[] = [];
        for (const a of archs) {
          const r = rewardOf((await net.evaluate(a, scoring, token)).accuracy, a);
          rewards.push(r);
          if (r > bestReward) [bestReward, bestKey] = [r, a.key];
        }
        ctl.update(archs.map((a) => a.sample), rewards);
        sum += rewards.reduce((x, y) => x + y, 0);
        n += rewards.length;
      }
      const e: EnasMobilenetEpoch = { epoch: ep, trainLoss: t.loss, meanReward: n ? sum / n : NaN, bestReward: n || bestKey ? bestReward : NaN, bestKey, entropy: ctl.entropy(), seconds: (Date.now() - te) / 1000 };
      epochs.push(e);
      onEpoch(e);
    }
    const architecture = ctl.best();
    const score = await net.evaluate(architecture, { calibrationBatches: 8, calibrationBatchSize: 64 }, token);
    const cost = costMetrics(graphCost(net.graph(architecture)));
    const latencyMs = lat ? latencyOf(architecture) : undefined;
    return {
      epochs, architecture, sharedAccuracy: score.accuracy, sharedLoss: score.loss, params: cost.params as number, flops: cost.flops as number,
      ...(latencyMs !== undefined ? { latencyMs, reward: rewardOf(score.accuracy, architecture) } : {}),
      probabilities: ctl.probabilities(), seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    net.dispose();
  }
}

/** What a stored mobilenet ENAS run was given (kept in the study's strategyOptions). */
export interface EnasMobilenetSettings {
  readonly name?: string;
  readonly seed: number;
  readonly data: string;
  readonly options: Record<string, unknown>;
}

/**
 * Stores a finished mobilenet ENAS run as a study of the mobilenet space (strategy `enas`): one
 * complete trial, the derived architecture, with its shared-weight validation accuracy (the
 * objective), params, FLOPs (and the table's latency and the reward with a latency target), plus
 * per-epoch curves (mean and best reward, training loss, the policy's entropy). Returns the study id.
 */
export function recordEnasMobilenetRun(store: Store, s: EnasMobilenetSettings, r: EnasMobilenetResult, latencyDevice?: string, now = Date.now()): string {
  const latMetric = latencyDevice !== undefined ? latencyMetric(latencyDevice) : undefined;
  const rec = store.createStudy({
    name: s.name ?? `enas (mobilenet) on ${s.data}`,
    space: 'mobilenet',
    strategy: 'enas',
    strategyOptions: { ...s.options, data: s.data },
    objectives: [{ metric: 'shared_val_accuracy', direction: 'max' }],
    constraints: [],
    report: ['params', 'flops', ...(latMetric ? [latMetric, 'reward'] : []), 'shared_val_loss', 'search_seconds'],
    budget: { evals: 1 },
    seed: s.seed,
    evaluator: { kind: 'shared-weights', method: 'enas', data: s.data },
  }, now);
  store.setStudyStatus(rec.id, 'running', now);
  try {
    const n = store.createTrial(rec.id, { key: r.architecture.key, sample: r.architecture.sample }, now);
    const curve: CurvePoint[] = r.epochs.flatMap((e) => [
      { step: e.epoch, metric: 'mean_reward', value: e.meanReward }, { step: e.epoch, metric: 'best_reward', value: e.bestReward },
      { step: e.epoch, metric: 'train_loss', value: e.trainLoss }, { step: e.epoch, metric: 'policy_entropy', value: e.entropy },
    ]).filter((c) => Number.isFinite(c.value)); // no rewards in an epoch without controller steps
    store.appendCurve(rec.id, n, curve);
    const metrics: Record<string, number> = {
      shared_val_accuracy: r.sharedAccuracy, shared_val_loss: r.sharedLoss, params: r.params, flops: r.flops, search_seconds: r.seconds,
      ...(latMetric && r.latencyMs !== undefined ? { [latMetric]: r.latencyMs, reward: r.reward as number } : {}),
    };
    const fidelity = Object.fromEntries(Object.keys(metrics).map((k) => [k, k === latMetric ? 'lut' : k === 'params' || k === 'flops' ? 'analytic' : 'enas shared weights']));
    const finishedAt = now + Math.round(r.seconds * 1000);
    store.finishTrial(rec.id, n, { state: 'complete', metrics, fidelity, cost: r.seconds, finishedAt }, {
      progress: { evals: 1, failed: 0, rejected: 0, costSeconds: r.seconds, wallMs: Math.round(r.seconds * 1000) },
      strategyState: { probabilities: r.probabilities },
    });
    store.setStudyStatus(rec.id, 'complete', finishedAt);
  } catch (e) {
    store.setStudyStatus(rec.id, 'failed', Date.now(), errorMessage(e));
    throw e;
  }
  return rec.id;
}
