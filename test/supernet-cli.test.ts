// `frontier supernet train` and `frontier supernet search` as a user runs them (the real binary, the
// real libtorch engine, the built-in Fashion-MNIST at tiny sizes): a training that resumes from its
// checkpoint when run again, a refused checkpoint of other settings, and a per-device search stored
// as an ordinary study that `frontier show` then displays.
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTorch } from '../main/services/train/torch-engine.js';
import { cli, json, tempDir } from './cli-helpers.js';
import { missingPeer } from './harness/peer.js';
import { expectOneBest } from './harness/supernet-search-cli.js';

const loaded = loadTorch();
const skip = missingPeer('libtorch (the native engine; npm run build:native)', typeof loaded === 'string' ? loaded : undefined);
const dir = tempDir('frontier-supernet-cli-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const db = join(dir, 'f.db');
const ckpt = join(dir, 'net.ckpt');
const small = ['--max-train', '300', '--val', '100', '--batch-size', '16', '--threads', '1', '--out', ckpt, '--db', db];

describe.skipIf(skip)('frontier supernet', () => {
  it('trains, resumes from its checkpoint when run again with more steps, refuses a checkpoint of other settings', () => {
    const first = cli(['supernet', 'train', '--steps', '3', ...small]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/supernet trained: 3 steps/);
    expect(first.stdout).toMatch(/largest\s+w1:k7e6se/);
    expect(existsSync(ckpt)).toBe(true);
    expect(existsSync(`${ckpt}.json`)).toBe(true);

    const again = cli(['supernet', 'train', '--steps', '5', '--json', ...small]);
    expect(again.code, again.stderr).toBe(0);
    const r = json<{ steps: number; resumedFrom: number | null }>(again);
    expect(r).toMatchObject({ steps: 5, resumedFrom: 3 });

    const other = cli(['supernet', 'train', '--steps', '5', ...small, '--seed', '4']);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/holds a supernet trained with other data or settings.*give another --out/);

    const shrink = cli(['supernet', 'train', '--steps', '5', ...small, '--shrink', 'sideways']);
    expect(shrink.code).toBe(2);
    expect(shrink.stderr).toMatch(/--shrink must be none or progressive, got 'sideways'/);
    // The training's study keeps its schedule (every dimension elastic from the first step by default), for resume.
    const studies = cli(['runs', '--json', '--db', db]);
    expect(studies.code, studies.stderr).toBe(0);
    const id = json<{ id: string; strategy: string }[]>(studies).find((r) => r.strategy === 'supernet-train')?.id;
    expect(id).toBeDefined();
    const spec = json<{ spec: { strategyOptions: Record<string, unknown> } }>(cli(['export', id as string, '--format', 'json', '--db', db]));
    expect(spec.spec.strategyOptions.shrink).toBe('none');
  }, 240_000);

  it('searches the best sub-network per device under a latency target, stored as a study', () => {
    const noTarget = cli(['supernet', 'search', '--supernet', ckpt, '--device', 'local', '--db', db]);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toMatch(/--latency-ms/);
    const noTable = cli(['supernet', 'search', '--supernet', ckpt, '--device', 'pixel-9', '--latency-ms', '5', '--db', db]);
    expect(noTable.code).toBe(2);
    expect(noTable.stderr).toMatch(/no latency table of pixel-9 .*frontier device profile pixel-9 --space mobilenet/);

    const { best, shown } = expectOneBest(cli(['supernet', 'search', '--supernet', ckpt, '--device', 'local', '--latency-ms', '1000', '--evals', '3', '--json', '--db', db]), db);
    expect(best.device).toBe('local');
    expect(shown).toMatch(/latency:local:torch/);
  }, 240_000);
});
