import { describe, expect, it } from 'vitest';
import type { DeviceInfo } from '../../api/index.js';
import { devicesSelectors } from './selectors.js';
import { initialDevicesState } from './initialState.js';
import { sortDevices } from './reducer.js';

const d = (id: string, kind: DeviceInfo['kind'], online: boolean): DeviceInfo => ({ id, kind, name: id, info: {}, lastSeenAt: 0, online });

describe('devices', () => {
  it('lists online devices first, phones before local backends', () => {
    expect(sortDevices([d('local:cpu', 'local', true), d('b', 'android', false), d('a', 'android', true)]).map((x) => x.id)).toEqual(['a', 'local:cpu', 'b']);
  });
  it('selects online devices and phones', () => {
    const s = { ...initialDevicesState, devices: [d('local:cpu', 'local', true), d('p', 'android', false)] };
    expect(devicesSelectors.online(s).map((x) => x.id)).toEqual(['local:cpu']);
    expect(devicesSelectors.phones(s).map((x) => x.id)).toEqual(['p']);
  });
});
