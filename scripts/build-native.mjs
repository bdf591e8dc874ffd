/**
 * Builds the libtorch training engine (native/torch) when a libtorch is found; run by `npm install`.
 * Never fails the install: without libtorch (or when the build breaks) it prints one line and the
 * app trains with TensorFlow.js instead. FRONTIER_SKIP_NATIVE=1 skips it.
 *
 *   node scripts/build-native.mjs [--force] [--quiet]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { locateLibtorch } from '../native/torch/locate-libtorch.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'native/torch');
const addon = join(dir, 'build/Release/frontier_torch.node');
const stampFile = join(dir, 'build/frontier-stamp.json');
const force = process.argv.includes('--force');
const hint = 'install libtorch for ~10x faster training: Debian/Ubuntu `apt install libtorch-dev`, or `pip install torch` (CUDA builds train on the GPU), or set FRONTIER_LIBTORCH to an unpacked libtorch, then run `npm run build:native`';

function say(line) {
  process.stdout.write(`frontier: ${line}\n`);
}

if (process.env.FRONTIER_SKIP_NATIVE === '1') {
  say('native engine not built (FRONTIER_SKIP_NATIVE=1); training uses TensorFlow.js');
  process.exit(0);
}

const found = locateLibtorch();
if (found.error) {
  say(`${found.error}; training uses TensorFlow.js. To ${hint}`);
  process.exit(0);
}

// Rebuild only when the sources or the libtorch changed.
const sources = ['binding.gyp', ...readdirSync(join(dir, 'src')).map((f) => `src/${f}`)];
const stamp = JSON.stringify({ libtorch: found, node: process.versions.modules, sources: sources.map((f) => [f, statSync(join(dir, f)).mtimeMs]) });
if (!force && existsSync(addon) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
  say(`native engine up to date (libtorch from ${found.source})`);
  process.exit(0);
}

// node-gyp: npm's own when run as an install script, else the one in node_modules.
const require = createRequire(import.meta.url);
let gyp = process.env.npm_config_node_gyp;
if (!gyp || !existsSync(gyp)) {
  try {
    gyp = require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    say(`cannot build the native engine: node-gyp is missing; training uses TensorFlow.js`);
    process.exit(0);
  }
}
const args = [gyp, 'rebuild', '--release', `--jobs=${process.env.FRONTIER_NATIVE_JOBS ?? 'max'}`];
// Node's own headers beside the running binary (a distribution's or an official tarball) avoid a download.
const nodedir = resolve(dirname(process.execPath), '..');
if (existsSync(join(nodedir, 'include/node/common.gypi'))) args.push(`--nodedir=${nodedir}`);
say(`building the native training engine against libtorch from ${found.source}${found.cuda ? ' (CUDA)' : ''} (about a minute)…`);
const started = Date.now();
const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
if (r.status !== 0 || !existsSync(addon)) {
  const log = join(dir, 'build-error.log');
  try {
    writeFileSync(log, `${r.stdout ?? ''}\n${r.stderr ?? ''}`);
  } catch {
    // read-only install: the message below still says what happened
  }
  const last = (r.stderr || r.stdout || String(r.error ?? '')).trim().split('\n').filter((l) => /error/i.test(l)).slice(-1)[0] ?? 'see the log';
  say(`the native engine did not build (${last.trim().slice(0, 200)}; full log: ${log}); training uses TensorFlow.js`);
  process.exit(0);
}
mkdirSync(dirname(stampFile), { recursive: true });
writeFileSync(stampFile, stamp);
say(`native engine built in ${Math.round((Date.now() - started) / 1000)} s (libtorch ${found.source})`);
