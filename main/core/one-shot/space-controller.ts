/**
 * ENAS's controller over any dimensional space (here: the mobilenet space's depths, widths, kernels,
 * expansions, squeeze-excite): an independent categorical policy per decision (no LSTM, as
 * EnasController for the NB201 cell), trained by REINFORCE on batches of (sample, reward) with a
 * moving-average baseline and an entropy bonus; advantages are divided by the rewards' running
 * standard deviation (a moving average like the baseline), so that the step size means the same
 * whatever the reward's scale (accuracies a few points apart, or times a latency term). A decision that is inactive in a sample (a block
 * beyond its stage's depth) did not shape its reward and gets no gradient from it.
 */
import { NasError } from '../../../shared/errors.js';
import type { Architecture, Sample } from '../../../shared/types/index.js';
import { Rng, type RngState } from '../rng.js';
import type { DimensionalSpace } from '../search-space.js';

export interface SpaceControllerOptions {
  readonly seed: number;
  /** Policy-gradient step size (default 0.1). */
  readonly lr?: number;
  /** Moving-average baseline's decay per reward (default 0.9). */
  readonly baselineDecay?: number;
  /** Entropy bonus (default 1e-3). */
  readonly entropy?: number;
}

function softmax(row: readonly number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((l) => Math.exp(l - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}

/** Everything a SpaceController's future depends on (a checkpoint's part): the policy, the baseline and running variance (its optimiser state), the sampler. */
export interface SpaceControllerState {
  readonly logits: number[][];
  readonly baseline: number | null;
  readonly variance: number;
  readonly rng: readonly number[];
}

export class SpaceController {
  private logits: number[][];
  private baseline: number | null = null;
  private variance = 0;
  private rng: RngState;

  constructor(
    readonly space: DimensionalSpace,
    private readonly o: SpaceControllerOptions,
  ) {
    for (const [name, v, min] of [['lr', o.lr, 0], ['entropy', o.entropy, 0], ['baselineDecay', o.baselineDecay, 0]] as const) {
      if (v !== undefined && !(Number.isFinite(v) && v >= min)) throw new NasError('invalid-input', `ENAS controller: ${name} must be a number ≥ ${min}, got ${v}`);
    }
    if (o.baselineDecay !== undefined && o.baselineDecay > 1) throw new NasError('invalid-input', `ENAS controller: baselineDecay must be ≤ 1, got ${o.baselineDecay}`);
    this.logits = space.dims.map((d) => d.choices.map(() => 0));
    this.rng = new Rng(o.seed).state();
  }

  /** The policy: per decision, the probability of each choice. */
  probabilities(): number[][] {
    return this.logits.map(softmax);
  }

  /** The rewards' moving average (null before the first update). */
  baselineValue(): number | null {
    return this.baseline;
  }

  state(): SpaceControllerState {
    return { logits: this.logits.map((row) => [...row]), baseline: this.baseline, variance: this.variance, rng: [...this.rng] };
  }

  /** Continues from a state() of a controller of the same space and options (invalid-input when it does not fit the space). */
  restore(s: SpaceControllerState): void {
    const dims = this.space.dims;
    const ok = Array.isArray(s?.logits) && s.logits.length === dims.length
      && s.logits.every((row, d) => Array.isArray(row) && row.length === (dims[d] as { choices: readonly unknown[] }).choices.length && row.every(Number.isFinite))
      && (s.baseline === null || Number.isFinite(s.baseline)) && Number.isFinite(s.variance) && s.variance >= 0
      && Array.isArray(s.rng) && s.rng.length === 4 && s.rng.every(Number.isInteger);
    if (!ok) throw new NasError('invalid-input', `not a state of an ENAS controller over the ${this.space.id} space`);
    this.logits = s.logits.map((row) => [...row]);
    this.baseline = s.baseline;
    this.variance = s.variance;
    this.rng = [s.rng[0], s.rng[1], s.rng[2], s.rng[3]] as RngState;
  }

  /** Mean entropy per decision (nats): log(choices) at the start, 0 once the policy is certain. */
  entropy(): number {
    const h = this.probabilities().map((p) => -p.reduce((a, pk) => a + (pk > 0 ? pk * Math.log(pk) : 0), 0));
    return h.reduce((a, b) => a + b, 0) / Math.max(1, h.length);
  }

  /** `n` architectures drawn from the policy (canonical samples). */
  sample(n: number): Architecture[] {
    const rng = new Rng(this.rng);
    const out: Architecture[] = [];
    for (let i = 0; i < n; i++) out.push(this.space.freeze(this.logits.map((l) => rng.weighted(softmax(l)))));
    this.rng = rng.state();
    return out;
  }

  /** The policy's most probable architecture (the argmax of every decision). */
  best(): Architecture {
    return this.space.freeze(this.logits.map((row) => row.indexOf(Math.max(...row))));
  }

  /** One policy-gradient step over a batch of (sample, reward); the baseline is the rewards' moving average. */
  update(samples: readonly Sample[], rewards: readonly number[]): void {
    if (samples.length !== rewards.length || samples.length === 0) throw new NasError('invalid-input', `ENAS update: ${samples.length} samples for ${rewards.length} rewards`);
    for (const r of rewards) if (!Number.isFinite(r)) throw new NasError('invalid-input', `ENAS reward ${r} is not finite`);
    const lr = this.o.lr ?? 0.1;
    const decay = this.o.baselineDecay ?? 0.9;
    const beta = this.o.entropy ?? 1e-3;
    const b = this.baseline ?? rewards.reduce((a, x) => a + x, 0) / rewards.length;
    const batchVar = rewards.reduce((a, x) => a + (x - b) ** 2, 0) / rewards.length;
    const v = this.baseline === null ? batchVar : decay * this.variance + (1 - decay) * batchVar;
    const sd = Math.sqrt(v) + 1e-6;
    const probs = this.probabilities();
    const grads = this.logits.map((row) => row.map(() => 0));
    samples.forEach((s, i) => {
      const adv = ((rewards[i] as number) - b) / sd;
      probs.forEach((p, d) => {
        if (!this.space.isActive(s, d)) return;
        const g = grads[d] as number[];
        p.forEach((pk, k) => {
          g[k] = (g[k] as number) + (adv * ((s[d] === k ? 1 : 0) - pk)) / samples.length;
        });
      });
    });
    probs.forEach((p, d) => {
      // ∂H/∂logit_k = -p_k (log p_k + H)
      const h = -p.reduce((a, pk) => a + (pk > 0 ? pk * Math.log(pk) : 0), 0);
      const g = grads[d] as number[];
      p.forEach((pk, k) => {
        if (pk > 0) g[k] = (g[k] as number) - beta * pk * (Math.log(pk) + h);
      });
    });
    this.variance = v;
    for (const r of rewards) this.baseline = this.baseline === null ? r : decay * this.baseline + (1 - decay) * r;
    this.logits = this.logits.map((row, d) => row.map((l, k) => l + lr * ((grads[d] as number[])[k] as number)));
  }
}
