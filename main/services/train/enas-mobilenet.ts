/**
 * ENAS on the mobilenet space (Pham et al. 2018, with the once-for-all supernet of supernet-engine.ts
 * as the shared-weight model): each epoch, the shared weights take one SGD step on each sub-network
 * the controller (core/one-shot/space-controller.ts) samples, then the controller takes REINFORCE
 * steps whose reward is a sampled sub-network's validation accuracy with the shared weights (BatchNorm
 * statistics recalibrated on a few training batches first, then scored on a fixed validation subset),
 * optionally times MnasNet's latency term (lat/target)^w from a device's lookup table. The derived
 * architecture is the controller's argmax, scored on the whole validation split.
 *
 * Each epoch ends with the derived architecture of the moment scored as a reward is, and (with
 * `checkpoint`) a checkpoint of everything the run's future depends on: the supernet's weights and
 * BatchNorm statistics, the controller's state (policy, baseline, running variance, sampler RNG), the
 * best reward so far, the epochs' records, and the shared weights' SGD momentum (trainSubnets'
 * optimizer state, Supernet.saveSubnetState), written atomically (temp file + rename). One native
 * supernet trains through all the epochs, so the momentum carries over from epoch to epoch; a run
 * given an existing checkpoint loads weights and momentum into a new one and ends exactly as a run
 * never stopped (batch orders follow (seed, step)).
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Cancelled, errorMessage, NasError } from '../../../shared/errors.js';
import type { Architecture, CurvePoint, StudySpec } from '../../../shared/types/index.js';
import type { CancellationToken } from '../../core/cancellation.js';
import { costMetrics, graphCost } from '../../core/graph/cost.js';
import { latencyMetric, type LatencyModel } from '../../core/latency/lookup-table.js';
import { SpaceController, type SpaceControllerState } from '../../core/one-shot/space-controller.js';
import { MobilenetSpace } from '../../core/spaces/mobilenet.js';
import type { ImageSplits } from './nb201-one-shot.js';
import type { DerivedTrial } from './one-shot-study.js';
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
  /** Checkpoint file, written after every epoch; when it exists the run resumes from it (one of other settings is refused). */
  readonly checkpoint?: string;
}

export interface EnasMobilenetEpoch {
  /** Read back from the checkpoint the run resumed from (not run again). */
  readonly resumed?: boolean;
  readonly epoch: number;
  readonly trainLoss: number;
  /** Mean reward of the epoch's controller samples, and the best reward any sample has had so far (with its architecture). */
  readonly meanReward: number;
  readonly bestReward: number;
  readonly bestKey: string;
  /** The policy's mean entropy per decision after the epoch (nats). */
  readonly entropy: number;
  /** The controller's baseline (the rewards' moving average) after the epoch; null before any update. */
  readonly baseline: number | null;
  /** The policy after the epoch: per decision (the space's dims), the probability of each choice. */
  readonly probabilities: number[][];
  /** The derived architecture after the epoch (the policy's argmax) and its reward-fidelity accuracy (the shared weights on the reward's validation examples). */
  readonly derivedKey: string;
  readonly derivedAccuracy: number;
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
  /** Seconds of this call (a resumed run: since it resumed). */
  readonly seconds: number;
  /** The checkpoint's epoch when the run resumed from one. */
  readonly resumedFrom?: number;
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
  // The run's one native supernet; resumed, it gets the checkpoint's weights `w` and momentum `state`
  // (the bytes of a saveSubnetState file, passed through a file in `scratch`).
  let scratch: string | undefined;
  const stateFile = (): string => join((scratch ??= mkdtempSync(join(tmpdir(), 'frontier-enas-'))), 'momentum');
  const build = (w?: ReadonlyMap<string, Float32Array>, state?: Buffer): Supernet => {
    const n = new Supernet(space, { input: data.input, classes: data.classes, stemStride: o.stemStride ?? 1, seed: o.seed, device: 'cpu', threads: o.threads ?? 1 });
    try {
      n.setData(data.train, data.val);
      if (w) n.setWeights(w);
      if (state) {
        writeFileSync(stateFile(), state);
        n.loadSubnetState(stateFile());
      }
    } catch (e) {
      n.dispose();
      throw e;
    }
    return n;
  };
  const momentum = (n: Supernet): Buffer => {
    n.saveSubnetState(stateFile());
    return readFileSync(stateFile());
  };
  const latencyOf = (a: Architecture): number => {
    const p = (lat as EnasLatencyReward).model.predict(a);
    if (p.missing.length > 0) throw new NasError('invalid-input', `the latency table of ${(lat as EnasLatencyReward).model.deviceId} has no entry for ${p.missing.slice(0, 3).join(', ')}${p.missing.length > 3 ? ', …' : ''} (profile the device again with --space mobilenet)`);
    return p.ms;
  };
  const rewardOf = (acc: number, a: Architecture) => (lat ? acc * (latencyOf(a) / lat.targetMs) ** (lat.weight ?? -0.07) : acc);
  const bs = o.batchSize ?? 64;
  const steps = o.stepsPerEpoch ?? Math.max(1, Math.floor(data.train.y.length / bs));
  const lr = o.lr ?? 0.05;
  const lrMin = Math.min(o.lrMin ?? 0.001, lr);
  const scoring = { calibrationBatches: o.rewardCalibration ?? 2, calibrationBatchSize: 64, valLimit: o.rewardVal ?? 256 };
  const { checkpoint, space: _s, latency: _l, threads: _t, ...rest } = o;
  // Everything that shapes the run: a checkpoint of other settings is refused.
  const settings = JSON.stringify({
    ...rest, space: space.options, train: data.train.y.length, val: data.val.y.length, input: data.input, classes: data.classes,
    latency: lat ? { device: lat.model.deviceId, targetMs: lat.targetMs, weight: lat.weight ?? -0.07 } : null,
  });
  const epochs: EnasMobilenetEpoch[] = [];
  let bestReward = -Infinity;
  let bestKey = '';
  let resumedFrom: number | undefined;
  let net: Supernet | undefined;
  try {
    if (checkpoint !== undefined && existsSync(checkpoint)) {
      const ck = readEnasMobilenetCheckpoint(checkpoint);
      if (ck.meta.settings !== settings) throw new NasError('invalid-input', `the checkpoint ${checkpoint} is of another ENAS run (${ck.meta.settings}), not of this one (${settings})`);
      if (ck.meta.epochs.length > o.epochs) throw new NasError('invalid-input', `the checkpoint ${checkpoint} is past this run's last epoch`);
      ctl.restore(ck.meta.controller);
      bestReward = ck.meta.bestReward ?? -Infinity;
      bestKey = ck.meta.bestKey;
      resumedFrom = ck.meta.epochs.length;
      net = build(ck.weights, ck.state);
      for (const e of ck.meta.epochs) {
        const r = { ...e, resumed: true };
        epochs.push(r);
        onEpoch(r);
      }
    } else {
      net = build();
    }
    for (let ep = epochs.length + 1; ep <= o.epochs; ep++) {
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
      const derived = ctl.best();
      const derivedAccuracy = (await net.evaluate(derived, scoring, token)).accuracy;
      const e: EnasMobilenetEpoch = {
        epoch: ep, trainLoss: t.loss, meanReward: n ? sum / n : NaN, bestReward: n || bestKey ? bestReward : NaN, bestKey, entropy: ctl.entropy(),
        baseline: ctl.baselineValue(), probabilities: ctl.probabilities(), derivedKey: derived.key, derivedAccuracy, seconds: (Date.now() - te) / 1000,
      };
      epochs.push(e);
      if (checkpoint !== undefined) {
        const meta: EnasMobilenetCheckpointMeta = {
          version: 2, settings, epochs: epochs.map(({ resumed: _r, ...x }) => x), controller: ctl.state(), bestReward: Number.isFinite(bestReward) ? bestReward : null, bestKey,
        };
        writeEnasMobilenetCheckpoint(checkpoint, meta, net.weights().map, momentum(net));
      }
      onEpoch(e);
    }
    const architecture = ctl.best();
    const score = await net.evaluate(architecture, { calibrationBatches: 8, calibrationBatchSize: 64 }, token);
    const cost = costMetrics(graphCost(net.graph(architecture)));
    const latencyMs = lat ? latencyOf(architecture) : undefined;
    return {
      epochs, architecture, sharedAccuracy: score.accuracy, sharedLoss: score.loss, params: cost.params as number, flops: cost.flops as number,
      ...(latencyMs !== undefined ? { latencyMs, reward: rewardOf(score.accuracy, architecture) } : {}),
      probabilities: ctl.probabilities(), seconds: (Date.now() - t0) / 1000, ...(resumedFrom !== undefined ? { resumedFrom } : {}),
    };
  } finally {
    net?.dispose();
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  }
}

/** What an ENAS (mobilenet) checkpoint holds besides the supernet's weights. */
interface EnasMobilenetCheckpointMeta {
  /** 2: with the momentum state; 1 (before it): without, the momentum starts afresh where such a checkpoint is resumed. */
  readonly version: 1 | 2;
  readonly settings: string;
  readonly epochs: EnasMobilenetEpoch[];
  readonly controller: SpaceControllerState;
  readonly bestReward: number | null;
  readonly bestKey: string;
}

const MAGIC = 'FRONTIER-ENAS-MOBILENET-1\n';

/**
 * Writes a checkpoint atomically: MAGIC, a JSON header line (the meta, each weight's name and
 * length, the momentum state's length, the SHA-256 of all the bytes after the header), then the
 * weights as float32, then the momentum state (a saveSubnetState file's bytes); to a temp file,
 * flushed, then renamed over the old one, so a kill at any moment leaves the old checkpoint or the new one.
 */
function writeEnasMobilenetCheckpoint(path: string, meta: EnasMobilenetCheckpointMeta, weights: ReadonlyMap<string, Float32Array>, state: Buffer): void {
  const names = [...weights.keys()].sort();
  const parts = names.map((k) => {
    const w = weights.get(k) as Float32Array;
    return Buffer.from(w.buffer, w.byteOffset, w.byteLength);
  });
  parts.push(state);
  const hash = createHash('sha256');
  for (const b of parts) hash.update(b);
  const header = JSON.stringify({ meta, weights: names.map((k) => [k, (weights.get(k) as Float32Array).length]), state: state.length, sha256: hash.digest('hex') });
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, `${MAGIC}${header}\n`);
    for (const b of parts) writeSync(fd, b);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** Checks a checkpoint reads back whole (invalid-input naming the file and what is wrong), before a resumed run touches its study. */
export function checkEnasMobilenetCheckpoint(path: string): { readonly epochs: number } {
  return { epochs: readEnasMobilenetCheckpoint(path).meta.epochs.length };
}

/** Reads a checkpoint back; invalid-input naming the file when it is not one, or is damaged (truncated, altered). */
function readEnasMobilenetCheckpoint(path: string): { meta: EnasMobilenetCheckpointMeta; weights: Map<string, Float32Array>; state?: Buffer } {
  const bad = (why: string) => new NasError('invalid-input', `the ENAS checkpoint ${path} ${why}: it cannot be resumed from`);
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw bad(`cannot be read (${errorMessage(e)})`);
  }
  if (buf.subarray(0, MAGIC.length).toString('latin1') !== MAGIC) throw bad('is not an ENAS (mobilenet) checkpoint');
  const eol = buf.indexOf(10, MAGIC.length);
  let head: { meta: EnasMobilenetCheckpointMeta; weights: [string, number][]; state?: number; sha256: string };
  try {
    if (eol < 0) throw new Error('no header');
    head = JSON.parse(buf.subarray(MAGIC.length, eol).toString('utf8')) as typeof head;
  } catch (e) {
    throw bad(`is damaged (${errorMessage(e)})`);
  }
  const m = head?.meta;
  if ((m?.version !== 1 && m?.version !== 2) || typeof m.settings !== 'string' || !Array.isArray(m.epochs) || !Array.isArray(head.weights) || typeof head.sha256 !== 'string') throw bad('is damaged (its header is incomplete)');
  const stateBytes = m.version === 2 ? head.state : 0;
  if (!(Number.isInteger(stateBytes) && (stateBytes as number) >= 0)) throw bad('is damaged (its header is incomplete)');
  const body = buf.subarray(eol + 1);
  const weightBytes = head.weights.reduce((a, [, n]) => a + n * 4, 0);
  const total = weightBytes + (stateBytes as number);
  if (body.length !== total) throw bad(`is damaged (${body.length} bytes of weights and momentum, ${total} expected: truncated?)`);
  if (createHash('sha256').update(body).digest('hex') !== head.sha256) throw bad('is damaged (its weights do not match their checksum)');
  const weights = new Map<string, Float32Array>();
  let at = 0;
  for (const [name, n] of head.weights) {
    const w = new Float32Array(n);
    Buffer.from(w.buffer).set(body.subarray(at, at + n * 4));
    weights.set(name, w);
    at += n * 4;
  }
  return { meta: m, weights, ...(m.version === 2 ? { state: Buffer.from(body.subarray(weightBytes)) } : {}) };
}

/**
 * How a mobilenet ENAS run is stored (OneShotStudyRecorder, one-shot-study.ts): a study of the
 * mobilenet space, strategy `enas`, the objective the derived architecture's shared-weight
 * validation accuracy. Its search trial's curve gets, per epoch (step = epoch): `mean_reward`,
 * `best_reward`, `baseline`, `policy_entropy`, `train_loss` (shared weights), `derived_accuracy` (the
 * derived architecture of the moment, scored as a reward is), `p_<decision>_<choice>` (the
 * controller's probabilities) and `d_<decision>` (the derived architecture's choice index, for the
 * decisions active in it).
 */
export function enasMobilenetStudy(data: string, latencyDevice?: string): Pick<StudySpec, 'name' | 'space' | 'objectives' | 'report' | 'evaluator'> {
  const latMetric = latencyDevice !== undefined ? latencyMetric(latencyDevice) : undefined;
  return {
    name: `enas (mobilenet) on ${data}`,
    space: 'mobilenet',
    objectives: [{ metric: 'shared_val_accuracy', direction: 'max' }],
    report: ['params', 'flops', ...(latMetric ? [latMetric, 'reward'] : []), 'shared_val_loss', 'search_seconds'],
    evaluator: { kind: 'shared-weights', method: 'enas', data },
  };
}

/** An epoch's curve points (see enasMobilenetStudy). */
export function enasMobilenetPoints(space: MobilenetSpace, e: EnasMobilenetEpoch): CurvePoint[] {
  const step = e.epoch;
  const out: CurvePoint[] = [
    { step, metric: 'mean_reward', value: e.meanReward }, { step, metric: 'best_reward', value: e.bestReward }, { step, metric: 'baseline', value: e.baseline ?? NaN },
    { step, metric: 'policy_entropy', value: e.entropy }, { step, metric: 'train_loss', value: e.trainLoss }, { step, metric: 'derived_accuracy', value: e.derivedAccuracy },
  ];
  const derived = space.parse(e.derivedKey);
  space.dims.forEach((d, i) => {
    d.choices.forEach((c, k) => out.push({ step, metric: `p_${d.name}_${String(c)}`, value: (e.probabilities[i] as number[])[k] as number }));
    if (space.isActive(derived, i)) out.push({ step, metric: `d_${d.name}`, value: derived[i] as number });
  });
  return out.filter((c) => Number.isFinite(c.value)); // no rewards in an epoch without controller steps
}

/** The derived architecture's trial (trial 1 of the study): shared-weight accuracy, params, FLOPs, and with a latency reward the table's latency and the reward. */
export function enasMobilenetDerived(r: EnasMobilenetResult, latencyDevice?: string): DerivedTrial {
  const latMetric = latencyDevice !== undefined ? latencyMetric(latencyDevice) : undefined;
  const metrics: Record<string, number> = {
    shared_val_accuracy: r.sharedAccuracy, shared_val_loss: r.sharedLoss, params: r.params, flops: r.flops, search_seconds: r.seconds,
    ...(latMetric && r.latencyMs !== undefined ? { [latMetric]: r.latencyMs, reward: r.reward as number } : {}),
  };
  const fidelity = Object.fromEntries(Object.keys(metrics).map((k) => [k, k === latMetric ? 'lut' : k === 'params' || k === 'flops' ? 'analytic' : 'enas shared weights']));
  return { key: r.architecture.key, sample: r.architecture.sample, metrics, fidelity, strategyState: { probabilities: r.probabilities } };
}
