import type { Client, Device, DeviceClient } from '@devicefarmer/adbkit';
import { DeviceUnavailable, errorMessage } from '../../../shared/errors.js';
import type { DeviceInfo } from '../../../shared/ipc/contract.js';
import type { DeviceRecord } from '../../../shared/types/index.js';
import { delay, type CancellationToken, CancellationToken as Tokens } from '../../core/cancellation.js';
import {
  androidFacts, parseCpuList, parseDumpsysBattery, parseGetprop, parseTagged, socTemperature, zoneCelsius,
  type AndroidFacts, type CpuCore, type ThermalZone,
} from '../../core/devices/facts.js';
import { toDisposable, type Disposable } from '../../core/lifecycle.js';
import type { Store } from '../../core/store.js';
import { createAdbClient, shellOk, type AdbSettings } from './adb.js';

/** adb's view of a phone: `device` (usable), `unauthorized` (key not yet allowed), `offline`. */
export type AdbState = 'device' | 'unauthorized' | 'offline' | 'absent';

export interface TrackedDevice {
  readonly serial: string;
  readonly state: AdbState;
  /** Facts read when it last came online. */
  readonly facts?: AndroidFacts;
  readonly lastSeenAt: number;
}

export interface Thermals {
  readonly socC?: number;
  readonly batteryC?: number;
}

function toState(t: Device['type']): AdbState {
  return t === 'device' || t === 'emulator' ? 'device' : t === 'unauthorized' ? 'unauthorized' : 'offline';
}

/**
 * Phones over adb, tracked live through the adb server (`host:track-devices` via adbkit): plugged,
 * unplugged and unauthorized phones show up as they change. When a phone comes online its facts
 * (model, SoC, ABI, Android version, cores and frequencies, governor, thermal zones, battery) are
 * read and stored with `Store.upsertDevice`. Listeners get the whole list after every change.
 */
export class AdbDeviceService implements Disposable {
  readonly client: Client;
  private tracker: Awaited<ReturnType<Client['trackDevices']>> | undefined;
  private readonly devices = new Map<string, TrackedDevice>();
  private readonly listeners = new Set<(devices: readonly TrackedDevice[]) => void>();
  private readonly pending = new Map<string, Promise<void>>();
  private disposed = false;

  private poll: ReturnType<typeof setInterval> | undefined;
  /** Network (adb connect) phones that dropped: serial → when first lost, last reconnect attempt. */
  private readonly lost = new Map<string, { since: number; tried: number }>();
  private reconnecting = false;

  /**
   * `pollMs`: how often `host:devices` is also polled. The adb server (platform-tools 29 at least)
   * does not announce every state change on `host:track-devices` — a TCP phone that turns
   * `unauthorized` stays `offline` there — so tracking alone can miss it.
   * `reconnect`: a phone attached with `adb connect` that goes offline is reconnected every `everyMs`
   * for `windowMs` (the adb server's own retry backs off to 10 s and more).
   */
  constructor(
    private readonly store?: Store,
    settings: AdbSettings = {},
    private readonly now: () => number = Date.now,
    private readonly pollMs = 1000,
    private readonly reconnect: { everyMs: number; windowMs: number } = { everyMs: 3000, windowMs: 10 * 60_000 },
    env: Readonly<Record<string, string | undefined>> = process.env,
  ) {
    this.client = createAdbClient(settings, env);
  }

  /** Starts tracking (starting the adb server if needed); resolves once the first list is in. */
  async start(): Promise<void> {
    let tracker: Awaited<ReturnType<Client['trackDevices']>>;
    try {
      tracker = await this.client.trackDevices();
    } catch (e) {
      throw new DeviceUnavailable(`cannot reach the adb server: ${errorMessage(e)}`);
    }
    this.tracker = tracker;
    tracker.on('add', (d: Device) => this.update(d.id, toState(d.type)));
    tracker.on('change', (d: Device) => this.update(d.id, toState(d.type)));
    tracker.on('remove', (d: Device) => this.update(d.id, 'absent'));
    tracker.on('error', () => undefined);
    await this.sync();
    await Promise.all(this.pending.values());
    this.poll = setInterval(() => void this.sync().catch(() => undefined), this.pollMs);
    this.poll.unref?.();
  }

  private async sync(): Promise<void> {
    const now = await this.client.listDevices();
    const ids = new Set(now.map((d: Device) => d.id));
    for (const d of now) this.update(d.id, toState(d.type));
    for (const d of [...this.devices.values()]) if (!ids.has(d.serial) && d.state !== 'absent') this.update(d.serial, 'absent');
    await this.reconnectLost();
  }

  private async reconnectLost(): Promise<void> {
    if (this.reconnecting) return;
    this.reconnecting = true;
    try {
      const t = Date.now();
      for (const [serial, l] of [...this.lost]) {
        const state = this.devices.get(serial)?.state ?? 'absent';
        if (state === 'device' || state === 'unauthorized' || t - l.since > this.reconnect.windowMs) {
          this.lost.delete(serial);
          continue;
        }
        if (t - l.tried < this.reconnect.everyMs) continue;
        l.tried = t;
        const m = /^(.*):(\d+)$/.exec(serial);
        if (!m) continue;
        const [host, port] = [m[1] as string, Number(m[2])];
        // An offline transport answers `connect` with "already connected": drop it first.
        if (state === 'offline') await this.client.disconnect(host, port).catch(() => undefined);
        await this.client.connect(host, port).catch(() => undefined);
      }
    } finally {
      this.reconnecting = false;
    }
  }

  /** Every phone adb knows now (absent ones are dropped). */
  list(): TrackedDevice[] {
    return [...this.devices.values()].filter((d) => d.state !== 'absent');
  }

  get(serial: string): TrackedDevice | undefined {
    return this.devices.get(serial);
  }

  /** DeviceInfo for the IPC contract. */
  infos(): DeviceInfo[] {
    return this.list().map((d) => ({
      id: d.serial,
      kind: 'android',
      name: d.facts ? `${d.facts.manufacturer} ${d.facts.model}` : d.serial,
      info: { state: d.state, ...(d.facts ?? {}) },
      lastSeenAt: d.lastSeenAt,
      online: d.state === 'device',
    }));
  }

  onDidChange(listener: (devices: readonly TrackedDevice[]) => void): Disposable {
    this.listeners.add(listener);
    return toDisposable(() => this.listeners.delete(listener));
  }

  device(serial: string): DeviceClient {
    return this.client.getDevice(serial);
  }

  /** Resolves once the phone is in `state` (e.g. back online after an unplug); rejects when cancelled or after timeoutMs. */
  async waitFor(serial: string, state: AdbState, token: CancellationToken = Tokens.None, timeoutMs = Infinity): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const d = this.devices.get(serial);
      if ((d?.state ?? 'absent') === state && (state !== 'device' || d?.facts)) return;
      // Online but its facts could not be read (it dropped while we asked): ask again.
      if (d?.state === 'device' && !d.facts && !this.pending.has(serial)) this.scheduleRefresh(serial);
      if (Date.now() > until) throw new DeviceUnavailable(`${serial} did not become ${state} within ${timeoutMs} ms`);
      await delay(50, token);
    }
  }

  private emit(): void {
    const list = this.list();
    for (const l of [...this.listeners]) l(list);
  }

  private update(serial: string, state: AdbState): void {
    if (this.disposed) return;
    const prev = this.devices.get(serial);
    if (prev?.state === state) return;
    if (state === 'offline' && prev?.state === 'device' && /^[^:]+:\d+$/.test(serial) && !this.lost.has(serial)) {
      this.lost.set(serial, { since: Date.now(), tried: Date.now() });
    }
    const base = { serial, state, lastSeenAt: this.now(), ...(prev?.facts && state !== 'absent' ? { facts: prev.facts } : {}) };
    this.devices.set(serial, base);
    this.emit();
    if (state === 'device') this.scheduleRefresh(serial);
  }

  private scheduleRefresh(serial: string): void {
    const p = this.refresh(serial)
      .then(() => undefined, () => undefined)
      .finally(() => this.pending.delete(serial));
    this.pending.set(serial, p);
  }

  /** Reads the phone's facts now, stores them and returns them. */
  async refresh(serial: string): Promise<AndroidFacts> {
    const facts = await readFacts(this.device(serial));
    const cur = this.devices.get(serial);
    if (cur && cur.state === 'device') this.devices.set(serial, { ...cur, facts, lastSeenAt: this.now() });
    this.store?.upsertDevice(toRecord(serial, facts, this.now()));
    this.emit();
    return facts;
  }

  /** SoC and battery temperature now. */
  async thermals(serial: string): Promise<Thermals> {
    const zones = this.devices.get(serial)?.facts?.thermal.map((z) => z.zone);
    return readThermals(this.device(serial), zones);
  }

  dispose(): void {
    this.disposed = true;
    if (this.poll) clearInterval(this.poll);
    this.tracker?.end();
    this.tracker = undefined;
    this.listeners.clear();
  }
}

export function toRecord(serial: string, facts: AndroidFacts, now: number): DeviceRecord {
  return { id: serial, kind: 'android', name: `${facts.manufacturer} ${facts.model}`, info: { ...facts }, lastSeenAt: now };
}

const CPU = '/sys/devices/system/cpu';
const THERMAL = '/sys/class/thermal';

/** Reads everything Frontier records about a phone, in two shell round trips. */
export async function readFacts(device: DeviceClient): Promise<AndroidFacts> {
  const first = parseTagged(
    await shellOk(
      device,
      `echo @props; getprop; echo @cpuinfo; cat /proc/cpuinfo; echo @possible; cat ${CPU}/possible; echo @thermal; ls ${THERMAL} 2>/dev/null; echo @battery; dumpsys battery; echo @end`,
    ),
  );
  const props = parseGetprop(first.get('props') ?? '');
  const cpus = parseCpuList(first.get('possible') ?? '');
  const zones = (first.get('thermal') ?? '').split('\n').map((l) => /^thermal_zone(\d+)$/.exec(l.trim())).filter((m) => m).map((m) => Number((m as RegExpExecArray)[1]));
  const parts: string[] = [];
  for (const c of cpus) {
    for (const [tag, file] of [['max', 'cpuinfo_max_freq'], ['min', 'cpuinfo_min_freq'], ['cur', 'scaling_cur_freq'], ['gov', 'scaling_governor']] as const) {
      parts.push(`echo @${tag}${c}; cat ${CPU}/cpu${c}/cpufreq/${file} 2>/dev/null`);
    }
  }
  for (const z of zones) parts.push(`echo @ztype${z}; cat ${THERMAL}/thermal_zone${z}/type 2>/dev/null; echo @ztemp${z}; cat ${THERMAL}/thermal_zone${z}/temp 2>/dev/null`);
  parts.push('echo @end');
  const second = parseTagged(await shellOk(device, parts.join('; ')));
  const num = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined);
  const cores: CpuCore[] = cpus.map((cpu) => {
    const max = num(second.get(`max${cpu}`));
    const min = num(second.get(`min${cpu}`));
    const cur = num(second.get(`cur${cpu}`));
    const gov = second.get(`gov${cpu}`);
    return { cpu, ...(max !== undefined ? { maxKhz: max } : {}), ...(min !== undefined ? { minKhz: min } : {}), ...(cur !== undefined ? { curKhz: cur } : {}), ...(gov ? { governor: gov } : {}) };
  });
  const thermal: ThermalZone[] = [];
  for (const z of zones) {
    const c = zoneCelsius(second.get(`ztemp${z}`) ?? '');
    if (c !== undefined) thermal.push({ zone: z, type: second.get(`ztype${z}`) ?? `zone${z}`, celsius: c });
  }
  return androidFacts({ props, cpuinfo: first.get('cpuinfo') ?? '', cores, thermal, battery: first.get('battery') ?? '' });
}

/** SoC temperature (hottest CPU/SoC thermal zone) and battery temperature, in one round trip. */
export async function readThermals(device: DeviceClient, zones?: readonly number[]): Promise<Thermals> {
  const list = zones ?? [];
  const cmd = [...list.map((z) => `echo @ztype${z}; cat ${THERMAL}/thermal_zone${z}/type 2>/dev/null; echo @ztemp${z}; cat ${THERMAL}/thermal_zone${z}/temp 2>/dev/null`), 'echo @battery; dumpsys battery; echo @end'].join('; ');
  const t = parseTagged(await shellOk(device, cmd));
  const zs: ThermalZone[] = [];
  for (const z of list) {
    const c = zoneCelsius(t.get(`ztemp${z}`) ?? '');
    if (c !== undefined) zs.push({ zone: z, type: t.get(`ztype${z}`) ?? '', celsius: c });
  }
  const soc = socTemperature(zs);
  const bat = parseDumpsysBattery(t.get('battery') ?? '').temperatureC;
  return { ...(soc !== undefined ? { socC: soc } : {}), ...(bat !== undefined ? { batteryC: bat } : {}) };
}
