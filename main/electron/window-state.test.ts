import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_WINDOW_STATE, loadWindowState, saveWindowState } from './window-state.js';

const DISPLAY = [{ x: 0, y: 0, width: 1920, height: 1080 }];

describe('window state', () => {
  const dir = mkdtempSync(join(tmpdir(), 'frontier-ws-'));
  it('round-trips through an atomic save', () => {
    const path = join(dir, 'a', 'state.json');
    saveWindowState(path, { x: 100, y: 50, width: 1000, height: 700, maximized: true });
    expect(loadWindowState(path, DISPLAY)).toEqual({ x: 100, y: 50, width: 1000, height: 700, maximized: true });
    expect(JSON.parse(readFileSync(path, 'utf8')).width).toBe(1000);
  });
  it('falls back to defaults when missing or corrupt, and clamps silly sizes', () => {
    expect(loadWindowState(join(dir, 'none.json'), DISPLAY)).toEqual(DEFAULT_WINDOW_STATE);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"width": ');
    expect(loadWindowState(bad, DISPLAY)).toEqual(DEFAULT_WINDOW_STATE);
    writeFileSync(bad, JSON.stringify({ width: 5, height: 'x', x: 10, y: 10 }));
    expect(loadWindowState(bad, DISPLAY)).toEqual({ ...DEFAULT_WINDOW_STATE, x: 10, y: 10 });
  });
  it('drops a position that is on no display (a monitor was unplugged)', () => {
    const path = join(dir, 'off.json');
    saveWindowState(path, { x: 3000, y: 200, width: 900, height: 600, maximized: false });
    expect(loadWindowState(path, DISPLAY)).toEqual({ width: 900, height: 600, maximized: false });
    expect(loadWindowState(path, [...DISPLAY, { x: 1920, y: 0, width: 1920, height: 1080 }])).toMatchObject({ x: 3000, y: 200 });
  });
});
