/**
 * The contract end to end without Electron: the real main-side services and the real renderer-side
 * client over an in-memory message pair (VS Code createProtocolPair style).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NasError } from '../shared/errors.js';
import { CHANNEL_PREFIX, nasChannels, parseChannel, type NasBridge, type NasEvents, type StudyId } from '../shared/ipc/contract.js';
import { createMessagePair } from '../shared/ipc/messages.js';
import { InMemoryStore } from '../main/core/in-memory-store.js';
import { createNasHost, type NasHost } from '../main/ipc/index.js';
import { serveMessages } from '../main/ipc/server.js';
import { createNasClient, messageTransport } from '../renderer/api/client.js';
import { nb201Spec } from './fixtures/nb201-spec.js';

function waitFor<E extends keyof NasEvents>(nas: NasBridge, event: E, pred: (p: NasEvents[E]) => boolean): Promise<NasEvents[E]> {
  return new Promise((resolve) => {
    const off = nas.on(event, (p) => {
      if (pred(p)) {
        off();
        resolve(p);
      }
    });
  });
}

describe('NasApi over an in-memory transport', () => {
  let host: NasHost;
  let nas: NasBridge;
  let pair: ReturnType<typeof createMessagePair>;
  let detach: () => void;

  beforeEach(() => {
    host = createNasHost(new InMemoryStore(), { progressEveryMs: 0 });
    pair = createMessagePair();
    const served = serveMessages(host.server, pair.server);
    detach = () => served.dispose();
    nas = createNasClient(messageTransport(pair.client));
  });

  afterEach(async () => {
    await host.shutdown();
    await new Promise((r) => setTimeout(r, 0));
    // Leak check: nothing in flight; detaching the transport leaves no event listener on the server.
    expect(pair.stats().pending).toBe(0);
    detach();
    expect(host.server.listenerCount).toBe(0);
    pair.client.close();
  });

  it('exposes every contract method under the channel prefix and nothing else', () => {
    const channels = nasChannels();
    expect(channels).toContain('nas:study.list');
    expect(channels.every((c) => c.startsWith(CHANNEL_PREFIX))).toBe(true);
    expect(host.server.channels().sort()).toEqual(channels.sort());
    expect(parseChannel('nas:study.constructor')).toBeUndefined();
    expect(parseChannel('nas:__proto__.x')).toBeUndefined();
    expect(parseChannel('study.list')).toBeUndefined();
  });

  it('rejects unknown channels and bad arguments with {code, message}, rebuilt as NasError', async () => {
    expect(await host.server.call('nas:study.drop', {})).toEqual({ ok: false, error: { code: 'not-found', message: "unknown channel 'nas:study.drop'" } });
    const err = await nas.study.get({ id: 'abc' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NasError);
    expect((err as NasError).code).toBe('invalid-input');
    expect((err as NasError).message).toMatch(/^id has an unexpected form/);
    const extra = await host.server.call('nas:study.get', { id: '1', evil: true });
    expect(extra).toMatchObject({ ok: false, error: { code: 'invalid-input', message: "argument has an unknown field 'evil'" } });
    const missing = await nas.study.get({ id: '42' }).catch((e: unknown) => e as NasError);
    expect(missing).toMatchObject({ code: 'not-found' });
  });

  it('validates a spec field by field and refuses to create a bad one', async () => {
    const v = await nas.study.validate({ spec: nb201Spec({ objectives: [{ metric: 'nope', direction: 'max' }] }) });
    expect(v.ok).toBe(false);
    expect(v.issues[0]).toMatchObject({ field: 'objectives.0.metric' });
    expect(v.spaceCount).toBe('15625');
    const noBudget = await nas.study.validate({ spec: nb201Spec({ budget: {} }) });
    expect(noBudget.issues.map((i) => i.field)).toContain('budget');
    await expect(nas.study.create({ spec: nb201Spec({ name: '' }) })).rejects.toMatchObject({ code: 'invalid-input' });
    const malformed = await nas.study.validate({ spec: { ...nb201Spec(), constraints: 'none', budget: { evals: 'ten' } } as never });
    expect(malformed).toEqual({ ok: false, issues: [{ field: 'constraints', message: 'constraints must be a list, got string' }], spaceCount: null });
    const deep = await nas.study.validate({ spec: { ...nb201Spec(), objectives: [{ metric: 'a', direction: 'up' }] } as never });
    expect(deep.issues[0]).toMatchObject({ field: 'objectives.0.direction' });
    expect(await nas.study.list()).toEqual([]);
  });

  it('creates and runs a study in the background, with trial, progress and status events', async () => {
    const trials: number[] = [];
    const offTrial = nas.on('onDidUpdateTrial', (e) => trials.push(e.trial.number));
    const progress: number[] = [];
    const offProgress = nas.on('onDidStudyProgress', (e) => progress.push(e.fraction));
    const id = await nas.study.create({ spec: nb201Spec() });
    const done = waitFor(nas, 'onDidChangeStudyStatus', (e) => e.id === id && e.status === 'complete');
    await nas.study.start({ id });
    await done;
    offTrial();
    offProgress();
    expect(trials).toHaveLength(60);
    expect(progress.at(-1)).toBe(1);
    const [item] = await nas.study.list();
    expect(item).toMatchObject({ id, status: 'complete', fraction: 1, active: false });
    expect(item!.frontSize).toBeGreaterThan(0);
    const summary = await nas.study.summary({ id });
    expect(summary.front.length).toBe(item!.frontSize);
    const points = await nas.study.points({ id });
    expect(points.numbers).toHaveLength(60);
    expect(Object.keys(points.metrics)).toEqual(['c10_valid_12ep', 'hwnb_pixel3', 'c10_test']);
    const history = await nas.study.history({ id, maxPoints: 10 });
    expect(history.evals.at(-1)).toBe(60);
    expect(history.evals.length).toBeLessThanOrEqual(11);
    expect(history.hypervolume.at(-1)).toBeCloseTo(summary.hypervolume!, 9);
    const best = history.best['c10_valid_12ep']!;
    for (let i = 1; i < best.length; i++) expect(best[i]!).toBeGreaterThanOrEqual(best[i - 1]!);
    const detail = await nas.study.trial({ id, number: summary.front[0]!.number });
    expect(detail.graph.nodes.map((n) => n.id)).toEqual(['n0', 'n1', 'n2', 'n3']);
    expect(detail.decisions).toHaveLength(6);
    const insights = await nas.study.insights({ id });
    expect(insights.decisions).toHaveLength(6);
    for (const d of insights.decisions) expect(d.allShare.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(insights.predictor).toBeUndefined(); // evolution has no predictor
    await expect(nas.study.start({ id })).rejects.toMatchObject({ code: 'store-conflict' });
  });

  it("insights carry a model-based strategy's held-out predictor quality from its checkpoint", async () => {
    const id = await nas.study.create({ spec: nb201Spec({ strategy: 'bo', strategyOptions: { init: 5 }, objectives: [{ metric: 'c10_valid_12ep', direction: 'max' }], budget: { evals: 25 } }) });
    const done = waitFor(nas, 'onDidChangeStudyStatus', (e) => e.id === id && e.status === 'complete');
    await nas.study.start({ id });
    await done;
    const { predictor } = await nas.study.insights({ id });
    expect(predictor?.heldOut).toBe(20);
    for (const v of [predictor?.kendallTau, predictor?.spearman]) {
      expect(typeof v).toBe('number');
      expect(Math.abs(v as number)).toBeLessThanOrEqual(1);
    }
  });

  it('stops a running study and resumes it to the end without losing a trial', async () => {
    const id: StudyId = await nas.study.create({ spec: nb201Spec({ budget: { evals: 40 }, evaluator: { ...nb201Spec().evaluator, pace: 0.0002 } }) });
    const some = waitFor(nas, 'onDidUpdateTrial', (e) => e.trial.number >= 4);
    await nas.study.start({ id });
    expect((await nas.study.get({ id })).active).toBe(true);
    await some;
    await nas.study.stop({ id });
    const stopped = await nas.study.get({ id });
    expect(stopped).toMatchObject({ status: 'stopped', active: false });
    expect(stopped.progress.evals).toBeGreaterThan(0);
    expect(stopped.progress.evals).toBeLessThan(40);
    const done = waitFor(nas, 'onDidChangeStudyStatus', (e) => e.status === 'complete');
    await nas.study.resume({ id });
    await done;
    const complete = await nas.study.trials({ id, states: ['complete'] });
    expect(complete).toHaveLength(40);
  });

  it('lists spaces with exact sizes and the local device', async () => {
    const spaces = await nas.space.list();
    // mobilenet: the CLI's default space (1–2 blocks per stage), 1.1·10^12 architectures
    // kws: 2 block types × 3 stem widths × Σ_{d=1..4} 24^d
    // text: 3 widths × 2 poolings × Σ_{d=1..3} (3 kernels + 3 heads × 3 ffn)^d
    expect(spaces.map((s) => [s.id, s.count])).toEqual([['nb201', '15625'], ['mobilenet', '1108126760976'], ['kws', '2077200'], ['text', '11304']]);
    expect(spaces[3]!.defaults!.evaluator).toMatchObject({ kind: 'train', data: 'builtin:debian-descriptions', text: { length: 48, merges: 254 } });
    expect(spaces[2]!.defaults!.evaluator).toMatchObject({ kind: 'train', data: 'builtin:speech-keywords', audio: { kind: 'mfcc', windowMs: 30, hopMs: 20, nMels: 40, nMfcc: 10 } });
    expect(spaces[0]!.metrics.find((m) => m.name === 'hwnb_pixel3')).toEqual({ name: 'hwnb_pixel3', known: true });
    // Every ready spec the form starts from is valid as it stands (mobilenet: trained on Fashion-MNIST).
    for (const sp of spaces) expect(await nas.study.validate({ spec: sp.defaults! })).toMatchObject({ ok: true, issues: [] });
    expect(spaces[1]!.defaults!.evaluator.kind).toBe('train');
    // a table search's cost: a bad form or an unknown column is named on its field
    for (const cost of ['nope*2', 'train_time_200ep_c10valid*x']) {
      const bad = await nas.study.validate({ spec: { ...spaces[0]!.defaults!, evaluator: { ...spaces[0]!.defaults!.evaluator, cost } } });
      expect(bad).toMatchObject({ ok: false, issues: [{ field: 'evaluator.cost' }] });
    }
    // a training search's data must exist: named on its field before anything is stored
    for (const data of ['/no/such/data.csv', 'builtin:mnist-nope']) {
      const bad = await nas.study.validate({ spec: { ...spaces[1]!.defaults!, evaluator: { ...spaces[1]!.defaults!.evaluator, data } } });
      expect(bad).toMatchObject({ ok: false, issues: [{ field: 'evaluator.data', message: expect.stringMatching(data.startsWith('/') ? /no file or folder/ : /no built-in dataset/) }] });
    }
    expect(await nas.space.validate({ space: 'custom', options: { document: 'layers: [' } })).toMatchObject({ field: 'space' });
    const devices = await nas.device.list();
    expect(devices[0]).toMatchObject({ id: 'local:cpu', kind: 'local', online: true });
  });
});
