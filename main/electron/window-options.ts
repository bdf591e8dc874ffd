import type { BrowserWindowConstructorOptions } from 'electron';
import { WEB_PREFERENCES } from './security.js';
import type { WindowState } from './window-state.js';

/** The options of the main window: the one code path that creates it uses this function. */
export function mainWindowOptions(preloadPath: string, state: WindowState, iconPath?: string): BrowserWindowConstructorOptions {
  return {
    width: state.width,
    height: state.height,
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Frontier',
    backgroundColor: '#111418',
    ...(iconPath ? { icon: iconPath } : {}),
    webPreferences: {
      ...WEB_PREFERENCES,
      preload: preloadPath,
    },
  };
}
