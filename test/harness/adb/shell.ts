import { spawn, type ChildProcess } from 'node:child_process';
import { constants, accessSync } from 'node:fs';
import { posix } from 'node:path';
import type { DeviceFs } from './device-fs.js';

/** What the shell needs from the device it runs on. */
export interface ShellHost {
  readonly fs: DeviceFs;
  props(): Readonly<Record<string, string>>;
  dumpsys(service: string): string | undefined;
  readonly cpuCount: number;
  /** Brackets every program run (the thermal model heats the phone while one runs). */
  busy(delta: 1 | -1): void;
  /** Every simple command as executed (argv joined), for tests to inspect. */
  log(argv: readonly string[]): void;
  /** Extra environment of each program run (the device's timing model). */
  programEnv(): Readonly<Record<string, string>>;
  /** A program (argv as given to the shell) has been started and can be killed by an unplug. */
  started(argv: readonly string[]): void;
}

/** Programs running on any emulated device: killed when the test process exits, however it ends. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

type Token = { kind: 'word'; text: string; glob: boolean } | { kind: 'op'; text: string };

/** Splits a command line like toybox sh would for the simple cases adb clients send. */
export function tokenize(line: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const ch = line[i] as string;
    if (ch === ' ' || ch === '\t' || ch === '\n') {
      i++;
      continue;
    }
    const two = line.slice(i, i + 2);
    if (two === '&&' || two === '||' || two === '>>') {
      out.push({ kind: 'op', text: two });
      i += 2;
      continue;
    }
    if (/^2>&1/.test(line.slice(i))) {
      out.push({ kind: 'op', text: '2>&1' });
      i += 4;
      continue;
    }
    if (two === '2>') {
      out.push({ kind: 'op', text: '2>' });
      i += 2;
      continue;
    }
    if (ch === ';' || ch === '|' || ch === '>' || ch === '<' || ch === '&') {
      out.push({ kind: 'op', text: ch });
      i++;
      continue;
    }
    let text = '';
    let glob = false;
    while (i < line.length && !/[\s;|&<>]/.test(line[i] as string)) {
      const c = line[i] as string;
      if (c === "'") {
        const end = line.indexOf("'", i + 1);
        if (end < 0) throw new Error('unterminated quote');
        text += line.slice(i + 1, end);
        i = end + 1;
      } else if (c === '"') {
        i++;
        while (i < line.length && line[i] !== '"') {
          if (line[i] === '\\' && i + 1 < line.length && /["\\$`]/.test(line[i + 1] as string)) i++;
          text += line[i];
          i++;
        }
        if (i >= line.length) throw new Error('unterminated quote');
        i++;
      } else if (c === '\\' && i + 1 < line.length) {
        text += line[i + 1];
        i += 2;
      } else {
        if (c === '*' || c === '?') glob = true;
        text += c;
        i++;
      }
    }
    out.push({ kind: 'word', text, glob });
  }
  return out;
}

interface Simple {
  readonly words: Token[];
  readonly stdout?: { path: string; append: boolean };
  readonly stderr: 'inherit' | 'null' | 'stdout';
}

/**
 * A small `/system/bin/sh`: `;`, `&&`, `||`, `$?`, `VAR=value cmd`, `>`/`>>`/`2>`/`2>&1` redirections,
 * `*` globs, and the toybox commands benchmarking needs; anything else is looked up as an executable
 * file in the sandbox and run for real (scripts with a `#!` line included), with device paths in its
 * arguments mapped into the sandbox. Pipes are not supported.
 */
export class DeviceShell {
  private cwd = '/';
  private status = 0;

  constructor(
    private readonly host: ShellHost,
    private readonly out: (b: Buffer) => void,
    private readonly signal: AbortSignal,
  ) {}

  async run(line: string): Promise<number> {
    let tokens: Token[];
    try {
      tokens = tokenize(line);
    } catch (e) {
      this.print(`/system/bin/sh: syntax error: ${(e as Error).message}\n`);
      return 2;
    }
    let current: Token[] = [];
    let pendingOp: string | undefined;
    const flush = async (op: string | undefined): Promise<void> => {
      if (current.length > 0) {
        const skip = (pendingOp === '&&' && this.status !== 0) || (pendingOp === '||' && this.status === 0);
        if (!skip) this.status = await this.runSimple(current);
      }
      current = [];
      pendingOp = op;
    };
    for (const t of tokens) {
      if (this.signal.aborted) return 130;
      if (t.kind === 'op' && (t.text === ';' || t.text === '&&' || t.text === '||')) await flush(t.text);
      else if (t.kind === 'op' && (t.text === '|' || t.text === '&')) {
        this.print(`/system/bin/sh: '${t.text}' is not supported by the emulated shell\n`);
        return 2;
      } else current.push(t);
    }
    await flush(undefined);
    return this.status;
  }

  private print(s: string): void {
    this.out(Buffer.from(s));
  }

  private parseSimple(tokens: Token[]): Simple | string {
    const words: Token[] = [];
    let stdout: Simple['stdout'];
    let stderr: Simple['stderr'] = 'inherit';
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i] as Token;
      if (t.kind === 'word') {
        words.push(t);
        continue;
      }
      if (t.text === '2>&1') stderr = 'stdout';
      else if (t.text === '>' || t.text === '>>' || t.text === '2>') {
        const target = tokens[++i];
        if (!target || target.kind !== 'word') return `syntax error near '${t.text}'`;
        if (t.text === '2>') stderr = target.text === '/dev/null' ? 'null' : 'inherit';
        else stdout = { path: target.text, append: t.text === '>>' };
      } else return `'${t.text}' is not supported`;
    }
    return { words, ...(stdout ? { stdout } : {}), stderr };
  }

  private expand(words: Token[]): string[] {
    const argv: string[] = [];
    for (const w of words) {
      if (w.kind !== 'word') continue;
      const text = w.text.replace(/\$\?/g, String(this.status));
      if (w.glob) {
        const m = this.host.fs.glob(text, this.cwd);
        if (m.length > 0) {
          argv.push(...m);
          continue;
        }
      }
      argv.push(text);
    }
    return argv;
  }

  private async runSimple(tokens: Token[]): Promise<number> {
    const parsed = this.parseSimple(tokens);
    if (typeof parsed === 'string') {
      this.print(`/system/bin/sh: ${parsed}\n`);
      return 2;
    }
    const argv = this.expand(parsed.words);
    const env: Record<string, string> = {};
    while (argv.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[0] as string)) {
      const a = argv.shift() as string;
      const eq = a.indexOf('=');
      env[a.slice(0, eq)] = a.slice(eq + 1);
    }
    if (argv.length === 0) return 0;
    this.host.log(argv);
    let captured = '';
    const sink = parsed.stdout ? (b: Buffer) => void (captured += b.toString()) : this.out;
    const errSink = parsed.stderr === 'null' ? () => undefined : sink === this.out || parsed.stderr === 'stdout' ? sink : this.out;
    const code = await this.exec(argv, env, sink, errSink);
    if (parsed.stdout) {
      const fs = this.host.fs;
      const p = fs.resolve(parsed.stdout.path, this.cwd);
      const prev = parsed.stdout.append && fs.exists(p) ? fs.read(p) : Buffer.alloc(0);
      fs.write(p, Buffer.concat([prev, Buffer.from(captured)]));
    }
    return code;
  }

  private async exec(argv: string[], env: Record<string, string>, out: (b: Buffer) => void, err: (b: Buffer) => void): Promise<number> {
    const fs = this.host.fs;
    const [cmd, ...args] = argv as [string, ...string[]];
    const say = (s: string) => out(Buffer.from(s));
    const complain = (s: string) => err(Buffer.from(s));
    const path = (p: string) => fs.resolve(p, this.cwd);
    switch (cmd) {
      case 'true':
        return 0;
      case 'false':
        return 1;
      case 'echo': {
        const noNl = args[0] === '-n';
        say((noNl ? args.slice(1) : args).join(' ') + (noNl ? '' : '\n'));
        return 0;
      }
      case 'pwd':
        say(this.cwd + '\n');
        return 0;
      case 'cd': {
        const target = path(args[0] ?? '/');
        if (!fs.isDir(target)) {
          complain(`/system/bin/sh: cd: ${args[0]}: No such file or directory\n`);
          return 2;
        }
        this.cwd = target;
        return 0;
      }
      case 'nproc':
        say(`${this.host.cpuCount}\n`);
        return 0;
      case 'uname':
        say(args.includes('-m') ? 'aarch64\n' : args.includes('-a') ? 'Linux localhost 5.10.157-android13-4 #1 SMP PREEMPT aarch64 Toybox\n' : 'Linux\n');
        return 0;
      case 'id':
        say('uid=2000(shell) gid=2000(shell) groups=2000(shell),1004(input),1007(log),1011(adb),1015(sdcard_rw),3003(inet) context=u:r:shell:s0\n');
        return 0;
      case 'getprop': {
        const props = this.host.props();
        if (args[0] !== undefined) {
          say(`${props[args[0]] ?? args[1] ?? ''}\n`);
          return 0;
        }
        for (const k of Object.keys(props).sort()) say(`[${k}]: [${props[k]}]\n`);
        return 0;
      }
      case 'dumpsys': {
        const text = this.host.dumpsys(args[0] ?? '');
        if (text === undefined) {
          complain(`Can't find service: ${args[0] ?? ''}\n`);
          return 0;
        }
        say(text);
        return 0;
      }
      case 'cat': {
        let rc = 0;
        for (const a of args) {
          try {
            if (fs.isDir(a === '' ? '/' : path(a))) throw Object.assign(new Error(), { code: 'EISDIR' });
            out(fs.read(path(a)));
          } catch (e) {
            const code = (e as NodeJS.ErrnoException).code;
            complain(`cat: ${a}: ${code === 'EISDIR' ? 'Is a directory' : 'No such file or directory'}\n`);
            rc = 1;
          }
        }
        return rc;
      }
      case 'ls': {
        const flags = args.filter((a) => a.startsWith('-')).join('');
        const targets = args.filter((a) => !a.startsWith('-'));
        let rc = 0;
        for (const t of targets.length ? targets : ['.']) {
          const p = path(t);
          if (!fs.exists(p)) {
            complain(`ls: ${t}: No such file or directory\n`);
            rc = 1;
            continue;
          }
          const names = fs.isDir(p) ? fs.list(p) : [t];
          for (const n of names) {
            if (flags.includes('l')) {
              const s = fs.stat(fs.isDir(p) ? posix.join(p, n) : p);
              const mode = s ? modeString(s.mode) : '??????????';
              say(`${mode} 1 shell shell ${String(s?.size ?? 0).padStart(8)} 2024-02-05 12:00 ${n}\n`);
            } else say(`${n}\n`);
          }
        }
        return rc;
      }
      case 'mkdir': {
        const parents = args.includes('-p');
        let rc = 0;
        for (const a of args.filter((x) => !x.startsWith('-'))) {
          try {
            if (parents && fs.isDir(path(a))) continue;
            fs.mkdir(path(a), parents);
          } catch (e) {
            const code = (e as NodeJS.ErrnoException).code;
            complain(`mkdir: '${a}': ${code === 'EEXIST' ? 'File exists' : 'No such file or directory'}\n`);
            rc = 1;
          }
        }
        return rc;
      }
      case 'chmod': {
        const [mode, ...files] = args;
        if (!mode || !/^[0-7]{3,4}$/.test(mode)) {
          complain(`chmod: bad mode '${mode ?? ''}'\n`);
          return 1;
        }
        let rc = 0;
        for (const f of files) {
          try {
            fs.chmod(path(f), parseInt(mode, 8));
          } catch {
            complain(`chmod: ${f}: No such file or directory\n`);
            rc = 1;
          }
        }
        return rc;
      }
      case 'rm': {
        const flags = args.filter((a) => a.startsWith('-')).join('');
        let rc = 0;
        for (const a of args.filter((x) => !x.startsWith('-'))) {
          try {
            fs.remove(path(a), flags.includes('r'));
          } catch (e) {
            if ((e as NodeJS.ErrnoException).code === 'ENOENT' && flags.includes('f')) continue;
            complain(`rm: ${a}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}\n`);
            rc = 1;
          }
        }
        return rc;
      }
      case 'sleep': {
        const s = Number(args[0] ?? 0);
        await new Promise<void>((r) => {
          const t = setTimeout(r, s * 1000);
          this.signal.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
        });
        return this.signal.aborted ? 130 : 0;
      }
      case 'taskset': {
        // toybox: taskset [-p] MASK COMMAND...; the host may have fewer cores, so the mask is
        // validated against the emulated CPUs and then recorded, not applied.
        const [mask, ...rest] = args;
        const m = mask !== undefined && /^(0x)?[0-9a-fA-F]+$/.test(mask) ? parseInt(mask, 16) : NaN;
        if (!Number.isFinite(m) || m === 0 || m >= 2 ** this.host.cpuCount || rest.length === 0) {
          complain('taskset: sched_setaffinity: Invalid argument\n');
          return 1;
        }
        return this.exec(rest, { ...env, FRONTIER_EMU_AFFINITY: mask as string }, out, err);
      }
      default:
        return this.spawnProgram(cmd, args, env, out, err);
    }
  }

  private spawnProgram(cmd: string, args: string[], env: Record<string, string>, out: (b: Buffer) => void, err: (b: Buffer) => void): Promise<number> {
    const fs = this.host.fs;
    if (!cmd.includes('/')) {
      err(Buffer.from(`/system/bin/sh: ${cmd}: inaccessible or not found\n`));
      return Promise.resolve(127);
    }
    const devicePath = fs.resolve(cmd, this.cwd);
    if (!fs.exists(devicePath) || fs.isDir(devicePath)) {
      err(Buffer.from(`/system/bin/sh: ${cmd}: inaccessible or not found\n`));
      return Promise.resolve(127);
    }
    try {
      accessSync(fs.host(devicePath), constants.X_OK);
    } catch {
      err(Buffer.from(`/system/bin/sh: ${cmd}: can't execute: Permission denied\n`));
      return Promise.resolve(126);
    }
    // Device paths in arguments (`/data/...`, `--graph=/data/...`) are mapped into the sandbox: a chroot.
    const mapped = args.map((a) => a.replace(/(^|=)(\/(?:data|sdcard|system)\b[^\s,]*)/g, (_, pre: string, p: string) => pre + fs.host(p)));
    return new Promise((resolve) => {
      this.host.busy(1);
      const child = spawn(fs.host(devicePath), mapped, {
        cwd: fs.host(this.cwd),
        env: { PATH: '/usr/bin:/bin', HOME: fs.host('/data/local/tmp'), TMPDIR: fs.host('/data/local/tmp'), ...this.host.programEnv(), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      running.add(child);
      const onAbort = () => child.kill('SIGKILL');
      this.signal.addEventListener('abort', onAbort, { once: true });
      if (this.signal.aborted) onAbort();
      this.host.started([cmd, ...args]);
      child.stdout.on('data', (b: Buffer) => out(b));
      child.stderr.on('data', (b: Buffer) => err(b));
      let done = false;
      const finish = (code: number) => {
        if (done) return;
        done = true;
        running.delete(child);
        this.host.busy(-1);
        this.signal.removeEventListener('abort', onAbort);
        resolve(code);
      };
      child.on('error', (e) => {
        err(Buffer.from(`/system/bin/sh: ${cmd}: ${e.message}\n`));
        finish(126);
      });
      child.on('close', (code, sig) => finish(code ?? (sig ? 128 + 9 : 1)));
    });
  }
}

function modeString(mode: number): string {
  const type = (mode & 0o170000) === 0o040000 ? 'd' : '-';
  const bits = 'rwxrwxrwx';
  let s = type;
  for (let i = 0; i < 9; i++) s += mode & (1 << (8 - i)) ? bits[i] : '-';
  return s;
}
