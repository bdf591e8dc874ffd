#!/usr/bin/env node
// Compiles the command line into out/cli/ so that `frontier` starts without transpiling TypeScript
// (bin/frontier.js runs this build when it matches the sources, else the sources through tsx).
// Runs at install (`npm ci`: the "prepare" script) and before `npm test`; `npm run build:cli` by hand.
//
//   node scripts/build-cli.mjs [--outdir DIR]
//
// Output: main.mjs (main/cli/main.ts), worker-boot.mjs (the trainer's worker thread, which the pool
// loads from next to its own module), shared chunks (commands load lazily, as in the sources), and
// stamp.json: every source file the build read, with its size and mtime, so that bin/frontier.js can
// tell a stale build from a fresh one with a few stat calls. Packages in node_modules stay external
// (native addons, wasm files and tfjs are loaded from there as before).
//
// Modules that find files relative to themselves (`new URL('../../resources/', import.meta.url)`)
// keep seeing their source location: in each such module import.meta.url (and .dirname, .filename)
// is replaced by the URL (path) of its source file, computed relative to the output at run time. The one exception is the trainer
// pool, whose './worker-boot.mjs' must be the compiled worker next to it.
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Modules whose import.meta.url must stay the output's own (they load files built next to them). */
const KEEP_OWN_URL = new Set([join(root, 'main', 'services', 'train', 'pool.ts')]);

/** esbuild plugin: import.meta.url → the source file's URL (see the header). */
export function sourceUrls(outdir) {
  return {
    name: 'frontier-source-urls',
    setup(build) {
      build.onLoad({ filter: /\.m?ts$/ }, (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`) || KEEP_OWN_URL.has(args.path)) return undefined;
        const text = readFileSync(args.path, 'utf8');
        if (!/import\.meta\.(url|dirname|filename)\b/.test(text)) return undefined;
        const src = `new URL(${JSON.stringify(relative(outdir, args.path).split(sep).join('/'))}, import.meta.url)`;
        const contents = text.replace(/import\.meta\.(url|dirname|filename)\b/g, (_, what) =>
          what === 'url' ? `${src}.href` : what === 'filename' ? `__frontierSourcePath(${src})` : `__frontierSourcePath(new URL('.', ${src}))`);
        const helper = contents !== text && /import\.meta\.(dirname|filename)\b/.test(text) ? "import { fileURLToPath as __frontierSourcePath } from 'node:url';\n" : '';
        return { contents: helper + contents, loader: 'ts' };
      });
    },
  };
}

/** Builds the CLI into `outdir` (replaced atomically); returns the stamp written. */
export async function buildCli(outdir = join(root, 'out', 'cli')) {
  const esbuild = await import('esbuild');
  outdir = resolve(outdir);
  const tmp = `${outdir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: { main: 'main/cli/main.ts', 'worker-boot': 'main/services/train/worker.ts' },
      outdir: tmp,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      sourcemap: 'linked',
      metafile: true,
      logLevel: 'warning',
      // Paths are computed for the final folder, not the temporary one (same depth, same parent).
      plugins: [sourceUrls(outdir)],
    });
    const inputs = {};
    for (const file of Object.keys(result.metafile.inputs).sort()) {
      const st = statSync(join(root, file));
      inputs[file] = { size: st.size, mtimeMs: st.mtimeMs };
    }
    const stamp = { version: 1, builtAt: new Date().toISOString(), node: process.version, esbuild: esbuild.version, entry: 'main.mjs', inputs };
    writeFileSync(join(tmp, 'stamp.json'), JSON.stringify(stamp, null, 1));
    rmSync(outdir, { recursive: true, force: true });
    mkdirSync(dirname(outdir), { recursive: true });
    renameSync(tmp, outdir);
    return stamp;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--outdir');
  const out = i > 0 ? process.argv[i + 1] : undefined;
  if (i > 0 && !out) {
    process.stderr.write('usage: node scripts/build-cli.mjs [--outdir DIR]\n');
    process.exit(2);
  }
  const t0 = performance.now();
  const stamp = await buildCli(out);
  process.stderr.write(`frontier: compiled the CLI into ${relative(process.cwd(), resolve(out ?? join(root, 'out', 'cli'))) || '.'} (${Object.keys(stamp.inputs).length} source files, ${Math.round(performance.now() - t0)} ms)\n`);
}
