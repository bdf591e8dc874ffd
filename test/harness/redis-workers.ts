import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteStore } from '../../main/services/sqlite-store.js';
import { BIN, ROOT } from '../cli-helpers.js';

/**
 * `frontier worker` processes for the distributed tests: the CLI compiled once into out/ (as `npm ci`
 * does; a compiled worker starts in a fraction of the sources' time), each worker a real process,
 * all of them killed by `killAll` (afterAll) and at process exit.
 */
export class WorkerFleet {
  readonly cliDir = join(ROOT, 'out', `cli-distributed-${process.pid}`);
  private readonly procs = new Set<ChildProcess>();
  readonly logs = new Map<ChildProcess, string>();

  constructor() {
    process.on('exit', () => this.killAllNow());
  }

  build(): void {
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-cli.mjs'), '--outdir', this.cliDir], { cwd: ROOT, stdio: 'pipe', timeout: 120_000 });
  }

  get env(): NodeJS.ProcessEnv {
    return { ...process.env, FRONTIER_CLI_DIR: this.cliDir };
  }

  /** Starts `frontier <args>` (optionally inside `wrap`, e.g. ip netns exec NS); resolves once `ready` is printed on stderr. */
  spawn(args: readonly string[], opts: { wrap?: readonly string[]; ready?: RegExp; env?: NodeJS.ProcessEnv } = {}): { proc: ChildProcess; ready: Promise<void> } {
    const cmd = [...(opts.wrap ?? []), process.execPath, BIN, ...args];
    const proc = spawn(cmd[0]!, cmd.slice(1), { cwd: ROOT, env: { ...this.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.procs.add(proc);
    this.logs.set(proc, '');
    const append = (b: Buffer) => this.logs.set(proc, (this.logs.get(proc) ?? '') + b.toString());
    proc.stdout?.on('data', append);
    proc.stderr?.on('data', append);
    proc.once('exit', () => this.procs.delete(proc));
    const ready = new Promise<void>((resolve, reject) => {
      if (!opts.ready) return resolve();
      const re = opts.ready;
      const t = setTimeout(() => reject(new Error(`frontier ${args[0]} not ready in 30 s:\n${this.logs.get(proc)}`)), 30_000);
      const check = () => {
        if (re.test(this.logs.get(proc) ?? '')) {
          clearTimeout(t);
          resolve();
        }
      };
      proc.stderr?.on('data', check);
      proc.once('exit', (code) => {
        clearTimeout(t);
        reject(new Error(`frontier ${args[0]} exited (${code}) before ready:\n${this.logs.get(proc)}`));
      });
    });
    return { proc, ready };
  }

  /** A table worker: ready once it announced itself. */
  async worker(redisUrl: string, extra: readonly string[] = [], wrap?: readonly string[]): Promise<ChildProcess> {
    const w = this.spawn(['worker', '--redis', redisUrl, '--no-training', ...extra], { ready: /worker \S+ ready/, ...(wrap ? { wrap } : {}) });
    await w.ready;
    return w.proc;
  }

  /** Runs `frontier <args>` to its end. */
  run(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const { proc } = this.spawn(args, opts.env ? { env: opts.env } : {});
    let stdout = '';
    let stderr = '';
    proc.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
    proc.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    return new Promise((resolve) => {
      const t = setTimeout(() => proc.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
      proc.once('exit', (code) => {
        clearTimeout(t);
        resolve({ code, stdout, stderr });
      });
    });
  }

  live(): ChildProcess[] {
    return [...this.procs];
  }

  private killAllNow(): void {
    for (const p of this.procs) p.kill('SIGKILL');
  }

  /** Kills every process started (SIGKILL) and waits for them; removes the compiled CLI. */
  async killAll(): Promise<void> {
    const waits = [...this.procs].map((p) => new Promise<void>((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.once('exit', () => r()))));
    this.killAllNow();
    await Promise.all(waits);
    rmSync(this.cliDir, { recursive: true, force: true });
  }
}

/** The finished trials of the only study in a database: number, state, architecture, metrics. */
export function trialsOf(db: string): { number: number; state: string; key: string; metrics: Record<string, number> }[] {
  const store = SqliteStore.open(db, { readonly: true });
  try {
    const [study] = store.listStudies();
    return store.getTrials(study!.id).map((t) => ({ number: t.number, state: t.state, key: t.key, metrics: { ...t.metrics } }));
  } finally {
    store.close();
  }
}

