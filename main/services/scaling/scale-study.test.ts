import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StudySpec } from '../../../shared/types/index.js';
import { CancellationTokenSource } from '../../core/cancellation.js';
import { InMemoryStore } from '../../core/in-memory-store.js';
import { EFFICIENTNET_COEFFICIENTS, multipliersAt, parseTargets } from '../../core/scaling/compound.js';
import { graphCost } from '../../core/graph/cost.js';
import { customGraph } from '../../core/graph/custom.js';
import { Rng } from '../../core/rng.js';
import { parseSpaceDocument } from '../../core/spaces/custom.js';
import { MobilenetSpace } from '../../core/spaces/mobilenet.js';
import { ScaledSpace } from '../../core/scaling/space.js';
import { reproduceCommand } from '../export/study-report.js';
import { runScale } from './scale-study.js';
import { probeLatency, scaledGraph } from './train-scaled.js';

const KEY = 'w0.5:k3e1/w0.5:k3e3/w0.5:k5e1/w0.5:k3e1';
const dir = mkdtempSync(path.join(tmpdir(), 'frontier-scale-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A store with one finished mobilenet search of one complete trial (and one failed one). */
function source(over: Partial<StudySpec> = {}): InMemoryStore {
  const store = new InMemoryStore();
  const spec: StudySpec = {
    name: 'src', space: 'mobilenet', strategy: 'random', objectives: [{ metric: 'val_accuracy', direction: 'max' }], constraints: [], report: [],
    budget: { evals: 2 }, seed: 5, evaluator: { kind: 'train', maxTrain: 200, val: 100, epochs: 1, mobilenet: { stemStride: 2 } }, ...over,
  };
  const id = store.createStudy(spec, 0).id;
  const space = new MobilenetSpace();
  const sample = space.parse(KEY);
  const progress = { evals: 1, failed: 0, rejected: 0, costSeconds: 1, wallMs: 1 };
  store.finishTrial(id, store.createTrial(id, { key: KEY, sample }, 0), { state: 'complete', metrics: { val_accuracy: 0.5 }, fidelity: {}, cost: 1, finishedAt: 1 }, { progress, strategyState: null });
  store.finishTrial(id, store.createTrial(id, { key: KEY, sample }, 0), { state: 'failed', metrics: {}, fidelity: {}, cost: 0, error: 'x', finishedAt: 1 }, { progress, strategyState: null });
  return store;
}

const base = { studyId: '1', trial: 0, cwd: process.cwd(), cacheDir: dir, coefficients: EFFICIENTNET_COEFFICIENTS, epochs: 1, maxTrain: 200 };

describe('runScale', () => {
  it('scales to a parameter and a local latency target with given coefficients: one trial each, with its budget', async () => {
    const store = source();
    const events: string[] = [];
    // A latency budget of 1.5× the base model's, as timed here.
    const space = new ScaledSpace({ base: { space: 'mobilenet', key: KEY } });
    const l0 = await probeLatency(scaledGraph({ space, data: { ref: 'builtin:fashion-mnist', val: 100, seed: 5, cwd: process.cwd(), maxTrain: 200 }, cacheDir: dir, stemStride: 2 }, { depth: 1, width: 1, resolution: 1 }));
    const ms = Number((1.5 * l0).toFixed(3));
    const r = await runScale(store, { ...base, targets: parseTargets(`params:20k,latency:local=${ms}`), onProgress: (e) => events.push(e.kind === 'model' ? `${e.phase}${e.done ? ' done' : e.point ? ' point' : ''}` : e.kind) });
    expect(r.coefficients).toEqual(EFFICIENTNET_COEFFICIENTS);
    expect(events.filter((e) => e !== 'target point')).toEqual(['start', 'chosen', 'target', 'target done', 'target', 'target done']);
    const trials = store.getTrials(r.studyId);
    expect(trials.map((t) => [t.state, t.metrics.phase, t.fidelity.phase])).toEqual([['complete', 1, 'target params:20k'], ['complete', 1, `target latency:local=${ms}`]]);
    const [p, l] = trials;
    expect(p?.metrics.params).toBeLessThanOrEqual(20_000);
    expect([p?.metrics.budget, p?.metrics.within_budget]).toEqual([20_000, 1]);
    for (const t of trials) {
      const m = multipliersAt(EFFICIENTNET_COEFFICIENTS, t.metrics.phi as number);
      expect([t.metrics.depth_mult, t.metrics.width_mult, t.metrics.resolution_mult]).toEqual([m.depth, m.width, m.resolution]);
      expect(t.metrics.val_accuracy).toBeGreaterThan(0);
    }
    // Latency: measured after training; whether it met the budget is recorded either way.
    expect(l?.metrics.latency_ms).toBeGreaterThan(0);
    expect(l?.metrics.budget).toBe(ms);
    expect([0, 1]).toContain(l?.metrics.within_budget);
    expect(store.getStudy(r.studyId)?.status).toBe('complete');
    expect(store.getStudy(r.studyId)?.progress.evals).toBe(2);
    // A report's reproduce command is the frontier scale that made it.
    expect(reproduceCommand(store.getStudy(r.studyId)?.spec as StudySpec)).toBe(`frontier scale 1 --trial 0 --targets params:20k,latency:local=${ms} --coefficients 1.2,1.1,1.15 --epochs 1 --max-train 200 --name 'compound scaling of study 1 trial 0'`);
  }, 120_000);

  it('scales a space document\'s trial in width and resolution only (α = 1)', async () => {
    const document = readFileSync(new URL('../../../resources/spaces/tiny-cnn.yaml', import.meta.url), 'utf8');
    const doc = parseSpaceDocument(document, 'tiny-cnn.yaml');
    const arch = doc.freeze(doc.sample(new Rng(3)));
    const store = new InMemoryStore();
    const id = store.createStudy({
      name: 'doc', space: 'custom', spaceOptions: { document, source: 'tiny-cnn.yaml' }, strategy: 'random', objectives: [{ metric: 'val_accuracy', direction: 'max' }], constraints: [], report: [],
      budget: { evals: 1 }, seed: 2, evaluator: { kind: 'train', maxTrain: 200, val: 100, epochs: 1 },
    }, 0).id;
    store.finishTrial(id, store.createTrial(id, arch, 0), { state: 'complete', metrics: { val_accuracy: 0.4 }, fidelity: {}, cost: 1, finishedAt: 1 }, { progress: { evals: 1, failed: 0, rejected: 0, costSeconds: 1, wallMs: 1 }, strategyState: null });
    await expect(runScale(store, { ...base, targets: parseTargets('flops:1M') })).rejects.toThrow('scale: study 1 searched a space document, whose architectures scale in width and resolution only: give α = 1');
    const f0 = graphCost(customGraph(doc, arch.sample, [28, 28, 1], 10)).flops;
    const r = await runScale(store, { ...base, coefficients: { alpha: 1, beta: 1.2, gamma: 1.2 }, targets: parseTargets(`flops:${3 * f0}`) });
    const [t] = store.getTrials(r.studyId);
    expect(store.getStudy(r.studyId)?.spec.spaceOptions).toMatchObject({ base: { space: 'custom', key: arch.key } });
    expect([t?.state, t?.error, t?.metrics.depth_mult, t?.metrics.within_budget]).toEqual(['complete', undefined, 1, 1]);
    expect(t?.metrics.width_mult).toBeGreaterThan(1.1);
    expect(t?.metrics.flops).toBeLessThanOrEqual(3 * f0);
    expect(t?.metrics.flops).toBeGreaterThan(2 * f0);
  }, 120_000);

  it('a stop keeps the study with what finished and says so; the model in flight is abandoned', async () => {
    const store = source();
    const cts = new CancellationTokenSource();
    const run = runScale(store, { ...base, targets: parseTargets('flops:1M'), token: cts.token, onProgress: (e) => (e.kind === 'model' && !e.done ? cts.cancel() : undefined) });
    await expect(run).rejects.toThrow('cancelled');
    const rec = store.getStudy('2');
    expect(rec?.status).toBe('failed');
    expect(rec?.error).toBe('stopped after 0 of 1 models (kept); run frontier scale again for the rest');
    expect(store.getTrials('2').map((t) => [t.state, t.error])).toEqual([['failed', 'interrupted: scaling stopped before this model finished']]);
  }, 60_000);

  it('refuses a trial that is not a complete trial of a training search, and a target nothing fits, with the reason', async () => {
    const targets = parseTargets('flops:1M');
    await expect(runScale(source(), { ...base, trial: 1, targets })).rejects.toThrow('trial 1 of study 1 is failed, not complete: only a complete trial is scaled');
    await expect(runScale(source(), { ...base, trial: 7, targets })).rejects.toThrow('study 1 has no trial 7');
    await expect(runScale(source(), { ...base, studyId: '9', targets })).rejects.toThrow("no study with id '9'");
    await expect(runScale(source({ evaluator: { kind: 'table', tables: [], knownTables: [] } }), { ...base, targets })).rejects.toThrow('study 1 did not train its candidates (evaluator table): nothing to scale them on');
    await expect(runScale(source(), { ...base, targets: [] })).rejects.toThrow('scale: give at least one target');
    await expect(runScale(source(), { ...base, coefficients: { alpha: 1, beta: 1, gamma: 1 }, targets })).rejects.toThrow('scale: coefficients α 1, β 1, γ 1 must each be ≥ 1 with α·β²·γ² > 1');
    await expect(runScale(source(), { ...base, coefficients: { alpha: 2, beta: 0.9, gamma: 1.1 }, targets })).rejects.toThrow('must each be ≥ 1');
    const store = source();
    await expect(runScale(store, { ...base, targets: parseTargets('flops:10') })).rejects.toThrow(/^no scaling of trial 0 fits flops:10: the smallest \(multipliers 0.25\) has \d+ FLOPs/);
    // That one is found after the study exists: it is kept, failed, with the reason.
    expect(store.getStudy('2')?.error).toMatch(/^no scaling of trial 0 fits flops:10/);
  }, 60_000);
});
