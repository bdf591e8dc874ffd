import type { DeviceInfo, DeviceLatencyReport, DeviceId, ProfileJobId, ProfileProgress } from '../../api/index.js';

/** Online first, then phones before local backends, then by name. */
export function sortDevices(list: readonly DeviceInfo[]): DeviceInfo[] {
  const kind = { android: 0, remote: 1, local: 2 } as const;
  return [...list].sort((a, b) => Number(b.online) - Number(a.online) || kind[a.kind] - kind[b.kind] || a.name.localeCompare(b.name));
}

type Profiles = Readonly<Record<string, ProfileProgress>>;

/**
 * The latest job per device after a progress event. A job that has ended keeps its final event (a
 * late `running` event of it is dropped), and a `running` event never moves `done` backwards.
 */
export function applyProfileProgress(profiles: Profiles, p: ProfileProgress): Profiles {
  const cur = profiles[p.device];
  if (cur && cur.id === p.id) {
    if (cur.state !== 'running') return profiles;
    if (p.state === 'running' && p.done < cur.done) return profiles;
  }
  return { ...profiles, [p.device]: p };
}

/** A job `device.profile` has just started, unless its own events already arrived. */
export function startedProfile(profiles: Profiles, id: ProfileJobId, device: DeviceId, space: string): Profiles {
  if (profiles[device]?.id === id) return profiles;
  return { ...profiles, [device]: { id, device, space, state: 'running', phase: 'starting', done: 0, total: 0, message: 'starting…' } };
}

/** A finished job's accuracy report replaces the device's stored one. */
export function latencyAfterProfile(latency: Readonly<Record<string, DeviceLatencyReport | null>>, p: ProfileProgress): Readonly<Record<string, DeviceLatencyReport | null>> {
  return p.state === 'finished' && p.report ? { ...latency, [p.device]: p.report } : latency;
}

/** Removes one key (e.g. a device's error once it is retried). */
export function without<T>(map: Readonly<Record<string, T>>, key: string): Readonly<Record<string, T>> {
  if (!(key in map)) return map;
  const { [key]: _drop, ...rest } = map;
  return rest;
}
