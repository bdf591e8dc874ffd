import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The Debian `adb` binary, or undefined when it is not installed. */
export function findAdb(): string | undefined {
  for (const p of [process.env.FRONTIER_ADB, '/usr/bin/adb', '/usr/lib/android-sdk/platform-tools/adb']) {
    if (p && existsSync(p)) return p;
  }
  return undefined;
}

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const addr = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  if (!addr || typeof addr !== 'object') throw new Error('no free port');
  return addr.port;
}

/** Whether something accepts TCP connections on 127.0.0.1:`port` (inside `wrap`'s network namespace when given). */
function accepts(port: number, wrap: readonly string[]): Promise<boolean> {
  if (wrap.length > 0) {
    const probe = `require('net').connect(${port}, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))`;
    return new Promise((resolve) => execFile(wrap[0]!, [...wrap.slice(1), process.execPath, '-e', probe], { timeout: 10_000 }, (err) => resolve(!err)));
  }
  return new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`. */
async function listening(port: number, timeoutMs: number, gone: () => string | undefined, wrap: readonly string[]): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await accepts(port, wrap);
    if (ok) return;
    const why = gone();
    if (why) throw new Error(why);
    if (Date.now() > until) throw new Error(`the adb server did not listen on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Servers still running, killed when this process exits however a test ended. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/**
 * A real adb server on a private port (so tests never touch the user's server on 5037). It runs in
 * the foreground (`adb nodaemon server`) as this process's child, so kill() always ends it, even
 * when `adb kill-server` cannot get through, and it dies with the test process at the latest.
 */
export class AdbServer {
  private constructor(
    readonly bin: string,
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly wrap: readonly string[],
  ) {}

  /** `wrap`: a command prefix to run the server (and every `adb` of this object) with, e.g. `ip netns exec NS`. */
  static async start(bin = findAdb(), wrap: readonly string[] = []): Promise<AdbServer> {
    if (!bin) throw new Error('adb is not installed (Debian package "adb")');
    const port = await freePort();
    const cmd = [...wrap, bin, '-P', String(port), 'nodaemon', 'server'];
    const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    live.add(child);
    let err = '';
    let exited: string | undefined;
    child.stderr!.on('data', (b: Buffer) => void (err = (err + b.toString()).slice(-2000)));
    child.once('exit', (code, sig) => {
      live.delete(child);
      exited = `the adb server exited (${sig ?? code}): ${err.trim().split('\n').slice(-3).join(' | ')}`;
    });
    child.once('error', (e) => void (exited = `cannot start ${bin}: ${e.message}`));
    const s = new AdbServer(bin, port, child, wrap);
    try {
      // Wait for the port before any client runs: a client finding no server would start a daemon.
      await listening(port, 20_000, () => exited, wrap);
    } catch (e) {
      await s.kill();
      throw e;
    }
    return s;
  }

  /** The server's process id (for tests that check nothing is left behind). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Runs `adb -P <port> …`; resolves with stdout. */
  async adb(...args: string[]): Promise<string> {
    try {
      const cmd = [...this.wrap, this.bin, '-P', String(this.port), ...args];
      const { stdout } = await run(cmd[0]!, cmd.slice(1), {
        timeout: 20_000,
        env: { ...process.env, ANDROID_ADB_SERVER_PORT: String(this.port) },
      });
      return stdout;
    } catch (e) {
      const err = e as { stderr?: string; stdout?: string };
      throw new Error(`adb ${args.join(' ')}: ${(err.stderr || err.stdout || String(e)).trim()}`, { cause: e });
    }
  }

  /**
   * `adb connect`; resolves with adb's message once the server holds the connection (also when the
   * device still waits for the user to allow the key: "failed to authenticate"), throws otherwise.
   */
  async connect(serial: string): Promise<string> {
    const out = await this.adb('connect', serial);
    if (!/connected to|failed to authenticate/.test(out)) throw new Error(`adb connect ${serial}: ${out.trim()}`);
    return out.trim();
  }

  async disconnect(serial: string): Promise<void> {
    await this.adb('disconnect', serial).catch(() => undefined);
  }

  /** Polls `adb devices` until `serial` is in `state` (device, unauthorized, offline, or absent). */
  async waitFor(serial: string, state: string, timeoutMs = 15_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < until) {
      last = await this.adb('devices');
      const line = last.split('\n').find((l) => l.startsWith(serial + '\t'));
      const cur = line ? (line.split('\t')[1] ?? '').trim() : 'absent';
      if (cur === state) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${serial} to be ${state}; adb devices:\n${last}`);
  }

  /** Stops the server: `adb kill-server`, then SIGKILL if it is still there after 2 s. Idempotent. */
  async kill(): Promise<void> {
    const c = this.child;
    if (c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), 2_000);
    await exited;
    clearTimeout(timer);
  }
}
