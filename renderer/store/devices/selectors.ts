import type { ProfileProgress } from '../../api/index.js';
import type { DevicesState } from './initialState.js';

export const devicesSelectors = {
  online: (s: DevicesState) => s.devices.filter((d) => d.online),
  phones: (s: DevicesState) => s.devices.filter((d) => d.kind === 'android'),
  /** The device's latest profiling job, if any this session. */
  profile: (s: DevicesState, id: string): ProfileProgress | undefined => s.profiles[id],
  isProfiling: (s: DevicesState, id: string): boolean => s.profiles[id]?.state === 'running',
  /** Whether the device can start a profiling job now: an online phone with none running. */
  canProfile: (s: DevicesState, id: string): boolean => {
    const d = s.devices.find((x) => x.id === id);
    return !!d && d.kind === 'android' && d.online && s.profiles[id]?.state !== 'running';
  },
};

/** Share of the job's measurements done, 0..1 (0 while the total is unknown; 1 once finished). */
export function profileFraction(p: ProfileProgress): number {
  if (p.state === 'finished') return 1;
  return p.total > 0 ? Math.min(1, p.done / p.total) : 0;
}
