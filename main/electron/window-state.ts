import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Where and how big the window was, remembered between runs. */
export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1280, height: 820, maximized: false };

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Reads the saved state; anything missing, corrupt or off every display falls back to defaults. */
export function loadWindowState(path: string, displays: readonly Rect[]): WindowState {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return { ...DEFAULT_WINDOW_STATE };
  }
  const s = raw as Partial<WindowState>;
  const num = (v: unknown, min: number) => (typeof v === 'number' && Number.isFinite(v) && v >= min ? v : undefined);
  const width = num(s.width, 400) ?? DEFAULT_WINDOW_STATE.width;
  const height = num(s.height, 300) ?? DEFAULT_WINDOW_STATE.height;
  const state: WindowState = { width, height, maximized: s.maximized === true };
  const x = typeof s.x === 'number' && Number.isFinite(s.x) ? s.x : undefined;
  const y = typeof s.y === 'number' && Number.isFinite(s.y) ? s.y : undefined;
  // Keep the position only if the window's title bar is on some display.
  if (x !== undefined && y !== undefined && displays.some((d) => x + 100 > d.x && x < d.x + d.width && y >= d.y && y < d.y + d.height)) {
    state.x = x;
    state.y = y;
  }
  return state;
}

/** Writes atomically (temp file + rename), so a crash never leaves a half-written file. */
export function saveWindowState(path: string, state: WindowState): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, path);
}
