import { spawnSync } from 'node:child_process';

/**
 * Workers on "other machines": each in its own network namespace, joined to this one by a veth
 * pair on a private /30 (10.213.N.0), reaching Redis over that link only (no loopback in common).
 * Needs root and `ip` (iproute2). `dispose` (afterAll) and a process exit delete every namespace
 * and link made, whatever happened.
 */
export interface NetnsHost {
  readonly name: string;
  /** This side's address: Redis listens on it too. */
  readonly hostAddress: string;
  /** Prefix a command with this to run it inside the namespace. */
  readonly exec: readonly string[];
}

const made = new Set<string>();
let hooked = false;

function ip(args: readonly string[]): { ok: boolean; out: string } {
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? r.error.message : ''}`.trim() };
}

function cleanup(name: string): void {
  ip(['netns', 'del', name]);
  ip(['link', 'del', `${name}h`]);
  made.delete(name);
}

/** Why namespaces cannot be made here, or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces are Linux only';
  if (process.getuid?.() !== 0) return 'not root (ip netns needs CAP_SYS_ADMIN)';
  const probe = `frp${process.pid % 100000}`;
  const r = ip(['netns', 'add', probe]);
  if (!r.ok) return `ip netns add failed: ${r.out}`;
  ip(['netns', 'del', probe]);
  return undefined;
}

/** Makes `count` namespaces, each linked to this one; throws (after removing what it made) on failure. */
export function makeNetnsHosts(count: number): NetnsHost[] {
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const n of [...made]) cleanup(n);
    });
  }
  const tag = (process.pid % 10000).toString(36);
  const hosts: NetnsHost[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const name = `fr${tag}n${i}`;
      const subnet = `10.213.${(process.pid % 60) * 4 + i}`;
      made.add(name);
      const steps: string[][] = [
        ['netns', 'add', name],
        ['link', 'add', `${name}h`, 'type', 'veth', 'peer', 'name', `${name}p`],
        ['link', 'set', `${name}p`, 'netns', name],
        ['addr', 'add', `${subnet}.1/30`, 'dev', `${name}h`],
        ['link', 'set', `${name}h`, 'up'],
        ['netns', 'exec', name, 'ip', 'addr', 'add', `${subnet}.2/30`, 'dev', `${name}p`],
        ['netns', 'exec', name, 'ip', 'link', 'set', `${name}p`, 'up'],
        ['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up'],
      ];
      for (const s of steps) {
        const r = ip(s);
        if (!r.ok) throw new Error(`ip ${s.join(' ')}: ${r.out}`);
      }
      hosts.push({ name, hostAddress: `${subnet}.1`, exec: ['ip', 'netns', 'exec', name] });
    }
    return hosts;
  } catch (e) {
    disposeNetnsHosts();
    throw e;
  }
}

export function disposeNetnsHosts(): void {
  for (const n of [...made]) cleanup(n);
}
