// Progressive search and compound scaling end to end through the real binary on the built-in data
// (#15): a progressive search (coarse pass at 1 epoch, fine pass at 2) stored with each trial's
// phase; then `frontier scale` of its best fine trial to three FLOPs tiers, each model a trial of a
// new study whose FLOPs and params obey the chosen coefficients and whose tier meets its budget.
import * as ort from 'onnxruntime-node';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphCost } from '../main/core/graph/cost.js';
import { multipliersAt, type Coefficients } from '../main/core/scaling/compound.js';
import { roundFilters } from '../main/core/scaling/mobilenet-scaled.js';
import { ScaledSpace } from '../main/core/scaling/space.js';
import { MobilenetSpace } from '../main/core/spaces/mobilenet.js';
import { SqliteStore } from '../main/services/sqlite-store.js';
import type { StudyRecord, TrialRecord } from '../shared/types/index.js';
import { cli, json, tempDir } from './cli-helpers.js';

function read(db: string, id: string): { rec: StudyRecord; trials: TrialRecord[] } {
  const store = SqliteStore.open(db, { readonly: true });
  try {
    return { rec: store.getStudy(id) as StudyRecord, trials: store.getTrials(id) };
  } finally {
    store.close();
  }
}

describe('frontier search --strategy progressive, then frontier scale', () => {
  let dir: string;
  let db: string;
  let base: TrialRecord;
  let scaled: { studyId: string; smallest: TrialRecord } | undefined;
  beforeAll(() => {
    dir = tempDir('frontier-scale-cli-');
    db = join(dir, 'f.db');
    const r = cli(['search', '--strategy', 'progressive', '--option', 'coarse=2', '--budget-evals', '3', '--max-train', '300', '--val', '200', '--epochs', '2', '--concurrency', '1', '--seed', '3', '--json'], { db, cwd: dir });
    expect(r.code, r.stderr).toBe(0);
  }, 240_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stores each trial of the progressive search with its phase: coarse at 1 epoch, then fine at 2 around the winner', () => {
    const { trials } = read(db, '1');
    expect(trials.map((t) => t.state)).toEqual(['complete', 'complete', 'complete']);
    expect(trials.map((t) => [t.metrics.phase, t.fidelity.phase, t.metrics.fidelity])).toEqual([[0, 'coarse', 1], [0, 'coarse', 1], [1, 'fine', 2]]);
    // The fine pass starts with the coarse winner, evaluated again at full fidelity.
    const winner = trials.slice(0, 2).sort((a, b) => (b.metrics.val_accuracy as number) - (a.metrics.val_accuracy as number))[0] as TrialRecord;
    expect(trials[2]?.key).toBe(winner.key);
    base = trials[2] as TrialRecord;
  });

  it('scales the fine winner to three FLOPs tiers: each a trial of a new study, obeying the coefficients and within its budget', () => {
    const f0 = base.metrics.flops as number;
    const tiers = [Math.round(0.6 * f0), Math.round(2 * f0), Math.round(4 * f0)];
    const r = cli(['scale', '1', '--trial', String(base.number), '--flops', tiers.join(','), '--grid', '2', '--grid-train', '300', '--epochs', '1', '--max-train', '400', '--json'], { db, cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const out = json<{ studyId: string; coefficients: Coefficients; models: { trial: number; phase: string; phi: number }[] }>(r);
    // Two grid models asked; one whose FLOPs after rounding go far over 2× the base is left out.
    const grid = out.models.filter((m) => m.phase === 'grid').length;
    expect(grid).toBeGreaterThanOrEqual(1);
    expect(grid).toBeLessThanOrEqual(2);
    // Progress on stderr: the grid, the chosen coefficients, each target.
    expect(r.stderr).toMatch(new RegExp(`\\[grid 1/${grid}\\] .*training…`));
    expect(r.stderr).toMatch(/coefficients: α [\d.]+, β [\d.]+, γ [\d.]+ \(best of the grid/);
    expect(r.stderr).toMatch(new RegExp(`\\[target 3/3\\] flops:\\d+: trial ${grid + 2} val_accuracy`));
    const { rec, trials } = read(db, out.studyId);
    expect(rec.status).toBe('complete');
    expect(rec.spec.space).toBe('scaled');
    expect(rec.spec.strategyOptions?.source).toEqual({ studyId: '1', trial: base.number, key: base.key });
    expect(rec.notes).toContain(`study 1`);
    expect(trials.map((t) => [t.state, t.metrics.phase])).toEqual([...new Array(grid).fill(['complete', 0]), ['complete', 1], ['complete', 1], ['complete', 1]]);
    for (const t of trials.slice(0, grid)) expect(Math.abs((t.metrics.alpha as number) * (t.metrics.beta as number) ** 2 * (t.metrics.gamma as number) ** 2 - 2)).toBeLessThanOrEqual(0.1 + 1e-9);

    const space = new ScaledSpace(rec.spec.spaceOptions as Record<string, unknown>);
    const mobilenet = new MobilenetSpace();
    const stages = mobilenet.stages(mobilenet.parse(base.key));
    const c = out.coefficients;
    const stemStride = (rec.spec.evaluator as { mobilenet?: { stemStride?: number } }).mobilenet?.stemStride;
    const macro = stemStride !== undefined ? { stemStride } : {};
    const flopsAt = (phi: number) => graphCost(space.graph(space.sampleOf(multipliersAt(c, phi)), [28, 28, 1], 10, macro)).flops;
    let previous = 0;
    trials.slice(grid).forEach((t, i) => {
      const budget = tiers[i] as number;
      const phi = t.metrics.phi as number;
      const m = multipliersAt(c, phi);
      // The stored model is the one of multipliers α^φ, β^φ, γ^φ: blocks ⌈d·n⌉, channels round_filters(c, w), input ⌊28·r⌉.
      expect([t.metrics.depth_mult, t.metrics.width_mult, t.metrics.resolution_mult]).toEqual([m.depth, m.width, m.resolution]);
      expect(t.key).toBe(`${base.key} @d${m.depth},w${m.width},r${m.resolution}`);
      const g = space.graph(space.sampleOf(m), [28, 28, 1], 10, macro);
      expect(g.input).toEqual([Math.round(28 * m.resolution), Math.round(28 * m.resolution), 1]);
      expect(t.metrics.resolution).toBe(Math.round(28 * m.resolution));
      expect(g.nodes.filter((n) => n.id.endsWith('.project.conv')).length).toBe(stages.reduce((a, st) => a + Math.ceil(m.depth * st.blocks.length - 1e-9), 0));
      expect(g.nodes.find((n) => n.id === 'stem.conv')?.attrs.filters).toBe(roundFilters(16, m.width));
      for (const [k, st] of stages.entries()) expect(g.nodes.find((n) => n.id === `s${k + 1}.b1.project.conv`)?.attrs.filters).toBe(roundFilters(st.channels, m.width));
      expect(t.metrics.flops).toBe(graphCost(g).flops);
      expect(t.metrics.params).toBe(graphCost(g).params);
      // Within its budget, and the largest such φ (a little more goes over).
      expect(t.metrics.flops).toBeLessThanOrEqual(budget);
      expect(t.metrics.budget).toBe(budget);
      expect(t.metrics.within_budget).toBe(1);
      if (JSON.stringify(multipliersAt(c, phi + 0.1)) !== JSON.stringify(m)) expect(flopsAt(phi + 0.1)).toBeGreaterThan(budget);
      // Larger tiers, larger models; scaling down below the base for the smallest.
      expect(t.metrics.flops).toBeGreaterThan(previous);
      previous = t.metrics.flops as number;
      expect(t.metrics.val_accuracy).toBeGreaterThan(0.2);
      expect(t.metrics.latency_ms).toBeGreaterThan(0);
    });
    scaled = { studyId: out.studyId, smallest: trials[grid] as TrialRecord };
    expect(trials[grid]?.metrics.phi).toBeLessThan(0);
    expect(trials[grid + 2]?.metrics.phi).toBeGreaterThan(1);
    // The data was resized for each resolution other than 28, once, beside the database.
    const resized = readdirSync(join(dir, 'resized'));
    const sizes = new Set(trials.map((t) => t.metrics.resolution).filter((s) => s !== 28));
    expect(resized.length).toBe(sizes.size);
    for (const s of sizes) expect(resized.some((d) => d.startsWith(`${s}x${s}-`) && existsSync(join(dir, 'resized', d, 'train-images-idx3-ubyte')))).toBe(true);
  }, 300_000);

  it('retrains a scaled model on the full data at its resolution and exports it (ONNX, run in onnxruntime)', async () => {
    expect(scaled).toBeDefined();
    const { studyId, smallest } = scaled as { studyId: string; smallest: TrialRecord };
    const px = smallest.metrics.resolution as number;
    const r = cli(['retrain', studyId, '--trial', String(smallest.number), '--epochs', '1'], { db, cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^trial ${smallest.number}\t.* @d.*\tval_accuracy 0\\.\\d+`));
    const file = join(dir, 'scaled.onnx');
    const e = cli(['export', studyId, '--trial', String(smallest.number), '--format', 'onnx', '--out', file], { db, cwd: dir });
    expect(e.code, e.stderr).toBe(0);
    const session = await ort.InferenceSession.create(file);
    try {
      const input = new ort.Tensor('float32', new Float32Array(px * px), [1, 1, px, px]);
      const out = await session.run({ [session.inputNames[0] as string]: input });
      const logits = out[session.outputNames[0] as string] as ort.Tensor;
      expect(logits.dims).toEqual([1, 10]);
      expect([...(logits.data as Float32Array)].every(Number.isFinite)).toBe(true);
    } finally {
      await session.release();
    }
  }, 240_000);

  it('refuses what it cannot scale, with one line and exit 2', () => {
    const noTarget = cli(['scale', '1', '--trial', '0'], { db, cwd: dir });
    expect([noTarget.code, noTarget.stderr.trim()]).toEqual([2, "frontier: scale: give the targets: --flops 20M,40M,80M or --targets flops:20M,latency:local=2,latency:<serial>=5 (see 'frontier scale --help')"]);
    // (Phone targets, and a phone that is not there: test/scale-phones.test.ts, with its own adb server.)
    const phone = cli(['scale', '1', '--trial', '0', '--targets', 'latency:my phone=5'], { db, cwd: dir });
    expect(phone.code).toBe(2);
    expect(phone.stderr).toContain("target 'latency:my phone=5': 'my phone' is not a phone's adb serial");
    const scaledAgain = cli(['scale', '2', '--trial', '2', '--flops', '1M'], { db, cwd: dir });
    expect(scaledAgain.code).toBe(2);
    expect(scaledAgain.stderr.trim()).toBe('frontier: compound scaling needs a trial of the mobilenet space or of a space document; study 2 searched scaled');
    expect(read(db, '3').rec).toBeUndefined();
  });
});
