// `frontier enas --space mobilenet` end to end: the real binary, the real libtorch engine, the
// built-in Fashion-MNIST, a SQLite file; tiny sizes. Bad options are one-line errors that store nothing.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGraph } from '../main/core/graph/index.js';
import { graphCost } from '../main/core/graph/cost.js';
import { MobilenetSpace } from '../main/core/spaces/mobilenet.js';
import { main } from '../main/cli/main.js';
import { loadTorch } from '../main/services/train/torch-engine.js';
import { cli, interrupted, json, ROOT, tempDir } from './cli-helpers.js';
import { missingPeer } from './harness/peer.js';

const loaded = loadTorch();
const skip = missingPeer('libtorch (the native engine; npm run build:native)', typeof loaded === 'string' ? loaded : undefined);
const TINY = ['--space', 'mobilenet', '--train', '256', '--val', '128', '--controller-steps', '2', '--stem-stride', '2', '--seed', '3'];

describe.skipIf(skip)('frontier enas --space mobilenet', () => {
  it('prints one line per epoch and the derived architecture, and stores it as a study that show and export read', () => {
    const db = join(tempDir(), 'f.db');
    const r = cli(['enas', '--epochs', '2', ...TINY], { db });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/ENAS on the mobilenet space, builtin:fashion-mnist: 256 \+ 128 examples of 14×14×1, 2 epochs; reward: shared-weight accuracy/);
    expect(r.stderr).toMatch(/epoch 1\/2 .*mean reward 0\.\d{3}\s+best so far 0\.\d{3}/);
    expect(r.stderr).toMatch(/100%\s+epoch 2\/2/);
    const key = /derived architecture \(the controller's argmax\): (\S+)/.exec(r.stdout)?.[1] as string;
    const space = new MobilenetSpace();
    const cost = graphCost(buildGraph(space, space.freeze(space.parse(key)), { input: [14, 14, 1], classes: 10, mobilenet: { stemStride: 2 } }));
    expect(r.stdout).toContain(`params ${cost.params.toLocaleString('en-US')}, FLOPs ${cost.flops.toLocaleString('en-US')}`);
    expect(r.stdout).toMatch(/^s1\.depth\s+\d\s+0\.\d\d 0\.\d\d 0\.\d\d 0\.\d\d$/m);
    const id = /stored as study (\S+)/.exec(r.stdout)?.[1] as string;
    const acc = Number(/shared-weight validation accuracy (\S+)/.exec(r.stdout)?.[1]);
    const show = json<{ spec: { space: string; strategy: string }; best: Record<string, { architecture: string; metrics: Record<string, number> }> }>(cli(['show', id, '--json'], { db }));
    expect(show.spec.space).toBe('mobilenet');
    expect(show.spec.strategy).toBe('enas');
    expect(show.best.shared_val_accuracy?.architecture).toBe(key);
    expect(show.best.shared_val_accuracy?.metrics.shared_val_accuracy).toBeCloseTo(acc, 3);
    expect(show.best.shared_val_accuracy?.metrics.params).toBe(cost.params);
    const csv = cli(['export', id, '--format', 'csv'], { db });
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout).toContain(`,${key},`);
  }, 120_000);

  it('bad options: one line, exit 2, nothing stored', async () => {
    const db = join(tempDir(), 'f.db');
    const run = async (args: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await main(args, { out: (t) => void (stdout += t), err: (t) => void (stderr += t), isTTY: false, columns: 100, cwd: ROOT, env: { ...process.env, FRONTIER_DB: db } });
      return { code, stdout, stderr };
    };
    const cases: [string[], RegExp][] = [
      [['enas', '--space', 'darts'], /--space must be nb201 or mobilenet, got 'darts'/],
      [['enas', '--space', 'mobilenet', '--channels', '8', '--cells', '2'], /--channels, --cells are options of --space nb201, not of --space mobilenet/],
      [['enas', '--space', 'mobilenet', '--resume', 'x.ckpt'], /enas --resume: no ENAS checkpoint at \S+x\.ckpt/],
      [['enas', '--stem-stride', '2'], /--stem-stride is an option of --space mobilenet, not of --space nb201/],
      [['enas', '--space', 'mobilenet', '--stem-stride', '3'], /--stem-stride must be a whole number in 1\.\.2, got '3'/],
      [['enas', '--space', 'mobilenet', '--latency-ms', '5'], /needs both --latency-ms X and --device ID/],
      [['enas', '--space', 'mobilenet', '--latency-weight', '-0.1'], /--latency-weight goes with --latency-ms X --device ID/],
      [['enas', '--space', 'mobilenet', '--latency-ms', '5', '--device', 'pixel9'], /no latency table of pixel9 at \S+pixel9\.json; build it with 'frontier device profile pixel9 --space mobilenet'/],
      [['enas', '--space', 'mobilenet', '--epochs', '0'], /--epochs must be a whole number in 1\.\.10000/],
    ];
    for (const [args, re] of cases) {
      const r = await run(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const help = (await run(['enas', '--help'])).stdout;
    for (const o of ['--space nb201|mobilenet', '--stem-stride 1|2', '--latency-ms X', '--device ID', '--latency-weight W', '--controller-lr X']) expect(help).toContain(o);
    expect(existsSync(db)).toBe(false);
  });

  it('Ctrl-C stops a run: exit 130, the checkpoint of its last epoch kept, its study stopped (resumable)', async () => {
    const db = join(tempDir(), 'f.db');
    const { code, stderr } = await interrupted(['enas', '--epochs', '10000', ...TINY], db, /epoch 1\/10000/);
    expect(code, stderr).toBe(130);
    const m = /ENAS stopped after epoch \d+\/10000: checkpoint kept at (\S+)\ncontinue with: frontier resume 1/.exec(stderr);
    expect(m, stderr).not.toBeNull();
    expect(existsSync(m?.[1] as string)).toBe(true);
    expect(json<{ id: string; status: string }[]>(cli(['runs', '--json'], { db })).map((x) => [x.id, x.status])).toEqual([['1', 'stopped']]);
  }, 120_000);
});
