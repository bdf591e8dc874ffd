import type { DeviceInfo } from '../../api/index.js';

/** Online first, then phones before local backends, then by name. */
export function sortDevices(list: readonly DeviceInfo[]): DeviceInfo[] {
  const kind = { android: 0, remote: 1, local: 2 } as const;
  return [...list].sort((a, b) => Number(b.online) - Number(a.online) || kind[a.kind] - kind[b.kind] || a.name.localeCompare(b.name));
}
