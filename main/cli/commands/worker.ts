import { join, resolve } from 'node:path';
import { errorMessage } from '../../../shared/errors.js';
import { Redis } from 'ioredis';
import { checkRedis, redactUrl, redisOptions } from '../../services/queue/connection.js';
import { EvalWorker } from '../../services/queue/eval-worker.js';
import { listWorkers } from '../../services/queue/registry.js';
import { defaultDataDir } from '../../services/paths.js';
import { BACKENDS, isBackendName } from '../../services/train/backend.js';
import { flag, num, parse, parseDuration, str } from '../args.js';
import { table } from '../format.js';
import { UsageError, type CliIO } from '../io.js';

export const WORKER_HELP = `Usage: frontier worker --redis URL [options]

Evaluates search trials for coordinators on other machines ('frontier search --redis URL'):
takes evaluation jobs from a BullMQ queue in Redis, evaluates them here (table replay, training
on this machine's backends, latency on this machine and, with --phones, on the phones plugged in
here) and sends back metrics, learning curves and latency samples. Jobs carry specs, not code; a
job this worker cannot validate or run is refused and goes to another worker. Datasets come by
content hash: built-in ones are here, a file is sent through Redis once, a folder is read from the
same path on a shared disk (same content).

  --redis URL             redis://[user:password@]host:6379[/db], or rediss:// for TLS
  --concurrency N         jobs evaluated at once (default 1; training jobs: also the threads)
  --backend NAME          train only with ${BACKENDS.join(' | ')} (default: the job's, else the best here)
  --no-training           take table jobs only (starts faster: no backend probing)
  --phones                measure latency on the phones of this machine's adb server for searches
                          with a latency:<serial> objective (each phone's jobs come on its own
                          queue; the phones are announced as they are plugged in and out)
  --benchmark-model PATH  TFLite benchmark_model for the phones ($FRONTIER_BENCHMARK_MODEL; default:
                          the official build for the phone's ABI, downloaded once into --cache)
  --phone-wait DUR        how long a measurement waits for an unplugged phone before its job fails
                          (default 1m; the job is tried 3 times, then its trial fails naming the phone)
  --queue NAME            queue name (default frontier-evals)
  --stall-timeout DUR     a job whose worker stops answering goes back to the queue after this
                          (default 30s; every worker of a queue should use the same)
  --cache DIR             where sent datasets are kept (default: the app-data folder's worker-cache)
  -h, --help              this help

Stops after the jobs running on Ctrl-C (or SIGTERM); a second Ctrl-C quits at once.
`;

export const WORKERS_HELP = `Usage: frontier workers --redis URL [--queue NAME] [--json]

Lists the live workers: host, hardware, backends, phones, jobs running and done, last heartbeat.
`;

function redisUrl(p: ReturnType<typeof parse>, env: NodeJS.ProcessEnv): string {
  const url = str(p, 'redis') ?? env.FRONTIER_REDIS;
  if (!url) throw new UsageError('give --redis URL (e.g. redis://127.0.0.1:6379), or set FRONTIER_REDIS');
  redisOptions(url);
  return url;
}

export async function workerCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parse('worker', argv, {
    redis: { type: 'string' },
    concurrency: { type: 'string' },
    backend: { type: 'string' },
    'no-training': { type: 'boolean' },
    phones: { type: 'boolean' },
    'benchmark-model': { type: 'string' },
    'phone-wait': { type: 'string' },
    queue: { type: 'string' },
    'stall-timeout': { type: 'string' },
    cache: { type: 'string' },
    id: { type: 'string' },
  });
  if (flag(p, 'help')) {
    io.out(WORKER_HELP);
    return 0;
  }
  const url = redisUrl(p, io.env);
  const backend = str(p, 'backend');
  if (backend !== undefined && !isBackendName(backend)) throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}, got '${backend}'`);
  const stall = str(p, 'stall-timeout');
  const bench = str(p, 'benchmark-model');
  const phoneWait = str(p, 'phone-wait');
  if (!flag(p, 'phones') && (bench !== undefined || phoneWait !== undefined)) throw new UsageError('--benchmark-model and --phone-wait are options of --phones');
  const worker = await EvalWorker.start({
    redisUrl: url,
    concurrency: num(p, 'concurrency', { integer: true, min: 1, max: 256 }) ?? 1,
    training: !flag(p, 'no-training'),
    phones: flag(p, 'phones'),
    cacheDir: str(p, 'cache') !== undefined ? resolve(io.cwd, str(p, 'cache') as string) : join(defaultDataDir(io.env), 'worker-cache'),
    ...(backend ? { backend } : {}),
    ...(str(p, 'queue') ? { queue: str(p, 'queue') } : {}),
    ...(stall ? { stallMs: parseDuration(stall) } : {}),
    ...(str(p, 'id') ? { id: str(p, 'id') } : {}),
    ...(bench !== undefined ? { benchmarkModel: resolve(io.cwd, bench) } : {}),
    ...(phoneWait !== undefined ? { phoneWaitMs: parseDuration(phoneWait) } : {}),
    env: io.env,
    log: (line) => io.err(`worker: ${line}\n`),
  });
  const info = worker.info();
  io.err(`worker ${worker.id} ready: queue ${worker.queueName} on ${redactUrl(url)}, concurrency ${info.concurrency}, ${flag(p, 'no-training') ? 'table jobs only' : 'table and training jobs'}${flag(p, 'phones') ? `, phones: ${info.phones.join(', ') || 'none plugged in yet'}` : ''}\n`);
  return new Promise<number>((done) => {
    let stopping = 0;
    const stop = () => {
      if (++stopping > 1) process.exit(130);
      io.err(`worker ${worker.id}: stopping after the jobs running… (Ctrl-C again to quit now)\n`);
      worker.close().then(() => done(0), (e: unknown) => {
        io.err(`frontier: ${errorMessage(e)}\n`);
        done(1);
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export async function workersCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parse('workers', argv, { redis: { type: 'string' }, queue: { type: 'string' }, json: { type: 'boolean' } });
  if (flag(p, 'help')) {
    io.out(WORKERS_HELP);
    return 0;
  }
  const url = redisUrl(p, io.env);
  await checkRedis(url, 3000);
  const redis = new Redis(redisOptions(url));
  redis.on('error', () => undefined);
  try {
    const workers = await listWorkers(redis, str(p, 'queue'));
    if (flag(p, 'json')) {
      io.out(JSON.stringify(workers, null, 2) + '\n');
      return 0;
    }
    if (workers.length === 0) {
      io.out(`no live workers on ${redactUrl(url)}\n`);
      return 0;
    }
    const now = Date.now();
    io.out(table(['worker', 'queue', 'cpu', 'memory', 'backends', 'phones', 'running', 'done', 'failed', 'heartbeat'], workers.map((w) => [
      w.id,
      w.queue,
      `${w.cpu.cores}× ${w.cpu.model}`.slice(0, 40),
      `${w.memoryGiB} GiB`,
      w.backends.join(',') || '-',
      w.phones.join(',') || '-',
      `${w.running}/${w.concurrency}`,
      String(w.done),
      String(w.failed),
      `${Math.max(0, Math.round((now - w.heartbeatAt) / 1000))} s ago`,
    ])));
    return 0;
  } finally {
    redis.disconnect();
  }
}
