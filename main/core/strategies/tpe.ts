import type { Dimension, Sample } from '../../../shared/types/index.js';
import { crowdingDistance, nonDominatedSort } from '../pareto.js';
import { Rng, type RngState } from '../rng.js';
import { numberOption, type FinishedTrial, type Strategy, type StrategyContext, type StudyView } from '../strategy.js';
import { score } from './fitness.js';
import { wholeOption } from './model-based.js';

interface Told {
  readonly sample: number[];
  readonly key: string;
  readonly vec: number[] | null;
}

interface TpeState {
  rng: RngState;
  told: Told[];
  pending: string[];
}

/**
 * Tree-structured Parzen estimator as Optuna's default sampler runs it (independent per decision):
 * after `startup` random trials, the complete trials are split into the best γ·n (at most 25) and
 * the rest; each decision gets a categorical Parzen estimator per group (observation counts, older
 * trials down-weighted once there are more than 25, plus `priorWeight` spread uniformly); `candidates`
 * draws from the good estimator are scored by log l(x) − log g(x) over their active decisions and the
 * best one not yet asked (nor pending) is proposed, drawing up to ten times as many when every draw
 * was asked already. Several objectives (MOTPE-like): trials are ranked by
 * non-dominated front, then crowding distance.
 */
export class TpeStrategy implements Strategy {
  readonly name = 'tpe';
  private readonly startup: number;
  private readonly candidates: number;
  private readonly gamma: number;
  private readonly priorWeight: number;
  private s: TpeState;

  constructor(private readonly ctx: StrategyContext) {
    this.startup = wholeOption(ctx, 'startup', 10, 1);
    this.candidates = wholeOption(ctx, 'candidates', 24, 1, 100_000);
    this.gamma = numberOption(ctx, 'gamma', 0.1, 0.01, 0.5);
    this.priorWeight = numberOption(ctx, 'priorWeight', 1, 0.001);
    this.s = { rng: new Rng(ctx.seed).state(), told: [], pending: [] };
  }

  ask(_view: StudyView): Sample {
    const rng = new Rng(this.s.rng);
    const space = this.ctx.space;
    const seen = new Set([...this.s.told.map((t) => t.key), ...this.s.pending]);
    const completes = this.s.told.filter((t) => t.vec !== null);
    let out: Sample | undefined;
    if (completes.length >= this.startup) {
      const { good, bad } = this.split(completes);
      const l = this.estimators(good);
      const g = this.estimators(bad);
      let bestScore = -Infinity;
      // `candidates` draws from l(x); once l(x) has concentrated on architectures already asked, up
      // to ten times as many, so that the proposal stays a draw from l(x) rather than a random cell.
      for (let c = 0; c < this.candidates || (!out && c < 10 * this.candidates); c++) {
        const raw = space.dims.map((_, d) => rng.weighted(l[d] as number[]));
        const s = raw.map((v, d) => (space.isActive(raw, d) ? v : 0));
        const key = space.freeze(s).key;
        if (seen.has(key)) continue;
        let sc = 0;
        s.forEach((v, d) => {
          if (space.isActive(s, d)) sc += Math.log((l[d] as number[])[v] as number) - Math.log((g[d] as number[])[v] as number);
        });
        if (sc > bestScore) {
          bestScore = sc;
          out = s;
        }
      }
    }
    if (!out) {
      out = space.sample(rng);
      for (let tries = 0; tries < 100 && seen.has(space.freeze(out).key); tries++) out = space.sample(rng);
    }
    this.s.pending.push(space.freeze(out).key);
    this.s.rng = rng.state();
    return out;
  }

  /** Good and bad groups, each trial with its Optuna weight (by age: the last 25 weigh 1, older ones ramp up from 1/n). */
  private split(completes: readonly Told[]): { good: [Told, number][]; bad: [Told, number][] } {
    const n = completes.length;
    const weights = completes.map((_, i) => (n <= 25 || i >= n - 25 ? 1 : 1 / n + ((1 - 1 / n) * i) / Math.max(1, n - 26)));
    const vecs = completes.map((t) => t.vec as number[]);
    let order: number[];
    if (this.ctx.objectives.length === 1) {
      order = vecs.map((_, i) => i).sort((a, b) => (vecs[a]?.[0] as number) - (vecs[b]?.[0] as number) || a - b);
    } else {
      order = [];
      for (const front of nonDominatedSort(vecs)) {
        const crowd = crowdingDistance(vecs, front);
        order.push(...front.map((i, k) => [i, crowd[k] as number] as const).sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([i]) => i));
      }
    }
    const nGood = Math.min(Math.ceil(this.gamma * n), 25);
    const pick = (ids: number[]) => ids.map((i) => [completes[i] as Told, weights[i] as number] as [Told, number]);
    return { good: pick(order.slice(0, nGood)), bad: pick(order.slice(nGood)) };
  }

  /** Per decision, the probability of each choice: weighted counts over trials where it is active, plus the prior. */
  private estimators(group: readonly [Told, number][]): number[][] {
    const space = this.ctx.space;
    return space.dims.map((dim: Dimension, d) => {
      const c = dim.choices.length;
      const p = new Array<number>(c).fill(this.priorWeight / c);
      for (const [t, w] of group) {
        const v = t.sample[d] as number;
        if (space.isActive(t.sample, d)) p[v] = (p[v] as number) + w;
      }
      const total = p.reduce((a, b) => a + b, 0);
      return p.map((v) => v / total);
    });
  }

  tell(t: FinishedTrial): void {
    const i = this.s.pending.indexOf(t.key);
    if (i >= 0) this.s.pending.splice(i, 1);
    const vec = t.state === 'complete' && t.values ? score(null, t.values, this.ctx.objectives).vec.slice() : null;
    this.s.told.push({ sample: t.sample.slice(), key: t.key, vec });
  }

  snapshot(): unknown {
    return structuredClone(this.s);
  }

  restore(state: unknown): void {
    this.s = structuredClone(state as TpeState);
  }
}
