import { NasError } from '../../shared/errors.js';
import type { Architecture, Choice, Dimension, Sample } from '../../shared/types/index.js';
import type { Rng } from './rng.js';

/**
 * A search space: a fixed list of decisions (dimensions) and the rules that make a sample an
 * architecture. Protocol:
 * - `sample`, `mutate`, `neighbours` only return valid, canonical samples.
 * - `freeze(s).key` is the canonical string; two samples freeze to the same key iff they are the
 *   same architecture of this space (inactive decisions do not count). `parse(key)` inverts it.
 * - `mutate` changes exactly one active decision; `neighbours` lists every such one-step change.
 * - `count()` is exact (a bigint: sizes are often astronomical).
 */
export interface SearchSpace {
  readonly id: string;
  readonly title: string;
  readonly dims: readonly Dimension[];
  validate(s: Sample): NasError | undefined;
  /** Whether decision `i` matters in `s` (gated decisions beyond a chosen depth do not). */
  isActive(s: Sample, i: number): boolean;
  freeze(s: Sample): Architecture;
  parse(key: string): Sample;
  sample(rng: Rng): Sample;
  mutate(s: Sample, rng: Rng): Sample;
  neighbours(s: Sample): Sample[];
  /** A fixed-length numeric encoding (one-hot per dimension, zeros for inactive ones). */
  features(s: Sample): number[];
  count(): bigint;
  /**
   * Optional: a string equal for samples that compute the same function although their keys differ
   * (isomorphic cells; operations that a `none` cuts off from the output). Strategies that use it
   * never spend an evaluation on an equivalent of an architecture already asked. Without it, the key
   * is the only identity (see `equivalenceKey`).
   */
  equivalenceKey?(s: Sample): string;
}

/** The space's equivalence key of a sample, or its key when the space defines no equivalence. */
export function equivalenceKey(space: SearchSpace, s: Sample): string {
  return space.equivalenceKey ? space.equivalenceKey(s) : space.freeze(s).key;
}

/**
 * Generic machinery for spaces made of categorical dimensions, optionally gated by a depth-like
 * dimension (see `Dimension.activeIf`). Subclasses choose the key format.
 */
export abstract class DimensionalSpace implements SearchSpace {
  abstract readonly id: string;
  abstract readonly title: string;
  readonly dims: readonly Dimension[];
  private readonly index = new Map<string, number>();
  private readonly gateOf: readonly number[];

  protected constructor(dims: readonly Dimension[]) {
    this.dims = dims;
    dims.forEach((d, i) => {
      if (this.index.has(d.name)) throw new NasError('invalid-space', `duplicate dimension name '${d.name}'`);
      if (d.choices.length === 0) throw new NasError('invalid-space', `dimension '${d.name}' has no choices`);
      this.index.set(d.name, i);
    });
    this.gateOf = dims.map((d) => {
      if (!d.activeIf) return -1;
      const g = this.index.get(d.activeIf.dim);
      if (g === undefined) throw new NasError('invalid-space', `dimension '${d.name}' is gated by unknown '${d.activeIf.dim}'`);
      const gate = dims[g] as Dimension;
      if (gate.activeIf) throw new NasError('invalid-space', `gate '${gate.name}' of '${d.name}' is itself gated`);
      if (!gate.choices.every((c) => typeof c === 'number')) {
        throw new NasError('invalid-space', `gate '${gate.name}' must have numeric choices`);
      }
      return g;
    });
  }

  abstract freeze(s: Sample): Architecture;
  abstract parse(key: string): Sample;

  dimIndex(name: string): number {
    const i = this.index.get(name);
    if (i === undefined) throw new NasError('invalid-sample', `space ${this.id} has no dimension '${name}'`);
    return i;
  }

  value(s: Sample, i: number): Choice {
    return (this.dims[i] as Dimension).choices[s[i] as number] as Choice;
  }

  isActive(s: Sample, i: number): boolean {
    const g = this.gateOf[i] as number;
    if (g < 0) return true;
    const gateValue = this.value(s, g) as number;
    return gateValue >= ((this.dims[i] as Dimension).activeIf as { gte: number }).gte;
  }

  validate(s: Sample): NasError | undefined {
    if (!Array.isArray(s) || s.length !== this.dims.length) {
      return new NasError('invalid-sample', `a ${this.id} sample has ${this.dims.length} decisions, got ${Array.isArray(s) ? s.length : typeof s}`);
    }
    for (let i = 0; i < s.length; i++) {
      const v = s[i];
      const d = this.dims[i] as Dimension;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= d.choices.length) {
        return new NasError('invalid-sample', `decision '${d.name}' must be a choice index in 0..${d.choices.length - 1}, got ${String(v)}`);
      }
    }
    return undefined;
  }

  protected assertValid(s: Sample): void {
    const e = this.validate(s);
    if (e) throw e;
  }

  /** Inactive decisions set to 0. */
  canonical(s: Sample): number[] {
    return s.map((v, i) => (this.isActive(s, i) ? v : 0));
  }

  sample(rng: Rng): Sample {
    const s = this.dims.map((d) => rng.int(d.choices.length));
    return this.canonical(s);
  }

  mutate(input: Sample, rng: Rng): Sample {
    this.assertValid(input);
    // Inactive decisions do not count: start from the canonical form so junk in them cannot resurface.
    const s = this.canonical(input);
    const candidates = this.dims.map((_, i) => i).filter((i) => this.isActive(s, i) && (this.dims[i] as Dimension).choices.length > 1);
    if (candidates.length === 0) return this.canonical(s);
    const i = rng.pick(candidates);
    const n = (this.dims[i] as Dimension).choices.length;
    const next = s.slice();
    next[i] = ((s[i] as number) + 1 + rng.int(n - 1)) % n;
    return this.canonical(next);
  }

  neighbours(input: Sample): Sample[] {
    this.assertValid(input);
    const s = this.canonical(input);
    const out: Sample[] = [];
    for (let i = 0; i < this.dims.length; i++) {
      if (!this.isActive(s, i)) continue;
      const n = (this.dims[i] as Dimension).choices.length;
      for (let c = 0; c < n; c++) {
        if (c === s[i]) continue;
        const next = s.slice();
        next[i] = c;
        out.push(this.canonical(next));
      }
    }
    return out;
  }

  features(s: Sample): number[] {
    const out: number[] = [];
    this.dims.forEach((d, i) => {
      const active = this.isActive(s, i);
      for (let c = 0; c < d.choices.length; c++) out.push(active && s[i] === c ? 1 : 0);
    });
    return out;
  }

  /**
   * Exact size by dynamic programming over the gate structure: each gate contributes the sum, over
   * its values, of the product of the sizes of the decisions it activates (like counting the paths
   * of a grid stage by stage); ungated decisions multiply in.
   */
  count(): bigint {
    let total = 1n;
    this.dims.forEach((d, i) => {
      const isGate = this.gateOf.includes(i);
      if (this.gateOf[i] === -1 && !isGate) total *= BigInt(d.choices.length);
    });
    this.dims.forEach((gate, g) => {
      if (!this.gateOf.includes(g)) return;
      let sum = 0n;
      for (const v of gate.choices as readonly number[]) {
        let prod = 1n;
        this.dims.forEach((d, i) => {
          if (this.gateOf[i] === g && v >= (d.activeIf as { gte: number }).gte) prod *= BigInt(d.choices.length);
        });
        sum += prod;
      }
      total *= sum;
    });
    return total;
  }
}

/** Every canonical sample of a (small) space, by brute force; for tests and tiny spaces. */
export function enumerate(space: DimensionalSpace): Sample[] {
  const seen = new Set<string>();
  const out: Sample[] = [];
  const s = space.dims.map(() => 0);
  const rec = (i: number): void => {
    if (i === space.dims.length) {
      const c = space.canonical(s);
      const k = c.join(',');
      if (!seen.has(k)) {
        seen.add(k);
        out.push(c);
      }
      return;
    }
    for (let v = 0; v < (space.dims[i] as Dimension).choices.length; v++) {
      s[i] = v;
      rec(i + 1);
    }
  };
  rec(0);
  return out;
}
