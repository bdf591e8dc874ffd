/**
 * The desktop window's security settings, in one place so tests can read exactly what the app uses.
 * No remote content: everything is loaded from the app's own files (`app://` is not used; the
 * renderer is a local file), so the policy allows 'self' only.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // React and uPlot set inline style attributes.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** web preferences every Frontier window gets (house style: stated explicitly). */
export const WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  spellcheck: false,
} as const;

/** Whether a navigation target is one of the app's own pages (anything else is denied). */
export function isAppUrl(target: string, appEntry: string): boolean {
  let t: URL;
  let entry: URL;
  try {
    t = new URL(target);
    entry = new URL(appEntry);
  } catch {
    return false;
  }
  if (entry.protocol === 'file:') return t.protocol === 'file:' && t.pathname === entry.pathname;
  return t.origin === entry.origin;
}
