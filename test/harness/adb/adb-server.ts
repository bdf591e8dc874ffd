import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
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

/** A real adb server on a private port (so tests never touch the user's server on 5037). */
export class AdbServer {
  private constructor(
    readonly bin: string,
    readonly port: number,
  ) {}

  static async start(bin = findAdb()): Promise<AdbServer> {
    if (!bin) throw new Error('adb is not installed (Debian package "adb")');
    const port = await freePort();
    const s = new AdbServer(bin, port);
    await s.adb('start-server');
    return s;
  }

  /** Runs `adb -P <port> …`; resolves with stdout. */
  async adb(...args: string[]): Promise<string> {
    try {
      const { stdout } = await run(this.bin, ['-P', String(this.port), ...args], {
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

  async kill(): Promise<void> {
    await this.adb('kill-server').catch(() => undefined);
  }
}
