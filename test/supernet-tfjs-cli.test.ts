// `frontier supernet train|search` on the tfjs fallback, as a user runs them (the real binary, the
// built-in Fashion-MNIST at tiny sizes): without the libtorch engine the training falls back to tfjs
// and says so, writes a tfjs checkpoint and resumes it when run again; the checkpoint is refused to
// the other engine with the way out; `supernet search` reads it (timing sub-networks locally needs
// libtorch: a clear error without it, a stored search with it).
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isTfjsCheckpoint, readTfjsCheckpoint } from '../main/services/train/supernet-tfjs.js';
import { loadTorch } from '../main/services/train/torch-engine.js';
import { cli, json, tempDir } from './cli-helpers.js';
import { missingPeer } from './harness/peer.js';
import { expectOneBest } from './harness/supernet-search-cli.js';

const dir = tempDir('frontier-supernet-tfjs-cli-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const db = join(dir, 'f.db');
const ckpt = join(dir, 'net.ckpt');
const small = ['--max-train', '200', '--val', '50', '--batch-size', '16', '--out', ckpt, '--db', db];
const noTorch = { env: { FRONTIER_TORCH_ADDON: join(dir, 'no-such-addon.node') } };

describe('frontier supernet on tfjs', () => {
  it('falls back to tfjs without libtorch, writes a tfjs checkpoint, resumes it, refuses it to --backend torch', () => {
    const first = cli(['supernet', 'train', '--steps', '2', ...small], noTorch);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/the libtorch engine is not at .*training on tfjs instead/);
    expect(first.stderr).toMatch(/on tfjs: 200 training images/);
    expect(first.stdout).toMatch(/supernet trained: 2 steps/);
    expect(first.stdout).toMatch(/largest\s+w1:k7e6se/);
    expect(isTfjsCheckpoint(ckpt)).toBe(true);
    expect(readTfjsCheckpoint(ckpt).step).toBe(2);
    expect(existsSync(`${ckpt}.json`)).toBe(true);

    const again = cli(['supernet', 'train', '--steps', '3', '--backend', 'tfjs', '--json', ...small]);
    expect(again.code, again.stderr).toBe(0);
    expect(json<{ steps: number; resumedFrom: number | null }>(again)).toMatchObject({ steps: 3, resumedFrom: 2 });
    expect(readTfjsCheckpoint(ckpt).step).toBe(3);

    const wrong = cli(['supernet', 'train', '--steps', '4', '--backend', 'torch', ...small]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/was written by the tfjs engine, not torch; give --backend tfjs to resume it, or another --out/);
    const bad = cli(['supernet', 'train', '--steps', '4', '--backend', 'jax', ...small]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--backend must be torch or tfjs, got 'jax'/);
    const threads = cli(['supernet', 'train', '--steps', '4', '--backend', 'tfjs', '--threads', '2', ...small]);
    expect(threads.code).toBe(2);
    expect(threads.stderr).toMatch(/--threads sets libtorch's threads/);
  }, 120_000);

  it('supernet search reads the tfjs checkpoint (local timing needs libtorch: a clear error without it)', (ctx) => {
    const args = ['supernet', 'search', '--supernet', ckpt, '--device', 'local', '--latency-ms', '1000', '--evals', '2', '--json', '--db', db];
    const without = cli(args, noTorch);
    expect(without.code).not.toBe(0);
    expect(without.stderr).toMatch(/--device local times each sub-network with libtorch, which is not available .*give a latency table instead/);
    const t = loadTorch();
    if (missingPeer('libtorch (the native engine; npm run build:native)', typeof t === 'string' ? t : undefined)) return ctx.skip();
    expectOneBest(cli(args), db);
  }, 120_000);
});
