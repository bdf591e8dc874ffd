#!/usr/bin/env node
// Frontier's command line. `npm ci` compiles it into out/cli/ (scripts/build-cli.mjs); this runs that
// build when it is there and every source file it was built from is unchanged (size and mtime, from
// its stamp.json), else the TypeScript sources through tsx, which starts slower, with a note saying so
// on a terminal (scripts and tests reading stderr get the same output either way).
//   FRONTIER_CLI=source      always run the sources (no note)
//   FRONTIER_CLI_DIR=DIR     use the compiled CLI in DIR instead of out/cli
//   FRONTIER_CLI_VERBOSE=1   say on stderr which of the two runs, terminal or not
import { readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = process.env.FRONTIER_CLI_DIR ? resolve(process.env.FRONTIER_CLI_DIR) : join(root, 'out', 'cli');
const shown = relative(process.cwd(), dir) || '.';

/** The compiled entry when the build in `dir` is current, else why it cannot be used. */
function compiled() {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(join(dir, 'stamp.json'), 'utf8'));
  } catch {
    return { why: `no compiled CLI in ${shown}` };
  }
  for (const [file, want] of Object.entries(stamp.inputs ?? {})) {
    let st;
    try {
      st = statSync(join(root, file));
    } catch {
      return { why: `${file}, compiled into ${shown}, is gone` };
    }
    if (st.size !== want.size || st.mtimeMs !== want.mtimeMs) return { why: `${file} changed since ${shown} was compiled` };
  }
  return { entry: join(dir, stamp.entry ?? 'main.mjs'), builtAt: stamp.builtAt };
}

const verbose = process.env.FRONTIER_CLI_VERBOSE === '1';
const build = process.env.FRONTIER_CLI === 'source' ? { why: 'FRONTIER_CLI=source' } : compiled();
let main;
if (build.entry) {
  if (verbose) process.stderr.write(`frontier: compiled CLI ${shown} (built ${build.builtAt})\n`);
  ({ main } = await import(pathToFileURL(build.entry).href));
} else {
  if (verbose || (process.stderr.isTTY && process.env.FRONTIER_CLI !== 'source')) {
    process.stderr.write(`frontier: ${build.why}; running the TypeScript sources (slower start; 'npm run build:cli' compiles them)\n`);
  }
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../main/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
