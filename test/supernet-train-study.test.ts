// `frontier supernet train` is a study stored as it trains: another process reads its loss per
// step from the SQLite file while it runs; killed, `frontier resume <study>` continues the training
// from its checkpoint into the same study, which ends with the scored sub-networks. Every 10 steps
// a round scores the panel of sub-networks: each round is stored once, killed or not, with the
// same panel. Real binary, real libtorch engine, tiny sizes.
import { spawn } from 'node:child_process';
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cli, json, ROOT, tempDir } from './cli-helpers.js';
import { missingPeer } from './harness/peer.js';
import { SqliteStore } from '../main/services/sqlite-store.js';
import { roundsOf } from '../shared/supernet-rounds.js';
import { loadTorch } from '../main/services/train/torch-engine.js';

const loaded = loadTorch();
const skip = missingPeer('libtorch (the native engine; npm run build:native)', typeof loaded === 'string' ? loaded : undefined);

function read(db: string): { status: string; steps: number[]; leasePid?: number } | undefined {
  if (!existsSync(db)) return undefined;
  let s: SqliteStore | undefined;
  try {
    s = SqliteStore.open(db, { readonly: true });
    const rec = s.getStudy('1');
    if (!rec) return undefined;
    const lease = s.getLease('1');
    return { status: rec.status, steps: s.getCurve('1', 0).filter((p) => p.metric === 'loss').map((p) => p.step), ...(lease ? { leasePid: lease.pid } : {}) };
  } catch {
    return undefined; // the tables are not there yet
  } finally {
    s?.close();
  }
}

describe.skipIf(skip)('supernet training as a stored, resumable study', () => {
  it('its loss per step is in the file while it trains; killed after a checkpoint, `frontier resume` finishes it in the same study', async () => {
    const dir = tempDir('frontier-supernet-study-');
    const db = join(dir, 'f.db');
    const ckpt = join(dir, 'net.ckpt');
    const args = ['supernet', 'train', '--steps', '60', '--max-train', '200', '--val', '64', '--batch-size', '8', '--sandwich', 'uniform', '--threads', '1', '--score-every', '10', '--out', ckpt];
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, FRONTIER_DB: db }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, sig) => r(sig)));
    const seen: number[] = [];
    try {
      for (let i = 0; i < 1200; i++) {
        const s = read(db);
        if (s?.status === 'running') {
          expect(s.leasePid).toBe(child.pid);
          if (seen.at(-1) !== s.steps.length) seen.push(s.steps.length);
          // Past the checkpoint of step 50: killed.
          if (s.steps.some((x) => x > 50)) break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill('SIGKILL');
      expect(await exited, stderr).toBe('SIGKILL');
    } finally {
      child.kill('SIGKILL');
    }
    // Seen growing from outside, step by step.
    expect(seen.length).toBeGreaterThan(3);
    expect(read(db)?.status).toBe('running');

    renameSync(ckpt, `${ckpt}.moved`);
    renameSync(`${ckpt}.json`, `${ckpt}.json.moved`);
    const gone = cli(['resume', '1'], { db });
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/resume: the checkpoint of study 1, \S+net\.ckpt, is gone \(deleted or moved\): its supernet training cannot be continued/);
    renameSync(`${ckpt}.moved`, ckpt);
    renameSync(`${ckpt}.json.moved`, `${ckpt}.json`);

    const r = cli(['resume', '1', '--json'], { db });
    expect(r.code, r.stderr).toBe(0);
    expect(json<{ steps: number; resumedFrom: number | null }>(r)).toMatchObject({ steps: 60, resumedFrom: 50 });
    const s = SqliteStore.open(db, { readonly: true });
    try {
      expect(s.listStudies().map((x) => [x.id, x.status, x.spec.strategy])).toEqual([['1', 'complete', 'supernet-train']]);
      expect(s.getCurve('1', 0).filter((p) => p.metric === 'loss').map((p) => p.step)).toEqual(Array.from({ length: 12 }, (_, i) => 5 * (i + 1)));
      const scored = s.getTrials('1').slice(1);
      expect(scored.length).toBe(6);
      expect(scored[0]?.key).toMatch(/^w1:k7e6se/);
      for (const t of scored) expect(t.metrics.val_accuracy).toBeGreaterThanOrEqual(0);
      // The rounds: every 10 steps, each once across the kill, the same panel (the sub-networks
      // scored at the end); the last, of step 60's weights, scores as they do.
      const rounds = roundsOf(s.getCurve('1', 0));
      expect(rounds.map((r) => r.step)).toEqual([10, 20, 30, 40, 50, 60]);
      for (const r of rounds) {
        expect(r.subnets.map((x) => x.label)).toEqual(['largest', 'smallest', 'sampled1', 'sampled2', 'sampled3', 'sampled4']);
        expect(r.subnets.map((x) => x.key)).toEqual(scored.map((t) => t.key));
        for (const x of r.subnets) expect(x.valAccuracy).toBeGreaterThanOrEqual(0);
        expect(r.seconds).toBeGreaterThan(0);
      }
      expect(rounds.at(-1)?.subnets.map((x) => x.valAccuracy)).toEqual(scored.map((t) => t.metrics.val_accuracy));
      expect(existsSync(`${ckpt}.rounds`)).toBe(false);
      expect(s.getStudy('1')?.progress.evals).toBe(60);
    } finally {
      s.close();
    }
  }, 150_000);
});
