import { ESLint } from 'eslint';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './cli-helpers.js';

/** The layer rules of eslint.config.js must fire on real violations (and stay quiet otherwise). */
describe('layering rules', () => {
  const eslint = new ESLint({ cwd: ROOT });
  const lint = async (file: string, code: string) => {
    const [r] = await eslint.lintText(code, { filePath: join(ROOT, file) });
    return (r?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-globals').map((m) => m.message);
  };

  it('main/core imports no I/O and nothing above it', async () => {
    const fs = await lint('main/core/x.ts', "import { readFileSync } from 'node:fs';\nexport const a = readFileSync;\n");
    expect(fs).toHaveLength(1);
    expect(fs[0]).toMatch(/main\/core does no I\/O: put side effects in main\/services\./);
    expect(await lint('main/core/x.ts', "import Database from 'better-sqlite3';\nexport const a = Database;\n")).toHaveLength(1);
    expect(await lint('main/core/x.ts', "import { openStore } from '../cli/common.js';\nexport const a = openStore;\n")).toHaveLength(1);
    expect(await lint('main/core/x.ts', 'export const a = process.env;\n')).toHaveLength(1);
    expect(await lint('main/core/x.ts', "import { Rng } from './rng.js';\nexport const a = Rng;\n")).toEqual([]);
  });

  it('shared/ imports no Node, Electron or DOM', async () => {
    expect(await lint('shared/x.ts', "import { join } from 'path';\nexport const a = join;\n")).toHaveLength(1);
    expect(await lint('shared/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).toHaveLength(1);
    expect(await lint('shared/x.ts', 'export const a = window.location;\n')).toHaveLength(1);
    expect(await lint('shared/x.ts', "import { Study } from '../main/core/study.js';\nexport const a = Study;\n")).toHaveLength(1);
  });

  it('the renderer never imports main', async () => {
    expect(await lint('renderer/api/x.ts', "import { Study } from '../../main/core/study.js';\nexport const a = Study;\n")).toHaveLength(1);
  });

  it('services do not reach up into the CLI', async () => {
    expect(await lint('main/services/x.ts', "import { main } from '../cli/main.js';\nexport const a = main;\n")).toHaveLength(1);
  });
});
