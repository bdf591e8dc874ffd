/**
 * Scoring rounds while a supernet trains: every K optimizer steps a fixed panel of sub-networks
 * (the largest, the smallest, a few drawn at random once, from their own seeded Rng) is scored with
 * that step's shared weights after BatchNorm recalibration, on the validation split.
 *
 * The training is not touched: a round is scored on a second engine of the same kind (`scorer`),
 * into which the snapshot the training wrote at that step is loaded. The training writes a snapshot
 * of its weights and BatchNorm statistics every K steps (`snapshots()`: the engine's snapshotEvery,
 * to `<checkpoint>.rounds/step-<N>.ckpt`, atomically, before that step's checkpoint and report),
 * which changes nothing it computes: its weights, optimizer state, statistics and random draws are
 * exactly those of a run without rounds, and a round's step is the step of its weights whatever
 * the timing of the progress reports.
 *
 * At each progress report the snapshots not queued yet are queued and scored in turn (the training
 * goes on meanwhile); each is deleted once its round is stored. A run stopped or killed with rounds
 * unscored leaves their snapshots, which `recover()` scores when the training is resumed, as it does
 * the checkpoint itself when it is of a round's step not stored (its snapshot gone): no round is
 * lost or stored twice.
 */
import { existsSync, mkdirSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Cancelled, NasError } from '../../../shared/errors.js';
import type { PanelMember, ScoringRound } from '../../../shared/supernet-rounds.js';
import type { Architecture } from '../../../shared/types/index.js';
import { CancellationTokenSource } from '../../core/cancellation.js';
import { Rng } from '../../core/rng.js';
import type { MobilenetSpace } from '../../core/spaces/mobilenet.js';
import { extremes } from '../../core/supernet.js';
import type { SupernetEngine } from './supernet-api.js';
import type { SubnetScoreOptions } from './supernet-engine.js';

export interface PanelSubnet extends PanelMember {
  readonly arch: Architecture;
}

/** `n` distinct sub-networks drawn uniformly from their own Rng (seeded by `seed`): the same draws for the same seed. */
export function sampledSubnets(space: MobilenetSpace, seed: number, n: number): Architecture[] {
  const rng = new Rng(seed + 7919);
  const out = new Map<string, Architecture>();
  for (let tries = 0; out.size < n && tries < n * 20; tries++) {
    const a = space.freeze(space.dims.map((d) => rng.int(d.choices.length)));
    out.set(a.key, a);
  }
  return [...out.values()];
}

/** The panel: `largest`, `smallest`, then `sampled1`…`sampled<n>` (the sub-networks also scored once the training ends). */
export function scoringPanel(space: MobilenetSpace, seed: number, sampled: number): PanelSubnet[] {
  const { largest, smallest } = extremes(space);
  return [
    { label: 'largest', key: largest.key, arch: largest },
    { label: 'smallest', key: smallest.key, arch: smallest },
    ...sampledSubnets(space, seed, sampled).map((a, i) => ({ label: `sampled${i + 1}`, key: a.key, arch: a })),
  ];
}

/** The default round interval: every 10% of the steps, at least 50 (a round of a short run would cost more than its steps). */
export function defaultScoreEvery(steps: number): number {
  return Math.max(50, Math.round(steps / 10));
}

export interface ScoringRoundsOptions {
  /** A second engine of the training's kind, its data set (the caller owns and disposes it). */
  readonly scorer: SupernetEngine;
  readonly panel: readonly PanelSubnet[];
  /** Steps between rounds (≥ 1). */
  readonly every: number;
  /** The training's checkpoint file (its snapshots go to `<checkpoint>.rounds/`). */
  readonly checkpoint: string;
  /** Steps of the rounds stored already (a resumed run's). */
  readonly stored: Iterable<number>;
  readonly score?: SubnetScoreOptions;
  /** Stores a round (called in step order, once per round). */
  readonly onRound: (r: ScoringRound) => void;
}

const SNAPSHOT = /^step-(\d+)\.ckpt$/;

export class ScoringRounds {
  /** The last round scored in this run. */
  latest: ScoringRound | undefined;
  private readonly stored: Set<number>;
  private readonly queued = new Set<number>();
  private readonly cts = new CancellationTokenSource();
  private chain: Promise<void> = Promise.resolve();
  private error: unknown;
  readonly dir: string;

  constructor(private readonly o: ScoringRoundsOptions) {
    if (!Number.isInteger(o.every) || o.every < 1) throw new NasError('invalid-input', `scoring rounds need an interval of at least 1 step, got ${o.every}`);
    this.stored = new Set(o.stored);
    this.dir = `${o.checkpoint}.rounds`;
  }

  /** The first failure of a round (a store write, the scorer), if any: the caller stops the training. */
  get failure(): unknown {
    return this.error;
  }

  /** The training's options for the rounds' snapshots (the folder is created). */
  snapshots(): { snapshotEvery: number; snapshotPath: string } {
    mkdirSync(this.dir, { recursive: true });
    return { snapshotEvery: this.o.every, snapshotPath: path.join(this.dir, 'step-{step}.ckpt') };
  }

  /**
   * Before the training (re)starts: scores the rounds a stopped or killed run left unscored (their
   * snapshots, and the checkpoint itself when it is of a round's step not stored yet); removes a
   * snapshot left half-written by a kill.
   */
  async recover(): Promise<void> {
    if (existsSync(this.dir)) {
      for (const f of readdirSync(this.dir)) if (/^step-\d+\.ckpt\.tmp$/.test(f)) rmSync(path.join(this.dir, f), { force: true });
    }
    this.queueSnapshots();
    await this.chain;
    if (this.error === undefined && existsSync(this.o.checkpoint)) {
      const step = this.o.scorer.loadCheckpoint(this.o.checkpoint);
      if (this.due(step)) await this.scoreLoaded(step);
    }
    this.rethrow();
  }

  /** At each progress report of the training: queues the rounds of the snapshots written since. */
  at(): void {
    if (this.error !== undefined || this.cts.token.isCancellationRequested) return;
    try {
      this.queueSnapshots();
    } catch (e) {
      this.error ??= new NasError('invalid-input', `cannot read the scoring rounds' snapshots in ${this.dir}: ${(e as Error).message}`);
    }
  }

  /** Waits for the queued rounds (the training has ended); throws the first failure. */
  async finish(): Promise<void> {
    this.at();
    await this.chain;
    this.rethrow();
    this.tidy();
  }

  /** Stops scoring (the training stopped or failed): the round under way is abandoned; its copy and those queued stay for the resume. */
  async stop(): Promise<void> {
    this.cts.cancel();
    await this.chain;
  }

  private due(step: number): boolean {
    return step > 0 && step % this.o.every === 0 && !this.stored.has(step);
  }

  /** Queues the snapshots in the folder not queued yet, in step order. */
  private queueSnapshots(): void {
    if (!existsSync(this.dir)) return;
    const left = readdirSync(this.dir).flatMap((f) => {
      const m = SNAPSHOT.exec(f);
      return m && !this.queued.has(Number(m[1])) ? [{ file: path.join(this.dir, f), step: Number(m[1]) }] : [];
    });
    for (const x of left.sort((a, b) => a.step - b.step)) this.enqueue(x.file, x.step);
  }

  private enqueue(file: string, step: number): void {
    this.queued.add(step);
    this.chain = this.chain.then(() => this.scoreFile(file));
  }

  private async scoreFile(file: string): Promise<void> {
    if (this.error !== undefined || this.cts.token.isCancellationRequested) return;
    try {
      const step = this.o.scorer.loadCheckpoint(file);
      if (this.due(step)) await this.scoreLoaded(step);
      rmSync(file, { force: true });
    } catch (e) {
      if (!(e instanceof Cancelled || (e instanceof NasError && e.code === 'cancelled'))) this.error ??= e;
    }
  }

  /** Scores the panel with the weights loaded into the scorer (those of `step`) and stores the round. */
  private async scoreLoaded(step: number): Promise<void> {
    const t0 = performance.now();
    const subnets: ScoringRound['subnets'][number][] = [];
    for (const m of this.o.panel) {
      const e = await this.o.scorer.evaluate(m.arch, this.o.score ?? {}, this.cts.token);
      subnets.push({ label: m.label, key: m.key, valAccuracy: e.accuracy });
    }
    const round: ScoringRound = { step, seconds: (performance.now() - t0) / 1000, subnets };
    this.o.onRound(round);
    this.stored.add(step);
    this.latest = round;
  }

  private rethrow(): void {
    if (this.error !== undefined) throw this.error;
  }

  private tidy(): void {
    try {
      if (existsSync(this.dir) && readdirSync(this.dir).length === 0) rmdirSync(this.dir);
    } catch {
      // Left for the next run: harmless.
    }
  }
}
