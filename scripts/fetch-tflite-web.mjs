/**
 * Fetches the TensorFlow Lite C++ interpreter compiled to WebAssembly (the `wasm/` folder of the npm
 * package @tensorflow/tfjs-tflite, Apache-2.0) into .cache/tflite-web/ (git-ignored), for the tests
 * that run exported .tflite files in it (test/harness/tflite-web.ts). Not a package.json dependency:
 * the package's peer dependency (@tensorflow/tfjs-core 4.9) conflicts with ours, so npm refuses it;
 * `npm pack` downloads the tarball from the registry without installing anything. Run by .ci/run.
 *
 *   node scripts/fetch-tflite-web.mjs [--force]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TFLITE_WEB_PACKAGE = '@tensorflow/tfjs-tflite@0.0.1-alpha.10';
/** The files the tests load (the single-threaded SIMD build and its embind wrapper's client). */
export const TFLITE_WEB_FILES = ['tflite_web_api_cc_simd.js', 'tflite_web_api_cc_simd.wasm', 'tflite_web_api_client.js'];

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cache = join(root, '.cache/tflite-web');
const wasmDir = join(cache, 'wasm');
const stampFile = join(cache, 'package.txt');

function fail(msg) {
  process.stderr.write(`fetch-tflite-web: ${msg}\n`);
  process.exit(1);
}

const have = existsSync(stampFile) && readFileSync(stampFile, 'utf8').trim() === TFLITE_WEB_PACKAGE && TFLITE_WEB_FILES.every((f) => existsSync(join(wasmDir, f)));
if (have && !process.argv.includes('--force')) {
  process.stdout.write(`fetch-tflite-web: ${TFLITE_WEB_PACKAGE} already in ${wasmDir}\n`);
  process.exit(0);
}

mkdirSync(cache, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'frontier-tflite-web-'));
try {
  const pack = spawnSync('npm', ['pack', TFLITE_WEB_PACKAGE, '--json', '--pack-destination', work], { encoding: 'utf8', timeout: 300_000 });
  if (pack.status !== 0) {
    const lines = (pack.stderr || pack.error?.message || '').trim().split('\n');
    const key = lines.filter((l) => /\b(code|errno|request to|404|E[A-Z]{3,})\b/.test(l)).slice(0, 3);
    fail(`npm pack ${TFLITE_WEB_PACKAGE} failed (status ${pack.status ?? pack.signal}; the npm registry must be reachable): ${(key.length ? key : lines.slice(-3)).join(' | ')}`);
  }
  const info = JSON.parse(pack.stdout);
  const tgz = join(work, info[0]?.filename ?? '');
  if (!existsSync(tgz)) fail(`npm pack did not write the tarball (${tgz})`);
  const untar = spawnSync('tar', ['-xzf', tgz, '-C', work, 'package/wasm'], { encoding: 'utf8' });
  if (untar.status !== 0) fail(`tar could not unpack ${tgz}: ${untar.stderr.trim()}`);
  const missing = TFLITE_WEB_FILES.filter((f) => !existsSync(join(work, 'package/wasm', f)));
  if (missing.length) fail(`${TFLITE_WEB_PACKAGE} has no wasm/${missing.join(', wasm/')}`);
  rmSync(wasmDir, { recursive: true, force: true });
  renameSync(join(work, 'package/wasm'), wasmDir);
  writeFileSync(stampFile, `${TFLITE_WEB_PACKAGE}\n`);
  process.stdout.write(`fetch-tflite-web: ${TFLITE_WEB_PACKAGE} wasm/ unpacked into ${wasmDir}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
