import { describe, expect, it } from 'vitest';
import {
  bigCoreMask, clusters, parseCpuinfo, parseCpuList, parseDumpsysBattery, parseGetprop, parseTagged, socName, socTemperature, zoneCelsius,
} from './facts.js';

describe('device facts parsers', () => {
  it('parses getprop lines, keeping empty values', () => {
    expect(parseGetprop('[ro.product.model]: [SM-S901B]\n[ro.empty]: []\r\n[dalvik.vm.heapsize]: [512m]\n')).toEqual({
      'ro.product.model': 'SM-S901B', 'ro.empty': '', 'dalvik.vm.heapsize': '512m',
    });
  });

  it('expands kernel CPU lists', () => {
    expect(parseCpuList('0-3,6,8-9\n')).toEqual([0, 1, 2, 3, 6, 8, 9]);
    expect(parseCpuList('0\n')).toEqual([0]);
  });

  it('reads CPU parts per processor and the Hardware line', () => {
    const ci = parseCpuinfo('processor\t: 0\nCPU part\t: 0xd05\n\nprocessor\t: 1\nCPU part\t: 0xd44\n\nHardware\t: Qualcomm Technologies, Inc SM8350\n');
    expect([...ci.parts]).toEqual([[0, 0xd05], [1, 0xd44]]);
    expect(ci.hardware).toBe('Qualcomm Technologies, Inc SM8350');
  });

  it('converts millidegree and degree thermal readings and ignores nonsense', () => {
    expect(zoneCelsius('43500\n')).toBe(43.5);
    expect(zoneCelsius('41')).toBe(41);
    expect(zoneCelsius('-273000')).toBeUndefined();
    expect(zoneCelsius('n/a')).toBeUndefined();
  });

  it('takes the hottest CPU/SoC zone as SoC temperature, ignoring battery and skin', () => {
    const zones = [
      { zone: 0, type: 'battery', celsius: 60 },
      { zone: 1, type: 'cpu-1-0-usr', celsius: 44 },
      { zone: 2, type: 'cpu-1-1-usr', celsius: 47 },
      { zone: 3, type: 'skin-therm', celsius: 35 },
    ];
    expect(socTemperature(zones)).toBe(47);
    expect(socTemperature([{ zone: 0, type: 'tz0', celsius: 40 }, { zone: 1, type: 'battery', celsius: 50 }])).toBe(40);
    expect(socTemperature([])).toBeUndefined();
  });

  it('reads battery temperature in tenths of a degree', () => {
    expect(parseDumpsysBattery('Current Battery Service state:\n  level: 82\n  temperature: 312\n')).toEqual({ level: 82, temperatureC: 31.2 });
  });

  it('groups clusters by max frequency and masks the big cores', () => {
    const cores = [0, 1, 2, 3].map((cpu) => ({ cpu, maxKhz: 1800000 })).concat([4, 5, 6].map((cpu) => ({ cpu, maxKhz: 2400000 })), [{ cpu: 7, maxKhz: 3000000 }]);
    expect(clusters(cores).map((c) => c.cpus)).toEqual([[0, 1, 2, 3], [4, 5, 6], [7]]);
    expect(bigCoreMask(cores)).toBe('80');
    expect(bigCoreMask([{ cpu: 10, maxKhz: 1 }, { cpu: 11, maxKhz: 1 }])).toBe('c00');
  });

  it('names the SoC from ro.soc.*, falling back to the platform', () => {
    expect(socName({ 'ro.soc.manufacturer': 'QTI', 'ro.soc.model': 'SM8450' })).toBe('QTI SM8450');
    expect(socName({ 'ro.board.platform': 'exynos9820' })).toBe('exynos9820');
  });

  it('splits @tag-marked command output, treating read errors as missing', () => {
    const t = parseTagged('@a\n1\n@b\ncat: x: Permission denied\n@c\n\n@d\nhello\nworld\n');
    expect(t.get('a')).toBe('1');
    expect(t.get('b')).toBeUndefined();
    expect(t.get('c')).toBeUndefined();
    expect(t.get('d')).toBe('hello\nworld');
  });
});
