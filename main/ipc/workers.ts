import type { Redis } from 'ioredis';
import { errorMessage } from '../../shared/errors.js';
import type { WorkersState, WorkerView } from '../../shared/ipc/contract.js';
import type { Disposable } from '../core/lifecycle.js';
import { checkRedis, redactUrl, redisOptions } from '../services/queue/connection.js';
import { listWorkers, type WorkerInfo } from '../services/queue/registry.js';

/** How long one listing waits for Redis before it reports it as not answering. */
const LIST_TIMEOUT_MS = 3000;

export function workerView(w: WorkerInfo): WorkerView {
  const up = (w.heartbeatAt - w.startedAt) / 1000;
  return {
    id: w.id, host: w.host, pid: w.pid, queue: w.queue, concurrency: w.concurrency, running: w.running, done: w.done, failed: w.failed, refused: w.refused,
    platform: w.platform, cpu: { model: w.cpu.model, cores: w.cpu.cores }, memoryGiB: w.memoryGiB, backends: [...w.backends], phones: [...w.phones],
    startedAt: w.startedAt, heartbeatAt: w.heartbeatAt, throughput: up >= 1 ? w.done / up : null,
  };
}

/**
 * The Workers screen's side of main (issue #13): watches one Redis (given to `frontier serve --redis`
 * or through `connect`) and lists the workers announced there. The URL travels back only with its
 * password replaced by `***`.
 */
export class WorkersService implements Disposable {
  private url: string | null = null;
  private client: Redis | undefined;
  private ready: Promise<void> = Promise.resolve();

  /** `initialUrl` is checked for form only (a Redis not up yet is reported by `list`, not here). */
  constructor(initialUrl?: string) {
    if (initialUrl) {
      redisOptions(initialUrl);
      this.ready = this.watch(initialUrl);
    }
  }

  private async watch(url: string): Promise<void> {
    const { Redis } = await import('ioredis');
    this.client?.disconnect();
    // Commands fail while Redis is away instead of queueing for ever; the client reconnects by itself.
    const client = new Redis({ ...redisOptions(url), maxRetriesPerRequest: 1, lazyConnect: false });
    client.on('error', () => undefined);
    this.client = client;
    this.url = url;
  }

  async list(): Promise<WorkersState> {
    await this.ready;
    const url = this.url;
    const client = this.client;
    if (!url || !client) return { redis: null, error: null, workers: [] };
    const redis = redactUrl(url);
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Redis at ${redis} does not answer (${LIST_TIMEOUT_MS / 1000} s)`)), LIST_TIMEOUT_MS);
      });
      const workers = await Promise.race([listWorkers(client), timeout]);
      return { redis, error: null, workers: workers.map(workerView) };
    } catch (e) {
      return { redis, error: redactUrl(errorMessage(e)).split(url).join(redis), workers: [] };
    } finally {
      clearTimeout(timer);
    }
  }

  async connect(arg: { url: string | null }): Promise<WorkersState> {
    if (arg.url === null || arg.url.trim() === '') {
      this.client?.disconnect();
      this.client = undefined;
      this.url = null;
      return this.list();
    }
    const url = arg.url.trim();
    redisOptions(url); // invalid-input for anything that is not a Redis URL
    await checkRedis(url, LIST_TIMEOUT_MS);
    await this.ready;
    this.ready = this.watch(url);
    return this.list();
  }

  dispose(): void {
    this.client?.disconnect();
    this.client = undefined;
  }
}
