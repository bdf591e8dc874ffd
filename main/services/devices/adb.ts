import * as adbkit from '@devicefarmer/adbkit';
import type { Client, DeviceClient } from '@devicefarmer/adbkit';
import { accessSync, constants, createReadStream } from 'node:fs';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { DeviceUnavailable, errorMessage, NasError } from '../../../shared/errors.js';

/** Where adb is and which server port to use; anything left out comes from the environment. */
export interface AdbSettings {
  /** adb binary (settings); else `$FRONTIER_ADB`, else `adb` on PATH. */
  readonly adbPath?: string;
  /** adb server port; else `$ANDROID_ADB_SERVER_PORT`, else 5037. */
  readonly port?: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Resolves the adb binary: settings, `$FRONTIER_ADB`, then each PATH entry; throws when none is found. */
export function resolveAdbBinary(settings: AdbSettings = {}, env: Env = process.env): string {
  const isExe = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  for (const p of [settings.adbPath, env['FRONTIER_ADB']]) {
    if (p) {
      if (isExe(p)) return p;
      throw new NasError('invalid-input', `adb binary ${p} does not exist or is not executable`);
    }
  }
  const exe = process.platform === 'win32' ? 'adb.exe' : 'adb';
  for (const dir of (env['PATH'] ?? '').split(path.delimiter)) {
    if (dir && isExe(path.join(dir, exe))) return path.join(dir, exe);
  }
  throw new NasError('invalid-input', 'adb was not found: install Android platform-tools (Debian: apt install adb) or set its path in the settings');
}

export function resolveAdbPort(settings: AdbSettings = {}, env: Env = process.env): number {
  const p = settings.port ?? Number(env['ANDROID_ADB_SERVER_PORT'] || 5037);
  if (!Number.isInteger(p) || p < 1 || p > 65535) throw new NasError('invalid-input', `bad adb server port ${String(p)}`);
  return p;
}

// adbkit is CommonJS: under Node's ESM loader its named exports sit on the default export.
const ns = adbkit as unknown as { Adb?: typeof adbkit.Adb; default?: { Adb?: typeof adbkit.Adb } };
const Adb = (ns.Adb ?? ns.default?.Adb) as typeof adbkit.Adb;

/** An adbkit client for the adb server (adbkit starts the server with `adb -P <port> start-server` when none runs). */
export function createAdbClient(settings: AdbSettings = {}, env: Env = process.env): Client {
  return Adb.createClient({ bin: resolveAdbBinary(settings, env), port: resolveAdbPort(settings, env), host: '127.0.0.1' });
}

function readAll(stream: Duplex): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (b: Buffer) => chunks.push(b));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

const RC_MARK = '__frontier_rc=';

/** Result of a shell command; `rc` is undefined when the link dropped before the command finished. */
export interface ShellResult {
  readonly output: string;
  readonly rc: number | undefined;
}

/**
 * `adb shell` on one phone. Raw `shell:` has no exit status, so the command line is suffixed with
 * `; echo __frontier_rc=$?` and the status is read back from the output: a missing marker means the
 * phone went away mid-command.
 */
export async function shell(device: DeviceClient, command: string): Promise<ShellResult> {
  let stream: Duplex;
  try {
    stream = await device.shell(`${command}; echo ${RC_MARK}$?`);
  } catch (e) {
    throw new DeviceUnavailable(`adb shell failed: ${errorMessage(e)}`);
  }
  const text = (await readAll(stream).catch(() => Buffer.alloc(0))).toString('utf8').replace(/\r\n/g, '\n');
  const at = text.lastIndexOf(RC_MARK);
  if (at < 0) return { output: text, rc: undefined };
  return { output: text.slice(0, at), rc: Number(text.slice(at + RC_MARK.length).trim()) };
}

/** Like shell(), but throws unless the command ran to completion with status 0. */
export async function shellOk(device: DeviceClient, command: string): Promise<string> {
  const r = await shell(device, command);
  if (r.rc === undefined) throw new DeviceUnavailable(`device disconnected during: ${command}`);
  if (r.rc !== 0) throw new NasError('internal', `'${command}' failed (status ${r.rc}): ${r.output.trim().split('\n').slice(-3).join(' | ')}`);
  return r.output;
}

/** Pushes a host file to the device with the given mode; resolves when the device confirmed it. */
export async function push(device: DeviceClient, hostPath: string, devicePath: string, mode = 0o644): Promise<void> {
  try {
    const transfer = await device.push(createReadStream(hostPath), devicePath, mode);
    await new Promise<void>((resolve, reject) => {
      transfer.once('end', () => resolve());
      transfer.once('error', reject);
    });
  } catch (e) {
    throw new DeviceUnavailable(`adb push ${hostPath} → ${devicePath} failed: ${errorMessage(e)}`);
  }
}

/** Reads a whole device file over sync RECV. */
export async function pull(device: DeviceClient, devicePath: string): Promise<Buffer> {
  const transfer = await device.pull(devicePath);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    transfer.on('data', (b: Buffer) => chunks.push(b));
    transfer.once('end', () => resolve(Buffer.concat(chunks)));
    transfer.once('error', reject);
  });
}
