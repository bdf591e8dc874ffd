import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';

/**
 * The emulated phone's filesystem: device paths (`/data/local/tmp/x`) live under a sandbox folder on
 * the host (`<root>/data/local/tmp/x`); kernel files (`/proc`, `/sys`) are virtual and computed when
 * read, so frequencies and temperatures can change while a test runs.
 */
export class DeviceFs {
  private readonly virtual = new Map<string, () => string>();

  constructor(readonly root: string) {
    for (const d of ['/data/local/tmp', '/sdcard', '/system/bin', '/proc', '/sys']) mkdirSync(this.host(d), { recursive: true });
  }

  /** Normalises a device path against `cwd`; never escapes the sandbox. */
  resolve(path: string, cwd = '/'): string {
    const abs = path.startsWith('/') ? path : posix.join(cwd, path);
    return posix.normalize(abs).replace(/\/+$/, '') || '/';
  }

  host(devicePath: string): string {
    return join(this.root, this.resolve(devicePath));
  }

  defineVirtual(path: string, read: () => string): void {
    this.virtual.set(this.resolve(path), read);
  }

  isVirtual(path: string): boolean {
    return this.virtual.has(this.resolve(path));
  }

  exists(path: string): boolean {
    const p = this.resolve(path);
    return this.virtual.has(p) || this.isVirtualDir(p) || existsSync(this.host(p));
  }

  isDir(path: string): boolean {
    const p = this.resolve(path);
    if (this.virtual.has(p)) return false;
    if (this.isVirtualDir(p)) return true;
    try {
      return statSync(this.host(p)).isDirectory();
    } catch {
      return false;
    }
  }

  private isVirtualDir(p: string): boolean {
    const prefix = p === '/' ? '/' : p + '/';
    for (const k of this.virtual.keys()) if (k.startsWith(prefix)) return true;
    return false;
  }

  read(path: string): Buffer {
    const p = this.resolve(path);
    const v = this.virtual.get(p);
    if (v) return Buffer.from(v());
    return readFileSync(this.host(p));
  }

  write(path: string, data: Buffer, mode?: number): void {
    const p = this.resolve(path);
    if (this.virtual.has(p)) throw new Error(`${p}: Read-only file system`);
    const h = this.host(p);
    mkdirSync(dirname(h), { recursive: true });
    writeFileSync(h, data);
    if (mode !== undefined) chmodSync(h, mode & 0o7777);
  }

  /** Entry names of a directory (real and virtual), sorted. */
  list(path: string): string[] {
    const p = this.resolve(path);
    const names = new Set<string>();
    const prefix = p === '/' ? '/' : p + '/';
    for (const k of this.virtual.keys()) {
      if (k.startsWith(prefix)) names.add(k.slice(prefix.length).split('/')[0] as string);
    }
    try {
      for (const n of readdirSync(this.host(p))) names.add(n);
    } catch {
      /* virtual-only or missing */
    }
    return [...names].sort();
  }

  /** mode (with file-type bits), size and mtime in seconds, as sync STAT reports them; undefined when missing. */
  stat(path: string): { mode: number; size: number; mtime: number } | undefined {
    const p = this.resolve(path);
    const v = this.virtual.get(p);
    if (v) return { mode: 0o100444, size: 4096, mtime: Math.floor(Date.now() / 1000) };
    if (this.isVirtualDir(p) && !existsSync(this.host(p))) return { mode: 0o40555, size: 0, mtime: Math.floor(Date.now() / 1000) };
    try {
      const s = statSync(this.host(p));
      return { mode: s.mode, size: s.size, mtime: Math.floor(s.mtimeMs / 1000) };
    } catch {
      return undefined;
    }
  }

  mkdir(path: string, parents: boolean): void {
    mkdirSync(this.host(path), { recursive: parents });
  }

  remove(path: string, recursive: boolean): void {
    const p = this.resolve(path);
    if (this.virtual.has(p) || p === '/') throw new Error(`${p}: Read-only file system`);
    rmSync(this.host(p), { recursive, force: false });
  }

  chmod(path: string, mode: number): void {
    chmodSync(this.host(path), mode);
  }

  /** Expands one `*`/`?` pattern against the tree (each segment separately); no match: empty. */
  glob(pattern: string, cwd: string): string[] {
    const abs = this.resolve(pattern, cwd);
    const segs = abs.split('/').filter(Boolean);
    let paths = ['/'];
    for (const seg of segs) {
      const next: string[] = [];
      const re = /[*?]/.test(seg) ? new RegExp('^' + seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$') : undefined;
      for (const base of paths) {
        if (!re) {
          const cand = posix.join(base, seg);
          if (this.exists(cand)) next.push(cand);
        } else if (this.isDir(base)) {
          for (const n of this.list(base)) if (re.test(n)) next.push(posix.join(base, n));
        }
      }
      paths = next;
    }
    return paths.sort();
  }
}
