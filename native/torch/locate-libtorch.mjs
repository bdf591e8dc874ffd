/**
 * Finds a libtorch to build the addon against, in order: FRONTIER_LIBTORCH (a folder with include/
 * and lib/), a PyTorch installation's torch/ folder (as torch.utils.cpp_extension uses it; the way to
 * CUDA), Debian's libtorch-dev. Prints one JSON object { root, includes[], libdir, cuda, source } or,
 * with a field name as argument, that field (lists space-separated, for binding.gyp); exits 1 with a
 * reason on stderr when none is found.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

function layout(root, source) {
  const inc = join(root, 'include');
  const api = join(inc, 'torch/csrc/api/include');
  const lib = join(root, 'lib');
  if (!existsSync(join(api, 'torch/torch.h')) || !existsSync(join(lib, 'libtorch.so'))) return undefined;
  const cuda = existsSync(join(lib, 'libtorch_cuda.so'));
  return { root, includes: [inc, api], libdir: lib, cuda, source, abi: process.env.FRONTIER_LIBTORCH_CXX11_ABI === '0' ? 0 : 1 };
}

function debian() {
  const api = '/usr/include/torch/csrc/api/include';
  if (!existsSync(join(api, 'torch/torch.h'))) return undefined;
  const libdir = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib'].find((d) => existsSync(join(d, 'libtorch.so')));
  if (!libdir) return undefined;
  return { root: '/usr', includes: [api], libdir, cuda: existsSync(join(libdir, 'libtorch_cuda.so')), source: 'Debian libtorch-dev', abi: 1 };
}

function python() {
  const tried = new Set();
  for (const py of [process.env.FRONTIER_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean)) {
    try {
      const out = execFileSync(py, ['-c', 'import os, torch; print(os.path.dirname(torch.__file__)); print(int(torch.compiled_with_cxx11_abi()))'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60000 }).trim().split('\n');
      const dir = out[0];
      if (!dir || tried.has(dir)) continue;
      tried.add(dir);
      const found = layout(dir, `PyTorch at ${dir}`);
      if (found) return { ...found, abi: out[1] === '0' ? 0 : 1 };
    } catch {
      // no such interpreter, or no torch in it
    }
  }
  return undefined;
}

export function locateLibtorch() {
  const env = process.env.FRONTIER_LIBTORCH;
  if (env) {
    const found = layout(env, 'FRONTIER_LIBTORCH');
    if (!found) return { error: `FRONTIER_LIBTORCH=${env} has no include/torch/csrc/api/include/torch/torch.h and lib/libtorch.so` };
    return found;
  }
  // FRONTIER_LIBTORCH_SOURCE=python|debian looks in that place only.
  const only = process.env.FRONTIER_LIBTORCH_SOURCE;
  const found = only === 'debian' ? debian() : only === 'python' ? python() : python() ?? debian();
  return found ?? { error: `no libtorch found (FRONTIER_LIBTORCH, a PyTorch installation, or Debian libtorch-dev${only ? `; looked only at: ${only}` : ''})` };
}

/** The shared libraries the addon links, besides libtorch itself (the CUDA ones exist only there). */
export function libtorchLibs(found) {
  const names = readdirSync(found.libdir);
  const has = (n) => names.includes(`lib${n}.so`);
  return ['torch', 'torch_cpu', 'c10', ...(found.cuda ? ['torch_cuda', 'c10_cuda'] : [])].filter(has);
}

if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  const found = locateLibtorch();
  if (found.error) {
    process.stderr.write(`${found.error}\n`);
    process.exit(1);
  }
  const field = process.argv[2];
  if (!field) process.stdout.write(`${JSON.stringify({ ...found, libs: libtorchLibs(found) })}\n`);
  else if (field === 'libs') process.stdout.write(libtorchLibs(found).map((l) => `-l${l}`).join(' '));
  else if (field === 'defines') process.stdout.write(`_GLIBCXX_USE_CXX11_ABI=${found.abi}${found.cuda ? ' FRONTIER_WITH_CUDA=1' : ''}`);
  else {
    const v = found[field];
    process.stdout.write(Array.isArray(v) ? v.join(' ') : String(v));
  }
}
