import { describe, expect, it } from 'vitest';
import { defaultDataDir, defaultDbPath } from './paths.js';

describe('defaultDataDir', () => {
  it('uses XDG_DATA_HOME on Linux when it is absolute', () => {
    expect(defaultDataDir({ XDG_DATA_HOME: '/data/xdg' }, 'linux', '/home/ann')).toBe('/data/xdg/frontier');
  });
  it('falls back to ~/.local/share on Linux', () => {
    expect(defaultDataDir({}, 'linux', '/home/ann')).toBe('/home/ann/.local/share/frontier');
    expect(defaultDataDir({ XDG_DATA_HOME: '' }, 'linux', '/home/ann')).toBe('/home/ann/.local/share/frontier');
    expect(defaultDataDir({ XDG_DATA_HOME: 'rel/dir' }, 'linux', '/home/ann')).toBe('/home/ann/.local/share/frontier');
  });
  it('uses Application Support on macOS, ignoring XDG', () => {
    expect(defaultDataDir({ XDG_DATA_HOME: '/x' }, 'darwin', '/Users/ann')).toBe('/Users/ann/Library/Application Support/Frontier');
  });
  it('uses %APPDATA% on Windows', () => {
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\ann\\AppData\\Roaming' }, 'win32', 'C:\\Users\\ann')).toBe(
      'C:\\Users\\ann\\AppData\\Roaming\\Frontier',
    );
    expect(defaultDataDir({}, 'win32', 'C:\\Users\\ann')).toBe('C:\\Users\\ann\\AppData\\Roaming\\Frontier');
  });
});

describe('defaultDbPath', () => {
  it('is frontier.db in the data folder', () => {
    expect(defaultDbPath({}, 'linux', '/home/ann')).toBe('/home/ann/.local/share/frontier/frontier.db');
    expect(defaultDbPath({ APPDATA: 'D:\\roam' }, 'win32', 'C:\\Users\\ann')).toBe('D:\\roam\\Frontier\\frontier.db');
  });
  it('honours FRONTIER_DB', () => {
    expect(defaultDbPath({ FRONTIER_DB: '/tmp/x.db', XDG_DATA_HOME: '/data' }, 'linux', '/home/ann')).toBe('/tmp/x.db');
    expect(defaultDbPath({ FRONTIER_DB: '' }, 'linux', '/home/ann')).toBe('/home/ann/.local/share/frontier/frontier.db');
  });
  it('uses the real environment by default', () => {
    const p = defaultDbPath();
    const override = process.env['FRONTIER_DB'];
    if (override) expect(p).toBe(override);
    else expect(p.endsWith('frontier.db')).toBe(true);
  });
});
