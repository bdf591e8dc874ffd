import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's redis-server (package redis-server). */
export const REDIS_SERVER = process.env.FRONTIER_REDIS_SERVER ?? '/usr/bin/redis-server';

/** Why the tests cannot start Redis here, or undefined when they can. */
export function redisMissing(): string | undefined {
  if (!existsSync(REDIS_SERVER)) return `${REDIS_SERVER} is not installed (Debian package redis-server)`;
  const r = spawnSync(REDIS_SERVER, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `${REDIS_SERVER} --version failed: ${r.stderr || r.error?.message}`;
}

/** A free TCP port on 127.0.0.1 (bound, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface RedisServerOptions {
  /** requirepass: clients must give it (redis://:PASSWORD@host:port). */
  readonly password?: string;
  /** Also listen on these addresses (e.g. a veth link's private address); always on 127.0.0.1. */
  readonly bind?: readonly string[];
}

const live = new Set<ChildProcess>();
let exitHook = false;

/**
 * A real redis-server on a free loopback port, its data in a temporary folder (append-only file,
 * fsync on every write, so a restart keeps the queue as a real deployment would). `stop` (call it
 * in afterAll) kills it and removes the folder; a process exit kills any left.
 */
export class RedisServer {
  private proc?: ChildProcess;
  readonly dir: string;

  private constructor(
    readonly port: number,
    private readonly o: RedisServerOptions,
  ) {
    this.dir = mkdtempSync(join(tmpdir(), 'frontier-redis-'));
  }

  static async start(o: RedisServerOptions = {}): Promise<RedisServer> {
    if (!exitHook) {
      exitHook = true;
      process.on('exit', () => {
        for (const p of live) p.kill('SIGKILL');
      });
    }
    const s = new RedisServer(await freePort(), o);
    await s.launch();
    return s;
  }

  /** URL for clients on this machine (with the password when one is set). */
  get url(): string {
    return this.urlFor('127.0.0.1');
  }

  urlFor(host: string): string {
    return `redis://${this.o.password ? `:${encodeURIComponent(this.o.password)}@` : ''}${host}:${this.port}`;
  }

  private async launch(): Promise<void> {
    const args = [
      '--port', String(this.port),
      '--bind', ['127.0.0.1', ...(this.o.bind ?? [])].join(' '),
      '--dir', this.dir,
      '--save', '',
      '--appendonly', 'yes',
      '--appendfsync', 'always',
      '--daemonize', 'no',
      '--protected-mode', this.o.password ? 'no' : 'yes',
      ...(this.o.password ? ['--requirepass', this.o.password] : []),
    ];
    const p = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = p;
    live.add(p);
    p.once('exit', () => live.delete(p));
    let out = '';
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`redis-server did not start in 10 s:\n${out}`)), 10_000);
      const onData = (b: Buffer) => {
        out += b.toString();
        if (out.includes('Ready to accept connections')) {
          clearTimeout(t);
          resolve();
        }
      };
      p.stdout?.on('data', onData);
      p.stderr?.on('data', onData);
      p.once('exit', (code) => {
        clearTimeout(t);
        reject(new Error(`redis-server exited (${code}) at start:\n${out}`));
      });
    });
    p.stdout?.resume();
    p.stderr?.resume();
  }

  /** Shuts Redis down (SIGTERM: it finishes writing its append-only file) and starts it again on the same port. */
  async restart(downMs = 0): Promise<void> {
    await this.halt('SIGTERM');
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.launch();
  }

  private halt(signal: NodeJS.Signals): Promise<void> {
    const p = this.proc;
    this.proc = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => p.kill('SIGKILL'), 5000);
      p.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      p.kill(signal);
    });
  }

  async stop(): Promise<void> {
    await this.halt('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
