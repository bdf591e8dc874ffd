import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NasError, StoreConflict, StudyBusy } from '../shared/errors.js';
import type {
  ArtifactRecord,
  DeviceRecord,
  LatencySample,
  StudyProgress,
  StudySpec,
  StudyStatus,
} from '../shared/types/index.js';
import type { Checkpoint, LeasePolicy, Store, TrialResult } from '../main/core/store.js';

/**
 * Conformance suite for `Store` (Optuna StorageTestCase style): every implementation must pass it.
 * Each test asserts concrete values so that a wrong implementation fails.
 */

export const SPEC: StudySpec = {
  name: 'toy',
  space: 'nb201',
  spaceOptions: { stages: [{ depth: 2, widths: [16, 32] }], note: 'ünïcödé' },
  strategy: 'evolution',
  strategyOptions: { population: 10, sampleSize: 3 },
  objectives: [{ metric: 'acc', direction: 'max' }, { metric: 'lat', direction: 'min' }],
  constraints: [{ metric: 'lat', op: '<=', value: 5.5 }],
  report: ['params'],
  budget: { evals: 20, seconds: 3600 },
  seed: 42,
  evaluator: { kind: 'table', tables: ['acc.csv'], knownTables: ['lat.csv'], cost: 'time*2' },
  concurrency: 2,
};

export const progress = (evals: number, extra: Partial<StudyProgress> = {}): StudyProgress => ({
  evals, failed: 0, rejected: 0, costSeconds: evals * 10, wallMs: evals * 100, ...extra,
});

export const result = (overrides: Partial<TrialResult> = {}): TrialResult => ({
  state: 'complete',
  metrics: { acc: 0.91, lat: 3.25 },
  fidelity: { acc: 'epochs:12', lat: 'table' },
  cost: 12.5,
  finishedAt: 2_000,
  ...overrides,
});

const arch = (i: number) => ({ key: `arch-${i}`, sample: [i, 2 * i, 3] });

const ALL_STATUSES: readonly StudyStatus[] = ['created', 'running', 'stopped', 'complete', 'failed'];
/** The transition table from the `Store` doc comment, written out independently of any implementation. */
const ALLOWED: Readonly<Record<StudyStatus, readonly StudyStatus[]>> = {
  created: ['running'],
  running: ['running', 'stopped', 'complete', 'failed'],
  stopped: ['running', 'failed'],
  complete: [],
  failed: [],
};
/** A legal path from `created` to each status. */
const PATH_TO: Readonly<Record<StudyStatus, readonly StudyStatus[]>> = {
  created: [],
  running: ['running'],
  stopped: ['running', 'stopped'],
  complete: ['running', 'complete'],
  failed: ['running', 'failed'],
};

function expectNasError(fn: () => unknown, code: NasError['code'], cls?: typeof StoreConflict | typeof StudyBusy): NasError {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, 'expected a NasError').toBeInstanceOf(NasError);
  expect((thrown as NasError).code).toBe(code);
  if (cls) expect(thrown).toBeInstanceOf(cls);
  return thrown as NasError;
}

const POLICY: LeasePolicy = { staleAfterMs: 10_000 };
const A = { pid: 101, host: 'alpha', owner: 'run-a' };
const B = { pid: 202, host: 'beta', owner: 'run-b' };

/**
 * `make` gives a fresh store; `reopen`, where the implementation has one, a second handle on the
 * same data (another process opening the same file): the lease's write fencing is tested through it.
 */
export function describeStoreContract(
  name: string,
  make: () => { store: Store; cleanup?: () => void; reopen?: () => Store },
): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let cleanup: (() => void) | undefined;
    let reopen: (() => Store) | undefined;
    const others: Store[] = [];

    beforeEach(() => {
      ({ store, cleanup, reopen } = make());
    });
    afterEach(() => {
      for (const o of others.splice(0)) o.close();
      store.close();
      cleanup?.();
    });
    const second = (): Store => {
      const o = reopen!();
      others.push(o);
      return o;
    };

    const newStudy = (now = 1_000) => store.createStudy(SPEC, now).id;
    /** A running study with `n` running trials. */
    const runningStudy = (n: number) => {
      const id = newStudy();
      store.setStudyStatus(id, 'running', 1_100);
      for (let i = 0; i < n; i++) store.createTrial(id, arch(i), 1_200 + i);
      return id;
    };

    describe('studies', () => {
      it('creates a study in state created with zero progress and the spec verbatim', () => {
        const s = store.createStudy(SPEC, 1_000);
        expect(s.id).toMatch(/^[0-9]+$/);
        expect(s).toEqual({
          id: s.id, spec: SPEC, status: 'created', createdAt: 1_000,
          progress: { evals: 0, failed: 0, rejected: 0, costSeconds: 0, wallMs: 0 },
        });
        expect(s.startedAt).toBeUndefined();
        expect(s.finishedAt).toBeUndefined();
        expect(s.error).toBeUndefined();
        expect(store.getStudy(s.id)).toEqual(s);
      });

      it('assigns sequential decimal ids in creation order', () => {
        const ids = [newStudy(1), newStudy(2), newStudy(3)].map(Number);
        expect(ids.every(Number.isSafeInteger)).toBe(true);
        expect(ids[1]).toBe(ids[0]! + 1);
        expect(ids[2]).toBe(ids[0]! + 2);
      });

      it('lists studies newest first', () => {
        const a = newStudy(1);
        const b = newStudy(2);
        const c = newStudy(3);
        expect(store.listStudies().map((s) => s.id)).toEqual([c, b, a]);
        expect(store.listStudies()[0]).toEqual(store.getStudy(c));
      });

      it('returns nothing for unknown ids', () => {
        newStudy();
        for (const id of ['999', 'abc', '', '-1', '1.5', '01']) expect(store.getStudy(id)).toBeUndefined();
      });

      it('updates progress without touching the checkpoint', () => {
        const id = newStudy();
        store.updateProgress(id, progress(0, { rejected: 4, wallMs: 777 }));
        expect(store.getStudy(id)!.progress).toEqual(progress(0, { rejected: 4, wallMs: 777 }));
        expect(store.getCheckpoint(id)).toBeUndefined();
        expectNasError(() => store.updateProgress('999', progress(1)), 'not-found');
      });
    });

    describe('status transitions', () => {
      const cases = ALL_STATUSES.flatMap((from) => ALL_STATUSES.map((to) => [from, to, ALLOWED[from].includes(to)] as const));

      it.each(cases)('%s -> %s allowed=%s', (from, to, allowed) => {
        const id = newStudy();
        PATH_TO[from].forEach((s, i) => store.setStudyStatus(id, s, 2_000 + i));
        expect(store.getStudy(id)!.status).toBe(from);
        if (allowed) {
          store.setStudyStatus(id, to, 3_000);
          expect(store.getStudy(id)!.status).toBe(to);
        } else {
          expectNasError(() => store.setStudyStatus(id, to, 3_000), 'store-conflict', StoreConflict);
          expect(store.getStudy(id)!.status).toBe(from);
        }
      });

      it('records startedAt on the first start only and finishedAt on completion', () => {
        const id = newStudy();
        store.setStudyStatus(id, 'running', 2_000);
        expect(store.getStudy(id)!.startedAt).toBe(2_000);
        store.setStudyStatus(id, 'running', 2_500); // resumed after a kill
        store.setStudyStatus(id, 'stopped', 2_600);
        expect(store.getStudy(id)!.finishedAt).toBeUndefined();
        store.setStudyStatus(id, 'running', 2_700);
        store.setStudyStatus(id, 'complete', 3_000);
        const s = store.getStudy(id)!;
        expect([s.status, s.startedAt, s.finishedAt, s.error]).toEqual(['complete', 2_000, 3_000, undefined]);
      });

      it('records the error of a failed study', () => {
        const id = newStudy();
        store.setStudyStatus(id, 'running', 2_000);
        store.setStudyStatus(id, 'failed', 2_100, 'evaluator crashed');
        const s = store.getStudy(id)!;
        expect([s.status, s.finishedAt, s.error]).toEqual(['failed', 2_100, 'evaluator crashed']);
      });

      it('rejects unknown studies', () => {
        expectNasError(() => store.setStudyStatus('999', 'running', 1), 'not-found');
      });
    });

    describe('trials', () => {
      it('numbers trials 0,1,2… per study and records them as running', () => {
        const a = runningStudy(0);
        const b = runningStudy(0);
        expect([0, 1, 2].map((i) => store.createTrial(a, arch(i), 10 + i))).toEqual([0, 1, 2]);
        expect([0, 1].map((i) => store.createTrial(b, arch(i), 20 + i))).toEqual([0, 1]);
        expect(store.getTrial(a, 1)).toEqual({
          studyId: a, number: 1, key: 'arch-1', sample: [1, 2, 3], state: 'running', metrics: {}, fidelity: {}, cost: 0, startedAt: 11,
        });
        expect(store.getTrial(a, 1)!.finishedAt).toBeUndefined();
        expect(store.getTrial(a, 1)!.error).toBeUndefined();
        expect(store.getTrial(b, 1)!.key).toBe('arch-1');
        expect(store.getTrial(b, 2)).toBeUndefined();
        expect(store.getTrial('999', 0)).toBeUndefined();
        expectNasError(() => store.createTrial('999', arch(0), 1), 'not-found');
      });

      it('round-trips a finished trial: metrics, fidelity, cost, error, timestamps', () => {
        const id = runningStudy(2);
        store.finishTrial(id, 0, result(), { progress: progress(1), strategyState: null });
        store.finishTrial(id, 1, result({
          state: 'failed', metrics: { acc: Infinity, lat: -Infinity, params: 1.5e-300 }, fidelity: { params: 'exact' }, cost: 0.25,
          error: 'out of memory', finishedAt: 2_500,
        }), { progress: progress(2, { failed: 1 }), strategyState: null });
        expect(store.getTrial(id, 0)).toEqual({
          studyId: id, number: 0, key: 'arch-0', sample: [0, 0, 3], state: 'complete', metrics: { acc: 0.91, lat: 3.25 },
          fidelity: { acc: 'epochs:12', lat: 'table' }, cost: 12.5, startedAt: 1_200, finishedAt: 2_000,
        });
        expect(store.getTrial(id, 0)!.error).toBeUndefined();
        expect(store.getTrial(id, 1)).toEqual({
          studyId: id, number: 1, key: 'arch-1', sample: [1, 2, 3], state: 'failed',
          metrics: { acc: Infinity, lat: -Infinity, params: 1.5e-300 }, fidelity: { params: 'exact' }, cost: 0.25,
          error: 'out of memory', startedAt: 1_201, finishedAt: 2_500,
        });
      });

      it('round-trips NaN metrics and cost as NaN', () => {
        const id = runningStudy(1);
        store.finishTrial(id, 0, result({ metrics: { acc: NaN, lat: 2 }, fidelity: { acc: 'table' }, cost: NaN }), {
          progress: progress(1), strategyState: null,
        });
        const t = store.getTrial(id, 0)!;
        expect(Object.keys(t.metrics).sort()).toEqual(['acc', 'lat']);
        expect(Number.isNaN(t.metrics['acc'])).toBe(true);
        expect(t.metrics['lat']).toBe(2);
        expect(t.fidelity).toEqual({ acc: 'table' });
        expect(Number.isNaN(t.cost)).toBe(true);
      });

      it('keeps finished trials immutable', () => {
        const id = runningStudy(1);
        store.finishTrial(id, 0, result(), { progress: progress(1), strategyState: { gen: 1 } });
        expectNasError(
          () => store.finishTrial(id, 0, result({ metrics: { acc: 0.1 }, fidelity: {} }), { progress: progress(9), strategyState: { gen: 9 } }),
          'store-conflict', StoreConflict,
        );
        expect(store.getTrial(id, 0)!.metrics).toEqual({ acc: 0.91, lat: 3.25 });
        expect(store.getStudy(id)!.progress).toEqual(progress(1));
        expect(store.getCheckpoint(id)).toEqual({ progress: progress(1), strategyState: { gen: 1 } });
      });

      it('refuses to finish unknown trials with StoreConflict', () => {
        const id = runningStudy(1);
        const cp: Checkpoint = { progress: progress(1), strategyState: null };
        expectNasError(() => store.finishTrial(id, 1, result(), cp), 'store-conflict', StoreConflict);
        expectNasError(() => store.finishTrial(id, -1, result(), cp), 'store-conflict', StoreConflict);
        expectNasError(() => store.finishTrial('999', 0, result(), cp), 'store-conflict', StoreConflict);
        expect(store.getCheckpoint(id)).toBeUndefined();
        expect(store.getStudy(id)!.progress).toEqual(progress(0, { costSeconds: 0, wallMs: 0 }));
      });

      it('rejects an invalid result and changes nothing', () => {
        const id = runningStudy(1);
        const cp: Checkpoint = { progress: progress(1), strategyState: 'x' };
        expectNasError(() => store.finishTrial(id, 0, result({ fidelity: { params: 'exact' } }), cp), 'invalid-input');
        expectNasError(() => store.finishTrial(id, 0, result({ state: 'running' as 'complete' }), cp), 'invalid-input');
        expect(store.getTrial(id, 0)!.state).toBe('running');
        expect(store.getTrial(id, 0)!.metrics).toEqual({});
        expect(store.getCheckpoint(id)).toBeUndefined();
        expect(store.getStudy(id)!.progress.evals).toBe(0);
      });

      it('writes progress and checkpoint with each finished trial', () => {
        const id = runningStudy(2);
        expect(store.getCheckpoint(id)).toBeUndefined();
        const state = { population: [[1, 2, 3], [4, 5, 6]], rng: { s: [1, 2, 3, 4] }, gen: 7, label: 'evo', best: null };
        store.finishTrial(id, 0, result(), { progress: progress(1), strategyState: state });
        expect(store.getStudy(id)!.progress).toEqual(progress(1));
        expect(store.getCheckpoint(id)).toEqual({ progress: progress(1), strategyState: state });
        store.finishTrial(id, 1, result({ state: 'pruned' }), { progress: progress(2), strategyState: { gen: 8 } });
        expect(store.getStudy(id)!.progress).toEqual(progress(2));
        expect(store.getCheckpoint(id)).toEqual({ progress: progress(2), strategyState: { gen: 8 } });
        store.updateProgress(id, progress(2, { wallMs: 99_999 }));
        expect(store.getCheckpoint(id)).toEqual({ progress: progress(2), strategyState: { gen: 8 } });
        expect(store.getCheckpoint('999')).toBeUndefined();
      });

      it('abandons running trials as failed with the reason', () => {
        const id = runningStudy(3);
        store.finishTrial(id, 1, result(), { progress: progress(1), strategyState: null });
        expect(store.abandonRunning(id, 'process killed', 5_000)).toBe(2);
        for (const n of [0, 2]) {
          const t = store.getTrial(id, n)!;
          expect([t.state, t.error, t.finishedAt]).toEqual(['failed', 'process killed', 5_000]);
        }
        expect(store.getTrial(id, 1)).toMatchObject({ state: 'complete', finishedAt: 2_000 });
        expect(store.getTrial(id, 1)!.error).toBeUndefined();
        expect(store.abandonRunning(id, 'again', 6_000)).toBe(0);
        expect(store.getTrial(id, 0)!.error).toBe('process killed');
        expectNasError(() => store.finishTrial(id, 0, result(), { progress: progress(2), strategyState: null }), 'store-conflict');
        expectNasError(() => store.abandonRunning('999', 'x', 1), 'not-found');
      });

      it('queries trials by state with offset and limit, ordered by number', () => {
        const id = runningStudy(6);
        const states: TrialResult['state'][] = ['complete', 'pruned', 'complete', 'failed', 'invalid'];
        states.forEach((state, n) => store.finishTrial(id, n, result({ state }), { progress: progress(n + 1), strategyState: n }));
        const numbers = (q?: Parameters<Store['getTrials']>[1]) => store.getTrials(id, q).map((t) => t.number);
        expect(numbers()).toEqual([0, 1, 2, 3, 4, 5]);
        expect(numbers({ states: ['complete'] })).toEqual([0, 2]);
        expect(numbers({ states: ['running', 'failed'] })).toEqual([3, 5]);
        expect(numbers({ states: [] })).toEqual([]);
        expect(numbers({ offset: 2 })).toEqual([2, 3, 4, 5]);
        expect(numbers({ limit: 2 })).toEqual([0, 1]);
        expect(numbers({ offset: 1, limit: 3 })).toEqual([1, 2, 3]);
        expect(numbers({ states: ['complete', 'pruned'], offset: 1, limit: 1 })).toEqual([1]);
        expect(numbers({ limit: 0 })).toEqual([]);
        expect(numbers({ offset: 10 })).toEqual([]);
        expect(store.getTrials(id, { states: ['complete'] })[1]).toEqual(store.getTrial(id, 2));
        expect(store.getTrials(id)[5]).toEqual(store.getTrial(id, 5));
        expect(store.getTrials('999')).toEqual([]);
      });

      it('counts trials by state', () => {
        const id = runningStudy(4);
        store.finishTrial(id, 0, result(), { progress: progress(1), strategyState: null });
        store.finishTrial(id, 2, result({ state: 'failed' }), { progress: progress(2), strategyState: null });
        expect(store.countTrials(id)).toBe(4);
        expect(store.countTrials(id, ['running'])).toBe(2);
        expect(store.countTrials(id, ['complete', 'failed'])).toBe(2);
        expect(store.countTrials(id, ['pruned'])).toBe(0);
        expect(store.countTrials(id, [])).toBe(0);
        expect(store.countTrials('999')).toBe(0);
      });
    });

    describe('curves', () => {
      it('appends points in order, per trial, while the trial runs', () => {
        const id = runningStudy(2);
        store.appendCurve(id, 0, [{ step: 1, metric: 'loss', value: 2.5 }, { step: 1, metric: 'acc', value: 0.1 }]);
        store.appendCurve(id, 1, [{ step: 1, metric: 'loss', value: 9 }]);
        store.appendCurve(id, 0, [{ step: 2, metric: 'loss', value: NaN }, { step: 3, metric: 'loss', value: Infinity }]);
        const c = store.getCurve(id, 0);
        expect(c.map((p) => [p.step, p.metric])).toEqual([[1, 'loss'], [1, 'acc'], [2, 'loss'], [3, 'loss']]);
        expect(c.map((p) => p.value)).toEqual([2.5, 0.1, NaN, Infinity]);
        expect(Number.isNaN(c[2]!.value)).toBe(true);
        expect(store.getCurve(id, 1)).toEqual([{ step: 1, metric: 'loss', value: 9 }]);
        expect(store.getCurve(id, 7)).toEqual([]);
        expect(store.getCurve('999', 0)).toEqual([]);
      });

      it('refuses curves for unknown or finished trials', () => {
        const id = runningStudy(1);
        expectNasError(() => store.appendCurve(id, 3, [{ step: 1, metric: 'loss', value: 1 }]), 'not-found');
        expectNasError(() => store.appendCurve('999', 0, [{ step: 1, metric: 'loss', value: 1 }]), 'not-found');
        store.finishTrial(id, 0, result(), { progress: progress(1), strategyState: null });
        expectNasError(() => store.appendCurve(id, 0, [{ step: 1, metric: 'loss', value: 1 }]), 'store-conflict', StoreConflict);
        expect(store.getCurve(id, 0)).toEqual([]);
      });
    });

    describe('devices, latency samples, artifacts', () => {
      const phone: DeviceRecord = {
        id: 'R58M123', kind: 'android', name: 'Galaxy S21', lastSeenAt: 100,
        info: { soc: 'Exynos 2100', abi: ['arm64-v8a'], cores: { big: 1, mid: 3, little: 4 }, android: 13 },
      };
      const cpu: DeviceRecord = { id: 'local:cpu', kind: 'local', name: 'This machine', info: {}, lastSeenAt: 50 };

      it('upserts devices and lists them by id', () => {
        store.upsertDevice(phone);
        store.upsertDevice(cpu);
        expect(store.listDevices()).toEqual([phone, cpu]);
        const seenAgain = { ...phone, name: 'S21', info: { soc: 'Exynos 2100', android: 14 }, lastSeenAt: 900 };
        store.upsertDevice(seenAgain);
        expect(store.listDevices()).toEqual([seenAgain, cpu]);
      });

      it('adds latency samples with increasing ids and filters them', () => {
        const id = runningStudy(1);
        const s1: LatencySample = {
          deviceId: phone.id, subject: 'arch-0', studyId: id, trialNumber: 0, medianMs: 12.5, p90Ms: 14, runs: 50,
          provenance: { backend: 'tflite', delegate: 'xnnpack', threads: 4, tempC: 31.5, flags: ['--use_xnnpack=true'] },
          measuredAt: 3_000,
        };
        const s2: LatencySample = { deviceId: phone.id, subject: 'Conv2D:3x3:32', medianMs: 0.75, runs: 100, provenance: {}, measuredAt: 3_100 };
        const s3: LatencySample = { deviceId: cpu.id, subject: 'arch-0', medianMs: 4, runs: 10, provenance: { backend: 'onnx' }, measuredAt: 3_200 };
        const ids = [s1, s2, s3].map((s) => store.addLatencySample(s));
        expect(ids[1]! > ids[0]! && ids[2]! > ids[1]!).toBe(true);
        expect(store.getLatencySamples()).toEqual([s1, s2, s3]);
        expect(store.getLatencySamples({})).toEqual([s1, s2, s3]);
        const got2 = store.getLatencySamples({ subject: 'Conv2D:3x3:32' });
        expect(got2).toEqual([s2]);
        expect(got2[0]!.studyId).toBeUndefined();
        expect(got2[0]!.p90Ms).toBeUndefined();
        expect(store.getLatencySamples({ deviceId: phone.id })).toEqual([s1, s2]);
        expect(store.getLatencySamples({ subject: 'arch-0' })).toEqual([s1, s3]);
        expect(store.getLatencySamples({ deviceId: cpu.id, subject: 'arch-0' })).toEqual([s3]);
        expect(store.getLatencySamples({ studyId: id })).toEqual([s1]);
        expect(store.getLatencySamples({ studyId: '999' })).toEqual([]);
        expect(store.getLatencySamples({ deviceId: 'nope' })).toEqual([]);
        expectNasError(() => store.addLatencySample({ ...s1, studyId: '999' }), 'not-found');
        expectNasError(() => store.addLatencySample({ ...s1, trialNumber: 5 }), 'not-found');
      });

      it('adds artifacts with increasing ids and lists them per study and trial', () => {
        const id = runningStudy(2);
        const other = runningStudy(1);
        const a0: ArtifactRecord = { studyId: id, trialNumber: 0, kind: 'tflite', path: '/x/0.tflite', bytes: 123_456, sha256: 'ab'.repeat(32), createdAt: 7 };
        const report: ArtifactRecord = { studyId: id, kind: 'report', path: '/x/report.html', bytes: 10, sha256: 'cd'.repeat(32), createdAt: 8 };
        const a1: ArtifactRecord = { ...a0, trialNumber: 1, path: '/x/1.onnx', kind: 'onnx', settings: { opset: 13, softmax: false, weights: { sha256: 'ef'.repeat(32), epochs: 3 } } };
        const o0: ArtifactRecord = { ...a0, studyId: other };
        const ids = [a0, report, a1, o0].map((a) => store.addArtifact(a));
        expect(ids).toEqual([...ids].sort((x, y) => x - y));
        expect(new Set(ids).size).toBe(4);
        expect(store.listArtifacts(id)).toEqual([a0, report, a1]);
        expect(store.listArtifacts(id)[1]!.trialNumber).toBeUndefined();
        expect(store.listArtifacts(id, 1)).toEqual([a1]);
        expect(store.listArtifacts(other)).toEqual([o0]);
        expect(store.listArtifacts(other, 1)).toEqual([]);
        expect(store.listArtifacts('999')).toEqual([]);
        expectNasError(() => store.addArtifact({ ...a0, studyId: '999' }), 'not-found');
        expectNasError(() => store.addArtifact({ ...a0, trialNumber: 9 }), 'not-found');
      });
    });

    describe('isolation of returned and given data', () => {
      it('does not alias records it returns', () => {
        const id = runningStudy(1);
        store.finishTrial(id, 0, result(), { progress: progress(1), strategyState: { pop: [1, 2] } });
        store.upsertDevice({ id: 'd', kind: 'remote', name: 'n', info: { a: { b: 1 } }, lastSeenAt: 1 });
        store.addLatencySample({ deviceId: 'd', subject: 's', medianMs: 1, runs: 1, provenance: { p: [1] }, measuredAt: 1 });
        store.addArtifact({ studyId: id, kind: 'k', path: 'p', bytes: 1, sha256: 'h', createdAt: 1 });

        const s = store.getStudy(id) as unknown as { spec: { budget: { evals: number } }; progress: { evals: number } };
        s.spec.budget.evals = -1;
        s.progress.evals = -1;
        (store.listStudies()[0] as unknown as { status: string }).status = 'failed';
        const t = store.getTrial(id, 0) as unknown as { metrics: Record<string, number>; sample: number[] };
        t.metrics['acc'] = -1;
        t.sample.push(99);
        (store.getTrials(id)[0] as unknown as { fidelity: Record<string, string> }).fidelity['acc'] = 'x';
        ((store.getCheckpoint(id)!.strategyState as { pop: number[] }).pop).push(3);
        (store.listDevices()[0]!.info as { a: { b: number } }).a.b = 2;
        (store.getLatencySamples()[0]!.provenance['p'] as number[]).push(2);
        (store.listArtifacts(id)[0] as unknown as { path: string }).path = 'changed';

        expect(store.getStudy(id)!.spec).toEqual(SPEC);
        expect(store.getStudy(id)!.progress).toEqual(progress(1));
        expect(store.listStudies()[0]!.status).toBe('running');
        expect(store.getTrial(id, 0)!.metrics).toEqual({ acc: 0.91, lat: 3.25 });
        expect(store.getTrial(id, 0)!.sample).toEqual([0, 0, 3]);
        expect(store.getTrial(id, 0)!.fidelity['acc']).toBe('epochs:12');
        expect(store.getCheckpoint(id)!.strategyState).toEqual({ pop: [1, 2] });
        expect(store.listDevices()[0]!.info).toEqual({ a: { b: 1 } });
        expect(store.getLatencySamples()[0]!.provenance).toEqual({ p: [1] });
        expect(store.listArtifacts(id)[0]!.path).toBe('p');
      });

      it('does not keep references to the data it is given', () => {
        const spec = structuredClone(SPEC) as { budget: { evals: number } } & StudySpec;
        const id = store.createStudy(spec, 1).id;
        spec.budget.evals = 0;
        store.setStudyStatus(id, 'running', 2);
        const sample = [1, 2, 3];
        store.createTrial(id, { key: 'k', sample }, 3);
        sample.push(4);
        const metrics: Record<string, number> = { acc: 0.5 };
        const fidelity: Record<string, string> = { acc: 'table' };
        const state = { pop: [1] };
        const prog = { ...progress(1) };
        store.finishTrial(id, 0, result({ metrics, fidelity }), { progress: prog, strategyState: state });
        metrics['acc'] = 0;
        fidelity['acc'] = 'x';
        state.pop.push(2);
        prog.evals = 50;
        const info = { x: [1] };
        store.upsertDevice({ id: 'd', kind: 'local', name: 'n', info, lastSeenAt: 1 });
        info.x.push(2);
        const provenance = { threads: [4] };
        store.addLatencySample({ deviceId: 'd', subject: 's', medianMs: 1, runs: 1, provenance, measuredAt: 1 });
        provenance.threads.push(8);

        expect(store.getStudy(id)!.spec).toEqual(SPEC);
        expect(store.getTrial(id, 0)).toMatchObject({ sample: [1, 2, 3], metrics: { acc: 0.5 }, fidelity: { acc: 'table' } });
        expect(store.getCheckpoint(id)).toEqual({ progress: progress(1), strategyState: { pop: [1] } });
        expect(store.getStudy(id)!.progress).toEqual(progress(1));
        expect(store.listDevices()[0]!.info).toEqual({ x: [1] });
        expect(store.getLatencySamples()[0]!.provenance).toEqual({ threads: [4] });
      });

      it('returns structured-cloneable plain data', () => {
        const id = runningStudy(1);
        store.finishTrial(id, 0, result(), { progress: progress(1), strategyState: { a: 1 } });
        for (const v of [store.getStudy(id), store.getTrial(id, 0), store.getCheckpoint(id), store.getTrials(id)]) {
          expect(structuredClone(v)).toEqual(v);
        }
        expect(Object.getPrototypeOf(store.getTrial(id, 0))).toBe(Object.prototype);
      });
    });

    describe('leases', () => {
      it('grants a free lease with its holder, and reads it back', () => {
        const id = newStudy();
        expect(store.getLease(id)).toBeUndefined();
        const { lease, replaced } = store.acquireLease(id, A, 5_000, POLICY);
        expect(replaced).toBeUndefined();
        expect(lease).toEqual({ studyId: id, owner: 'run-a', pid: 101, host: 'alpha', acquiredAt: 5_000, heartbeatAt: 5_000 });
        expect(store.getLease(id)).toEqual(lease);
        expectNasError(() => store.acquireLease('999', A, 5_000, POLICY), 'not-found');
      });

      it('refuses a live lease to another run, naming the holder, and leaves it as it was', () => {
        const id = newStudy();
        store.acquireLease(id, A, 5_000, POLICY);
        const e = expectNasError(() => store.acquireLease(id, B, 5_000 + POLICY.staleAfterMs, POLICY), 'study-busy', StudyBusy);
        expect(e.message).toMatch(/process 101 on host 'alpha'/);
        expect(e.message).toMatch(new RegExp(`study ${id}\\b`));
        // Not re-entrant either: the same owner asking again is another run.
        expectNasError(() => store.acquireLease(id, A, 5_001, POLICY), 'study-busy', StudyBusy);
        expect(store.getLease(id)?.owner).toBe('run-a');
      });

      it('takes over a lease whose heartbeat is too old, or whose holder is dead, and says whose it was', () => {
        const id = newStudy();
        store.acquireLease(id, A, 5_000, POLICY);
        store.renewLease(id, 'run-a', 8_000);
        expectNasError(() => store.acquireLease(id, B, 8_000 + POLICY.staleAfterMs, POLICY), 'study-busy');
        const took = store.acquireLease(id, B, 8_001 + POLICY.staleAfterMs, POLICY);
        expect(took.replaced).toMatchObject({ owner: 'run-a', pid: 101, heartbeatAt: 8_000 });
        expect(store.getLease(id)).toMatchObject({ owner: 'run-b', pid: 202, host: 'beta', heartbeatAt: 8_001 + POLICY.staleAfterMs });

        const dead: LeasePolicy = { ...POLICY, isDead: (l) => l.pid === 202 };
        const again = store.acquireLease(id, A, 20_000, dead);
        expect(again.replaced?.owner).toBe('run-b');
        expect(store.getLease(id)?.owner).toBe('run-a');
      });

      it('renews only for its owner: a run that lost its lease hears StudyBusy', () => {
        const id = newStudy();
        store.acquireLease(id, A, 5_000, POLICY);
        store.renewLease(id, 'run-a', 6_000);
        expect(store.getLease(id)?.heartbeatAt).toBe(6_000);
        expectNasError(() => store.renewLease(id, 'run-b', 6_500), 'study-busy', StudyBusy);
        store.acquireLease(id, B, 6_000 + POLICY.staleAfterMs + 1, POLICY);
        const e = expectNasError(() => store.renewLease(id, 'run-a', 30_000), 'study-busy', StudyBusy);
        expect(e.message).toMatch(/taken over by process 202 on host 'beta'/);
        expect(store.getLease(id)?.heartbeatAt).toBe(6_000 + POLICY.staleAfterMs + 1);
      });

      it('releases only for its owner', () => {
        const id = newStudy();
        store.acquireLease(id, A, 5_000, POLICY);
        expect(store.releaseLease(id, 'run-b')).toBe(false);
        expect(store.getLease(id)?.owner).toBe('run-a');
        expect(store.releaseLease(id, 'run-a')).toBe(true);
        expect(store.getLease(id)).toBeUndefined();
        expect(store.releaseLease(id, 'run-a')).toBe(false);
        // Free again: anyone may take it at once.
        expect(store.acquireLease(id, B, 5_001, POLICY).replaced).toBeUndefined();
      });

      it('keeps leases per study', () => {
        const one = newStudy();
        const two = newStudy();
        store.acquireLease(one, A, 5_000, POLICY);
        store.acquireLease(two, B, 5_000, POLICY);
        expect(store.getLease(one)?.owner).toBe('run-a');
        expect(store.getLease(two)?.owner).toBe('run-b');
      });
    });

    describe('study info and deletion', () => {
      it('renames and annotates a study (kept across reads), leaving the other fields alone', () => {
        const id = runningStudy(1);
        const r = store.updateStudyInfo(id, { name: 'renamed', notes: 'baseline for the paper', tags: ['nb201', 'seed-sweep'] });
        expect(r).toMatchObject({ id, status: 'running', notes: 'baseline for the paper', tags: ['nb201', 'seed-sweep'] });
        expect(r.spec).toEqual({ ...SPEC, name: 'renamed' });
        expect(store.getStudy(id)).toEqual(r);
        expect(store.updateStudyInfo(id, { tags: ['x'] })).toMatchObject({ notes: 'baseline for the paper', tags: ['x'], spec: { name: 'renamed' } });
        const cleared = store.updateStudyInfo(id, { notes: '', tags: [] });
        expect(cleared.notes).toBeUndefined();
        expect(cleared.tags).toBeUndefined();
        expectNasError(() => store.updateStudyInfo('999', { name: 'x' }), 'not-found');
      });

      it('deletes a study with its trials, curves, latency samples and artifact records; others stay', () => {
        const id = runningStudy(2);
        const other = runningStudy(1);
        store.appendCurve(id, 0, [{ step: 1, metric: 'loss', value: 2 }]);
        store.finishTrial(id, 1, { state: 'complete', metrics: { acc: 1 }, fidelity: {}, cost: 1, finishedAt: 2_000 }, { progress: { evals: 1, failed: 0, rejected: 0, costSeconds: 1, wallMs: 1 }, strategyState: null });
        store.addLatencySample({ deviceId: 'cpu', subject: 'a', studyId: id, trialNumber: 0, medianMs: 1, runs: 1, provenance: {}, measuredAt: 1 });
        store.addLatencySample({ deviceId: 'cpu', subject: 'b', studyId: other, trialNumber: 0, medianMs: 1, runs: 1, provenance: {}, measuredAt: 1 });
        store.addArtifact({ studyId: id, trialNumber: 0, kind: 'onnx', path: '/x.onnx', bytes: 1, sha256: 'ab'.repeat(32), createdAt: 1 });
        store.acquireLease(id, A, 5_000, POLICY);
        // A live lease: some run uses it.
        expectNasError(() => store.deleteStudy(id, 5_001, POLICY), 'study-busy', StudyBusy);
        store.deleteStudy(id, 5_001 + POLICY.staleAfterMs, POLICY);
        expect(store.getStudy(id)).toBeUndefined();
        expect(store.listStudies().map((r) => r.id)).toEqual([other]);
        expect(store.getLatencySamples().map((l) => l.subject)).toEqual(['b']);
        expect(store.listArtifacts(id)).toEqual([]);
        expect(store.getTrials(other)).toHaveLength(1);
        expectNasError(() => store.deleteStudy(id, 9_000, POLICY), 'not-found');
        // Ids are not reused.
        expect(Number(newStudy())).toBeGreaterThan(Number(other));
      });
    });

    it('fails with store-io after close', () => {
      const id = newStudy();
      store.close();
      expectNasError(() => store.getStudy(id), 'store-io');
      expectNasError(() => store.createStudy(SPEC, 1), 'store-io');
      store.close(); // closing twice is harmless
    });

    describe('lease fencing (a second handle on the same data)', () => {
      it.runIf(make().reopen !== undefined)('refuses run writes through a handle without the lease, and allows them again after release', () => {
        const id = runningStudy(1);
        const other = second();
        store.acquireLease(id, A, 5_000, POLICY);
        const busy = (fn: () => unknown) => expect(expectNasError(fn, 'study-busy', StudyBusy).message).toMatch(/process 101 on host 'alpha'/);
        busy(() => other.setStudyStatus(id, 'stopped', 6_000));
        busy(() => other.updateProgress(id, progress(3)));
        busy(() => other.createTrial(id, arch(9), 6_000));
        busy(() => other.finishTrial(id, 0, result(), { progress: progress(1), strategyState: null }));
        busy(() => other.abandonRunning(id, 'interrupted', 6_000));
        busy(() => other.appendCurve(id, 0, [{ step: 1, metric: 'acc', value: 0.5 }]));
        // Nothing changed; the holder writes as usual, and reads are open to everyone.
        expect(other.getStudy(id)?.status).toBe('running');
        expect(other.getTrial(id, 0)?.state).toBe('running');
        expect(store.createTrial(id, arch(1), 6_000)).toBe(1);
        store.finishTrial(id, 0, result(), { progress: progress(1), strategyState: null });
        expect(other.getTrial(id, 0)?.state).toBe('complete');
        expect(other.getLease(id)?.owner).toBe('run-a');

        store.releaseLease(id, 'run-a');
        other.abandonRunning(id, 'interrupted', 7_000);
        expect(store.getTrial(id, 1)).toMatchObject({ state: 'failed', error: 'interrupted' });
      });

      it.runIf(make().reopen !== undefined)('after a takeover the old holder cannot touch the study: its in-flight trial is not failed twice', () => {
        const id = runningStudy(2);
        store.acquireLease(id, A, 5_000, POLICY);
        const other = second();
        other.acquireLease(id, B, 5_000 + POLICY.staleAfterMs + 1, POLICY);
        expect(other.abandonRunning(id, 'interrupted: taken over', 20_000)).toBe(2);
        other.setStudyStatus(id, 'running', 20_000);
        const n = other.createTrial(id, arch(5), 20_000);
        // The old run wakes up: every write of its run is refused with StudyBusy, not StoreConflict.
        expectNasError(() => store.finishTrial(id, 0, result(), { progress: progress(1), strategyState: null }), 'study-busy', StudyBusy);
        expectNasError(() => store.finishTrial(id, n, result(), { progress: progress(1), strategyState: null }), 'study-busy', StudyBusy);
        expectNasError(() => store.setStudyStatus(id, 'failed', 20_000, 'boom'), 'study-busy', StudyBusy);
        expectNasError(() => store.renewLease(id, 'run-a', 20_000), 'study-busy', StudyBusy);
        expect(store.releaseLease(id, 'run-a')).toBe(false);
        other.finishTrial(id, n, result(), { progress: progress(1), strategyState: null });
        expect(store.getStudy(id)?.status).toBe('running');
        expect(store.getTrials(id).map((t) => t.state)).toEqual(['failed', 'failed', 'complete']);
      });
    });
  });
}
