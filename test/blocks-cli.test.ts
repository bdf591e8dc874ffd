/**
 * Issue 15, the reusable block library through `frontier` (in process, on a real SQLite file): a
 * complete trial of a space-document search is saved as a block, listed, and included by name in
 * another document, whose search stores the block with it and builds the trial's graph; bad uses get
 * one-line (or line-numbered) reasons and change nothing.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StudySpec } from '../shared/types/index.js';
import { main } from '../main/cli/main.js';
import { spaceRef } from '../main/cli/space-ref.js';
import type { CliIO } from '../main/cli/io.js';
import { buildGraph } from '../main/core/graph/index.js';
import { Rng } from '../main/core/rng.js';
import { createSpace } from '../main/core/spaces.js';
import { SqliteStore } from '../main/services/sqlite-store.js';
import { tempDir } from './cli-helpers.js';

const SOURCE = `name: src
layers:
  - name: stem
    op: Conv2D
    filters: [8, 16]
  - name: body
    repeat: [1, 2]
    op: [SeparableConv2D, MBConv]
    kernel: [3, 5]
    se: [false, true]
    connection: [sequential, skip]
  - name: head
    op: GlobalAvgPool
`;

describe('frontier blocks', () => {
  const dir = tempDir('frontier-blocks-');
  const db = join(dir, 'f.db');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const io = (): CliIO & { stdout: string; stderr: string } => {
    const o: CliIO & { stdout: string; stderr: string } = {
      stdout: '', stderr: '', isTTY: false, columns: 100, cwd: dir, env: { ...process.env, FRONTIER_DB: db },
      out: (t: string) => void (o.stdout += t),
      err: (t: string) => void (o.stderr += t),
    };
    return o;
  };
  const run = async (args: string[]) => {
    const x = io();
    const code = await main(args, x);
    return { code, stdout: x.stdout, stderr: x.stderr };
  };

  // A finished search of the source document: trial 0 complete, trial 1 failed.
  writeFileSync(join(dir, 'src.yaml'), SOURCE);
  const src = spaceRef('src.yaml', io());
  const space = createSpace('custom', src.spaceOptions);
  const rng = new Rng(4);
  let sample = space.sample(rng);
  while (space.freeze(sample).key.split('>').length < 2) sample = space.sample(rng);
  {
    const store = SqliteStore.open(db);
    const spec: StudySpec = { name: 'source', ...src, strategy: 'random', objectives: [{ metric: 'val_accuracy', direction: 'max' }], constraints: [], report: [], budget: { evals: 2 }, seed: 1, evaluator: { kind: 'train' } };
    const { id } = store.createStudy(spec, 0);
    const progress = { evals: 2, failed: 1, rejected: 0, costSeconds: 0, wallMs: 0 };
    const a = space.freeze(sample);
    store.finishTrial(id, store.createTrial(id, a, 1), { state: 'complete', metrics: { val_accuracy: 0.9 }, fidelity: {}, cost: 1, finishedAt: 2 }, { progress, strategyState: null });
    store.finishTrial(id, store.createTrial(id, space.freeze(space.sample(rng)), 3), { state: 'failed', metrics: {}, fidelity: {}, cost: 1, finishedAt: 4, error: 'boom' }, { progress, strategyState: null });
    store.createStudy({ ...spec, name: 'cells', space: 'nb201', spaceOptions: {} }, 5);
    store.close();
  }

  it('saves a trial\'s layers by name and lists them', async () => {
    const r = await run(['blocks', 'save', '1', '--trial', '0', '--name', 'best']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^saved block best \\(\\d+ layers: Conv2D\\(filters=(8|16)\\) > .*\\) from trial 0 of study 1 to ${join(dir, 'blocks', 'best.json')}\\n$`));
    const saved = JSON.parse(readFileSync(join(dir, 'blocks', 'best.json'), 'utf8'));
    expect(saved.source).toMatchObject({ study: '1', trial: 0, architecture: space.freeze(sample).key, metrics: { val_accuracy: 0.9 } });
    const body = await run(['blocks', 'save', '1', '--trial', '0', '--name', 'body_only', '--layers', 'body']);
    expect(body.code, body.stderr).toBe(0);
    const list = await run(['blocks', 'list']);
    expect(list.stdout.split('\n')[0]).toMatch(/^name\s+layers\s+from\s+saved\s+block$/);
    expect(list.stdout).toMatch(/^best\s+\d+\s+study 1 trial 0\s/m);
    expect(list.stdout).toMatch(/^body_only\s+\d+\s+study 1 trial 0\s/m);
    const js = JSON.parse((await run(['blocks', 'list', '--json'])).stdout);
    expect(js.blocks.map((b: { name: string }) => b.name)).toEqual(['best', 'body_only']);
  });

  it('a document that includes the block searches a space whose graph is the trial\'s, and keeps the block', async () => {
    writeFileSync(join(dir, 'reuse.yaml'), 'name: reuse\nlayers:\n  - name: net\n    block: best\n');
    const count = await run(['space', 'count', 'reuse.yaml']);
    expect([count.code, count.stdout]).toEqual([0, '1\n']);
    const ref = spaceRef('reuse.yaml', io());
    expect(Object.keys((ref.spaceOptions as { blocks: object }).blocks)).toEqual(['best']);
    // The stored options alone rebuild the space, even after the library changes.
    rmSync(join(dir, 'blocks', 'best.json'));
    const reuse = createSpace('custom', JSON.parse(JSON.stringify(ref.spaceOptions)));
    const o = { input: [28, 28, 1] as const, classes: 10 };
    const strip = (g: ReturnType<typeof buildGraph>) => g.nodes.map((n) => [n.op, n.attrs, n.shape]);
    expect(strip(buildGraph(reuse, reuse.freeze([]), o))).toEqual(strip(buildGraph(space, space.freeze(sample), o)));
    expect((await run(['blocks', 'save', '1', '--trial', '0', '--name', 'best'])).code).toBe(0);
  });

  it('bad uses are refused with the reason and change nothing', async () => {
    const cases: [string[], string][] = [
      [['blocks', 'save', '1', '--trial', '0', '--name', 'best'], `frontier: a block named 'best' is already saved (${join(dir, 'blocks', 'best.json')}): choose another name, or give --force to replace it\n`],
      [['blocks', 'save', '1', '--trial', '1', '--name', 'x'], "frontier: blocks save: trial 1 of study 1 is failed: only complete trials' blocks are saved\n"],
      [['blocks', 'save', '1', '--trial', '9', '--name', 'x'], 'frontier: blocks save: study 1 has no trial 9\n'],
      [['blocks', 'save', '1', '--trial', '0', '--name', 'a b'], "frontier: blocks save: invalid block name 'a b' (a letter or '_', then up to 63 letters, digits, '_' and '-')\n"],
      [['blocks', 'save', '1', '--trial', '0', '--name', 'x', '--layers', 'nope'], "frontier: the custom:src space has no layer 'nope' (its layers: stem, body, head)\n"],
      [['blocks', 'save', '7', '--trial', '0', '--name', 'x'], "frontier: blocks save: no study with id '7' (see 'frontier runs')\n"],
      [['blocks', 'frob'], "frontier: blocks: unknown subcommand 'frob' (save or list)\n"],
      [['blocks', 'save', '2', '--trial', '0', '--name', 'x'], 'frontier: blocks save: study 2 searched the nb201 space; blocks are saved from searches of a space document (.yaml/.json) or of mobilenet, whose layers another document can include\n'],
    ];
    for (const [args, err] of cases) expect(await run(args), args.join(' ')).toEqual({ code: 2, stdout: '', stderr: err });
    expect(existsSync(join(dir, 'blocks', 'x.json'))).toBe(false);
    writeFileSync(join(dir, 'typo.yaml'), 'name: typo\nlayers:\n  - name: net\n    block: bestt\n');
    const r = await run(['search', '--space', 'typo.yaml', '--budget-evals', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("frontier: typo.yaml:4:12: layers[0].block: unknown block 'bestt' (did you mean 'best'? saved blocks: best, body_only)\n");
    const store = SqliteStore.open(db, { readonly: true });
    expect(store.listStudies()).toHaveLength(2);
    store.close();
  });
});
