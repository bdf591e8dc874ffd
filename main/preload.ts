/**
 * The preload: builds `window.nas` from the contract and nothing else (house style, VS Code
 * preload.ts). Allow-listed channels only; see electron/preload-bridge.ts.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { buildPreloadBridge } from './electron/preload-bridge.js';

contextBridge.exposeInMainWorld('nas', buildPreloadBridge(ipcRenderer));
