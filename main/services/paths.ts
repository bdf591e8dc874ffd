import os from 'node:os';
import path from 'node:path';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Per-user data folder, following each platform's convention:
 * Linux (and other Unixes) `$XDG_DATA_HOME/frontier` or `~/.local/share/frontier`,
 * macOS `~/Library/Application Support/Frontier`, Windows `%APPDATA%\Frontier`.
 * A relative `XDG_DATA_HOME` is ignored, as the XDG spec requires.
 */
export function defaultDataDir(env: Env = process.env, platform: NodeJS.Platform = process.platform, home: string = os.homedir()): string {
  if (platform === 'win32') {
    const appData = nonEmpty(env['APPDATA']) ?? path.win32.join(home, 'AppData', 'Roaming');
    return path.win32.join(appData, 'Frontier');
  }
  if (platform === 'darwin') return path.posix.join(home, 'Library', 'Application Support', 'Frontier');
  const xdg = nonEmpty(env['XDG_DATA_HOME']);
  const base = xdg !== undefined && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(home, '.local', 'share');
  return path.posix.join(base, 'frontier');
}

/** `$FRONTIER_DB` when set, else `<defaultDataDir>/frontier.db`. */
export function defaultDbPath(env: Env = process.env, platform: NodeJS.Platform = process.platform, home: string = os.homedir()): string {
  const override = nonEmpty(env['FRONTIER_DB']);
  if (override !== undefined) return override;
  const join = platform === 'win32' ? path.win32.join : path.posix.join;
  return join(defaultDataDir(env, platform, home), 'frontier.db');
}

function nonEmpty(s: string | undefined): string | undefined {
  return s !== undefined && s !== '' ? s : undefined;
}
