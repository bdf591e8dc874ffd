/**
 * `frontier enas --space mobilenet`: ENAS over the mobilenet space's sub-networks with the native
 * once-for-all supernet as the shared weights (services/train/enas-mobilenet.ts). Called by
 * enasCommand (one-shot.ts) once it has parsed and checked the options.
 */
import { existsSync } from 'node:fs';
import { Cancelled } from '../../../shared/errors.js';
import { buildGraph } from '../../core/graph/index.js';
import { LookupTableLatencyModel } from '../../core/latency/lookup-table.js';
import { MobilenetSpace } from '../../core/spaces/mobilenet.js';
import { readLutFile } from '../../services/devices/lut-evaluator.js';
import { lutPath } from '../../services/devices/profiler.js';
import { oneShotSplits } from '../../services/train/nb201-one-shot.js';
import { recordEnasMobilenetRun, runEnasMobilenet, type EnasLatencyReward, type EnasMobilenetResult } from '../../services/train/enas-mobilenet.js';
import { flag, formatDuration, num, str, type Parsed } from '../args.js';
import { dbPath, openStore } from '../common.js';
import { table } from '../format.js';
import { UsageError, type CliIO } from '../io.js';
import type { Common } from './one-shot.js';
import { interruptible, progress } from './one-shot-progress.js';

/** Options only the mobilenet space takes, and those only the NB201 cell takes. */
export const MOBILENET_ONLY = ['stem-stride', 'latency-ms', 'device', 'latency-weight', 'controller-lr'] as const;
export const NB201_ONLY = ['channels', 'cells', 'resume'] as const;

export const ENAS_MOBILENET_HELP = `--space mobilenet: ENAS over the mobilenet space's sub-networks (depth and width per stage;
kernel, expansion and squeeze-excite per block). The shared weights are a once-for-all supernet
(native libtorch); each shared-weight step trains the sub-network the controller sampled, and the
controller's reward is a sampled sub-network's accuracy with the shared weights on the validation
split's first 256 examples, after BatchNorm recalibration on 2 training batches. Prints one line per
epoch (mean reward, best so far), the controller's policy, the derived architecture (its most
probable sub-network), that sub-network's shared-weight accuracy on the whole validation split,
params and FLOPs. Stored as a study. No checkpoint: Ctrl-C stops and stores nothing. Takes the
options above but --channels, --cells and --resume, and:
  --controller-steps N     controller updates per epoch (default 10), of 8 sub-networks each
  --controller-lr X        the controller's REINFORCE step size (default 0.1)
  --stem-stride 1|2        stride of the stem (default 1; 2 quarters every activation)
  --latency-ms X           hardware-aware reward (MnasNet): accuracy · (latency / X)^w, the latency
  --device ID              from ID's lookup table ('frontier device profile ID --space mobilenet')
  --latency-weight W       w (default -0.07)
`;

function latencyReward(p: Parsed, io: CliIO, space: MobilenetSpace): { reward: EnasLatencyReward; device: string } | undefined {
  const ms = num(p, 'latency-ms', { min: 1e-6 });
  const device = str(p, 'device');
  const weight = num(p, 'latency-weight', { min: -10, max: 0 });
  if (ms === undefined && device === undefined) {
    if (weight !== undefined) throw new UsageError('enas: --latency-weight goes with --latency-ms X --device ID');
    return undefined;
  }
  if (ms === undefined || device === undefined) throw new UsageError('enas: a hardware-aware reward needs both --latency-ms X and --device ID (a phone with a latency table)');
  const file = lutPath(dbPath(io, str(p, 'db')), device);
  if (!existsSync(file)) throw new UsageError(`enas: no latency table of ${device} at ${file}; build it with 'frontier device profile ${device} --space mobilenet'`);
  const lut = readLutFile(file);
  if (lut.space !== space.id) throw new UsageError(`enas: the latency table ${file} was built for space ${lut.space}, not mobilenet ('frontier device profile ${device} --space mobilenet')`);
  return { reward: { model: new LookupTableLatencyModel(lut.table, (a) => buildGraph(space, a, lut.graph)), targetMs: ms, ...(weight !== undefined ? { weight } : {}) }, device };
}

function policyTable(space: MobilenetSpace, r: EnasMobilenetResult): string {
  const s = r.architecture.sample;
  const rows = space.dims.flatMap((d, i) => {
    if (!space.isActive(s, i)) return [];
    const p = r.probabilities[i] as number[];
    return [[d.name, String(d.choices[s[i] as number]), p.map((v) => v.toFixed(2)).join(' ')]];
  });
  return table(['decision', 'derived', 'probabilities (choice order)'], rows);
}

export async function enasMobilenetCommand(p: Parsed, io: CliIO, c: Common): Promise<number> {
  const space = new MobilenetSpace();
  const stemStride = num(p, 'stem-stride', { integer: true, min: 1, max: 2 }) ?? 1;
  const controllerSteps = num(p, 'controller-steps', { integer: true, min: 0, max: 100_000 }) ?? 10;
  const controllerLr = num(p, 'controller-lr', { min: 0, max: 100 });
  const lat = latencyReward(p, io, space);
  const json = flag(p, 'json');
  const data = oneShotSplits(c.data, { train: c.train, val: c.val, seed: c.seed, downsample: c.downsample, cwd: io.cwd });
  const rewardText = lat ? ` × (latency on ${lat.device} / ${lat.reward.targetMs} ms)^${lat.reward.weight ?? -0.07}` : '';
  if (!json) io.err(`ENAS on the mobilenet space, ${data.source}: ${data.train.y.length} + ${data.val.y.length} examples of ${data.input.join('×')}, ${c.epochs} epochs; reward: shared-weight accuracy (BatchNorm recalibrated)${rewardText}\n`);
  const line = progress(io, 'enas', c.epochs);
  let done = 0;
  let r: EnasMobilenetResult;
  try {
    r = await interruptible(io, 'ENAS', (cts) => runEnasMobilenet(data, {
      epochs: c.epochs, seed: c.seed, controllerSteps, batchSize: c.batchSize, stemStride, threads: c.network.threads, space,
      ...(c.lr !== undefined ? { lr: c.lr } : {}), ...(controllerLr !== undefined ? { controllerLr } : {}), ...(lat ? { latency: lat.reward } : {}),
    }, (e) => {
      done = e.epoch;
      line(e.epoch, `train loss ${e.trainLoss.toFixed(3)}  mean reward ${e.meanReward.toFixed(3)}  best so far ${e.bestReward.toFixed(3)}  policy entropy ${e.entropy.toFixed(2)}`);
    }, cts.token));
  } catch (e) {
    if (!(e instanceof Cancelled)) throw e;
    io.err(`ENAS stopped after epoch ${done}/${c.epochs}: nothing stored\n`);
    return 130;
  }
  const options = {
    space: 'mobilenet', epochs: c.epochs, controllerSteps, batchSize: c.batchSize, stemStride, train: c.train, val: c.val, downsample: c.downsample,
    ...(c.lr !== undefined ? { lr: c.lr } : {}), ...(controllerLr !== undefined ? { controllerLr } : {}),
    ...(lat ? { latencyMs: lat.reward.targetMs, device: lat.device, latencyWeight: lat.reward.weight ?? -0.07 } : {}),
  };
  let id: string | undefined;
  if (!flag(p, 'no-store')) {
    const s = openStore(io, str(p, 'db'));
    try {
      const name = str(p, 'name');
      id = recordEnasMobilenetRun(s, { seed: c.seed, data: c.data, options, ...(name !== undefined ? { name } : {}) }, r, lat?.device);
    } finally {
      s.close();
    }
  }
  if (json) {
    const probabilities = Object.fromEntries(space.dims.map((d, i) => [d.name, r.probabilities[i]]));
    io.out(`${JSON.stringify({ study: id ?? null, ...r, architecture: r.architecture.key, sample: r.architecture.sample, probabilities }, null, 2)}\n`);
    return 0;
  }
  io.out(`\ncontroller's policy on the derived architecture's decisions\n${policyTable(space, r)}`);
  io.out(`\nderived architecture (the controller's argmax): ${r.architecture.key}\n`);
  io.out(`shared-weight validation accuracy ${r.sharedAccuracy.toFixed(3)} (${data.val.y.length} examples), params ${r.params.toLocaleString('en-US')}, FLOPs ${r.flops.toLocaleString('en-US')}`
    + `${r.latencyMs !== undefined ? `, latency ${r.latencyMs.toFixed(2)} ms on ${lat?.device} (lookup table), reward ${(r.reward as number).toFixed(3)}` : ''}\n`);
  io.out(`${r.epochs.length} epoch${r.epochs.length === 1 ? '' : 's'} in ${formatDuration(r.seconds * 1000)}${id ? `; stored as study ${id} (frontier show ${id})` : ''}\n`);
  return 0;
}
