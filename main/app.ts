/**
 * The desktop app's composition root (Electron main process). It only wires things together:
 * the window (security settings in ./electron/security.ts), the engine in a utility process (so the
 * window never freezes, even while training), the IPC handlers that forward the contract to it,
 * menus, window state and taskbar progress. Everything else lives in testable modules.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, session, shell, utilityProcess, type UtilityProcess } from 'electron';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { StudyListItem, StudyProgressEvent } from '../shared/ipc/contract.js';
import type { ClientMessage, MessagePortLike, ServerMessage } from '../shared/ipc/messages.js';
import { EngineClient } from './electron/engine-client.js';
import { registerIpcHandlers } from './electron/ipc-main.js';
import { menuTemplate } from './electron/menu.js';
import { CONTENT_SECURITY_POLICY, isAppUrl } from './electron/security.js';
import { mainWindowOptions } from './electron/window-options.js';
import { loadWindowState, saveWindowState } from './electron/window-state.js';
import { defaultDbPath } from './services/paths.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Built layout (scripts/desktop.mjs): out/main/app.js, out/main/engine-entry.js, out/preload/preload.cjs, out/renderer/. */
const PRELOAD = join(here, '..', 'preload', 'preload.cjs');
const ENGINE = join(here, 'engine-entry.js');
const RENDERER = join(here, '..', 'renderer', 'index.html');
const RENDERER_URL = pathToFileURL(RENDERER).toString();

let win: BrowserWindow | undefined;
let engine: { process: UtilityProcess; client: EngineClient } | undefined;
let quitting = false;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!win) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });
  app.whenReady().then(start, (e: unknown) => fatal(e));
  app.on('window-all-closed', () => app.quit());
  app.on('web-contents-created', (_e, contents) => {
    // No other page, window or webview: the app shows its own renderer only.
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url, RENDERER_URL)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}

function fatal(e: unknown): void {
  dialog.showErrorBox('Frontier could not start', e instanceof Error ? e.message : String(e));
  app.exit(1);
}

function startEngine(dbPath: string): { process: UtilityProcess; client: EngineClient } {
  // Packaged, the shipped data sits in process.resourcesPath (electron-builder extraResources), not
  // next to the bundled code; in development the default (the repository's resources/) applies.
  const env = { ...process.env, ...(app.isPackaged ? { FRONTIER_RESOURCES: process.resourcesPath } : {}) };
  const child = utilityProcess.fork(ENGINE, [dbPath], { serviceName: 'Frontier engine', stdio: 'inherit', env });
  const listeners = new Set<(m: ServerMessage) => void>();
  child.on('message', (m: ServerMessage) => {
    for (const l of [...listeners]) l(m);
  });
  const port: MessagePortLike<ServerMessage, ClientMessage> = {
    send: (m) => child.postMessage(m),
    onMessage(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    close: () => undefined,
  };
  const client = new EngineClient(port);
  child.on('exit', (code) => {
    client.engineGone(`exit code ${code}`);
    if (!quitting) dialog.showErrorBox('Frontier', `The search engine stopped unexpectedly (exit code ${code}). Running searches can be resumed after a restart.`);
  });
  return { process: child, client };
}

async function start(): Promise<void> {
  if (!existsSync(RENDERER) || !existsSync(PRELOAD) || !existsSync(ENGINE)) {
    throw new Error(`Frontier is not built (missing ${[RENDERER, PRELOAD, ENGINE].filter((p) => !existsSync(p)).join(', ')}): run 'npm start'.`);
  }
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));

  engine = startEngine(process.env.FRONTIER_DB ?? defaultDbPath());
  registerIpcHandlers(
    ipcMain,
    engine.client,
    (url) => isAppUrl(url, RENDERER_URL),
    (channel, payload) => {
      for (const w of BrowserWindow.getAllWindows()) w.webContents.send(channel, payload);
    },
  );
  engine.client.onEvent((event, payload) => {
    if (!win) return;
    if (event === 'onDidStudyProgress') win.setProgressBar((payload as StudyProgressEvent).fraction);
    if (event === 'onDidChangeStudyStatus') void updateProgressBar();
  });

  const statePath = join(app.getPath('userData'), 'window-state.json');
  const { screen } = await import('electron');
  const state = loadWindowState(statePath, screen.getAllDisplays().map((d) => d.workArea));
  const icon = join(process.resourcesPath ?? '', 'icon.png');
  win = new BrowserWindow(mainWindowOptions(PRELOAD, state, existsSync(icon) ? icon : undefined));
  if (state.maximized) win.maximize();
  win.once('ready-to-show', () => win?.show());
  const remember = () => {
    if (!win || win.isMinimized()) return;
    saveWindowState(statePath, { ...win.getNormalBounds(), maximized: win.isMaximized() });
  };
  win.on('resize', remember);
  win.on('move', remember);
  win.on('close', (event) => {
    if (quitting) return;
    event.preventDefault();
    void confirmClose();
  });

  // The renderer routes on the location hash; the main process sets it (trusted code, not the page).
  const send = (route: string) => void win?.webContents.executeJavaScript(`location.hash = ${JSON.stringify(`#${route}`)}`);
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      menuTemplate(process.platform, {
        newSearch: () => send('/new'),
        showSearches: () => send('/'),
        showDevices: () => send('/devices'),
        openDocs: () => void shell.openPath(join(process.resourcesPath ?? here, 'README.md')),
      }),
    ),
  );
  await win.loadFile(RENDERER);
}

async function activeStudies(): Promise<StudyListItem[]> {
  const r = await engine?.client.call('nas:study.list', undefined);
  return r?.ok ? (r.value as StudyListItem[]).filter((s) => s.active) : [];
}

async function updateProgressBar(): Promise<void> {
  if (win && (await activeStudies()).length === 0) win.setProgressBar(-1);
}

/** Closing while searches run asks first, then stops them cleanly so they can be resumed. */
async function confirmClose(): Promise<void> {
  const running = await activeStudies();
  if (running.length > 0 && win) {
    const { response } = await dialog.showMessageBox(win, {
      type: 'question',
      buttons: ['Stop and Quit', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      message: `${running.length} search${running.length === 1 ? ' is' : 'es are'} running.`,
      detail: 'They will stop after the trials in flight and can be resumed later from the Searches screen.',
    });
    if (response !== 0) return;
    await Promise.all(running.map((s) => engine?.client.call('nas:study.stop', { id: s.id })));
  }
  quitting = true;
  engine?.process.kill();
  engine?.client.dispose();
  win?.destroy();
  app.quit();
}
