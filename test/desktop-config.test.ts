import { Ajv } from 'ajv';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { BUILTIN_DATASETS } from '../main/services/data/builtin.js';
import { ROOT } from './cli-helpers.js';

const config = parse(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as Record<string, unknown>;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string; scripts: Record<string, string> };
const electronPresent = (() => {
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'desktop.mjs'), 'check'], { encoding: 'utf8' });
  return r.stdout.startsWith('electron: /');
})();

describe('electron-builder.yml', () => {
  it("is valid against electron-builder's own schema", () => {
    const schema = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'app-builder-lib', 'scheme.json'), 'utf8')) as object;
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    const ok = validate(config);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 1)).toEqual([]);
    expect(ok).toBe(true);
    // The validator is not vacuous: a misspelt key is caught.
    expect(validate({ ...config, productNmae: 'x' })).toBe(false);
  });

  it('references only files that exist', () => {
    for (const r of config.extraResources as { from: string }[]) expect(existsSync(join(ROOT, r.from)), r.from).toBe(true);
    for (const os of ['linux', 'mac', 'win']) {
      const icon = (config[os] as { icon?: string }).icon;
      expect(icon && existsSync(join(ROOT, icon)), `${os} icon`).toBe(true);
    }
    expect(existsSync(join(ROOT, 'resources', 'nb201', 'README.md'))).toBe(true);
    // The engine finds the shipped data there when packaged (resourcesDir reads FRONTIER_RESOURCES).
    const targets = (config.extraResources as { to: string }[]).map((r) => r.to);
    expect(targets).toEqual(expect.arrayContaining(['nb201', 'spaces']));
    // Every built-in dataset (builtin:<name> reads resources/<name>) ships with the app.
    for (const name of Object.keys(BUILTIN_DATASETS)) expect(targets, `builtin:${name}`).toContain(name);
    expect(readFileSync(join(ROOT, 'main', 'app.ts'), 'utf8')).toMatch(/FRONTIER_RESOURCES: process\.resourcesPath/);
  });

  it('packages what the build produces: package.json main is the built app entry', () => {
    expect(pkg.main).toBe('out/main/app.js');
    const script = readFileSync(join(ROOT, 'scripts', 'desktop.mjs'), 'utf8');
    expect(script).toMatch(/app: 'main\/app.ts'/);
    expect(script).toMatch(/'engine-entry': 'main\/engine-entry.ts'/);
    expect(script).toMatch(/preload\.cjs/);
    // The trainer pool loads its worker from next to the bundle.
    expect(readFileSync(join(ROOT, 'main', 'services', 'train', 'pool.ts'), 'utf8')).toMatch(/new URL\('\.\/worker-boot\.mjs', import\.meta\.url\)/);
    expect(script).toMatch(/'worker-boot': 'main\/services\/train\/worker\.ts'/);
    expect(readFileSync(join(ROOT, 'main', 'app.ts'), 'utf8')).toMatch(/'preload', 'preload\.cjs'/);
    expect((config.files as string[])).toContain('out/**/*');
  });
});

describe('npm start / npm run dist without the Electron binary', () => {
  it.skipIf(electronPresent)('say clearly what is missing and exit non-zero', () => {
    for (const cmd of ['start', 'dist']) {
      const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'desktop.mjs'), cmd], { cwd: ROOT, encoding: 'utf8' });
      expect(r.status, cmd).toBe(3);
      expect(r.stderr).toMatch(/Electron's binary is not installed/);
      expect(r.stderr).toMatch(/npx frontier serve/);
    }
  });
});
