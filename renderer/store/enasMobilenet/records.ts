import type { CurvePoint } from '../../../shared/types/index.js';

/**
 * The epochs of an ENAS run on the mobilenet space, from its search trial's curve (written by
 * `frontier enas --space mobilenet`, see main/services/train/enas-mobilenet.ts enasMobilenetStudy):
 * `p_<decision>_<choice>` the controller's probabilities, `d_<decision>` the derived sub-network's
 * choice index where the decision is active in it, and per-epoch numbers (mean_reward, best_reward,
 * baseline, policy_entropy, train_loss, derived_accuracy).
 */
export interface EnasMobilenetRecords {
  readonly epochs: readonly number[];
  /** Decisions in the order the run wrote them, each with its choices (as written). */
  readonly decisions: readonly { readonly name: string; readonly choices: readonly string[] }[];
  /** probabilities[epoch index][decision][choice]. */
  readonly probabilities: readonly (readonly (readonly number[])[])[];
  /** derived[epoch index][decision]: the derived sub-network's choice index, or null where the decision is inactive in it. */
  readonly derived: readonly (readonly (number | null)[])[];
  /** The other per-epoch numbers, aligned with `epochs` (null where missing). */
  readonly series: Readonly<Record<string, readonly (number | null)[]>>;
}

const PROB = /^p_([^_]+)_(.+)$/;
const DERIVED = /^d_([^_]+)$/;

export function enasMobilenetRecords(curve: readonly CurvePoint[]): EnasMobilenetRecords {
  const decisions: { name: string; choices: string[] }[] = [];
  const byName = new Map<string, { name: string; choices: string[] }>();
  const prob = new Map<number, Map<string, number>>();
  const der = new Map<number, Map<string, number>>();
  const other = new Map<string, Map<number, number>>();
  const put = <K>(m: Map<number, Map<K, number>>, step: number, k: K, v: number) => {
    let at = m.get(step);
    if (!at) m.set(step, (at = new Map()));
    at.set(k, v);
  };
  for (const p of curve) {
    const pm = PROB.exec(p.metric);
    const dm = DERIVED.exec(p.metric);
    if (pm) {
      const [, name, choice] = pm as unknown as [string, string, string];
      let d = byName.get(name);
      if (!d) {
        d = { name, choices: [] };
        byName.set(name, d);
        decisions.push(d);
      }
      if (!d.choices.includes(choice)) d.choices.push(choice);
      put(prob, p.step, `${name} ${choice}`, p.value);
    } else if (dm) {
      put(der, p.step, dm[1] as string, p.value);
    } else {
      let s = other.get(p.metric);
      if (!s) other.set(p.metric, (s = new Map()));
      s.set(p.step, p.value);
    }
  }
  const epochs = [...prob.keys()].sort((a, b) => a - b);
  return {
    epochs,
    decisions,
    probabilities: epochs.map((e) => decisions.map((d) => d.choices.map((c) => prob.get(e)?.get(`${d.name} ${c}`) ?? 0))),
    derived: epochs.map((e) => decisions.map((d) => der.get(e)?.get(d.name) ?? null)),
    series: Object.fromEntries([...other].map(([metric, s]) => [metric, epochs.map((e) => s.get(e) ?? null)])),
  };
}
