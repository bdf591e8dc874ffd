import { invalidInput } from '../../../shared/errors.js';
import type { Architecture, Sample } from '../../../shared/types/index.js';
import type { FinishedTrial, Strategy, StrategyContext, StudyView } from '../strategy.js';

/**
 * A cheap score of an architecture before any evaluation, higher is better (a zero-cost proxy such as
 * synflow, computed on the untrained model from one mini-batch). Synchronous and deterministic: the
 * same architecture always gets the same score, so a filtered search stays a function of its seed.
 * Throws for an architecture it cannot score (that candidate is then passed over).
 */
export type Screen = (a: Architecture, proxy: string) => number;

/** A strategy context with the evaluator's screen, when it has one (a training evaluator does). */
export interface ScreenContext extends StrategyContext {
  readonly screen?: Screen;
}

/** The proxies a screen may be asked for; the first is the default. */
export const SCREEN_PROXIES = ['synflow', 'naswot', 'snip', 'grad_norm', 'params', 'flops'] as const;

/** Strategy options that every strategy takes: they wrap it in a ZeroCostFilterStrategy. */
export const ZC_FILTER_OPTIONS = ['zcFilter', 'zcProxy'] as const;

/**
 * Wraps a strategy so that each ask draws `k` candidates from it and returns only the one the screen
 * scores best (the first on ties); the other `k − 1` are told `invalid` at once, as architectures
 * rejected before evaluation are (they never reach the study, its trials or its budget). So evolution
 * seeds its population with the best of k random samples and mutates into the best of k children
 * (Abdelfattah et al. 2021, "zero-cost warm-up and move proposal"), at the cost of k proxy
 * computations per trial. Scores are cached per architecture key; the snapshot is the inner one.
 */
export class ZeroCostFilterStrategy implements Strategy {
  readonly name: string;
  private readonly scores = new Map<string, number>();

  constructor(
    private readonly inner: Strategy,
    private readonly ctx: StrategyContext,
    private readonly k: number,
    private readonly proxy: string,
    private readonly screen: Screen | undefined,
  ) {
    this.name = `${inner.name}+zc-filter`;
  }

  private score(a: Architecture): number {
    let s = this.scores.get(a.key);
    if (s === undefined) {
      try {
        s = (this.screen as Screen)(a, this.proxy);
        if (!Number.isFinite(s)) s = -Infinity;
      } catch {
        s = -Infinity; // cannot be scored (e.g. too deep for synflow): chosen only if nothing else is
      }
      if (this.scores.size > 100_000) this.scores.clear();
      this.scores.set(a.key, s);
    }
    return s;
  }

  ask(view: StudyView): Sample | undefined {
    if (!this.screen) throw invalidInput(`strategy option zcFilter needs an evaluator that builds the models (training); this study's evaluator cannot compute ${this.proxy}`);
    const drawn: { sample: Sample; arch: Architecture; score: number }[] = [];
    for (let i = 0; i < this.k; i++) {
      const sample = this.inner.ask({ finished: view.finished, pending: view.pending + i });
      if (!sample) break;
      const arch = this.ctx.space.freeze(sample);
      drawn.push({ sample, arch, score: this.score(arch) });
    }
    if (drawn.length === 0) return undefined;
    let best = 0;
    drawn.forEach((d, i) => {
      if (d.score > (drawn[best] as (typeof drawn)[number]).score) best = i;
    });
    drawn.forEach((d, i) => {
      if (i !== best) this.inner.tell({ sample: d.sample, key: d.arch.key, state: 'invalid' });
    });
    return (drawn[best] as (typeof drawn)[number]).sample;
  }

  tell(trial: FinishedTrial): void {
    this.inner.tell(trial);
  }

  snapshot(): unknown {
    return this.inner.snapshot();
  }

  restore(state: unknown): void {
    this.inner.restore(state);
  }
}

/**
 * The inner strategy wrapped when its options ask for a zero-cost filter (`zcFilter` = candidates per
 * ask, ≥ 2; `zcProxy` one of SCREEN_PROXIES, default synflow), else the inner strategy itself. The
 * inner strategy is built without these two options.
 */
export function withZeroCostFilter(ctx: ScreenContext, build: (ctx: StrategyContext) => Strategy): Strategy {
  const { zcFilter, zcProxy, ...rest } = ctx.options;
  const inner = build({ ...ctx, options: rest });
  if (zcFilter === undefined && zcProxy === undefined) return inner;
  // A multi-fidelity strategy's asks include promotions of architectures already evaluated: not candidates to screen.
  if (inner.askFidelity) throw new RangeError(`strategy option 'zcFilter' does not combine with ${inner.name}, which also asks for promotions of evaluated architectures`);
  const k = typeof zcFilter === 'string' ? Number(zcFilter) : zcFilter;
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 2 || k > 1000) throw new RangeError(`strategy option 'zcFilter' must be a whole number of candidates per ask in [2, 1000], got ${String(zcFilter)}`);
  const proxy = zcProxy === undefined ? SCREEN_PROXIES[0] : String(zcProxy);
  if (!(SCREEN_PROXIES as readonly string[]).includes(proxy)) throw new RangeError(`strategy option 'zcProxy' must be one of ${SCREEN_PROXIES.join(', ')}, got '${proxy}'`);
  return new ZeroCostFilterStrategy(inner, ctx, k, proxy, ctx.screen);
}
