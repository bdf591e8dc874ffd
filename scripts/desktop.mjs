#!/usr/bin/env node
// Builds and launches (`npm start`) or packages (`npm run dist`) the desktop app.
// Both need Electron's own binary, which `npm ci` downloads where the internet is reachable; where it
// is not (as in CI here) they say so clearly and exit with code 3 instead of failing obscurely.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const command = process.argv[2];

/** The Electron binary's path, or why it is missing. */
export function electronBinary() {
  try {
    const path = require('electron');
    if (typeof path === 'string' && existsSync(path)) return { path };
    return { missing: `the Electron binary is not at ${path}` };
  } catch (e) {
    return { missing: e instanceof Error ? e.message : String(e) };
  }
}

function needElectron(what) {
  const bin = electronBinary();
  if (bin.path) return bin.path;
  process.stderr.write(
    `frontier: cannot ${what}: Electron's binary is not installed (${bin.missing.split('\n')[0]}).\n` +
      `  npm installs it from the internet, which this machine cannot reach. On a machine with internet run\n` +
      `  'node node_modules/electron/install.js' (or 'npm rebuild electron'), then try again.\n` +
      `  Everything else works without it: 'npx frontier search', 'npx frontier serve' (the workbench in a browser).\n`,
  );
  process.exit(3);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

async function build() {
  const esbuild = await import('esbuild');
  const out = join(root, 'out');
  for (const part of ['main', 'preload', 'renderer']) rmSync(join(out, part), { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: true, logLevel: 'warning', packages: 'external' };
  await esbuild.build({ ...common, format: 'esm', entryPoints: { app: 'main/app.ts', 'engine-entry': 'main/engine-entry.ts' }, outdir: join(out, 'main'), absWorkingDir: root });
  // Trainer worker threads: the pool loads './worker-boot.mjs' next to its own (bundled) module.
  await esbuild.build({ ...common, format: 'esm', entryPoints: { 'worker-boot': 'main/services/train/worker.ts' }, outExtension: { '.js': '.mjs' }, outdir: join(out, 'main'), absWorkingDir: root });
  // A sandboxed preload is one CommonJS file that may require only 'electron'.
  await esbuild.build({ ...common, packages: undefined, external: ['electron'], format: 'cjs', entryPoints: ['main/preload.ts'], outfile: join(out, 'preload', 'preload.cjs'), absWorkingDir: root });
  run(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'vite.renderer.config.ts', '--outDir', join(out, 'renderer'), '--emptyOutDir']);
  stageTorchEngine(out);
}

/**
 * The native training engine (native/torch), when it was built, goes into the app with the libtorch
 * it links: out/native/torch/build/Release/frontier_torch.node (found by torch-engine.ts from the
 * bundle, unpacked from the asar by electron-builder) and its libraries in libtorch/ beside it (the
 * addon's rpath has $ORIGIN/libtorch). Those come from FRONTIER_LIBTORCH, a slim CPU or CUDA
 * libtorch: Debian's libtorch-dev pulls in ~500 MB of dependencies (OpenCV, ffmpeg, GDAL, Qt) and
 * is not shipped. Without one the package still works and trains with TensorFlow.js where the
 * target machine has no libtorch of its own.
 */
function stageTorchEngine(out) {
  const addon = join(root, 'native', 'torch', 'build', 'Release', 'frontier_torch.node');
  const staged = join(out, 'native', 'torch', 'build', 'Release');
  rmSync(join(out, 'native', 'torch'), { recursive: true, force: true });
  if (!existsSync(addon)) {
    process.stderr.write('frontier: the native engine is not built (npm run build:native); the app will train with TensorFlow.js\n');
    return;
  }
  mkdirSync(staged, { recursive: true });
  cpSync(addon, join(staged, 'frontier_torch.node'));
  const libtorch = process.env.FRONTIER_LIBTORCH;
  if (libtorch && existsSync(join(libtorch, 'lib'))) {
    cpSync(join(libtorch, 'lib'), join(staged, 'libtorch'), { recursive: true, filter: (p) => !/\.(a|lib|pdb)$/.test(p) });
  } else if (command === 'dist') {
    process.stderr.write('frontier: FRONTIER_LIBTORCH is not set: the packaged native engine will need a libtorch on the target machine (else the app trains with TensorFlow.js)\n');
  }
}

/**
 * better-sqlite3 in node_modules is built for Node (the CLI and tests use it). The app's engine runs
 * on Electron's ABI, so `npm start` builds a second copy for Electron once per Electron version
 * (node-gyp fetches Electron's headers) and points the engine at it; node_modules stays untouched.
 * `npm run dist` needs none of this: electron-builder rebuilds native modules for the package.
 */
function electronSqliteBinding() {
  const version = require('electron/package.json').version;
  const dir = join(root, 'out', 'native', `better-sqlite3-electron-${version}`);
  const binding = join(dir, 'build', 'Release', 'better_sqlite3.node');
  if (existsSync(binding)) return binding;
  process.stderr.write(`building better-sqlite3 for Electron ${version} (once)…\n`);
  cpSync(join(root, 'node_modules', 'better-sqlite3'), dir, { recursive: true, filter: (p) => !p.includes(`${join('better-sqlite3', 'build')}`) });
  run(process.execPath, [join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'), 'rebuild', '--release', `--target=${version}`, '--runtime=electron', '--dist-url=https://electronjs.org/headers'], { cwd: dir });
  return binding;
}

if (command === 'start') {
  const electron = needElectron('start the desktop app');
  await build();
  const binding = electronSqliteBinding();
  run(electron, [root], { env: { ...process.env, ELECTRON_ENABLE_LOGGING: '1', FRONTIER_SQLITE_BINDING: binding } });
} else if (command === 'dist') {
  needElectron('package the desktop app');
  await build();
  run(process.execPath, [join(root, 'node_modules', 'electron-builder', 'cli.js'), '--config', 'electron-builder.yml', ...process.argv.slice(3)]);
} else if (command === 'build') {
  await build();
} else if (command === 'check') {
  const bin = electronBinary();
  process.stdout.write(bin.path ? `electron: ${bin.path}\n` : `electron: missing (${bin.missing.split('\n')[0]})\n`);
} else {
  process.stderr.write('usage: node scripts/desktop.mjs start|dist|build|check\n');
  process.exit(2);
}
