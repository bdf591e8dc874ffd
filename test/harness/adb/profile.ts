/**
 * What the emulated phone reports about itself: system properties, CPU topology and frequencies,
 * thermal zones and battery. Defaults model a Pixel 7 (Tensor G2: 4×A55, 2×A78, 2×X1).
 */
export interface CpuCluster {
  /** CPU numbers of the cluster, e.g. [6, 7]. */
  readonly cpus: readonly number[];
  /** ARM part number as in /proc/cpuinfo, e.g. 0xd44 (Cortex-X1). */
  readonly part: number;
  readonly minKhz: number;
  readonly maxKhz: number;
  readonly governor: string;
  /** Thermal zone type name for this cluster (e.g. BIG). */
  readonly zone: string;
}

export interface DeviceProfile {
  readonly props: Readonly<Record<string, string>>;
  readonly clusters: readonly CpuCluster[];
}

export const PIXEL_7: DeviceProfile = {
  props: {
    'ro.product.model': 'Pixel 7',
    'ro.product.brand': 'google',
    'ro.product.name': 'panther',
    'ro.product.device': 'panther',
    'ro.product.manufacturer': 'Google',
    'ro.product.board': 'panther',
    'ro.hardware': 'panther',
    'ro.board.platform': 'gs201',
    'ro.soc.manufacturer': 'Google',
    'ro.soc.model': 'GS201',
    'ro.product.cpu.abi': 'arm64-v8a',
    'ro.product.cpu.abilist': 'arm64-v8a,armeabi-v7a,armeabi',
    'ro.product.cpu.abilist64': 'arm64-v8a',
    'ro.product.cpu.abilist32': 'armeabi-v7a,armeabi',
    'ro.build.version.release': '14',
    'ro.build.version.sdk': '34',
    'ro.build.version.security_patch': '2024-02-05',
    'ro.build.id': 'UQ1A.240205.004',
    'ro.build.type': 'user',
    'ro.build.tags': 'release-keys',
    'ro.build.fingerprint': 'google/panther/panther:14/UQ1A.240205.004/11269751:user/release-keys',
    'ro.serialno': '28161FDH2000RS',
    'ro.debuggable': '0',
    'ro.secure': '1',
    'ro.adb.secure': '1',
    'sys.boot_completed': '1',
    'persist.sys.timezone': 'Europe/London',
    'ro.opengles.version': '196610',
  },
  clusters: [
    { cpus: [0, 1, 2, 3], part: 0xd05, minKhz: 300000, maxKhz: 1803000, governor: 'sched_pixel', zone: 'LITTLE' },
    { cpus: [4, 5], part: 0xd41, minKhz: 400000, maxKhz: 2348000, governor: 'sched_pixel', zone: 'MID' },
    { cpus: [6, 7], part: 0xd44, minKhz: 500000, maxKhz: 2850000, governor: 'sched_pixel', zone: 'BIG' },
  ],
};

export function cpuCount(p: DeviceProfile): number {
  return p.clusters.reduce((n, c) => n + c.cpus.length, 0);
}

/** /proc/cpuinfo as an arm64 kernel prints it. */
export function procCpuinfo(p: DeviceProfile): string {
  const blocks: string[] = [];
  const byCpu = p.clusters.flatMap((c) => c.cpus.map((n) => ({ n, c }))).sort((a, b) => a.n - b.n);
  for (const { n, c } of byCpu) {
    blocks.push(
      [
        `processor\t: ${n}`,
        'BogoMIPS\t: 49.15',
        'Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp',
        'CPU implementer\t: 0x41',
        'CPU architecture: 8',
        `CPU variant\t: ${c.part === 0xd05 ? '0x2' : '0x1'}`,
        `CPU part\t: 0x${c.part.toString(16)}`,
        'CPU revision\t: 0',
      ].join('\n'),
    );
  }
  return blocks.join('\n\n') + `\n\nHardware\t: ${p.props['ro.soc.model'] ?? 'unknown'}\n`;
}

/** The frequency table a cluster's cpufreq policy exposes (kHz). */
export function availableFrequencies(c: CpuCluster): number[] {
  const steps = 8;
  return Array.from({ length: steps }, (_, i) => Math.round((c.minKhz + ((c.maxKhz - c.minKhz) * i) / (steps - 1)) / 1000) * 1000);
}
