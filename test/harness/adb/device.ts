import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceFs } from './device-fs.js';
import { availableFrequencies, cpuCount, PIXEL_7, procCpuinfo, type DeviceProfile } from './profile.js';
import { DeviceShell } from './shell.js';
import { SyncService } from './sync.js';
import {
  A_AUTH, A_CLSE, A_CNXN, A_OKAY, A_OPEN, A_VERSION_SKIP_CHECKSUM, A_WRTE, AUTH_RSAPUBLICKEY, AUTH_SIGNATURE, AUTH_TOKEN,
  commandName, encodeMessage, MessageDecoder, type AdbMessage,
} from './wire.js';

export interface EmulatedDeviceOptions {
  readonly profile?: DeviceProfile;
  /** Sandbox folder (default: a fresh temp folder, removed by close()). */
  readonly root?: string;
  /** When false the device answers CNXN with AUTH and shows up as `unauthorized` until authorize(). */
  readonly authorized?: boolean;
  /** Ambient (idle) temperature in °C. */
  readonly ambientC?: number;
  /** °C gained per second while a program runs (0: no self-heating). */
  readonly heatPerSecond?: number;
  /** Time constant of cooling towards ambient, in seconds. */
  readonly coolTauSeconds?: number;
  /** How benchmark_model times models on this phone (default 'real'); also settable later via `timing`. */
  readonly timing?: PhoneTiming;
  /** Address it listens on (default 127.0.0.1; e.g. a veth link's, for an adb server in another network namespace). */
  readonly host?: string;
}

/**
 * The phone's compute, as the benchmark_model stand-in (test/harness/armnn/benchmark_model.py) sees
 * it. The rates are of the emulated phone, not of the host.
 */
export interface CostModel {
  /** Seed of the per-run noise: the same seed, model, flags and run order give the same numbers. */
  readonly seed: number;
  /** Compute rate, GFLOP/s (default 0.5). */
  readonly gflops?: number;
  /** Memory rate, GB/s (default 2). */
  readonly gbps?: number;
  /** Fixed cost of every operator, µs (default 10). */
  readonly opUs?: number;
  /** Fixed cost of every inference, µs (default 50). */
  readonly invokeUs?: number;
  /** Standard deviation of the log-normal noise of one run (default 0.03; 0 for none). */
  readonly noise?: number;
}

/**
 * 'real': programs really run and time themselves (benchmark_model runs the model in Arm NN, so its
 * numbers are the host's wall clock, noisy on a busy machine). A CostModel: benchmark_model reports
 * per-op times from the cost model of the ops (FLOPs, bytes) with seeded noise, deterministic
 * whatever the host's load, and sleeps for the simulated time; for tests that assert on accuracy.
 */
export type PhoneTiming = 'real' | CostModel;

interface Stream {
  readonly localId: number;
  readonly remoteId: number;
  readonly service: string;
  queue: Buffer[];
  awaitingOkay: boolean;
  closing: boolean;
  closed: boolean;
  onData(b: Buffer): void;
  onClose(): void;
}

interface Connection {
  readonly socket: Socket;
  readonly decoder: MessageDecoder;
  readonly streams: Map<number, Stream>;
  online: boolean;
  maxData: number;
}

/**
 * An Android phone as the adb server sees it over TCP (`adb connect 127.0.0.1:<port>`): it speaks the
 * adb transport protocol (CNXN/AUTH, OPEN/OKAY/WRTE/CLSE with one-outstanding-WRTE flow control),
 * serves `shell:` (raw, v1: stdout and stderr together, no exit status) and `sync:`, and runs
 * commands in a sandbox folder. unplug()/plug() drop and restore the link like a cable.
 */
export class EmulatedAndroidDevice {
  readonly profile: DeviceProfile;
  readonly fs: DeviceFs;
  /** argv of every command the shell ran, in order. */
  readonly commands: string[][] = [];
  /** Every OPEN'd service name, in order. */
  readonly services: string[] = [];
  private server: Server | undefined;
  private port = 0;
  private readonly host: string;
  private readonly conns = new Set<Connection>();
  private readonly ownsRoot: boolean;
  private authorized: boolean;
  private nextLocalId = 1;
  private busyCount = 0;
  private tempC: number;
  private tempAt = Date.now();
  private readonly ambientC: number;
  private readonly heatPerSecond: number;
  private readonly coolTau: number;
  private readonly abort = new Set<AbortController>();
  private readonly startListeners = new Set<(argv: readonly string[]) => void>();
  private programRuns = 0;
  /** See PhoneTiming; may be changed between measurements. */
  timing: PhoneTiming;

  constructor(opts: EmulatedDeviceOptions = {}) {
    this.profile = opts.profile ?? PIXEL_7;
    this.ownsRoot = !opts.root;
    this.fs = new DeviceFs(opts.root ?? mkdtempSync(join(tmpdir(), 'frontier-emu-')));
    this.authorized = opts.authorized ?? true;
    this.ambientC = opts.ambientC ?? 31;
    this.tempC = this.ambientC;
    this.heatPerSecond = opts.heatPerSecond ?? 0;
    this.coolTau = opts.coolTauSeconds ?? 2;
    this.timing = opts.timing ?? 'real';
    this.host = opts.host ?? '127.0.0.1';
    this.defineKernelFiles();
  }

  get serial(): string {
    return `${this.host}:${this.port}`;
  }

  /** Programs (not built-in commands) running right now. */
  get runningPrograms(): number {
    return this.busyCount;
  }

  /** Resolves once a program is running (e.g. benchmark_model), to pull the cable in the middle of it. */
  async whenRunning(timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.busyCount === 0) {
      if (Date.now() > until) throw new Error('no program started on the emulated device');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * Calls `listener` with the argv of every program (not built-in command) just after it started,
   * on a later turn of the event loop but before its exit can be seen: a test can pull the cable
   * while a given run is certainly in progress. Returns the unsubscribe function.
   */
  onProgramStart(listener: (argv: readonly string[]) => void): () => void {
    this.startListeners.add(listener);
    return () => void this.startListeners.delete(listener);
  }

  /** The environment programs run with: how benchmark_model times models, and the run counter that seeds its noise. */
  private programEnv(): Record<string, string> {
    const t = this.timing;
    const run = String(this.programRuns++);
    return t === 'real' ? {} : { FRONTIER_EMU_TIMING: 'cost', FRONTIER_EMU_COST: JSON.stringify(t), FRONTIER_EMU_RUN: run };
  }

  get listeningPort(): number {
    return this.port;
  }

  /** Starts listening (port 0: any free port); returns the port. */
  async start(port = 0): Promise<number> {
    const server = createServer((s) => this.accept(s));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port || this.port, this.host, () => resolve());
    });
    this.server = server;
    const addr = server.address();
    if (addr && typeof addr === 'object') this.port = addr.port;
    return this.port;
  }

  /** Pulls the cable: every transport connection drops, running programs are killed, no new connections. */
  async unplug(): Promise<void> {
    for (const a of this.abort) a.abort();
    for (const c of this.conns) c.socket.destroy();
    this.conns.clear();
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  /** Plugs the cable back in (same port). */
  async plug(): Promise<void> {
    if (!this.server) await this.start(this.port);
  }

  /** The user taps "Allow" on the RSA key prompt: waiting connections go online. */
  authorize(): void {
    this.authorized = true;
    for (const c of this.conns) if (!c.online) this.sendCnxn(c);
  }

  /** Current temperature (°C) of the SoC, following the heating/cooling model. */
  temperature(): number {
    const now = Date.now();
    const dt = (now - this.tempAt) / 1000;
    this.tempAt = now;
    if (this.busyCount > 0) this.tempC += this.heatPerSecond * dt;
    else this.tempC = this.ambientC + (this.tempC - this.ambientC) * Math.exp(-dt / this.coolTau);
    return this.tempC;
  }

  setTemperature(c: number): void {
    this.temperature();
    this.tempC = c;
  }

  async close(): Promise<void> {
    await this.unplug();
    if (this.ownsRoot) rmSync(this.fs.root, { recursive: true, force: true });
  }

  // --- kernel files -------------------------------------------------------------------------------

  private defineKernelFiles(): void {
    const p = this.profile;
    const n = cpuCount(p);
    const fs = this.fs;
    fs.defineVirtual('/proc/cpuinfo', () => procCpuinfo(p));
    for (const f of ['possible', 'present', 'online']) fs.defineVirtual(`/sys/devices/system/cpu/${f}`, () => `0-${n - 1}\n`);
    for (const c of p.clusters) {
      const freqs = availableFrequencies(c);
      for (const cpu of c.cpus) {
        const d = `/sys/devices/system/cpu/cpu${cpu}/cpufreq`;
        fs.defineVirtual(`${d}/cpuinfo_max_freq`, () => `${c.maxKhz}\n`);
        fs.defineVirtual(`${d}/cpuinfo_min_freq`, () => `${c.minKhz}\n`);
        fs.defineVirtual(`${d}/scaling_max_freq`, () => `${c.maxKhz}\n`);
        fs.defineVirtual(`${d}/scaling_min_freq`, () => `${c.minKhz}\n`);
        fs.defineVirtual(`${d}/scaling_governor`, () => `${c.governor}\n`);
        fs.defineVirtual(`${d}/scaling_available_governors`, () => `${c.governor} performance powersave\n`);
        fs.defineVirtual(`${d}/scaling_available_frequencies`, () => freqs.join(' ') + ' \n');
        fs.defineVirtual(`${d}/related_cpus`, () => c.cpus.join(' ') + '\n');
        fs.defineVirtual(`${d}/scaling_cur_freq`, () => `${this.busyCount > 0 ? c.maxKhz : (freqs[1] ?? c.minKhz)}\n`);
      }
    }
    // SoC zones share the die temperature (cluster offsets), then the battery which lags behind it.
    const zones = [...p.clusters.map((c, i) => ({ type: c.zone, off: i * 1.5 })), { type: 'battery', off: -4 }];
    zones.forEach((z, i) => {
      fs.defineVirtual(`/sys/class/thermal/thermal_zone${i}/type`, () => `${z.type}\n`);
      fs.defineVirtual(`/sys/class/thermal/thermal_zone${i}/temp`, () => `${Math.round((this.temperature() + z.off) * 1000)}\n`);
    });
  }

  private batteryTenthsC(): number {
    return Math.round((this.temperature() - 4) * 10);
  }

  private dumpsys(service: string): string | undefined {
    if (service !== 'battery') return undefined;
    return [
      'Current Battery Service state:',
      '  AC powered: false',
      '  USB powered: true',
      '  Wireless powered: false',
      '  Max charging current: 500000',
      '  Max charging voltage: 5000000',
      '  Charge counter: 3412000',
      '  status: 2',
      '  health: 2',
      '  present: true',
      '  level: 82',
      '  scale: 100',
      '  voltage: 4211',
      `  temperature: ${this.batteryTenthsC()}`,
      '  technology: Li-ion',
      '',
    ].join('\n');
  }

  // --- transport ----------------------------------------------------------------------------------

  private accept(socket: Socket): void {
    socket.setNoDelay(true);
    const conn: Connection = { socket, decoder: new MessageDecoder(), streams: new Map(), online: false, maxData: 4096 };
    this.conns.add(conn);
    socket.on('data', (chunk: Buffer) => {
      let msgs: AdbMessage[];
      try {
        msgs = conn.decoder.push(chunk);
      } catch {
        socket.destroy(); // protocol.txt: a corrupt header or payload closes the connection
        return;
      }
      for (const m of msgs) this.onMessage(conn, m);
    });
    const gone = () => {
      this.conns.delete(conn);
      for (const s of conn.streams.values()) s.onClose();
      conn.streams.clear();
    };
    socket.on('close', gone);
    socket.on('error', () => socket.destroy());
  }

  private send(conn: Connection, command: number, arg0: number, arg1: number, data?: Buffer): void {
    if (!conn.socket.destroyed) conn.socket.write(encodeMessage(command, arg0, arg1, data));
  }

  private sendCnxn(conn: Connection): void {
    const p = this.profile.props;
    const banner = `device::ro.product.name=${p['ro.product.name']};ro.product.model=${p['ro.product.model']};ro.product.device=${p['ro.product.device']};features=cmd`;
    conn.online = true;
    this.send(conn, A_CNXN, A_VERSION_SKIP_CHECKSUM, 256 * 1024, Buffer.from(banner));
  }

  private onMessage(conn: Connection, m: AdbMessage): void {
    switch (m.command) {
      case A_CNXN: {
        conn.decoder.verifyChecksum = m.arg0 < A_VERSION_SKIP_CHECKSUM;
        conn.maxData = Math.min(m.arg1 || 4096, 256 * 1024);
        if (this.authorized) this.sendCnxn(conn);
        else this.send(conn, A_AUTH, AUTH_TOKEN, 0, randomBytes(20));
        return;
      }
      case A_AUTH: {
        if (this.authorized) {
          this.sendCnxn(conn);
          return;
        }
        // A signature we cannot check against an allowed key: ask for the next one. A public key:
        // the "Allow USB debugging?" prompt is up; nothing is sent until authorize().
        if (m.arg0 === AUTH_SIGNATURE) this.send(conn, A_AUTH, AUTH_TOKEN, 0, randomBytes(20));
        else if (m.arg0 !== AUTH_RSAPUBLICKEY) conn.socket.destroy();
        return;
      }
      case A_OPEN: {
        if (!conn.online) return;
        const service = m.data.toString('utf8').replace(/\0+$/, '');
        this.services.push(service);
        this.open(conn, m.arg0, service);
        return;
      }
      case A_OKAY: {
        const s = conn.streams.get(m.arg1);
        if (!s) return;
        s.awaitingOkay = false;
        this.flush(conn, s);
        return;
      }
      case A_WRTE: {
        const s = conn.streams.get(m.arg1);
        if (!s) {
          this.send(conn, A_CLSE, 0, m.arg0);
          return;
        }
        this.send(conn, A_OKAY, s.localId, s.remoteId);
        s.onData(m.data);
        return;
      }
      case A_CLSE: {
        const s = conn.streams.get(m.arg1);
        if (!s) return;
        conn.streams.delete(s.localId);
        s.closed = true;
        s.onClose();
        return;
      }
      default:
        throw new Error(`emulated device: unexpected ${commandName(m.command)}`);
    }
  }

  private flush(conn: Connection, s: Stream): void {
    if (s.closed || s.awaitingOkay) return;
    const next = s.queue.shift();
    if (next) {
      s.awaitingOkay = true;
      this.send(conn, A_WRTE, s.localId, s.remoteId, next);
    } else if (s.closing) {
      s.closed = true;
      conn.streams.delete(s.localId);
      this.send(conn, A_CLSE, s.localId, s.remoteId);
    }
  }

  private open(conn: Connection, remoteId: number, service: string): void {
    const localId = this.nextLocalId++;
    const s: Stream = {
      localId, remoteId, service, queue: [], awaitingOkay: false, closing: false, closed: false,
      onData: () => undefined, onClose: () => undefined,
    };
    const write = (b: Buffer) => {
      if (s.closed || s.closing) return;
      for (let off = 0; off < b.length; off += conn.maxData) s.queue.push(Buffer.from(b.subarray(off, off + conn.maxData)));
      this.flush(conn, s);
    };
    const end = () => {
      if (s.closing || s.closed) return;
      s.closing = true;
      this.flush(conn, s);
    };

    if (service.startsWith('shell:') || service.startsWith('exec:')) {
      const line = service.slice(service.indexOf(':') + 1);
      if (line.trim() === '') {
        this.send(conn, A_CLSE, 0, remoteId); // interactive shells are not emulated
        return;
      }
      conn.streams.set(localId, s);
      this.send(conn, A_OKAY, localId, remoteId);
      const ac = new AbortController();
      this.abort.add(ac);
      s.onClose = () => ac.abort();
      const shell = new DeviceShell(
        {
          fs: this.fs,
          props: () => this.profile.props,
          dumpsys: (x) => this.dumpsys(x),
          cpuCount: cpuCount(this.profile),
          busy: (d) => {
            this.temperature();
            this.busyCount += d;
          },
          log: (argv) => this.commands.push([...argv]),
          programEnv: () => this.programEnv(),
          started: (argv) => {
            // setImmediate: after the shell has wired the kill-on-unplug; before any exit event is read.
            for (const l of this.startListeners) setImmediate(() => l(argv));
          },
        },
        write,
        ac.signal,
      );
      void shell.run(line).finally(() => {
        this.abort.delete(ac);
        end();
      });
      return;
    }
    if (service === 'sync:') {
      conn.streams.set(localId, s);
      this.send(conn, A_OKAY, localId, remoteId);
      const sync = new SyncService(this.fs, write, end);
      s.onData = (b) => sync.onData(b);
      return;
    }
    this.send(conn, A_CLSE, 0, remoteId); // unknown service: refuse the OPEN
  }
}
