import type { DevicesState } from './initialState.js';

export const devicesSelectors = {
  online: (s: DevicesState) => s.devices.filter((d) => d.online),
  phones: (s: DevicesState) => s.devices.filter((d) => d.kind === 'android'),
};
