import { describe, expect, it } from 'vitest';
import { mainWindowOptions } from './window-options.js';
import { CONTENT_SECURITY_POLICY, isAppUrl } from './security.js';
import { DEFAULT_WINDOW_STATE } from './window-state.js';

describe('main window options (the code path that creates the window)', () => {
  const opts = mainWindowOptions('/app/out/preload/preload.cjs', { ...DEFAULT_WINDOW_STATE, x: 10, y: 20 });
  it('isolates the page: context isolation, sandbox, no Node integration', () => {
    expect(opts.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      preload: '/app/out/preload/preload.cjs',
    });
    expect(opts.webPreferences).not.toHaveProperty('enableRemoteModule');
    expect(opts).toMatchObject({ x: 10, y: 20, width: DEFAULT_WINDOW_STATE.width, show: false });
  });
});

describe('Content-Security-Policy', () => {
  const directives = new Map(CONTENT_SECURITY_POLICY.split(';').map((d) => {
    const [name, ...values] = d.trim().split(/\s+/);
    return [name as string, values];
  }));
  it('allows only the app itself: no remote hosts, no eval, no plugins, no framing', () => {
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|https?:|\*/);
  });
});

describe('navigation guard', () => {
  const entry = 'file:///opt/Frontier/resources/app.asar/out/renderer/index.html';
  it('allows the app page (with a hash route) and nothing else', () => {
    expect(isAppUrl(`${entry}#/study/3`, entry)).toBe(true);
    expect(isAppUrl('file:///etc/passwd', entry)).toBe(false);
    expect(isAppUrl('https://example.com/', entry)).toBe(false);
    expect(isAppUrl('not a url', entry)).toBe(false);
    expect(isAppUrl('http://127.0.0.1:5173/x', 'http://127.0.0.1:5173/')).toBe(true);
    expect(isAppUrl('http://127.0.0.1:5174/', 'http://127.0.0.1:5173/')).toBe(false);
  });
});
