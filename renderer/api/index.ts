/**
 * The only module of the renderer that touches `window.nas`. In Electron the preload has put it
 * there; in a browser tab served by `frontier serve` it is built here on fetch + WebSocket from the
 * token in the page URL. The rest of the renderer imports `nas()` and cannot tell the two apart.
 */
import type { NasBridge } from '../../shared/ipc/contract.js';
import { createNasClient, rebuildErrors } from './client.js';
import { httpTransport } from './browser.js';

declare global {
  interface Window {
    nas?: NasBridge;
  }
}

let bridge: NasBridge | undefined;

/** The API, installing the browser transport on first use when no preload provided one. */
export function nas(): NasBridge {
  if (bridge) return bridge;
  if (window.nas) {
    // Electron: the preload's bridge; its calls reject with plain {code, message}.
    bridge = rebuildErrors(window.nas);
    return bridge;
  }
  // Browser mode (`frontier serve`): install window.nas on fetch + WebSocket, with the page's token.
  const token = new URLSearchParams(window.location.search).get('token') ?? sessionStorage.getItem('frontier-token') ?? '';
  if (token) sessionStorage.setItem('frontier-token', token);
  window.nas = createNasClient(httpTransport(window.location.origin, token));
  bridge = window.nas;
  return bridge;
}

/** Tests and the bench inject a bridge (e.g. an in-memory one) before the app starts. */
export function setNas(b: NasBridge): void {
  bridge = b;
}

export { NasError } from '../../shared/errors.js';
export type * from '../../shared/ipc/contract.js';
