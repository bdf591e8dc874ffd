import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  newSearch(): void;
  showSearches(): void;
  showDevices(): void;
  openDocs(): void;
}

/** The native menu: the usual roles and shortcuts, plus Frontier's own screens. */
export function menuTemplate(platform: string, actions: MenuActions): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  return [
    ...(mac ? [{ role: 'appMenu' } as MenuItemConstructorOptions] : []),
    {
      label: '&File',
      submenu: [
        { label: 'New Search…', accelerator: 'CmdOrCtrl+N', click: () => actions.newSearch() },
        { label: 'Searches', accelerator: 'CmdOrCtrl+1', click: () => actions.showSearches() },
        { label: 'Devices', accelerator: 'CmdOrCtrl+2', click: () => actions.showDevices() },
        { type: 'separator' },
        mac ? { role: 'close' } : { role: 'quit', accelerator: 'Ctrl+Q' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&View',
      submenu: [
        { role: 'reload', accelerator: 'CmdOrCtrl+R' },
        { role: 'toggleDevTools', accelerator: mac ? 'Alt+Cmd+I' : 'Ctrl+Shift+I' },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    { role: 'help', submenu: [{ label: 'Frontier Documentation', click: () => actions.openDocs() }] },
  ];
}
