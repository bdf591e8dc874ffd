/**
 * Pure parsers for what an Android phone says about itself over `adb shell`: `getprop`,
 * `/proc/cpuinfo`, cpufreq files, thermal zones and `dumpsys battery`. No I/O: the devices service
 * runs the commands and hands the text here.
 */

export type Props = Readonly<Record<string, string>>;

/** `getprop` output: lines `[key]: [value]` (values may be empty; multi-line values are rare and kept to their first line). */
export function parseGetprop(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^\[([^\]]+)\]: \[([^\]]*)\]?\s*$/gm)) out[m[1] as string] = m[2] as string;
  return out;
}

export interface CpuCore {
  readonly cpu: number;
  /** ARM part number (0xd44 …) when /proc/cpuinfo has one. */
  readonly part?: number;
  readonly maxKhz?: number;
  readonly minKhz?: number;
  readonly curKhz?: number;
  readonly governor?: string;
}

/** CPU list syntax of /sys/devices/system/cpu/possible: `0-3,6,8-9`. */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.trim().split(',')) {
    if (!part) continue;
    const [a, b] = part.split('-').map((x) => Number(x.trim()));
    if (a === undefined || !Number.isInteger(a)) continue;
    const end = b !== undefined && Number.isInteger(b) ? b : a;
    for (let i = a; i <= end; i++) out.push(i);
  }
  return out;
}

/** /proc/cpuinfo: per-processor `CPU part`, and the `Hardware` line when there is one. */
export function parseCpuinfo(text: string): { parts: Map<number, number>; hardware?: string } {
  const parts = new Map<number, number>();
  let cur: number | undefined;
  let hardware: string | undefined;
  for (const line of text.split('\n')) {
    const m = /^([^:]+?)\s*:\s*(.*)$/.exec(line);
    if (!m) continue;
    const key = (m[1] as string).trim().toLowerCase();
    const val = (m[2] as string).trim();
    if (key === 'processor') cur = Number(val);
    else if (key === 'cpu part' && cur !== undefined && Number.isInteger(cur)) parts.set(cur, parseInt(val, 16));
    else if (key === 'hardware') hardware = val;
  }
  return { parts, ...(hardware ? { hardware } : {}) };
}

/** Known ARM core names by part number (for display; unknown parts keep the number). */
export const ARM_CORES: Readonly<Record<number, string>> = {
  0xd03: 'Cortex-A53', 0xd04: 'Cortex-A35', 0xd05: 'Cortex-A55', 0xd07: 'Cortex-A57', 0xd08: 'Cortex-A72',
  0xd09: 'Cortex-A73', 0xd0a: 'Cortex-A75', 0xd0b: 'Cortex-A76', 0xd0d: 'Cortex-A77', 0xd41: 'Cortex-A78',
  0xd44: 'Cortex-X1', 0xd46: 'Cortex-A510', 0xd47: 'Cortex-A710', 0xd48: 'Cortex-X2', 0xd4d: 'Cortex-A715',
  0xd4e: 'Cortex-X3', 0xd80: 'Cortex-A520', 0xd81: 'Cortex-A720', 0xd82: 'Cortex-X4',
};

/**
 * Output of a command that prints `@<tag>` marker lines before each file it cats: returns the text
 * after each marker (trimmed), or undefined where the file could not be read.
 */
export function parseTagged(text: string): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  let tag: string | undefined;
  let buf: string[] = [];
  const flush = () => {
    if (tag === undefined) return;
    const v = buf.join('\n').trim();
    out.set(tag, v === '' || /No such file|Permission denied|Is a directory/.test(v) ? undefined : v);
  };
  for (const line of text.replace(/\r/g, '').split('\n')) {
    const m = /^@(\S+)$/.exec(line);
    if (m) {
      flush();
      tag = m[1] as string;
      buf = [];
    } else buf.push(line);
  }
  flush();
  return out;
}

export interface ThermalZone {
  readonly zone: number;
  readonly type: string;
  readonly celsius: number;
}

/** A zone's raw `temp` in °C: millidegrees on nearly every kernel, plain degrees on a few. */
export function zoneCelsius(raw: string): number | undefined {
  const v = Number(raw.trim());
  if (!Number.isFinite(v)) return undefined;
  const c = Math.abs(v) >= 1000 ? v / 1000 : v;
  return c > -40 && c < 200 ? c : undefined;
}

const SOC_ZONE = /cpu|soc|big|mid|little|tsens|mtktscpu|cluster|apc|gpu/i;

/** The SoC temperature: hottest CPU/SoC zone, or the hottest plausible zone when none is named so. */
export function socTemperature(zones: readonly ThermalZone[]): number | undefined {
  const soc = zones.filter((z) => SOC_ZONE.test(z.type));
  const pick = soc.length > 0 ? soc : zones.filter((z) => !/battery|skin|ambient|usb|charger/i.test(z.type));
  if (pick.length === 0) return undefined;
  return Math.max(...pick.map((z) => z.celsius));
}

/** `dumpsys battery`: level (%) and temperature (°C; the service reports tenths). */
export function parseDumpsysBattery(text: string): { level?: number; temperatureC?: number } {
  const t = /^\s*temperature:\s*(-?\d+)/m.exec(text);
  const l = /^\s*level:\s*(\d+)/m.exec(text);
  return { ...(l ? { level: Number(l[1]) } : {}), ...(t ? { temperatureC: Number(t[1]) / 10 } : {}) };
}

/** Cores grouped into clusters by max frequency, fastest last (the `big` cores). */
export function clusters(cores: readonly CpuCore[]): { maxKhz: number; cpus: number[] }[] {
  const by = new Map<number, number[]>();
  for (const c of cores) {
    const k = c.maxKhz ?? 0;
    by.set(k, [...(by.get(k) ?? []), c.cpu]);
  }
  return [...by.entries()].sort((a, b) => a[0] - b[0]).map(([maxKhz, cpus]) => ({ maxKhz, cpus: cpus.sort((a, b) => a - b) }));
}

/** Hex affinity mask (as `taskset` takes it) of the fastest cluster's CPUs. */
export function bigCoreMask(cores: readonly CpuCore[]): string {
  const cl = clusters(cores);
  const big = cl[cl.length - 1];
  if (!big || big.cpus.length === 0) return 'ff';
  let mask = 0n;
  for (const c of big.cpus) mask |= 1n << BigInt(c);
  return mask.toString(16);
}

/** Everything Frontier records about a phone (the `info` of its DeviceRecord). */
export interface AndroidFacts {
  readonly model: string;
  readonly manufacturer: string;
  readonly soc: string;
  readonly abi: string;
  readonly abis: readonly string[];
  readonly androidVersion: string;
  readonly sdk: number;
  readonly fingerprint: string;
  readonly cores: readonly CpuCore[];
  readonly coreNames: readonly string[];
  readonly bigCoreMask: string;
  readonly governors: readonly string[];
  readonly thermal: readonly ThermalZone[];
  readonly socTemperatureC?: number;
  readonly batteryTemperatureC?: number;
  readonly batteryLevel?: number;
}

/** SoC name from properties: ro.soc.model (Android 12+), else the board platform or hardware. */
export function socName(props: Props, cpuinfoHardware?: string): string {
  const man = props['ro.soc.manufacturer'];
  const model = props['ro.soc.model'];
  if (model) return man && !model.toLowerCase().startsWith(man.toLowerCase()) ? `${man} ${model}` : model;
  return props['ro.board.platform'] || cpuinfoHardware || props['ro.hardware'] || 'unknown';
}

export function androidFacts(input: {
  props: Props;
  cpuinfo: string;
  cores: readonly CpuCore[];
  thermal: readonly ThermalZone[];
  battery: string;
}): AndroidFacts {
  const { props, cores, thermal } = input;
  const ci = parseCpuinfo(input.cpuinfo);
  const withParts = cores.map((c) => (ci.parts.has(c.cpu) ? { ...c, part: ci.parts.get(c.cpu) as number } : c));
  const bat = parseDumpsysBattery(input.battery);
  const soc = socTemperature(thermal);
  const abis = (props['ro.product.cpu.abilist'] ?? props['ro.product.cpu.abi'] ?? '').split(',').filter(Boolean);
  return {
    model: props['ro.product.model'] ?? 'unknown',
    manufacturer: props['ro.product.manufacturer'] ?? 'unknown',
    soc: socName(props, ci.hardware),
    abi: props['ro.product.cpu.abi'] ?? abis[0] ?? 'unknown',
    abis,
    androidVersion: props['ro.build.version.release'] ?? 'unknown',
    sdk: Number(props['ro.build.version.sdk'] ?? 0),
    fingerprint: props['ro.build.fingerprint'] ?? '',
    cores: withParts,
    coreNames: withParts.map((c) => (c.part !== undefined ? (ARM_CORES[c.part] ?? `0x${c.part.toString(16)}`) : 'unknown')),
    bigCoreMask: bigCoreMask(withParts),
    governors: [...new Set(withParts.map((c) => c.governor).filter((g): g is string => !!g))],
    thermal,
    ...(soc !== undefined ? { socTemperatureC: soc } : {}),
    ...(bat.temperatureC !== undefined ? { batteryTemperatureC: bat.temperatureC } : {}),
    ...(bat.level !== undefined ? { batteryLevel: bat.level } : {}),
  };
}
