import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { ROOT } from '../cli-helpers.js';

export const CHROMIUM = '/usr/bin/chromium';
export const ARTIFACTS = join(ROOT, 'test-artifacts');
export const RENDERER_BUILD = join(ROOT, 'dist', 'renderer', 'index.html');

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserSkipReason(): string | undefined {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is absent (Debian package 'chromium'; .ci/run installs it)`;
  return undefined;
}

/** Builds the renderer when no build exists (CI builds it before the tests). */
export function ensureRendererBuilt(): void {
  if (existsSync(RENDERER_BUILD)) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'vite.renderer.config.ts', '--logLevel', 'warn'], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
  if (r.status !== 0 || !existsSync(RENDERER_BUILD)) throw new Error(`renderer build failed: ${r.stderr || r.stdout}`);
}

/** Headless Debian Chromium with a fresh profile; `close` removes the profile. */
export async function launchChromium(opts: { bypassCSP?: boolean } = {}): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'frontier-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
    viewport: { width: 1360, height: 900 },
    colorScheme: 'dark',
    ...(opts.bypassCSP ? { bypassCSP: true } : {}),
  });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export function artifact(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}
