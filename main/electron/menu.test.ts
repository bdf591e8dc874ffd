import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { menuTemplate } from './menu.js';

function flatten(items: readonly MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flatten(i.submenu) : [])]);
}

describe('native menu', () => {
  it('has the usual shortcuts and Frontier screens, wired to actions', () => {
    const calls: string[] = [];
    const actions = { newSearch: () => calls.push('new'), showSearches: () => calls.push('searches'), showDevices: () => calls.push('devices'), openDocs: () => calls.push('docs') };
    const items = flatten(menuTemplate('linux', actions));
    const byLabel = (l: string) => items.find((i) => i.label === l);
    expect(byLabel('New Search…')?.accelerator).toBe('CmdOrCtrl+N');
    expect(byLabel('Devices')?.accelerator).toBe('CmdOrCtrl+2');
    (byLabel('New Search…')?.click as () => void)();
    expect(calls).toEqual(['new']);
    const roles = items.map((i) => i.role).filter(Boolean);
    expect(roles).toEqual(expect.arrayContaining(['editMenu', 'reload', 'toggleDevTools', 'togglefullscreen', 'quit', 'windowMenu']));
    expect(items.some((i) => i.role === 'appMenu')).toBe(false);
    expect(flatten(menuTemplate('darwin', actions)).some((i) => i.role === 'appMenu')).toBe(true);
  });
});
