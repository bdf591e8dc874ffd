/**
 * Scoring rounds while a supernet trains: every K optimizer steps a fixed panel of sub-networks
 * (the largest, the smallest, a few drawn at random once, from their own seeded Rng) is scored with
 * that step's shared weights after BatchNorm recalibration, on the validation split.
 *
 * The training is not touched: a round is scored on a second engine of the same kind (`scorer`),
 * into which the checkpoint the training wrote at that step is loaded. The training's weights,
 * optimizer state, BatchNorm statistics and random draws are therefore exactly those of a run
 * without rounds; roundCadence makes the training write a checkpoint and report progress at every
 * round's step (neither changes what it computes).
 *
 * At the progress report of a round's step the checkpoint is copied at once to
 * `<checkpoint>.rounds/step-<N>.ckpt` (the training goes on meanwhile) and scored in turn; the copy
 * is deleted once its round is stored. A run stopped or killed with rounds unscored leaves their
 * copies, which `recover()` scores when the training is resumed, as it does the checkpoint itself
 * when the run ended right on a round's step before scoring it: no round is lost or stored twice.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
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

/**
 * The training's checkpoint and report intervals with rounds every `every` steps (0: none): a
 * checkpoint and a report at each round's step. The checkpoint interval is kept when it divides
 * `every`, else the largest divisor of `every` not above it (at least 10), else `every`; the report
 * interval becomes its greatest common divisor with `every`.
 */
export function roundCadence(every: number, base: { readonly checkpointEvery: number; readonly reportEvery: number }): { checkpointEvery: number; reportEvery: number } {
  if (every <= 0) return { ...base };
  let checkpointEvery = every;
  if (every % base.checkpointEvery === 0) checkpointEvery = base.checkpointEvery;
  else if (every > base.checkpointEvery) {
    for (let d = base.checkpointEvery; d >= 10; d--) {
      if (every % d === 0) {
        checkpointEvery = d;
        break;
      }
    }
  }
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  return { checkpointEvery, reportEvery: gcd(base.reportEvery, every) };
}

export interface ScoringRoundsOptions {
  /** A second engine of the training's kind, its data set (the caller owns and disposes it). */
  readonly scorer: SupernetEngine;
  readonly panel: readonly PanelSubnet[];
  /** Steps between rounds (≥ 1). */
  readonly every: number;
  /** The training's checkpoint file. */
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

  /**
   * Before the training (re)starts: scores the rounds a stopped or killed run left unscored (their
   * copies, and the checkpoint itself when it is of a round's step not stored yet).
   */
  async recover(): Promise<void> {
    if (existsSync(this.dir)) {
      const left = readdirSync(this.dir).flatMap((f) => {
        const m = SNAPSHOT.exec(f);
        return m ? [{ file: path.join(this.dir, f), step: Number(m[1]) }] : [];
      });
      for (const s of left.sort((a, b) => a.step - b.step)) this.enqueue(s.file, s.step);
    }
    await this.chain;
    if (this.error === undefined && existsSync(this.o.checkpoint)) {
      const step = this.o.scorer.loadCheckpoint(this.o.checkpoint);
      if (this.due(step)) await this.scoreLoaded(step);
    }
    this.rethrow();
  }

  /** At the training's progress report of `step` (its checkpoint just written): copies it and queues its round when it is one. */
  at(step: number): void {
    if (!this.due(step) || this.queued.has(step) || this.error !== undefined || this.cts.token.isCancellationRequested) return;
    const file = path.join(this.dir, `step-${step}.ckpt`);
    try {
      mkdirSync(this.dir, { recursive: true });
      copyFileSync(this.o.checkpoint, file);
    } catch (e) {
      this.error ??= new NasError('invalid-input', `cannot keep the checkpoint of step ${step} for its scoring round (${file}): ${(e as Error).message}`);
      return;
    }
    this.enqueue(file, step);
  }

  /** Waits for the queued rounds (the training has ended); throws the first failure. */
  async finish(): Promise<void> {
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
