import { resolve } from 'node:path';
import { errorMessage } from '../../../shared/errors.js';
import type { BudgetSpec, EvaluatorSpec, ObjectiveSpec, StudySpec } from '../../../shared/types/index.js';
import { parseConstraint, parseObjective } from '../../core/objectives.js';
import { strategyHelp } from '../../core/strategy-docs.js';
import { warmStartFrom } from '../../core/strategies/warm-start.js';
import { priorFrom } from '../../core/predictors/prior.js';
import { MAX_CONCURRENCY } from '../../core/study-spec.js';
import { MAX_PACE } from '../../core/table.js';
import { quoteText } from '../../core/text.js';
import { parseAudioSettings } from '../../services/data/audio-features.js';
import { DEFAULT_DATASET } from '../../services/data/builtin.js';
import { parseTextSettings } from '../../services/data/tokenizer.js';
import { NB201_OBJECTIVES, nb201EvaluatorSpec } from '../../services/evaluators.js';
import { BACKENDS, chooseBackend, isBackendName, type BackendName } from '../../services/train/backend.js';
import { defaultMaxTrain } from '../../services/train/evaluator.js';
import { defaultDbPath } from '../../services/paths.js';
import { createStudy } from '../../services/studies.js';
import { concurrencyForWorkers, DEFAULT_SPACE, defaultWorkers, KWS_TRAIN_DEFAULTS, TEXT_TRAIN_DEFAULTS, TRAIN_DEFAULTS } from '../../services/search-defaults.js';
import { checkRedis, redactUrl } from '../../services/queue/connection.js';
import { checkPhonesAnnounced, checkRemoteSpec, remoteEvaluatorFor } from '../../services/queue/remote-evaluator.js';
import { phoneSerials } from '../../services/queue/phone-protocol.js';
import { flag, list, num, parse, parseDuration, str, type Parsed } from '../args.js';
import { DB_OPTION, openStore } from '../common.js';
import { UsageError, type CliIO } from '../io.js';
import { spaceRef } from '../space-ref.js';
import { runWithProgress } from '../run-study.js';
import { latencyDevices, lutEvaluatorSpec } from './devices.js';

export const SEARCH_HELP = `Usage: frontier search [options]

Runs a hardware-aware architecture search and prints its Pareto front. With no options: the
mobilenet space, each candidate trained for real (tfjs) on the built-in Fashion-MNIST subset,
regularized evolution, validation accuracy (max) against this machine's batch-1 latency (min),
for about five minutes.

Search:
  --space NAME|FILE        mobilenet, nb201, kws (keyword spotting: DS-CNN/TC-ResNet over speech
                           features; trains on builtin:speech-keywords), text (small text
                           encoders: 1-D conv / transformer blocks; trains on
                           builtin:debian-descriptions), or a .yaml/.json space
                           document (default: mobilenet with 1-2 blocks per stage instead of 1-4)
  --strategy NAME          evolution (default) or another of the strategies listed at the end
  --option KEY=VALUE       strategy setting, repeatable (each strategy's options: see the end)
  --progressive            the same as --strategy progressive: a coarse pass at low fidelity,
                           then a fine search around its winners (one search)
  --objective METRIC:DIR   repeatable; DIR is min or max; latency:<serial> is the phone's
                           lookup-table latency (see 'frontier device profile'); with --redis,
                           measured on the worker that has the phone ('frontier worker --phones')
                           (training default: val_accuracy:max and latency_ms:min;
                           nb201 default: c10_valid_12ep:max and hwnb_pixel3:min)
  --constraint 'M OP V'    hard constraint, repeatable, e.g. 'hwnb_pixel3 <= 5' (OP: <= < >= > ==);
                           applied before evaluating when the metric is known up front
  --report METRIC          extra metric to record and show, repeatable (training default:
                           test_accuracy, params, flops; nb201 default: c10_test)
  --zero-cost-filter K     draw K candidates per trial from the strategy and train only the one
                           whose untrained model scores best on a zero-cost proxy (training only;
                           strategy options zcFilter=K, zcProxy=NAME, taken by every strategy)
  --zero-cost-proxy NAME   the filter's proxy: synflow (default), naswot, snip, grad_norm, params, flops
  --warm-start ID[,ID...]  transfer: first re-evaluate the Pareto set (one objective: the top
                           --warm-start-k, default 5) of these earlier searches of the same space,
                           then let the strategy continue with them told (not hyperband/asha)
  --warm-start-k K         architectures taken from a one-objective source search (default 5)
  --predictor-warm-start ID[,ID...]
                           transfer: pre-train the predictor of bananas or bo on the complete trials
                           of these earlier searches of the same space (scored by their first
                           objective), so its first asks are the model's picks, not random draws
Budget (the first one reached ends the search; default: training 4m30s of wall time, then the
trials in flight finish; tables 1000 evaluations):
  --budget-evals N         evaluations
  --budget-seconds S       simulated seconds (sum of each evaluation's cost)
  --budget-wall DURATION   wall-clock time: 90s, 10m, 1h30m
Evaluation by training (default for mobilenet and space files; nb201 with --data):
  --data PATH              dataset: a .csv file, or a folder of IDX files, CIFAR-10/100 batches or
                           one sub-folder of PNG/JPEG images per class (default: builtin:fashion-mnist,
                           an 11,000-image Fashion-MNIST subset)
  --backend NAME           torch (native libtorch engine) | tensorflow | webgpu | wasm | cpu (tfjs)
                           (default: the best available, in that order)
  --workers N              trials trained in parallel on worker threads (default: CPU cores)
  --epochs N               epochs per candidate (default 2), early stopping after --patience N (2)
  --max-train N            training examples used per candidate (default 10000 on torch, 1000 on
                           the tfjs backends; 0: all)
  --val N                  validation examples (default 500)
  --batch-size N           (default 32)     --lr X   peak Adam learning rate, cosine decay (default 0.003)
  --augment                random horizontal flips and ±2-pixel shifts of training batches
  --audio KEY=VALUE        speech features, repeatable: kind (mfcc|logmel), windowMs, hopMs, nMels,
                           nMfcc, fmin, fmax, clipMs, sampleRate, noiseProbability, noiseVolume
                           (default MFCC: 30/20 ms, 40 bands, 10 coefficients, 20-7600 Hz; stored
                           with the study); kws defaults: data builtin:speech-keywords, --val 0.2,
                           --epochs 10
  --text KEY=VALUE         text data (a .csv/.tsv/.jsonl text,label file or a folder with train.* and
                           test.*), repeatable: length (tokens per text), merges (byte pairs merged
                           into one token); the byte tokenizer is fitted on the training split and
                           stored with the study; text defaults: data builtin:debian-descriptions,
                           length 48, merges 254, --epochs 3
  --no-latency             do not time batch-1 inference
  --early-stop             stop a candidate whose learning curve, projected optimistically to the last
                           epoch, cannot beat the best finished one (or enter the Pareto front); it
                           ends as pruned (needs 3 epochs of curve; objectives known before training,
                           such as params and flops, count as they are)
  --latency-on LIST        also time each trained model on these local backends, e.g. wasm,cpu
                           (metrics latency_<backend>_ms)
Metrics: val_accuracy, val_loss, train_loss, test_accuracy (when the data has a test split),
latency_ms and latency_p90_ms (batch 1, this machine), train_images_per_s, and, known before
training (so constraints reject early): params, flops (multiply-adds), peak_activation_bytes,
model_bytes; zero-cost proxies of the untrained model on one batch of 64 training images, also
known before training: synflow, naswot, grad_norm, snip (higher is better; e.g. --report synflow).
Evaluation by table (default for nb201: the shipped NAS-Bench-201 tables):
  --table FILE             CSV of results, repeatable; rows joined on 'index' or 'arch_str'
  --known-table FILE       CSV of metrics known before evaluating (latency, params), repeatable
  --cost 'COLUMN*FACTOR'   simulated cost of one evaluation
                           (nb201 default: train_time_200ep_c10valid*0.06, 12 epochs)
  --pace FACTOR            replay in real time: wall seconds per simulated second (e.g. 0.001;
                           at most 3600)
Other:
  --seed N                 random seed (default 0); same seed, same search
  --concurrency N          trials evaluated at once (default 1)
  --name NAME              a name for the study
  --db PATH                database file (default: the app-data folder, or $FRONTIER_DB)
  --json                   print one JSON document at the end instead of text
  --redis URL              evaluate on 'frontier worker' processes through this Redis
                           (redis://[user:password@]host:6379, rediss:// for TLS); this process keeps
                           the database and the strategy; without --concurrency, as many trials are in
                           flight as the live workers take together
  --queue NAME             the workers' queue (default frontier-evals)
  -h, --help               this help
`;

export const SEARCH_OPTIONS = {
  space: { type: 'string' },
  strategy: { type: 'string' },
  progressive: { type: 'boolean' },
  option: { type: 'string', multiple: true },
  objective: { type: 'string', multiple: true },
  constraint: { type: 'string', multiple: true },
  report: { type: 'string', multiple: true },
  'zero-cost-filter': { type: 'string' },
  'zero-cost-proxy': { type: 'string' },
  'warm-start': { type: 'string' },
  'warm-start-k': { type: 'string' },
  'predictor-warm-start': { type: 'string' },
  'budget-evals': { type: 'string' },
  'budget-seconds': { type: 'string' },
  'budget-wall': { type: 'string' },
  table: { type: 'string', multiple: true },
  'known-table': { type: 'string', multiple: true },
  cost: { type: 'string' },
  pace: { type: 'string' },
  seed: { type: 'string' },
  concurrency: { type: 'string' },
  data: { type: 'string' },
  backend: { type: 'string' },
  workers: { type: 'string' },
  epochs: { type: 'string' },
  patience: { type: 'string' },
  'max-train': { type: 'string' },
  val: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  'no-latency': { type: 'boolean' },
  'early-stop': { type: 'boolean' },
  'latency-on': { type: 'string' },
  augment: { type: 'boolean' },
  audio: { type: 'string', multiple: true },
  text: { type: 'string', multiple: true },
  name: { type: 'string' },
  json: { type: 'boolean' },
  redis: { type: 'string' },
  queue: { type: 'string' },
  ...DB_OPTION,
} as const;

export { DEFAULT_SPACE };

function spaceOf(p: Parsed, io: CliIO): Pick<StudySpec, 'space' | 'spaceOptions'> {
  if (str(p, 'space') === undefined) return DEFAULT_SPACE;
  return spaceRef(str(p, 'space') as string, io, str(p, 'db'));
}

function strategyOptions(p: Parsed): Record<string, string> {
  // A Map, then fromEntries: `__proto__=5` becomes an option (refused as unknown), not a prototype.
  const out = new Map<string, string>();
  for (const kv of list(p, 'option')) {
    const at = kv.indexOf('=');
    if (at <= 0) throw new UsageError(`--option ${quoteText(kv)} must be KEY=VALUE`);
    const key = kv.slice(0, at).trim();
    if (out.has(key)) throw new UsageError(`--option ${quoteText(key)} is given twice`);
    out.set(key, kv.slice(at + 1));
  }
  return Object.fromEntries(out);
}

/** Strategies that pick a fidelity per trial: on nb201 they get the 12- and 200-epoch columns. */
const MULTI_FIDELITY = ['hyperband', 'asha', 'progressive'];

/** --strategy NAME, or `progressive` for --progressive. */
function strategyName(p: Parsed): string | undefined {
  const named = str(p, 'strategy');
  if (!flag(p, 'progressive')) return named;
  if (named !== undefined && named !== 'progressive') throw new UsageError(`--progressive is the strategy progressive: it does not combine with --strategy ${named}`);
  return 'progressive';
}

/** The study spec described by `frontier search` flags. */
export function specFromFlags(p: Parsed, io: CliIO): StudySpec {
  const space = spaceOf(p, io);
  const nb201 = space.space === 'nb201';
  const tables = list(p, 'table');
  const knownTables = list(p, 'known-table');
  const pace = num(p, 'pace', { min: 0, max: MAX_PACE });
  const paced = pace ? { pace } : {};
  let evaluator: EvaluatorSpec;
  if (tables.length + knownTables.length > 0) {
    const cost = str(p, 'cost');
    evaluator = { kind: 'table', tables: tables.map((t) => resolve(io.cwd, t)), knownTables: knownTables.map((t) => resolve(io.cwd, t)), ...(cost ? { cost } : {}), ...paced };
  } else if (latencyDevices(p).length > 0 && str(p, 'redis') === undefined) {
    evaluator = lutEvaluatorSpec(latencyDevices(p), str(p, 'db') ?? defaultDbPath(io.env));
  } else if (nb201 && str(p, 'data') === undefined) {
    if (MULTI_FIDELITY.includes(strategyName(p) ?? '')) {
      // hyperband/asha choose 12 or 200 epochs per trial, each at its own cost (progressive: 12 coarse, 200 fine).
      if (str(p, 'cost') !== undefined || pace) throw new UsageError(`--cost and --pace do not apply to ${strategyName(p)} on nb201: each fidelity (12 or 200 epochs) is charged its own training time`);
      evaluator = nb201EvaluatorSpec({ fidelities: true });
    } else {
      evaluator = nb201EvaluatorSpec({ cost: str(p, 'cost'), pace });
    }
  } else {
    evaluator = trainEvaluator(p, io, space.space);
  }
  const training = evaluator.kind === 'train';
  if (flag(p, 'early-stop') && !training) throw new UsageError('--early-stop needs training (learning curves); a table or lookup-table search has none');
  let objectives: ObjectiveSpec[];
  try {
    objectives = list(p, 'objective').map(parseObjective);
  } catch (e) {
    throw new UsageError(errorMessage(e));
  }
  if (objectives.length === 0) {
    if (training) objectives = [{ metric: 'val_accuracy', direction: 'max' }, ...(flag(p, 'no-latency') ? [] : [{ metric: 'latency_ms', direction: 'min' as const }])];
    else if (!nb201) throw new UsageError('give at least one --objective METRIC:min|max');
    else if ((evaluator as { fidelities?: string }).fidelities) objectives = [{ metric: 'c10_valid', direction: 'max' }, NB201_OBJECTIVES[1] as ObjectiveSpec];
    else objectives = [...NB201_OBJECTIVES];
  }
  const report = list(p, 'report');
  if (report.length === 0 && training) report.push(...['test_accuracy', 'params', 'flops'].filter((m) => !objectives.some((o) => o.metric === m)));
  if (report.length === 0 && nb201 && !training && !objectives.some((o) => o.metric === 'c10_test')) report.push('c10_test');
  let constraints;
  try {
    constraints = list(p, 'constraint').map(parseConstraint);
  } catch (e) {
    throw new UsageError(errorMessage(e));
  }
  const wall = str(p, 'budget-wall');
  const budget: BudgetSpec = {
    ...(num(p, 'budget-evals', { integer: true, min: 1 }) !== undefined ? { evals: num(p, 'budget-evals', { integer: true, min: 1 }) } : {}),
    ...(num(p, 'budget-seconds', { min: 0 }) !== undefined ? { seconds: num(p, 'budget-seconds', { min: 0 }) } : {}),
    ...(wall !== undefined ? { wallMs: parseDuration(wall) } : {}),
  };
  const strategy = strategyName(p) ?? 'evolution';
  const workers = training ? ((evaluator as { workers?: number }).workers ?? 0) : 0;
  const concurrency = num(p, 'concurrency', { integer: true, min: 1, max: MAX_CONCURRENCY }) ?? concurrencyForWorkers(workers);
  const options = strategyOptions(p);
  // A training search sees tens of candidates, not thousands: a small evolution population.
  if (training && strategy === 'evolution' && Object.keys(options).length === 0) Object.assign(options, { population: '8', tournament: '3' });
  const zcFilter = str(p, 'zero-cost-filter');
  const zcProxy = str(p, 'zero-cost-proxy');
  if (zcProxy !== undefined && zcFilter === undefined) throw new UsageError('--zero-cost-proxy needs --zero-cost-filter K');
  if (zcFilter !== undefined) Object.assign(options, { zcFilter, ...(zcProxy !== undefined ? { zcProxy } : {}) });
  const defaultBudget: BudgetSpec = training ? { wallMs: 270_000 } : { evals: 1000 };
  return {
    name: str(p, 'name') ?? `${space.space === 'custom' ? str(p, 'space') : space.space} ${strategy}`,
    ...space,
    strategy,
    strategyOptions: options,
    objectives,
    constraints,
    report,
    budget: Object.keys(budget).length > 0 ? budget : defaultBudget,
    seed: num(p, 'seed', { integer: true, min: 0 }) ?? 0,
    evaluator,
    ...(concurrency !== undefined ? { concurrency } : {}),
  };
}

/** The `train` evaluator described by the training flags (defaults sized for ~5 minutes on 2 cores). */
function trainEvaluator(p: Parsed, io: CliIO, space: string): EvaluatorSpec {
  const backend = str(p, 'backend');
  if (backend !== undefined && !isBackendName(backend)) throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}, got '${backend}'`);
  const data = str(p, 'data');
  const latencyOn = (str(p, 'latency-on') ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  for (const b of latencyOn) if (!isBackendName(b)) throw new UsageError(`--latency-on: '${b}' is not a backend (${BACKENDS.join(', ')})`);
  const maxTrain = num(p, 'max-train', { integer: true, min: 0 }) ?? defaultMaxTrain('wasm');
  const kws = space === 'kws';
  const textSpace = space === 'text';
  let text;
  try {
    text = textSpace || list(p, 'text').length > 0 ? parseTextSettings([...(textSpace ? Object.entries(TEXT_TRAIN_DEFAULTS.text).map(([k, v]) => `${k}=${v}`) : []), ...list(p, 'text')]) : undefined;
  } catch (e) {
    throw new UsageError(`--text: ${errorMessage(e)}`);
  }
  const defaults = textSpace ? TEXT_TRAIN_DEFAULTS : kws ? KWS_TRAIN_DEFAULTS : undefined;
  let audio;
  try {
    audio = kws || list(p, 'audio').length > 0 ? parseAudioSettings(list(p, 'audio')) : undefined;
  } catch (e) {
    throw new UsageError(`--audio: ${errorMessage(e)}`);
  }
  return {
    kind: 'train',
    data: data === undefined ? (defaults?.data ?? DEFAULT_DATASET) : data.startsWith('builtin:') ? data : resolve(io.cwd, data),
    cwd: io.cwd,
    val: num(p, 'val', { min: 0 }) ?? defaults?.val ?? TRAIN_DEFAULTS.val,
    ...(maxTrain > 0 ? { maxTrain } : {}),
    epochs: num(p, 'epochs', { integer: true, min: 1 }) ?? defaults?.epochs ?? TRAIN_DEFAULTS.epochs,
    patience: num(p, 'patience', { integer: true, min: 0 }) ?? TRAIN_DEFAULTS.patience,
    batchSize: num(p, 'batch-size', { integer: true, min: 1 }) ?? TRAIN_DEFAULTS.batchSize,
    lr: num(p, 'lr', { min: 0 }) ?? TRAIN_DEFAULTS.lr,
    latency: !flag(p, 'no-latency'),
    ...(flag(p, 'early-stop') ? { earlyStop: true } : {}),
    ...(flag(p, 'augment') ? { augment: { flip: true, shift: 2 } } : {}),
    ...(latencyOn.length ? { latencyBackends: latencyOn } : {}),
    workers: num(p, 'workers', { integer: true, min: 0 }) ?? defaultWorkers(),
    ...(backend ? { backend } : {}),
    ...(audio ? { audio } : {}),
    ...(text ? { text } : {}),
    // Stride-2 stem: a quarter of the activations, so a CPU search sees several times more candidates.
    ...(space === 'mobilenet' ? { mobilenet: { stemStride: 2 } } : {}),
  };
}

export async function searchCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parse('search', argv, SEARCH_OPTIONS);
  if (flag(p, 'help')) {
    io.out(`${SEARCH_HELP}\n${strategyHelp()}`);
    return 0;
  }
  let spec = specFromFlags(p, io);
  const redis = str(p, 'redis');
  let trainingLine: string | undefined;
  if (redis !== undefined) {
    checkRemoteSpec(spec);
    // Before the study exists: an unreachable Redis, or phones no worker has, leave nothing behind.
    await checkRedis(redis);
    await checkPhonesAnnounced(redis, str(p, 'queue'), phoneSerials(spec));
    // On workers: in flight as many as they take (unless --concurrency), each trained with its own threads.
    if (str(p, 'concurrency') === undefined) spec = { ...spec, concurrency: undefined };
    if (spec.evaluator.kind === 'train') trainingLine = `training on the workers of ${redactUrl(redis)}, data ${String((spec.evaluator as { data?: string }).data)}\n`;
  } else if (spec.evaluator.kind === 'train') {
    const e = spec.evaluator as { backend?: BackendName; workers?: number; data?: string; maxTrain?: number };
    const choice = await chooseBackend(e.backend);
    // Without --max-train, the backend decides how much data a candidate sees (see defaultMaxTrain).
    if (str(p, 'max-train') === undefined) spec = { ...spec, evaluator: { ...spec.evaluator, maxTrain: defaultMaxTrain(choice.info.name) } };
    const skipped = choice.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
    trainingLine = `training on ${e.data} with backend ${choice.info.name} (${choice.info.detail})${e.workers ? `, ${e.workers} worker thread${e.workers > 1 ? 's' : ''}` : ''}${skipped ? `\n  not used: ${skipped}` : ''}\n`;
  }
  const store = openStore(io, str(p, 'db'));
  try {
    const warm = str(p, 'warm-start');
    const warmK = num(p, 'warm-start-k', { integer: true, min: 1, max: 1000 });
    if (warmK !== undefined && warm === undefined) throw new UsageError('--warm-start-k needs --warm-start ID');
    if (warm !== undefined) {
      const ids = warm.split(',').map((s) => s.trim()).filter(Boolean);
      spec = { ...spec, strategyOptions: { ...spec.strategyOptions, ...warmStartFrom(store, ids, spec.space, warmK) } };
      if (!flag(p, 'json')) io.err(`warm start: ${(spec.strategyOptions?.warmStart as string[]).length} architectures of ${ids.join(', ')} are evaluated first\n`);
    }
    const prior = str(p, 'predictor-warm-start');
    if (prior !== undefined) {
      const ids = prior.split(',').map((s) => s.trim()).filter(Boolean);
      spec = { ...spec, strategyOptions: { ...spec.strategyOptions, ...priorFrom(store, ids, spec.space) } };
    }
    const rec = createStudy(store, spec, undefined, (w) => io.err(`frontier: warning: ${w}\n`));
    if (prior !== undefined && !flag(p, 'json')) io.err(`predictor warm-up: ${(spec.strategyOptions?.prior as unknown[]).length} results of ${prior} pre-train the ${spec.strategy} predictor\n`);
    if (!flag(p, 'json')) io.err(`study ${rec.id}: ${spec.space} space, ${spec.strategy}, objectives ${spec.objectives.map((o) => `${o.metric}:${o.direction}`).join(', ')}\n`);
    if (trainingLine && !flag(p, 'json')) io.err(trainingLine);
    if (redis === undefined) return await runWithProgress(io, store, rec.id, flag(p, 'json'));
    const remote = await remoteEvaluatorFor(store, rec.id, { redisUrl: redis, ...(str(p, 'queue') ? { queue: str(p, 'queue') } : {}) });
    try {
      if (!flag(p, 'json')) io.err(`evaluating on the workers of ${redactUrl(redis)} (queue ${remote.queueName}, ${remote.liveWorkers().length} live now)\n`);
      return await runWithProgress(io, store, rec.id, flag(p, 'json'), remote);
    } finally {
      await remote.close();
    }
  } finally {
    store.close();
  }
}
