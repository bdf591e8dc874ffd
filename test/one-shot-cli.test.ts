// `frontier darts` and `frontier enas` end to end: the real binary, the real libtorch engine, the
// built-in Fashion-MNIST, the shipped NAS-Bench-201 table, a SQLite file; tiny sizes.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, interrupted, json, ROOT, tempDir } from './cli-helpers.js';
import { missingPeer } from './harness/peer.js';
import { main } from '../main/cli/main.js';
import { loadTorch } from '../main/services/train/torch-engine.js';

const loaded = loadTorch();
const skip = missingPeer('libtorch (the native engine; npm run build:native)', typeof loaded === 'string' ? loaded : undefined);
const TINY = ['--train', '256', '--val', '128', '--channels', '4', '--seed', '3'];

/** c10_test and c100_test of an arch string, read from the shipped table independently of the code under test. */
function tableRow(arch: string): { c10: number; c100: number } {
  const lines = readFileSync(join(ROOT, 'resources/nb201/accuracy.csv'), 'utf8').split('\n');
  const cols = (lines[0] as string).split(',');
  const row = lines.find((l) => l.split(',')[1] === arch)?.split(',');
  if (!row) throw new Error(`${arch} not in the table`);
  return { c10: Number(row[cols.indexOf('c10_test')]), c100: Number(row[cols.indexOf('c100_test')]) };
}

describe.skipIf(skip)('frontier darts / enas', () => {
  it('darts prints alpha per edge, the collapse indicator, the derived cell and its looked-up accuracy, and stores the run', () => {
    const db = join(tempDir(), 'f.db');
    const r = cli(['darts', '--epochs', '2', '--guard', ...TINY], { db });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/DARTS \(order 1, collapse guard\) on builtin:fashion-mnist: 256 \+ 128 examples of 14×14×1, 2 epochs/);
    expect(r.stderr).toMatch(/100%\s+epoch 2\/2/);
    for (const edge of ['1<-0', '2<-0', '2<-1', '3<-0', '3<-1', '3<-2']) expect(r.stdout).toMatch(new RegExp(`^${edge}\\s+0\\.\\d{3}`, 'm'));
    expect(r.stdout).toMatch(/collapse indicator \(final alpha\): \d\/6 edges parameter-free/);
    expect(r.stdout).toMatch(/guard: (no collapse|collapse at epoch \d, kept epoch \d); at most 2 parameter-free edges/);
    const arch = /derived cell: (\S+)/.exec(r.stdout)?.[1] as string;
    expect((arch.match(/skip_connect|avg_pool_3x3/g) ?? []).length).toBeLessThanOrEqual(2);
    const row = tableRow(arch);
    expect(r.stdout).toContain(`CIFAR-10 test ${row.c10.toFixed(2)}%, CIFAR-100 test ${row.c100.toFixed(2)}%`);
    const id = /stored as study (\S+)/.exec(r.stdout)?.[1] as string;
    const show = json<{ strategy?: string; best: Record<string, { architecture: string; metrics: Record<string, number> }> }>(cli(['show', id, '--json'], { db }));
    expect(show.best.c10_test?.architecture).toBe(arch);
    expect(show.best.c10_test?.metrics.c10_test).toBeCloseTo(row.c10, 4);
    expect(show.best.c10_test?.metrics.c100_test).toBeCloseTo(row.c100, 4);
    expect(cli(['runs'], { db }).stdout).toMatch(/darts \(order 1\) on builtin:fashion-mnist/);
  }, 120_000);

  it('enas --json: the derived cell, its lookup and the controller per epoch', () => {
    const db = join(tempDir(), 'f.db');
    const r = cli(['enas', '--epochs', '2', '--controller-steps', '3', '--json', ...TINY], { db });
    expect(r.code, r.stderr).toBe(0);
    const doc = json<{ study: string; archStr: string; nb201: { c10_test: number }; epochs: { probabilities: number[][] }[]; sharedAccuracy: number }>(r);
    expect(doc.epochs).toHaveLength(2);
    for (const row of doc.epochs[1]!.probabilities) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(doc.nb201.c10_test).toBeCloseTo(tableRow(doc.archStr).c10, 4);
    expect(doc.sharedAccuracy).toBeGreaterThanOrEqual(0);
    expect(cli(['runs'], { db }).stdout).toMatch(/enas on builtin:fashion-mnist/);
  }, 120_000);

  it('bad input: one line, exit 2, nothing stored', async () => {
    const db = join(tempDir(), 'f.db');
    const run = async (args: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await main(args, { out: (t) => void (stdout += t), err: (t) => void (stderr += t), isTTY: false, columns: 100, cwd: ROOT, env: { ...process.env, FRONTIER_DB: db } });
      return { code, stdout, stderr };
    };
    const cases: [string[], RegExp][] = [
      [['darts', '--order', '3'], /--order must be a whole number in 1\.\.2, got '3'/],
      [['darts', '--epochs', '0'], /--epochs must be a whole number in 1\.\.10000/],
      [['enas', '--data', 'no/such/folder'], /no\/such\/folder/],
      [['darts', '--downsample', '20'], /--downsample must be a whole number in 1\.\.16/],
      [['darts', '--train', '256', '--val', '20000'], /too few/],
      [['enas', '--wat'], /Unknown option '--wat'/],
    ];
    for (const [args, re] of cases) {
      const r = await run(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect((await run(['darts', '--help'])).stdout).toMatch(/--order 1\|2/);
    expect((await run(['enas', '--help'])).stdout).toMatch(/--controller-steps/);
    expect(existsSync(db)).toBe(false);
  });

  it('Ctrl-C stops a run: exit 130, the study stopped, the checkpoint of its last epoch kept', async () => {
    const db = join(tempDir(), 'f.db');
    const { code, stderr } = await interrupted(['darts', '--epochs', '10000', ...TINY], db, /epoch 1\/10000/);
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/DARTS stopped after epoch \d+\/10000: checkpoint kept at \S+\.ckpt\ncontinue with: frontier resume 1 \(or: frontier darts --resume /);
    expect(cli(['runs'], { db }).stdout).toMatch(/stopped.*darts \(order 1\)|darts \(order 1\).*stopped/);
  }, 120_000);
});
